//! How many requests each strategy had in flight at once, read from the
//! delay server's counter and from the recorded trace. Structural facts,
//! not timings: each delay is long enough that requests which *can*
//! overlap certainly do, and the assertions are about counts.

use std::time::Duration;

use lesson_04_fetch::{Rayon, Reporter, Strategy, delay_paths};
use shared::{DelayServer, State, Trace, Transcript};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Fetches `n` URLs of `delay_ms` with `strategy` (capped at
/// `concurrency`), tracing on the client side, and returns the server's
/// peak of requests in flight and the client's trace.
fn fetch(
    strategy: Strategy,
    n: usize,
    delay_ms: u64,
    concurrency: Option<usize>,
) -> (usize, Trace) {
    let server = DelayServer::start(None).unwrap();
    let urls: Vec<String> = delay_paths(n, delay_ms)
        .iter()
        .map(|p| server.url(p))
        .collect();
    let fetcher = strategy.build(TIMEOUT, concurrency).unwrap();
    let trace = Trace::new();
    let report =
        Reporter::new(Transcript::quiet(), trace.lane("main"), strategy);
    let outcomes = fetcher.fetch_all(&urls, &report);
    assert_eq!(outcomes.len(), n);
    for outcome in &outcomes {
        // The body of `/delay/{ms}` is the route and a newline.
        let body = format!("/delay/{delay_ms}\n").len();
        assert_eq!(outcome, &Ok(body), "{strategy}");
    }
    (server.peak_in_flight(), trace)
}

/// The client-side spans of a run: one per URL, in the given state.
fn spans_in(trace: &Trace, state: State) -> (usize, usize) {
    let snap = trace.snapshot();
    let spans: Vec<_> = snap.spans_in(state).collect();
    (spans.len(), snap.peak_overlap(spans.iter().copied()))
}

#[test]
fn sequential_has_one_request_in_flight() {
    let (peak, trace) = fetch(Strategy::Sequential, 5, 20, None);
    assert_eq!(peak, 1);
    assert_eq!(spans_in(&trace, State::Blocked), (5, 1));
}

#[test]
fn tokio_has_every_request_in_flight() {
    let (peak, trace) = fetch(Strategy::Tokio, 50, 300, None);
    assert_eq!(peak, 50);
    // Waiting, not blocked: the thread was free during every request.
    assert_eq!(spans_in(&trace, State::Waiting), (50, 50));
    assert_eq!(spans_in(&trace, State::Blocked).0, 0);
}

#[test]
fn tokio_with_a_concurrency_of_8_has_8_in_flight() {
    let (peak, trace) = fetch(Strategy::Tokio, 24, 100, Some(8));
    assert_eq!(peak, 8);
    assert_eq!(spans_in(&trace, State::Waiting), (24, 8));
}

#[test]
fn rayon_has_at_most_its_pool_size_in_flight() {
    let pool = Rayon::pool_size();
    // Each pool thread fetches at least two URLs of 100 ms: every thread
    // is inside a request at some moment together, and never more of them.
    let (peak, trace) = fetch(Strategy::Rayon, 2 * pool + 1, 100, None);
    assert_eq!(peak, pool, "peak {peak}, pool {pool}");
    let (spans, overlap) = spans_in(&trace, State::Blocked);
    assert_eq!(spans, 2 * pool + 1);
    assert_eq!(overlap, pool, "overlap {overlap}, pool {pool}");
}

#[test]
fn threads_have_every_request_in_flight() {
    let (peak, trace) = fetch(Strategy::Threads, 12, 300, None);
    assert_eq!(peak, 12);
    assert_eq!(spans_in(&trace, State::Blocked), (12, 12));
}

#[test]
fn blocking_inside_tokio_serializes_the_requests() {
    let (peak, trace) = fetch(Strategy::BlockingInTokio, 5, 20, None);
    assert_eq!(peak, 1, "the pitfall overlapped requests");
    assert_eq!(spans_in(&trace, State::Blocked), (5, 1));
}

#[test]
fn every_strategy_fetches_every_url() {
    for &strategy in Strategy::all() {
        let (_, trace) = fetch(strategy, 3, 1, None);
        // One lane per URL besides `main`, named after the strategy.
        let snap = trace.snapshot();
        let lanes: Vec<_> =
            snap.lanes.iter().filter(|l| *l != "main").collect();
        assert_eq!(lanes.len(), 3, "{strategy}");
        let tag = format!("{} ", strategy.tag());
        assert!(lanes.iter().all(|l| l.starts_with(&tag)), "{lanes:?}");
    }
}
