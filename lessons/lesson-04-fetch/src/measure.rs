//! Lesson 04: the figures, as `name=value unit` lines for the tour.
//!
//! [`measure`] times every strategy on the same local URLs (the median of
//! a few rounds), reads the server's peak of requests in flight, and runs
//! tokio alone at a scale where the waiting stops being the cost:
//! `cargo run --release -p lesson-04-fetch -- measure`.

use shared::{DelayServer, Figure};

use crate::run::in_flight_cap;
use crate::{DEFAULT_TIMEOUT, Fetch, Reporter, Strategy, delay_paths};

/// Sizes for [`measure`]: `urls` local URLs of `delay_ms` each for every
/// strategy, `rounds` rounds (the median is kept), and one tokio run of
/// `scale_urls` URLs (0 to skip it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// URLs per strategy.
    pub urls: usize,
    /// Delay of each URL, in ms.
    pub delay_ms: u64,
    /// Rounds per strategy; the median wall time is reported.
    pub rounds: usize,
    /// URLs of the tokio scale run (0: skip).
    pub scale_urls: usize,
}

impl Sizes {
    /// Well under a second, even in a debug build: proves it runs.
    pub const QUICK: Sizes = Sizes {
        urls: 4,
        delay_ms: 5,
        rounds: 1,
        scale_urls: 50,
    };
    /// The tour's size: about four seconds, most of it the two
    /// one-at-a-time strategies.
    pub const NORMAL: Sizes = Sizes {
        urls: 10,
        delay_ms: 50,
        rounds: 3,
        scale_urls: 1000,
    };
    /// `measure` with no flags: 20 × 100 ms per strategy, and
    /// 10 000 × 100 ms for tokio. About 15 seconds.
    pub const FULL: Sizes = Sizes {
        urls: 20,
        delay_ms: 100,
        rounds: 3,
        scale_urls: 10_000,
    };
}

/// Measures every strategy on the same local URLs and returns the figures:
/// `wall_ms_<strategy>` (median of `rounds`), `peak_in_flight_<strategy>`,
/// `speedup_tokio` over sequential, and for `scale_urls` URLs with tokio
/// `wall_ms_tokio_scale_first` (one round that opens every connection)
/// and `wall_ms_tokio_scale` (the median of `rounds` more, reusing them),
/// with `scale_urls` itself. Fails if any fetch fails.
pub fn measure(sizes: Sizes) -> shared::Result<Vec<Figure>> {
    let server = DelayServer::start(None)?;
    let timeout = DEFAULT_TIMEOUT;
    let urls: Vec<String> = delay_paths(sizes.urls, sizes.delay_ms)
        .iter()
        .map(|p| server.url(p))
        .collect();
    let mut figures = Vec::new();
    let mut walls = Vec::new();
    for &strategy in Strategy::all() {
        let fetcher = strategy.build(timeout, None)?;
        let report = Reporter::quiet(strategy);
        let (wall, peak) =
            timed_rounds(&*fetcher, &urls, &report, &server, sizes.rounds)?;
        let name = strategy.to_string().replace('-', "_");
        figures.push(Figure::new(format!("wall_ms_{name}"), wall, "ms"));
        figures.push(Figure::new(
            format!("peak_in_flight_{name}"),
            peak as f64,
            "requests",
        ));
        walls.push((strategy, wall));
    }
    let wall_of =
        |s: Strategy| walls.iter().find(|(w, _)| *w == s).map(|w| w.1);
    if let (Some(seq), Some(tokio)) =
        (wall_of(Strategy::Sequential), wall_of(Strategy::Tokio))
    {
        figures.push(Figure::new("speedup_tokio", seq / tokio, "x"));
    }
    if sizes.scale_urls > 0 {
        let urls: Vec<String> = delay_paths(sizes.scale_urls, sizes.delay_ms)
            .iter()
            .map(|p| server.url(p))
            .collect();
        let cap = in_flight_cap(urls.len(), true);
        let fetcher = Strategy::Tokio.build(timeout, cap)?;
        let report = Reporter::quiet(Strategy::Tokio);
        // The first round opens every connection; later ones find them
        // in the client's pool, as a crawler's second pass would.
        let (first, _) = timed_rounds(&*fetcher, &urls, &report, &server, 1)?;
        figures.push(Figure::new("wall_ms_tokio_scale_first", first, "ms"));
        let (wall, _) =
            timed_rounds(&*fetcher, &urls, &report, &server, sizes.rounds)?;
        figures.push(Figure::new("wall_ms_tokio_scale", wall, "ms"));
        figures.push(Figure::new("scale_urls", urls.len() as f64, "urls"));
    }
    Ok(figures)
}

/// The median wall time in ms over `rounds` rounds, and the highest peak
/// of requests in flight; an error if any fetch failed.
fn timed_rounds(
    fetcher: &dyn Fetch,
    urls: &[String],
    report: &Reporter,
    server: &DelayServer,
    rounds: usize,
) -> shared::Result<(f64, usize)> {
    let mut samples = Vec::new();
    let mut peak = 0;
    for _ in 0..rounds.max(1) {
        server.reset_peak();
        let (outcomes, wall) =
            shared::timed(|| fetcher.fetch_all(urls, report));
        peak = peak.max(server.peak_in_flight());
        let failed = outcomes.iter().filter(|o| o.is_err()).count();
        if let Some(Err(first)) = outcomes.iter().find(|o| o.is_err()) {
            return Err(format!(
                "{failed} of {} fetches failed, the first with: {first}",
                urls.len()
            )
            .into());
        }
        samples.push(wall.as_secs_f64() * 1e3);
    }
    Ok((shared::median(samples), peak))
}
