//! `Trace`: what ran when, recorded cheaply from any kind of task.
//!
//! A trace has *lanes* (one per actor: a consumer, a greenlet, a thread, a
//! request) and *events* on them: spans with a [`State`] and a start and end,
//! and instant marks (a print, a switch). All times are offsets from the
//! moment the trace was created, read from one monotonic clock
//! ([`std::time::Instant`]), so events recorded on different threads line up.
//!
//! # Why recording is cheap enough not to distort the run
//!
//! Recording one event is a clock read plus a push onto a `Vec` behind a
//! `std::sync::Mutex`: the critical section is the push alone (no
//! allocation for `&'static str` labels, amortised O(1) growth), so threads
//! that record at the same moment wait for each other for tens of
//! nanoseconds, never across a sleep or an IO wait. On the course machine
//! (2-core x86_64 VM) an uncontended mark costs 55 to 65 ns and a span 65
//! to 90 ns, half of it reading the clock (`Instant::now` is 27 ns there),
//! and a disabled trace 0.3 ns (`cargo bench -p benches --bench trace`): small against the microseconds to seconds that the lessons'
//! spans last, and far too big for a 4 ns switch, which is why measured
//! loops use [`Trace::disabled`].
//!
//! Why a mutex and not a lock-free queue: a lock that is held for one push
//! is uncontended almost always, it is what `std` gives us, and it keeps the
//! code readable in one sitting. It is safe to use from `may` coroutines
//! because nothing ever yields while holding it, and from tokio tasks
//! because it is never held across an `.await`.
//!
//! For the measured loops of `measure` subcommands, pass
//! [`Trace::disabled`]: every record call returns after one branch.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// What a lane was doing during a span.
///
/// The three states of the course's pictures: a coroutine is either on the
/// CPU, or parked until a timer or IO wakes it (a cheap wait: its thread can
/// run others), or stuck in a blocking call (an expensive wait: its whole OS
/// thread is stuck, and so is every coroutine on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// On the CPU, doing work.
    Running,
    /// Suspended until a timer or readiness event: the thread is free.
    Waiting,
    /// Inside a blocking call (`thread::sleep`, blocking IO): the thread
    /// is stuck.
    Blocked,
}

impl State {
    /// Every state, in legend order.
    pub const ALL: [State; 3] =
        [State::Running, State::Waiting, State::Blocked];

    /// The lower-case name used in legends and SVG classes.
    pub fn name(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Waiting => "waiting",
            State::Blocked => "blocked",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Index of a lane in its trace, in order of first use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaneId(pub usize);

/// Whether an event lasted, and how long.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// A span: the lane was in `state` from the event's `start` to `end`.
    Span {
        /// What the lane was doing.
        state: State,
        /// When it stopped, as an offset from the trace's origin.
        end: Duration,
    },
    /// A single moment: a print, a switch, a send.
    Mark,
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The lane it happened on.
    pub lane: LaneId,
    /// What happened (`"eat 3"`, or the printed line for a print).
    pub label: Cow<'static, str>,
    /// When it started, as an offset from the trace's origin.
    pub start: Duration,
    /// Span or mark.
    pub kind: EventKind,
}

impl Event {
    /// The end of a span, or the moment of a mark.
    pub fn end(&self) -> Duration {
        match self.kind {
            EventKind::Span { end, .. } => end,
            EventKind::Mark => self.start,
        }
    }

    /// The state of a span; `None` for a mark.
    pub fn state(&self) -> Option<State> {
        match self.kind {
            EventKind::Span { state, .. } => Some(state),
            EventKind::Mark => None,
        }
    }

    /// Whether two spans share some time (touching ends do not count).
    pub fn overlaps(&self, other: &Event) -> bool {
        self.start < other.end() && other.start < self.end()
    }
}

struct Inner {
    origin: Instant,
    enabled: bool,
    lanes: Mutex<Lanes>,
    events: Mutex<Vec<Event>>,
}

/// The lane names in order of first use, and each name's index: a lookup
/// by name is one hash, however many lanes there are (a run with 100,000
/// tasks names 100,000 lanes).
#[derive(Default)]
struct Lanes {
    names: Vec<String>,
    ids: HashMap<String, usize>,
}

impl Lanes {
    /// The index of `name`, appended if it is new.
    fn id(&mut self, name: String) -> usize {
        if let Some(&id) = self.ids.get(&name) {
            return id;
        }
        let id = self.names.len();
        self.names.push(name.clone());
        self.ids.insert(name, id);
        id
    }
}

/// A thread-safe recorder of spans and marks. Cloning is cheap and every
/// clone records into the same trace.
#[derive(Clone)]
pub struct Trace {
    inner: Arc<Inner>,
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trace")
            .field("enabled", &self.inner.enabled)
            .field("events", &lock(&self.inner.events).len())
            .finish()
    }
}

impl Default for Trace {
    fn default() -> Self {
        Trace::new()
    }
}

/// A poisoned lock only means another thread panicked while pushing; the
/// vector itself is still valid, and a trace is most useful exactly when
/// something panicked, so we keep recording.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Trace {
    /// A trace whose clock starts now.
    pub fn new() -> Trace {
        Trace::recording(true)
    }

    /// A trace that records nothing: for measured loops, where even a
    /// 60 ns push would distort a 4 ns switch.
    pub fn disabled() -> Trace {
        Trace::recording(false)
    }

    /// A trace that records only if `enabled`: what a lesson builds from
    /// its `--timeline`/`--svg` flags, so an untraced run pays nothing.
    pub fn recording(enabled: bool) -> Trace {
        Trace {
            inner: Arc::new(Inner {
                origin: Instant::now(),
                enabled,
                lanes: Mutex::new(Lanes::default()),
                events: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Whether this trace records anything.
    pub fn is_enabled(&self) -> bool {
        self.inner.enabled
    }

    /// Time since the trace was created.
    pub fn now(&self) -> Duration {
        self.inner.origin.elapsed()
    }

    /// The lane called `name`, created on first use. Asking twice for the
    /// same name gives the same lane, so a task can look its lane up again.
    pub fn lane(&self, name: impl Into<String>) -> Lane {
        let id = lock(&self.inner.lanes).id(name.into());
        Lane {
            trace: self.clone(),
            id: LaneId(id),
        }
    }

    /// Records an event that has already been timed.
    pub fn record(&self, event: Event) {
        if self.inner.enabled {
            lock(&self.inner.events).push(event);
        }
    }

    /// A copy of everything recorded so far, events sorted by start time.
    pub fn snapshot(&self) -> Snapshot {
        let lanes = lock(&self.inner.lanes).names.clone();
        let mut events = lock(&self.inner.events).clone();
        // Stable sort: events that start together keep recording order.
        events.sort_by_key(|e| e.start);
        Snapshot { lanes, events }
    }
}

/// A handle for recording on one lane. Cheap to clone and `Send`, so a
/// task can carry its lane into a thread or coroutine.
#[derive(Clone)]
pub struct Lane {
    trace: Trace,
    id: LaneId,
}

impl fmt::Debug for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Lane").field(&self.id.0).finish()
    }
}

impl Lane {
    /// This lane's id in its trace.
    pub fn id(&self) -> LaneId {
        self.id
    }

    /// The trace this lane records into.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Starts a span in `state` that ends when the returned guard drops.
    ///
    /// ```
    /// # use shared::{Trace, State};
    /// let trace = Trace::new();
    /// let c1 = trace.lane("c1");
    /// {
    ///     let _eat = c1.span(State::Blocked, "eat 1");
    ///     std::thread::sleep(std::time::Duration::from_millis(1));
    /// } // recorded here
    /// let snap = trace.snapshot();
    /// let eat = snap.spans_on("c1").next().unwrap();
    /// assert!(eat.end() - eat.start >= std::time::Duration::from_millis(1));
    /// ```
    #[must_use = "the span ends when this guard is dropped"]
    pub fn span(
        &self,
        state: State,
        label: impl Into<Cow<'static, str>>,
    ) -> Span<'_> {
        Span {
            lane: self,
            state,
            label: Some(label.into()),
            start: self.trace.now(),
        }
    }

    /// Records a span whose start and end were read with [`Trace::now`].
    pub fn record_span(
        &self,
        state: State,
        label: impl Into<Cow<'static, str>>,
        start: Duration,
        end: Duration,
    ) {
        if self.trace.inner.enabled {
            self.trace.record(Event {
                lane: self.id,
                label: label.into(),
                start,
                kind: EventKind::Span { state, end },
            });
        }
    }

    /// Records an instant event (a print, a switch) now.
    pub fn mark(&self, label: impl Into<Cow<'static, str>>) {
        if self.trace.inner.enabled {
            self.trace.record(Event {
                lane: self.id,
                label: label.into(),
                start: self.trace.now(),
                kind: EventKind::Mark,
            });
        }
    }
}

/// An open span; it is recorded, with its end time, when dropped.
#[derive(Debug)]
pub struct Span<'a> {
    lane: &'a Lane,
    state: State,
    label: Option<Cow<'static, str>>,
    start: Duration,
}

impl Span<'_> {
    /// Ends the span now (the same as dropping it, but reads better).
    pub fn end(self) {}
}

impl Drop for Span<'_> {
    fn drop(&mut self) {
        let label = self.label.take().unwrap_or_default();
        let end = self.lane.trace.now();
        self.lane.record_span(self.state, label, self.start, end);
    }
}

/// A frozen copy of a trace: lane names and time-sorted events. This is
/// what renderers draw and what tests ask questions of.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Lane names, indexed by [`LaneId`].
    pub lanes: Vec<String>,
    /// Events sorted by start time.
    pub events: Vec<Event>,
}

impl Snapshot {
    /// The name of a lane.
    pub fn lane_name(&self, id: LaneId) -> &str {
        self.lanes.get(id.0).map_or("?", String::as_str)
    }

    /// How many lanes to draw: every named lane, and any lane id an event
    /// uses beyond them (a hand-built snapshot may have events on lanes it
    /// has no name for; renderers draw those as `?` rather than drop them).
    pub fn lane_count(&self) -> usize {
        self.events
            .iter()
            .map(|e| e.lane.0 + 1)
            .max()
            .unwrap_or(0)
            .max(self.lanes.len())
    }

    /// The id of the lane called `name`, if it exists.
    pub fn lane_id(&self, name: &str) -> Option<LaneId> {
        self.lanes.iter().position(|l| l == name).map(LaneId)
    }

    /// Every span (not mark) on the lane called `name`, in start order.
    pub fn spans_on<'a>(
        &'a self,
        name: &str,
    ) -> impl Iterator<Item = &'a Event> + 'a {
        let id = self.lane_id(name);
        self.events
            .iter()
            .filter(move |e| Some(e.lane) == id && e.state().is_some())
    }

    /// Every span in `state`, on any lane, in start order.
    pub fn spans_in(&self, state: State) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(move |e| e.state() == Some(state))
    }

    /// Every mark, on any lane, in time order.
    pub fn marks(&self) -> impl Iterator<Item = &Event> {
        self.events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Mark))
    }

    /// The largest number of the given spans that were open at one moment.
    ///
    /// "How many requests were being served at once at the peak?" is
    /// `snap.peak_overlap(snap.spans_in(State::Waiting))`.
    pub fn peak_overlap<'a>(
        &self,
        spans: impl IntoIterator<Item = &'a Event>,
    ) -> usize {
        // Sweep line: +1 at each start, -1 at each end; ends sort before
        // starts at the same instant, so touching spans do not overlap.
        let mut edges: Vec<(Duration, i32)> = Vec::new();
        for span in spans {
            edges.push((span.start, 1));
            edges.push((span.end(), -1));
        }
        edges.sort();
        let (mut open, mut peak) = (0i32, 0i32);
        for (_, delta) in edges {
            open += delta;
            peak = peak.max(open);
        }
        usize::try_from(peak).unwrap_or(0)
    }

    /// The end of the last event: the length of the run.
    pub fn duration(&self) -> Duration {
        self.events.iter().map(Event::end).max().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_threads_recording_at_once_lose_no_event() {
        const THREADS: usize = 8;
        const PER_THREAD: usize = 10_000;
        let trace = Trace::new();
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let lane = trace.lane(format!("t{t}"));
                s.spawn(move || {
                    for i in 0..PER_THREAD {
                        if i % 2 == 0 {
                            lane.mark("tick");
                        } else {
                            let _s = lane.span(State::Running, "work");
                        }
                    }
                });
            }
        });
        let snap = trace.snapshot();
        assert_eq!(snap.lanes.len(), THREADS);
        assert_eq!(snap.events.len(), THREADS * PER_THREAD);
        for t in 0..THREADS {
            let name = format!("t{t}");
            assert_eq!(snap.spans_on(&name).count(), PER_THREAD / 2);
        }
        assert_eq!(snap.marks().count(), THREADS * PER_THREAD / 2);
    }

    #[test]
    fn the_same_name_gives_the_same_lane() {
        let trace = Trace::new();
        let a = trace.lane("hub");
        let b = trace.lane("hub");
        let c = trace.lane("c1");
        assert_eq!(a.id(), b.id());
        assert_ne!(a.id(), c.id());
    }

    #[test]
    fn a_hundred_thousand_lanes_are_named_and_found_again() {
        // One hash per lookup: a scan of every name so far would make this
        // five billion string comparisons.
        const LANES: usize = 100_000;
        let trace = Trace::new();
        for i in 0..LANES {
            assert_eq!(trace.lane(format!("task {i}")).id(), LaneId(i));
        }
        assert_eq!(trace.lane("task 54321").id(), LaneId(54_321));
        let snap = trace.snapshot();
        assert_eq!(snap.lanes.len(), LANES);
        assert_eq!(snap.lanes[LANES - 1], format!("task {}", LANES - 1));
    }

    #[test]
    fn a_disabled_trace_records_nothing() {
        let trace = Trace::disabled();
        let lane = trace.lane("c1");
        lane.mark("print");
        drop(lane.span(State::Running, "eat"));
        assert!(trace.snapshot().events.is_empty());
    }

    #[test]
    fn peak_overlap_counts_spans_open_together() {
        let trace = Trace::new();
        let ms = Duration::from_millis;
        let a = trace.lane("a");
        a.record_span(State::Waiting, "r1", ms(0), ms(10));
        a.record_span(State::Waiting, "r2", ms(5), ms(15));
        a.record_span(State::Waiting, "r3", ms(6), ms(7));
        // Touches r2's end: not an overlap with it.
        a.record_span(State::Waiting, "r4", ms(15), ms(20));
        let snap = trace.snapshot();
        assert_eq!(snap.peak_overlap(snap.spans_in(State::Waiting)), 3);
        assert_eq!(snap.duration(), ms(20));
    }
}
