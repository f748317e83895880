//! Lesson 09: the work each message costs, from the course's consumer
//! models: `analyse(data)` sleeps 2 s ("the time it takes to parse the
//! data") and the pool's `callback` sleeps 1 s ("persist to the
//! database"), both scaled by [`Pace`], so a learner waits a second, not a
//! minute.
//!
//! Both are sleeps on purpose: the course's point is what a consumer does
//! while it *waits*, and a sleep is a wait with a known length. The sync
//! and pool models sleep their thread (`State::Blocked` on the timeline);
//! the async models `.await` a timer and leave the thread free
//! (`State::Waiting`).

use std::time::Duration;

use shared::{Lane, State};

/// The course's `time.sleep(2)` in `analyse`.
pub const ANALYSE: Duration = Duration::from_secs(2);

/// The course's `time.sleep(1)` in the pool's `callback`.
pub const CALLBACK: Duration = Duration::from_secs(1);

/// How much of the course's 2 s and 1 s the run waits: `--scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    /// The analysis of one message.
    pub analyse: Duration,
    /// The pool's callback after each analysis.
    pub callback: Duration,
}

impl Pace {
    /// The course's waits times `scale` (0.05: 100 ms and 50 ms).
    pub fn scaled(scale: f64) -> Pace {
        Pace {
            analyse: ANALYSE.mul_f64(scale),
            callback: CALLBACK.mul_f64(scale),
        }
    }

    /// An analysis of `analyse` and no callback (the scale-out runs).
    pub fn analyse_only(analyse: Duration) -> Pace {
        Pace {
            analyse,
            callback: Duration::ZERO,
        }
    }
}

/// The course's `analyse(data)`: blocks this thread, then returns `data`.
pub fn analyse(lane: &Lane, pace: Pace, data: String) -> String {
    let _analysing = lane.span(State::Blocked, format!("analyse {data}"));
    std::thread::sleep(pace.analyse);
    data
}

/// The course's pool `callback`: "persist to the database" (a blocking
/// sleep on the worker that ran the analysis).
pub fn callback(lane: &Lane, pace: Pace, result: &str) {
    let _persisting = lane.span(State::Blocked, format!("callback {result}"));
    std::thread::sleep(pace.callback);
}

/// The course's `async def analyse`: `await asyncio.sleep(2)`; the thread
/// runs other tasks meanwhile.
pub async fn analyse_async(lane: &Lane, pace: Pace, data: String) -> String {
    let _analysing = lane.span(State::Waiting, format!("analyse {data}"));
    tokio::time::sleep(pace.analyse).await;
    data
}
