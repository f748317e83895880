//! Peers that misbehave on purpose: one that never stops sending, and one
//! whose `Content-Length` lies. Every strategy must end each fetch with a
//! failure that says why, and hold no more than the body cap in memory.

use std::time::Duration;

use lesson_04_fetch::{FetchError, MAX_BODY, Reporter, Strategy};
use shared::{Trace, Transcript};

const TIMEOUT: Duration = Duration::from_secs(30);

fn fetch_with_every_strategy(
    url: &str,
) -> Vec<(Strategy, Vec<lesson_04_fetch::Outcome>)> {
    let urls = vec![url.to_owned()];
    Strategy::all()
        .iter()
        .map(|&strategy| {
            let fetcher = strategy.build(TIMEOUT, None).unwrap();
            let trace = Trace::disabled();
            let report = Reporter::new(
                Transcript::quiet(),
                trace.lane("main"),
                strategy,
            );
            (strategy, fetcher.fetch_all(&urls, &report))
        })
        .collect()
}

#[test]
fn a_body_over_the_cap_is_a_failed_fetch_in_every_strategy() {
    // No Content-Length: the body ends when the peer closes, which it does
    // only after far more than the cap (or when the client hangs up).
    let url = crate::common::peer(
        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
        160 << 20,
    );
    for (strategy, outcomes) in fetch_with_every_strategy(&url) {
        assert_eq!(
            outcomes,
            [Err(FetchError::TooLarge(MAX_BODY))],
            "{strategy}"
        );
    }
}

#[test]
fn a_huge_content_length_is_a_failed_fetch_in_every_strategy() {
    let head = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n";
    let url = crate::common::peer(head, 160 << 20);
    // Refused on the claim, before the body: every strategy says so.
    for (strategy, outcomes) in fetch_with_every_strategy(&url) {
        assert_eq!(
            outcomes,
            [Err(FetchError::TooLarge(MAX_BODY))],
            "{strategy}"
        );
    }
}

#[test]
fn a_content_length_that_lies_is_a_failed_fetch_in_every_strategy() {
    for claim in ["18446744073709551615", "-5", "10"] {
        let head =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {claim}\r\n\r\n");
        let url = crate::common::peer(head.leak(), 3);
        for (strategy, outcomes) in fetch_with_every_strategy(&url) {
            assert!(
                matches!(outcomes[..], [Err(_)]),
                "{strategy}, Content-Length {claim}: {outcomes:?}"
            );
        }
    }
}
