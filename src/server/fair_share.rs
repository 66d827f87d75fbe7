//! Each organisation's fair share of the server.
//!
//! At most `limit` server functions of one organisation do their work at once; further ones wait
//! in that organisation's own line, for at most `wait`, and are then refused with "busy" (429).
//! A runaway script or an import loop in one organisation therefore queues behind itself instead
//! of taking every database connection and CPU from everyone else (`make fault`, org-flood).
//! The line is per process: with several instances each gives every organisation its share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::error::AppError;

/// Lines are dropped once this many organisations have one and the idle ones can go.
const PRUNE_ABOVE: usize = 4096;

pub struct FairShare {
    limit: usize,
    wait: Duration,
    lines: Mutex<HashMap<Uuid, Arc<Semaphore>>>,
}

impl FairShare {
    pub fn new(limit: usize, wait: Duration) -> Self {
        FairShare { limit: limit.max(1), wait, lines: Mutex::new(HashMap::new()) }
    }

    /// Waits for a turn of `organisation`; the turn ends when the permit is dropped.
    pub async fn enter(&self, organisation: Uuid) -> Result<OwnedSemaphorePermit, AppError> {
        let line = self.line(organisation);
        match tokio::time::timeout(self.wait, line.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
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
        let first = share.enter(busy).await.unwrap();
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
