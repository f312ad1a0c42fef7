//! Where ledger time (`recorded_at`, UTC) comes from.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// The source of `recorded_at` for new entries.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// The time of an entry asked to be recorded no earlier than `at`. Only a clock that can
    /// be moved follows it ([`SteppingClock`]); the default, the system clock's, is `now`.
    fn now_not_before(&self, at: Option<DateTime<Utc>>) -> DateTime<Utc> {
        let _ = at;
        self.now()
    }
}

/// The system's clock: what production uses.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that starts at a fixed instant and moves forward by a fixed step each time it is
/// read: the same commands in the same order get the same times, on any backend.
#[derive(Debug)]
pub struct SteppingClock {
    next: Mutex<DateTime<Utc>>,
    step: Duration,
}

impl SteppingClock {
    pub fn new(start: DateTime<Utc>, step: Duration) -> Self {
        SteppingClock {
            next: Mutex::new(start),
            step,
        }
    }

    /// Moves the clock to `at` if that is later than where it stands.
    pub fn advance_to(&self, at: DateTime<Utc>) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        if at > *next {
            *next = at;
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let now = *next;
        *next = now + self.step;
        now
    }

    /// [`SteppingClock::advance_to`] `at`, then [`Clock::now`]: a batch recorded in one write
    /// gets the times its commands would have got one by one.
    fn now_not_before(&self, at: Option<DateTime<Utc>>) -> DateTime<Utc> {
        if let Some(at) = at {
            self.advance_to(at);
        }
        self.now()
    }
}
