//! `cargo run -p lesson-04-fetch`: the course's three fetches, one after
//! another and then all at once, against a local delay server.
//!
//! With no arguments it prints what the Python original prints (with local
//! URLs), then a table. The flags pick strategies and URLs; `serve` runs
//! the delay server alone; `measure` prints `name=value unit` lines.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::builder::RangedI64ValueParser;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use lesson_04_fetch::{
    Config, DEMO_DELAYS_MS, Sizes, Strategy, Targets, delay_paths, measure, run,
};
use shared::DelayServer;
use shared::render::TimelineArgs;

/// Fetch URLs sequentially, with threads, with rayon, with tokio, and the
/// pitfall of blocking inside tokio, against a local delay server.
#[derive(Debug, Parser)]
#[command(version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Which strategy to run; without it, sequential then tokio, as the
    /// course does.
    #[arg(long, value_name = "STRATEGY", value_parser = strategies())]
    strategy: Option<Strategies>,

    /// Fetch N local URLs (each waits --delay-ms) instead of the course's
    /// three (300, 200 and 100 ms). Beyond 20 URLs only failures and a
    /// summary are printed.
    #[arg(
        long,
        value_name = "N",
        allow_negative_numbers = true,
        value_parser = RangedI64ValueParser::<usize>::new().range(1..=100_000),
    )]
    urls: Option<usize>,

    /// How long each local URL waits, in ms (100 if only --urls is given).
    #[arg(
        long,
        value_name = "MS",
        allow_negative_numbers = true,
        value_parser = RangedI64ValueParser::<u64>::new().range(0..=60_000),
    )]
    delay_ms: Option<u64>,

    /// Fetch this URL instead of local ones (repeatable): the internet,
    /// as the course does, or `serve` in another terminal.
    #[arg(long, value_name = "URL", conflicts_with_all = ["urls", "delay_ms"])]
    url: Vec<String>,

    /// At most K requests in flight at once (tokio only).
    #[arg(
        long,
        value_name = "K",
        allow_negative_numbers = true,
        value_parser = RangedI64ValueParser::<usize>::new().range(1..=100_000),
    )]
    concurrency: Option<usize>,

    /// Give up on a request after this many ms.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 10_000,
        allow_negative_numbers = true,
        value_parser = RangedI64ValueParser::<u64>::new().range(1..=600_000),
    )]
    timeout_ms: u64,

    #[command(flatten)]
    timeline: TimelineArgs,
}

/// The strategies a run fetches with: one, or all of them.
#[derive(Clone, Debug)]
struct Strategies(Vec<Strategy>);

/// `--strategy`: the names clap derives for [`Strategy`], and `all`.
fn strategies() -> impl clap::builder::TypedValueParser<Value = Strategies> {
    use clap::builder::{
        PossibleValue, PossibleValuesParser, TypedValueParser,
    };
    let names = Strategy::all()
        .iter()
        .filter_map(ValueEnum::to_possible_value)
        .chain([
            PossibleValue::new("all").help("Every strategy, one after another")
        ]);
    PossibleValuesParser::new(names).map(|name| {
        Strategies(match Strategy::from_str(&name, false) {
            Ok(one) => vec![one],
            Err(_) => Strategy::all().to_vec(),
        })
    })
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the delay server alone, until Ctrl-C.
    Serve {
        /// The port on 127.0.0.1 (0: any free port).
        #[arg(
            long,
            default_value_t = 8000,
            allow_negative_numbers = true,
            value_parser = clap::value_parser!(u16),
        )]
        port: u16,
    },
    /// Measure every strategy on local URLs; print `name=value unit` lines.
    Measure {
        /// URLs per strategy.
        #[arg(
            long,
            value_name = "N",
            default_value_t = Sizes::FULL.urls,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=1000),
        )]
        urls: usize,
        /// Delay of each URL, in ms.
        #[arg(
            long,
            value_name = "MS",
            default_value_t = Sizes::FULL.delay_ms,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<u64>::new().range(0..=10_000),
        )]
        delay_ms: u64,
        /// Rounds; the median is printed.
        #[arg(
            long,
            value_name = "R",
            default_value_t = Sizes::FULL.rounds,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<usize>::new().range(1..=100),
        )]
        rounds: usize,
        /// URLs of the tokio scale run (0: skip it).
        #[arg(
            long,
            value_name = "N",
            default_value_t = Sizes::FULL.scale_urls,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<usize>::new()
                .range(0..=100_000),
        )]
        scale_urls: usize,
    },
    /// Total time against the number of URLs for every strategy: a
    /// markdown table, and a chart with --svg.
    Sweep {
        /// Delay of each URL, in ms.
        #[arg(
            long,
            value_name = "MS",
            default_value_t = 100,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<u64>::new().range(0..=10_000),
        )]
        delay_ms: u64,
        /// The largest URL count; the counts are 1, 10, 100, ... up to it.
        #[arg(
            long,
            value_name = "N",
            default_value_t = 10_000,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<usize>::new()
                .range(1..=100_000),
        )]
        max_urls: usize,
        /// Skip the points that would take longer than this, in seconds.
        #[arg(
            long,
            value_name = "S",
            default_value_t = 10,
            allow_negative_numbers = true,
            value_parser = RangedI64ValueParser::<u64>::new().range(1..=600),
        )]
        budget_secs: u64,
        /// Write the chart to PATH (its folder must exist).
        #[arg(long, value_name = "PATH", value_parser = shared::render::output_path)]
        svg: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Serve { port }) => serve(port),
        Some(Command::Measure {
            urls,
            delay_ms,
            rounds,
            scale_urls,
        }) => {
            let bar = shared::progress::spinner(
                "measuring every strategy, then tokio at scale",
            );
            let figures = measure(Sizes {
                urls,
                delay_ms,
                rounds,
                scale_urls,
            });
            bar.finish_and_clear();
            figures.and_then(|figures| Ok(shared::print_figures(&figures)?))
        }
        Some(Command::Sweep {
            delay_ms,
            max_urls,
            budget_secs,
            ref svg,
        }) => sweep(delay_ms, max_urls, budget_secs, svg.as_deref()),
        None => demo(&cli),
    };
    shared::exit_code(result)
}

/// The delay server in the foreground, for a second terminal.
fn serve(port: u16) -> shared::Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let server = DelayServer::bind(addr, None)
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    shared::outln!(
        "delay server on http://{} (/delay/{{ms}}, /bytes/{{n}}, \
         /status/{{code}}); Ctrl-C stops it",
        server.addr()
    )?;
    server.wait();
    Ok(())
}

/// The sweep: every strategy at 1, 10, 100, ... URLs.
fn sweep(
    delay_ms: u64,
    max_urls: usize,
    budget_secs: u64,
    svg: Option<&std::path::Path>,
) -> shared::Result<()> {
    let counts: Vec<usize> = std::iter::successors(Some(1usize), |n| {
        n.checked_mul(10).filter(|&m| m <= max_urls)
    })
    .collect();
    let bar =
        shared::progress::spinner("fetching every strategy at every count");
    let points = lesson_04_fetch::sweep(
        &counts,
        delay_ms,
        Duration::from_secs(budget_secs),
    );
    bar.finish_and_clear();
    let points = points?;
    for line in lesson_04_fetch::sweep_table(&points) {
        shared::outln!("{line}")?;
    }
    if let Some(path) = svg {
        let title =
            format!("lesson 04: total time against URLs of {delay_ms} ms");
        let chart = lesson_04_fetch::sweep_svg(&points, &title)?;
        std::fs::write(path, chart).map_err(|e| {
            format!("cannot write the SVG to {}: {e}", path.display())
        })?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The course's demo, scaled by the flags, then the pictures if asked for.
fn demo(cli: &Cli) -> shared::Result<()> {
    let strategies = match &cli.strategy {
        None => Config::default().strategies,
        Some(Strategies(chosen)) => chosen.clone(),
    };
    // `--concurrency` is tokio's semaphore; the other strategies have
    // nothing it could cap, and a flag that does nothing is refused.
    if cli.concurrency.is_some() && !strategies.contains(&Strategy::Tokio) {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "--concurrency caps the tokio strategy only; use it with \
                 --strategy tokio or --strategy all",
            )
            .exit();
    }
    let targets = if !cli.url.is_empty() {
        Targets::Remote(cli.url.clone())
    } else {
        match (cli.urls, cli.delay_ms) {
            (None, None) => Config::default().targets,
            (n, delay) => Targets::Local(delay_paths(
                n.unwrap_or(DEMO_DELAYS_MS.len()),
                delay.unwrap_or(100),
            )),
        }
    };
    let config = Config {
        strategies,
        targets,
        timeout: Duration::from_millis(cli.timeout_ms),
        concurrency: cli.concurrency,
        echo: true,
        trace: cli.timeline.wanted(),
        progress: true,
        ..Config::default()
    };
    let run = run(&config)?;
    let title = format!(
        "lesson 04: {} URLs, {}",
        config.targets.len(),
        config
            .strategies
            .iter()
            .map(Strategy::to_string)
            .collect::<Vec<_>>()
            .join(" vs ")
    );
    cli.timeline.show(&run.trace, &title)?;
    match run.failures() {
        0 => Ok(()),
        failed => {
            Err(format!("{failed} of {} fetches failed", run.fetches()).into())
        }
    }
}
