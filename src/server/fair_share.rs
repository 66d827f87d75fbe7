//! Each organisation's fair share of the server.
//!
//! At most `limit` server functions of one organisation do their work at once; further ones wait
//! in that organisation's own line, for at most `wait`, and are then refused with "busy" (429).
//! A runaway script or an import loop in one organisation therefore queues behind itself instead
//! of taking every database connection and CPU from everyone else (`make fault`, org-flood).
//! The line is per process: with several instances each gives every organisation its share.
//!
//! While the database is failing, the turns are held by requests that are themselves failing,
//! and waiting in line would only turn their "unavailable, retry" into a slower "busy": for a few
//! seconds after any request found the database unavailable, nobody waits in line, and each
//! request fails fast (or succeeds) on its own (`make fault`, db_restart and db_blackhole).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::error::AppError;

/// Lines are dropped once this many organisations have one and the idle ones can go.
const PRUNE_ABOVE: usize = 4096;
/// How long after the database was last found unavailable requests skip the line.
const DEGRADED_FOR: Duration = Duration::from_secs(5);

pub struct FairShare {
    limit: usize,
    wait: Duration,
    lines: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
    last_unavailable: Mutex<Option<Instant>>,
}

impl FairShare {
    pub fn new(limit: usize, wait: Duration) -> Self {
        FairShare {
            limit: limit.max(1),
            wait,
            lines: Mutex::new(HashMap::new()),
            last_unavailable: Mutex::new(None),
        }
    }

    /// Records that a request found the database unavailable.
    pub fn note_unavailable(&self) {
        *self.last_unavailable.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some(Instant::now());
    }

    fn degraded(&self) -> bool {
        let last = *self.last_unavailable.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        last.is_some_and(|at| at.elapsed() < DEGRADED_FOR)
    }

    /// Waits for a turn of `organisation`; the turn ends when the returned value is dropped.
    /// `None`: no turn was needed (the database was failing a moment ago).
    pub async fn enter(
        &self,
        organisation: Uuid,
    ) -> Result<Option<OwnedSemaphorePermit>, AppError> {
        if self.degraded() {
            return Ok(None);
        }
        let line = self.line(organisation);
        match tokio::time::timeout(self.wait, line.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            // Timed out in line (the semaphore is never closed).
            _ => {
                tracing::warn!(
                    request_id = crate::server::request_id::current().as_deref().unwrap_or("-"),
                    %organisation,
                    limit = self.limit,
                    "organisation over its share: request refused as busy"
                );
                Err(AppError::Busy)
            }
        }
    }

    fn line(&self, organisation: Uuid) -> Arc<Semaphore> {
        // Poisoning cannot leave the map inconsistent (every operation is a single call).
        let mut lines = self.lines.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if lines.len() > PRUNE_ABOVE {
            // Idle: nobody holds or waits for it but the map.
            let limit = self.limit;
            lines.retain(|_, line| Arc::strong_count(line) > 1 || line.available_permits() < limit);
        }
        lines.entry(organisation).or_insert_with(|| Arc::new(Semaphore::new(self.limit))).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_organisation_waits_for_its_own_turns_only() {
        let share = FairShare::new(2, Duration::from_millis(50));
        let busy = Uuid::now_v7();
        let first = share.enter(busy).await.unwrap().expect("a turn");
        let _second = share.enter(busy).await.unwrap();

        // Its third request waits, then is refused as busy; another organisation goes straight in.
        assert_eq!(share.enter(busy).await.unwrap_err(), AppError::Busy);
        assert!(share.enter(Uuid::now_v7()).await.is_ok());

        // A finished request gives its turn to the next in line.
        let waiting = share.enter(busy);
        drop(first);
        assert!(waiting.await.is_ok());
    }

    #[tokio::test]
    async fn while_the_database_fails_nobody_waits_in_line() {
        let share = FairShare::new(1, Duration::from_secs(30));
        let organisation = Uuid::now_v7();
        let _held = share.enter(organisation).await.unwrap();
        share.note_unavailable();
        let started = Instant::now();
        assert!(share.enter(organisation).await.unwrap().is_none(), "no turn needed");
        assert!(started.elapsed() < Duration::from_secs(1), "it waited {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn idle_lines_are_pruned_and_busy_ones_kept() {
        let share = FairShare::new(1, Duration::from_millis(10));
        let busy = Uuid::now_v7();
        let _held = share.enter(busy).await.unwrap();
        for _ in 0..=PRUNE_ABOVE + 1 {
            drop(share.enter(Uuid::now_v7()).await.unwrap());
        }
        let lines = share.lines.lock().unwrap().len();
        assert!(lines < PRUNE_ABOVE, "{lines} lines kept");
        assert_eq!(share.enter(busy).await.unwrap_err(), AppError::Busy, "the busy line was kept");
    }
}
