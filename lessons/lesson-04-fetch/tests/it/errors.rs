//! A URL that fails is reported on its own line and the others still
//! succeed, in every strategy: a refused port, a `500`, a timeout and a
//! URL that does not parse.

use std::time::Duration;

use lesson_04_fetch::{FetchError, Reporter, Strategy, urlopen};
use shared::{DelayServer, Trace, Transcript};

#[test]
fn failures_are_reported_per_url_and_the_rest_succeed() {
    let server = DelayServer::start(None).unwrap();
    let refused = crate::common::refused_url();
    let urls = vec![
        server.url("/delay/10"),
        refused.clone(),
        server.url("/status/500"),
        server.url("/delay/2000"),
        "not a url".to_owned(),
        server.url("/bytes/1234"),
    ];
    // Short enough that /delay/2000 times out, long enough for the rest.
    let timeout = Duration::from_millis(500);
    for &strategy in Strategy::all() {
        let fetcher = strategy.build(timeout, None).unwrap();
        let out = Transcript::quiet();
        let trace = Trace::disabled();
        let report = Reporter::new(out.clone(), trace.lane("main"), strategy);
        let outcomes = fetcher.fetch_all(&urls, &report);

        assert_eq!(outcomes[0], Ok(10), "{strategy}");
        assert!(
            matches!(&outcomes[1], Err(FetchError::Connect(why))
                if why.contains("refused")),
            "{strategy}: {:?}",
            outcomes[1]
        );
        assert_eq!(
            outcomes[2],
            Err(FetchError::Status(500, "Internal Server Error".into())),
            "{strategy}"
        );
        assert_eq!(
            outcomes[3],
            Err(FetchError::Timeout(timeout)),
            "{strategy}"
        );
        assert!(
            matches!(outcomes[4], Err(FetchError::BadUrl(_))),
            "{strategy}: {:?}",
            outcomes[4]
        );
        assert_eq!(outcomes[5], Ok(1234), "{strategy}");

        // One line per failure, naming the URL, in whatever order the
        // strategy finished them.
        let lines = out.lines();
        let failed: Vec<_> = lines
            .iter()
            .filter(|l| l.starts_with("nothing received from "))
            .collect();
        assert_eq!(failed.len(), 4, "{strategy}: {lines:?}");
        for (url, why) in [
            (&refused, "cannot connect: "),
            (&urls[2], "HTTP 500 Internal Server Error."),
            (&urls[3], "timed out after 500 ms."),
            (&urls[4], "bad URL: "),
        ] {
            let prefix = format!("nothing received from {url}: {why}");
            assert!(
                failed.iter().any(|l| l.starts_with(&prefix)),
                "{strategy}: no {prefix:?} in {failed:?}"
            );
        }
        assert_eq!(lines.iter().filter(|l| l.starts_with("GET: ")).count(), 6);
    }
}

#[test]
fn the_unpatched_urlopen_refuses_https_and_reads_plain_http() {
    let server = DelayServer::start(None).unwrap();
    let timeout = Duration::from_secs(5);
    assert_eq!(urlopen(&server.url("/bytes/70000"), timeout), Ok(70_000));
    assert!(matches!(
        urlopen("https://127.0.0.1:1/", timeout),
        Err(FetchError::BadUrl(_))
    ));
}
