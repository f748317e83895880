//! Lesson 08: one run of the restaurant, as the command line asks for it.
//!
//! The glue around the concept: the course's lines in Chinese or English
//! ([`Lang`]), which queue carries the meals ([`QueueKind`]), and [`run`],
//! which starts the cooks (`Thread-1` … `Thread-3`, Python's default
//! thread names) and the eaters (`Thread-4`, `Thread-5`), waits for the
//! cooks, `join`s the queue, sends one stop value per eater and waits for
//! them. The Python original loops for ever; this one stops after
//! `meals` meals, shared out among the cooks.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use clap::ValueEnum;
use shared::{Lane, State, Trace, Transcript};

use crate::pass::{CrossbeamPass, MayPass, Meal, Order, Pass, StdPass};
use crate::{Dice, Queue};

/// The language of the lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// The course's own lines: `厨师 Thread-1 做了 3 饭 --- 还剩 1 饭没卖完`.
    #[default]
    Zh,
    /// The same lines in English: `cook Thread-1 made meal 3 --- 1 left
    /// unsold`.
    En,
}

impl Lang {
    /// What a cook prints after `queue.put(elem)`.
    pub fn cooked(self, name: &str, elem: u32, qsize: usize) -> String {
        match self {
            Lang::Zh => {
                format!("厨师 {name} 做了 {elem} 饭 --- 还剩 {qsize} 饭没卖完")
            }
            Lang::En => {
                format!("cook {name} made meal {elem} --- {qsize} left unsold")
            }
        }
    }

    /// What an eater prints after `elem = queue.get()`. (The Chinese line
    /// has no space after 吃货, as in the original.)
    pub fn eaten(self, name: &str, elem: u32, qsize: usize) -> String {
        match self {
            Lang::Zh => {
                format!("吃货{name} 吃了 {elem} 饭 --- 还有 {qsize} 饭可以吃")
            }
            Lang::En => {
                format!("eater {name} ate meal {elem} --- {qsize} left to eat")
            }
        }
    }
}

/// Which queue carries the meals. The name on the command line (`ours`,
/// `std`, `crossbeam`, `may`, `tokio`) is also what `Display` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum QueueKind {
    /// This lesson's [`Queue`], between OS threads.
    #[default]
    Ours,
    /// `std::sync::mpsc::sync_channel`, between OS threads.
    Std,
    /// `crossbeam::channel::bounded`, between OS threads.
    Crossbeam,
    /// may's `mpmc::channel` and a semaphore, between may coroutines.
    May,
    /// `tokio::sync::mpsc::channel`, between tokio tasks.
    Tokio,
}

impl QueueKind {
    /// Every queue, in the order the lesson presents them.
    pub const ALL: [QueueKind; 5] = [
        QueueKind::Ours,
        QueueKind::Std,
        QueueKind::Crossbeam,
        QueueKind::May,
        QueueKind::Tokio,
    ];
}

impl fmt::Display for QueueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.to_possible_value().expect("no variant is hidden");
        f.write_str(value.get_name())
    }
}

/// One run of the demo. The default is the course's restaurant: 3 cooks,
/// 2 eaters, `Queue(10)`, sleeps of `random()` seconds scaled by 0.1, 12
/// meals in all.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// How many cooks (`Thread-1` …). At least 1.
    pub cooks: usize,
    /// How many eaters, numbered after the cooks. At least 1.
    pub eaters: usize,
    /// Meals made in all, shared out among the cooks. At least 1.
    pub meals: u32,
    /// The queue's capacity, `Queue(10)`. At least 1: Python reads 0 as
    /// unbounded, which the demo refuses rather than surprise.
    pub capacity: usize,
    /// Seeds every cook's and eater's dice.
    pub seed: u64,
    /// A cook sleeps `random() * cook_scale` seconds after each put.
    pub cook_scale: f64,
    /// An eater sleeps `random() * eat_scale` seconds after each get.
    pub eat_scale: f64,
    /// The language of the lines.
    pub lang: Lang,
    /// The queue.
    pub queue: QueueKind,
    /// Print the lines (and keep none), else keep them quietly.
    pub echo: bool,
    /// Record a trace (else a disabled one).
    pub trace: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            cooks: 3,
            eaters: 2,
            meals: 12,
            capacity: 10,
            seed: 0,
            cook_scale: 0.1,
            eat_scale: 0.1,
            lang: Lang::Zh,
            queue: QueueKind::Ours,
            echo: false,
            trace: false,
        }
    }
}

/// What a run leaves behind.
#[derive(Debug)]
pub struct Run {
    /// The lines said, in order, unless the run printed them.
    pub transcript: Transcript,
    /// Lanes `Thread-1` … and `main`: `cooking` and `eating` spans
    /// (running), `full` spans (a cook blocked on a full queue), `empty`
    /// spans (an eater waiting on an empty one), `join` on `main`; marks
    /// `made #n`, `ate #n`, `done #n` and every printed line.
    pub trace: Trace,
}

/// What every cook and eater shares.
pub(crate) struct Restaurant {
    pub(crate) config: Config,
    pub(crate) out: Transcript,
    pub(crate) trace: Trace,
    next_meal: AtomicU32,
}

impl Restaurant {
    pub(crate) fn cook_name(i: usize) -> String {
        format!("Thread-{}", i + 1)
    }

    pub(crate) fn eater_name(&self, j: usize) -> String {
        format!("Thread-{}", self.config.cooks + j + 1)
    }

    /// The meals cook `i` makes: an equal share, the first cooks taking
    /// one more each when the meals do not divide evenly.
    pub(crate) fn quota(&self, i: usize) -> u32 {
        let cooks = u32::try_from(self.config.cooks).unwrap_or(u32::MAX);
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        self.config.meals / cooks + u32::from(i < self.config.meals % cooks)
    }

    pub(crate) fn dice(&self, thread: usize) -> Dice {
        Dice::new(self.config.seed, thread as u64 + 1)
    }

    /// `elem = random.randrange(9)`, numbered, marked on the cook's lane.
    pub(crate) fn make(&self, dice: &mut Dice, lane: &Lane) -> Meal {
        let elem = dice.randrange(9);
        let number = self.next_meal.fetch_add(1, Ordering::SeqCst) + 1;
        if lane.trace().is_enabled() {
            lane.mark(format!("made #{number}"));
        }
        Meal { number, elem }
    }

    /// `time.sleep(random.random())`, scaled.
    pub(crate) fn pause(dice: &mut Dice, scale: f64) -> Duration {
        Duration::from_secs_f64(dice.random() * scale)
    }
}

// ANCHOR: cook
/// A cook on OS threads or may coroutines: make, put, print, sleep.
fn cook(
    at: &Restaurant,
    i: usize,
    put: &dyn Fn(Order, &Lane),
    qsize: &dyn Fn() -> usize,
    sleep: fn(Duration),
) {
    let name = Restaurant::cook_name(i);
    let lane = at.trace.lane(&name);
    let mut dice = at.dice(i);
    for _ in 0..at.quota(i) {
        let meal = at.make(&mut dice, &lane);
        put(Some(meal), &lane);
        // qsize() now, not at the put: another thread may have run in
        // between, so the number can already be stale.
        let line = at.config.lang.cooked(&name, meal.elem, qsize());
        at.out.say(&lane, line);
        let pause = Restaurant::pause(&mut dice, at.config.cook_scale);
        let _cooking = lane.span(State::Running, "cooking");
        sleep(pause);
    }
}
// ANCHOR_END: cook

/// An eater: get, print, sleep, mark the meal done; stop at the stop
/// value.
fn eater(
    at: &Restaurant,
    j: usize,
    get: &dyn Fn(&Lane) -> Order,
    qsize: &dyn Fn() -> usize,
    task_done: &dyn Fn(),
    sleep: fn(Duration),
) {
    let name = at.eater_name(j);
    let lane = at.trace.lane(&name);
    let mut dice = at.dice(at.config.cooks + j);
    while let Some(meal) = get(&lane) {
        if lane.trace().is_enabled() {
            lane.mark(format!("ate #{}", meal.number));
        }
        let line = at.config.lang.eaten(&name, meal.elem, qsize());
        at.out.say(&lane, line);
        let pause = Restaurant::pause(&mut dice, at.config.eat_scale);
        {
            let _eating = lane.span(State::Running, "eating");
            sleep(pause);
        }
        // Marked before task_done, so `join` cannot return before it.
        if lane.trace().is_enabled() {
            lane.mark(format!("done #{}", meal.number));
        }
        task_done();
    }
    task_done(); // the stop value, too
}

/// Checks the numbers a run cannot work with.
fn check(config: &Config) -> shared::Result<()> {
    if config.cooks == 0 || config.eaters == 0 {
        return Err(
            "the restaurant needs at least one cook and one eater".into()
        );
    }
    if config.meals == 0 {
        return Err("the cooks must make at least one meal".into());
    }
    if config.capacity == 0 {
        return Err(
            "a capacity of 0 means unbounded in Python; give 1 or more".into(),
        );
    }
    let scales = [config.cook_scale, config.eat_scale];
    if scales
        .iter()
        .any(|s| !s.is_finite() || *s < 0.0 || *s > 60.0)
    {
        return Err("a sleep scale must be between 0 and 60 seconds".into());
    }
    Ok(())
}

/// Runs the restaurant: `config.cooks` cooks and `config.eaters` eaters
/// on `config.queue`, until every meal is eaten.
pub fn run(config: &Config) -> shared::Result<Run> {
    check(config)?;
    let trace = Trace::recording(config.trace);
    let out = if config.echo {
        Transcript::stdout()
    } else {
        Transcript::quiet()
    };
    // Lanes in the order the timeline draws them: cooks, eaters, main.
    let at = Arc::new(Restaurant {
        config: config.clone(),
        out: out.clone(),
        trace: trace.clone(),
        next_meal: AtomicU32::new(0),
    });
    for i in 0..config.cooks {
        trace.lane(Restaurant::cook_name(i));
    }
    for j in 0..config.eaters {
        trace.lane(at.eater_name(j));
    }
    let main = trace.lane("main");
    match config.queue {
        QueueKind::Ours => {
            on_threads(&at, Arc::new(Queue::new(config.capacity)), &main)
        }
        QueueKind::Std => {
            on_threads(&at, Arc::new(StdPass::new(config.capacity)), &main)
        }
        QueueKind::Crossbeam => on_threads(
            &at,
            Arc::new(CrossbeamPass::new(config.capacity)),
            &main,
        ),
        QueueKind::May => on_may(&at, &main)?,
        QueueKind::Tokio => crate::on_tokio::run(&at, &main)?,
    }
    Ok(Run {
        transcript: out,
        trace,
    })
}

/// The restaurant on OS threads, through any [`Pass`].
fn on_threads(at: &Arc<Restaurant>, pass: Arc<dyn Pass>, main: &Lane) {
    std::thread::scope(|s| {
        let cooks: Vec<_> = (0..at.config.cooks)
            .map(|i| {
                let pass = Arc::clone(&pass);
                s.spawn(move || {
                    let put = |order, lane: &Lane| pass.put(order, lane);
                    cook(at, i, &put, &|| pass.qsize(), std::thread::sleep);
                })
            })
            .collect();
        let eaters: Vec<_> = (0..at.config.eaters)
            .map(|j| {
                let pass = Arc::clone(&pass);
                s.spawn(move || {
                    eater(
                        at,
                        j,
                        &|lane: &Lane| pass.get(lane),
                        &|| pass.qsize(),
                        &|| pass.task_done(),
                        std::thread::sleep,
                    );
                })
            })
            .collect();
        for handle in cooks {
            handle.join().expect("a cook panicked");
        }
        close(&*pass, at.config.eaters, main);
        for handle in eaters {
            handle.join().expect("an eater panicked");
        }
    });
}

// ANCHOR: close
/// Closing time: wait until every meal put is marked eaten, then send
/// one stop value per eater.
fn close(pass: &dyn Pass, eaters: usize, main: &Lane) {
    {
        let _join = main.span(State::Waiting, "join");
        pass.join();
    }
    for _ in 0..eaters {
        pass.put(None, main);
    }
}
// ANCHOR_END: close

/// may's worker threads: two, unpinned (on a small shared machine a
/// pinned worker cannot move off a busy core), set before may's
/// scheduler starts on the first spawn.
pub(crate) fn start_may() {
    static START: std::sync::Once = std::sync::Once::new();
    START.call_once(|| {
        may::config().set_workers(2).set_worker_pin(false);
    });
}

/// The restaurant on may coroutines, on may's channel bounded by a
/// semaphore ([`MayPass`]).
fn on_may(at: &Arc<Restaurant>, main: &Lane) -> shared::Result<()> {
    start_may();
    let pass = Arc::new(MayPass::new(at.config.capacity));
    let sleep = |pause| may::coroutine::sleep(pause);
    let mut cooks = Vec::new();
    for i in 0..at.config.cooks {
        let (at, pass) = (Arc::clone(at), Arc::clone(&pass));
        let body = move || {
            let put = |order, lane: &Lane| pass.put(order, lane);
            cook(&at, i, &put, &|| pass.qsize(), sleep);
        };
        // SAFETY: `go!` hides may's `unsafe fn spawn`. Its contract: the
        // body holds no reference into thread-local storage across a
        // park (it holds none at all), and it fits may's default stack
        // (a few small frames, no deep recursion).
        cooks.push(may::go!(body));
    }
    let mut eaters = Vec::new();
    for j in 0..at.config.eaters {
        let (at, pass) = (Arc::clone(at), Arc::clone(&pass));
        let receiver = pass.receiver();
        let body = move || {
            let get = |lane: &Lane| pass.get(&receiver, lane);
            eater(&at, j, &get, &|| pass.qsize(), &|| {}, sleep);
        };
        // SAFETY: as for the cooks above: no thread-local held across a
        // park, small frames.
        eaters.push(may::go!(body));
    }
    for handle in cooks {
        handle.join().map_err(|_| "a cook panicked")?;
    }
    // may's channel has no join: the stop values go in after every meal,
    // and the channel is first in, first out.
    for _ in 0..at.config.eaters {
        pass.put(None, main);
    }
    for handle in eaters {
        handle.join().map_err(|_| "an eater panicked")?;
    }
    Ok(())
}
