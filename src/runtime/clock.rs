//! The time as the application sees it. Production reads the system clock; tests hold a manual
//! clock and move it, so idle and absolute expiry and lockouts are tested without sleeping.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<OffsetDateTime>>>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { manual: None }
    }

    /// A clock that stands still at `start` until [`Clock::advance`] moves it. The start is
    /// truncated to whole seconds, so times round-tripped through PostgreSQL (microseconds)
    /// compare exactly.
    pub fn manual(start: OffsetDateTime) -> Self {
        let start = start.replace_nanosecond(0).unwrap_or(start);
        Clock { manual: Some(Arc::new(Mutex::new(start))) }
    }

    pub fn now(&self) -> OffsetDateTime {
        match &self.manual {
            Some(time) => *time.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
            None => OffsetDateTime::now_utc(),
        }
    }

    /// Moves a manual clock forward; a system clock cannot be moved.
    pub fn advance(&self, by: Duration) {
        if let Some(time) = &self.manual {
            let mut time = time.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            *time += by;
        }
    }
}
