//! How organisations share the server's capacity for signed-in requests.
//!
//! At most `capacity` server functions of signed-in callers do their work at once in this process
//! (by default as many as the database pool has connections: a further one could only wait for a
//! connection). Each holds a turn while it works. A request takes a free turn at once
//!
//! - if its organisation is the only one active: an organisation alone may take every turn, so a
//!   page that loads several resources loads them side by side, and an API client's parallel
//!   calls run in parallel;
//! - or if its organisation holds fewer turns than its fair share of the cores (`parallelism`
//!   divided by the active organisations, at least one);
//! - or if a core is free for it, and another still for the next request of any other active
//!   organisation that has nothing at work now.
//!
//! A flood from one organisation therefore takes every turn while it is alone, and shrinks to its
//! share while anyone else is active, so another organisation's request starts at once and has a
//! core to itself, instead of queueing behind the flood or sharing the cores with all of it (a
//! turn cannot be taken back from a request once it has started). An organisation counts as
//! active while it holds or waits for a turn, and for a second after its last request ended
//! ([`RECENTLY_ACTIVE`]): a client's next call, or a page's next resource, follows within that.
//!
//! A request that cannot start waits in its organisation's line. A turn that comes free goes to
//! the waiting organisation, of those that may start, holding the fewest turns (on a tie, the one
//! that has waited longest since it was last served): organisations that all want more than there
//! is end up with equal shares, and one with a hundred requests waiting gets no more turns than
//! one with a single request waiting. A request that waits longer than `wait` is refused "busy"
//! (429). The capacity is per process: each instance shares out its own.
//!
//! While the database is failing, the turns are held by requests that are themselves failing,
//! and waiting in line would only turn their "unavailable, retry" into a slower "busy": for a few
//! seconds after any request found the database unavailable, nobody waits in line, and each
//! request fails fast (or succeeds) on its own (`make fault`, db_restart and db_blackhole).
//!
//! A turn is given back when its [`Turn`] is dropped; a request cancelled while it waits leaves
//! the line, and passes on a turn that was handed to it in the meantime.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;
use uuid::Uuid;

use crate::error::AppError;

/// How long after the database was last found unavailable requests skip the line.
const DEGRADED_FOR: Duration = Duration::from_secs(5);
/// How long an organisation still counts as active after its last request ended.
pub const RECENTLY_ACTIVE: Duration = Duration::from_secs(1);
/// Organisations no longer active are forgotten once there are this many, when nothing else
/// forgets them (they are forgotten whenever the shares are worked out).
const PRUNE_ABOVE: usize = 1024;

pub struct FairShare {
    capacity: usize,
    wait: Duration,
    schedule: Arc<Mutex<Schedule>>,
    last_unavailable: Mutex<Option<Instant>>,
}

/// Who holds the turns, who waits for one, and who was active a moment ago.
///
/// Invariant: no waiting request may start while a turn is free (a change that could let one
/// start hands the free turns over at once), and every waiter in a line still has its receiver
/// (a waiter leaves its line, under this lock, when it stops waiting).
struct Schedule {
    capacity: usize,
    parallelism: usize,
    recently_active: Duration,
    free: usize,
    /// Every organisation holding or waiting for a turn, or active a moment ago (and, until they
    /// are pruned, some that are no longer active).
    lines: HashMap<Uuid, Line>,
    /// Organisations with requests waiting, longest since they were last served first.
    rota: VecDeque<Uuid>,
    next_ticket: u64,
    /// Told when an organisation stops holding a turn while others wait: when it ceases to be
    /// active, they may start.
    began_lingering: Arc<Notify>,
}

#[derive(Default)]
struct Line {
    held: usize,
    waiting: VecDeque<Waiter>,
    last_ended: Option<Instant>,
}

impl Line {
    /// Neither at work nor waiting (though perhaps still active).
    fn is_idle(&self) -> bool {
        self.held == 0 && self.waiting.is_empty()
    }
}

struct Waiter {
    ticket: u64,
    turn: oneshot::Sender<()>,
}

/// A turn at work; given back (to the next in line, if anyone may start) when dropped.
#[must_use = "the turn ends when this is dropped"]
pub struct Turn {
    schedule: Arc<Mutex<Schedule>>,
    organisation: Uuid,
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn").field("organisation", &self.organisation).finish()
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        lock(&self.schedule).give_back(self.organisation, Instant::now());
    }
}

impl FairShare {
    /// `capacity` turns in all; `parallelism` (the cores) is what organisations share fairly
    /// while several are active; a request waits at most `wait` for its turn.
    pub fn new(capacity: usize, parallelism: usize, wait: Duration) -> Self {
        let capacity = capacity.max(1);
        FairShare {
            capacity,
            wait,
            schedule: Arc::new(Mutex::new(Schedule {
                capacity,
                parallelism: parallelism.max(1),
                recently_active: RECENTLY_ACTIVE,
                free: capacity,
                lines: HashMap::new(),
                rota: VecDeque::new(),
                next_ticket: 0,
                began_lingering: Arc::new(Notify::new()),
            })),
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

    /// How many requests wait for a turn right now.
    pub fn waiting(&self) -> usize {
        lock(&self.schedule).lines.values().map(|line| line.waiting.len()).sum()
    }

    /// How many turns `organisation`'s requests hold right now, counting one handed to a waiting
    /// request that has not yet taken it.
    pub fn held_by(&self, organisation: Uuid) -> usize {
        lock(&self.schedule).held(organisation)
    }

    /// Takes a turn for a request of `organisation`, waiting for one if it may not start yet; the
    /// turn ends when the returned value is dropped. `None`: no turn was needed (the database was
    /// failing a moment ago).
    pub async fn enter(&self, organisation: Uuid) -> Result<Option<Turn>, AppError> {
        if self.degraded() {
            return Ok(None);
        }
        let deadline = Instant::now() + self.wait;
        let queued = lock(&self.schedule).take_or_queue(organisation, Instant::now());
        if let Some((ticket, granted)) = queued {
            let schedule = Arc::clone(&self.schedule);
            let mut place = Place { schedule, organisation, ticket, granted, settled: false };
            if !place.wait_for_turn(deadline).await {
                tracing::warn!(
                    request_id = crate::runtime::request_id::current().as_deref().unwrap_or("-"),
                    %organisation,
                    held = lock(&self.schedule).held(organisation),
                    capacity = self.capacity,
                    "no turn within the wait: request refused as busy"
                );
                return Err(AppError::Busy);
            }
        }
        Ok(Some(Turn { schedule: Arc::clone(&self.schedule), organisation }))
    }

    #[cfg(test)]
    fn counting_as_active_for(self, recently_active: Duration) -> Self {
        lock(&self.schedule).recently_active = recently_active;
        self
    }
}

/// A request's place in its organisation's line. Dropped while it waits (the request was
/// cancelled), it leaves the line, and passes on a turn that was handed to it meanwhile.
struct Place {
    schedule: Arc<Mutex<Schedule>>,
    organisation: Uuid,
    ticket: u64,
    granted: oneshot::Receiver<()>,
    /// It no longer waits: it left the line or has its turn.
    settled: bool,
}

impl Place {
    /// Waits until a turn is handed over (`true`) or `deadline` passes (`false`, out of line).
    async fn wait_for_turn(&mut self, deadline: Instant) -> bool {
        let began_lingering = Arc::clone(&lock(&self.schedule).began_lingering);
        loop {
            // Another organisation ceasing to be active hands no turn back, so a request kept
            // waiting by it looks again when that happens: at the time known now, or at one
            // learnt when another organisation's last request ends.
            let lingering = began_lingering.notified();
            tokio::pin!(lingering);
            lingering.as_mut().enable();
            let look_again = lock(&self.schedule).next_ceasing(Instant::now());
            let until = look_again.map_or(deadline, |at| at.min(deadline));
            let woken = tokio::select! {
                biased;
                granted = &mut self.granted => Woken::Granted(granted.is_ok()),
                () = tokio::time::sleep_until(until) => Woken::At(until),
                () = &mut lingering => Woken::Lingering,
            };
            match woken {
                Woken::Granted(true) => {
                    self.settled = true;
                    return true;
                }
                Woken::At(at) if at < deadline => lock(&self.schedule).hand_over(Instant::now()),
                Woken::Lingering => {}
                // A turn handed over just as the wait ran out is kept rather than refused.
                Woken::Granted(false) | Woken::At(_) => {
                    let shared = Arc::clone(&self.schedule);
                    return self.stop_waiting(&mut lock(&shared));
                }
            }
        }
    }

    /// Leaves the line; whether a turn had been handed over first (the turn is then this
    /// place's). Turns are handed over under the same lock, so this cannot race one.
    fn stop_waiting(&mut self, schedule: &mut Schedule) -> bool {
        self.settled = true;
        if schedule.leave_line(self.organisation, self.ticket) {
            // One organisation fewer may be active, and the shares larger.
            schedule.hand_over(Instant::now());
            return false;
        }
        self.granted.try_recv().is_ok()
    }
}

enum Woken {
    Granted(bool),
    At(Instant),
    Lingering,
}

impl Drop for Place {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let shared = Arc::clone(&self.schedule);
        let mut schedule = lock(&shared);
        if self.stop_waiting(&mut schedule) {
            schedule.give_back(self.organisation, Instant::now());
        }
    }
}

impl Schedule {
    fn held(&self, organisation: Uuid) -> usize {
        self.lines.get(&organisation).map_or(0, |line| line.held)
    }

    /// A turn at once (`None`), or a place at the end of the organisation's line: its ticket,
    /// and where its turn will be handed over.
    fn take_or_queue(
        &mut self,
        organisation: Uuid,
        now: Instant,
    ) -> Option<(u64, oneshot::Receiver<()>)> {
        // Those waiting go first, if an organisation ceased to be active since anyone looked.
        self.hand_over(now);
        let waits_already =
            self.lines.get(&organisation).is_some_and(|line| !line.waiting.is_empty());
        if !waits_already && self.may_start(organisation, now) {
            self.free -= 1;
            self.lines.entry(organisation).or_default().held += 1;
            return None;
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let (turn, granted) = oneshot::channel();
        let line = self.lines.entry(organisation).or_default();
        if line.waiting.is_empty() {
            self.rota.push_back(organisation);
        }
        line.waiting.push_back(Waiter { ticket, turn });
        Some((ticket, granted))
    }

    /// Whether a request of `organisation` may take a free turn now.
    fn may_start(&mut self, organisation: Uuid, now: Instant) -> bool {
        if self.free == 0 {
            return false;
        }
        if self.busy() + 1 < self.parallelism {
            return true;
        }
        self.forget_inactive(now);
        let active = self.lines.len() + usize::from(!self.lines.contains_key(&organisation));
        let idle_others =
            self.lines.iter().any(|(other, line)| *other != organisation && line.is_idle());
        self.admits(self.held(organisation), active, idle_others)
    }

    fn busy(&self) -> usize {
        self.capacity - self.free
    }

    /// Whether an organisation holding `held` turns may take a free one, with `active`
    /// organisations active (itself included), some others among them idle (`idle_others`).
    fn admits(&self, held: usize, active: usize, idle_others: bool) -> bool {
        active == 1
            || held < (self.parallelism / active).max(1)
            || self.busy() + usize::from(idle_others) < self.parallelism
    }

    /// `organisation` gives a turn back: it goes to the next waiter who may start, or is free.
    fn give_back(&mut self, organisation: Uuid, now: Instant) {
        if let Some(line) = self.lines.get_mut(&organisation) {
            line.held = line.held.saturating_sub(1);
            line.last_ended = Some(now);
            if line.is_idle() && !self.rota.is_empty() {
                self.began_lingering.notify_waiters();
            }
        }
        self.free += 1;
        self.hand_over(now);
        if self.lines.len() > PRUNE_ABOVE {
            self.forget_inactive(now);
        }
    }

    /// Hands free turns to waiting requests that may start: each to the organisation holding the
    /// fewest, the first in the rota of those.
    fn hand_over(&mut self, now: Instant) {
        if self.rota.is_empty() || self.free == 0 {
            return;
        }
        self.forget_inactive(now);
        // Waiting organisations are active and not idle, and handing them turns changes
        // neither who is active nor who is idle.
        let active = self.lines.len();
        let idle_others = self.lines.values().any(Line::is_idle);
        while self.free > 0 {
            let mut next: Option<(usize, usize)> = None;
            for (at, organisation) in self.rota.iter().enumerate() {
                let held = self.held(*organisation);
                let fewer = next.is_none_or(|(_, fewest)| held < fewest);
                if fewer && self.admits(held, active, idle_others) {
                    next = Some((at, held));
                }
            }
            let Some((at, _)) = next else { return };
            let organisation = self.rota.remove(at).expect("a position in the rota");
            let line = self.lines.get_mut(&organisation).expect("a waiting organisation's line");
            let waiter = line.waiting.pop_front().expect("someone waits in a rota line");
            if !line.waiting.is_empty() {
                self.rota.push_back(organisation);
            }
            // Always sent while waiters leave their line when they stop waiting; were one not,
            // the turn would stay free for the next.
            if waiter.turn.send(()).is_ok() {
                line.held += 1;
                self.free -= 1;
            }
        }
    }

    /// Takes a waiter out of its line; `false` if it was no longer there (handed a turn).
    fn leave_line(&mut self, organisation: Uuid, ticket: u64) -> bool {
        let Some(line) = self.lines.get_mut(&organisation) else { return false };
        let Some(at) = line.waiting.iter().position(|waiter| waiter.ticket == ticket) else {
            return false;
        };
        line.waiting.remove(at);
        if line.waiting.is_empty() {
            self.rota.retain(|waiting| *waiting != organisation);
        }
        true
    }

    /// When the next organisation that is active only for having been a moment ago ceases to
    /// be, while someone waits (that may let them start).
    fn next_ceasing(&self, now: Instant) -> Option<Instant> {
        if self.rota.is_empty() {
            return None;
        }
        let lingering = self.lines.values().filter(|line| line.is_idle());
        let ceasing =
            lingering.filter_map(|line| line.last_ended).map(|at| at + self.recently_active);
        ceasing.filter(|at| *at > now).min()
    }

    fn forget_inactive(&mut self, now: Instant) {
        let recently_active = self.recently_active;
        self.lines.retain(|_, line| {
            line.held > 0
                || !line.waiting.is_empty()
                || line.last_ended.is_some_and(|at| now.duration_since(at) < recently_active)
        });
    }
}

fn lock(schedule: &Mutex<Schedule>) -> MutexGuard<'_, Schedule> {
    // Every change to the schedule is made under one lock and cannot panic half-way but on a
    // broken invariant, so a poisoned lock still holds a usable schedule.
    schedule.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
