//! Password hashing with argon2id at OWASP's current minimum (m = 19456 KiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow and memory-hungry, so it runs on threads of its own, one per
//! core, behind a semaphore of the same size: a flood of logins queues here. Those threads run
//! at a low CPU priority: with nothing else to do they use every core (a login costs little
//! more than its hash), and when pages and API calls want the CPU the kernel runs them first, so
//! a login flood cannot starve everyone else (`make bench` measures both; docs/performance.md). The hash string is PHC-encoded and carries its parameters, so
//! stronger parameters can be rolled in later: a login whose hash has older parameters is
//! re-hashed with the current ones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

static HASHING_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(cores()));

static HASHING_THREADS: LazyLock<rayon_core::ThreadPool> = LazyLock::new(|| {
    rayon_core::ThreadPoolBuilder::new()
        .num_threads(cores())
        .thread_name(|n| format!("password-hash-{n}"))
        .start_handler(|_| lower_priority())
        .build()
        .expect("starting the password hashing threads")
});

/// Gives the calling thread a low scheduling priority (nice 10: about a tenth of a normal thread's
/// share when both want the CPU). Not 19: at 19 any other busy process on the machine (a compiler
/// in the benchmark's case) nearly stopped logins, 3 a second instead of 43. On Linux the nice
/// value belongs to each thread, so this affects only the hashing thread that calls it.
fn lower_priority() {
    // SAFETY: setpriority only reads its integer arguments; `who = 0` is the calling thread.
    let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 10) };
    if result != 0 {
        tracing::warn!("could not lower the password hashing threads' priority");
    }
}

/// Runs `work` on a hashing thread and waits for it without blocking the async runtime.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, HashError> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    HASHING_THREADS.spawn(move || {
        // The receiver is gone only if the request was dropped; nobody waits for the answer.
        let _ = sender.send(work());
    });
    receiver.await.map_err(|_| HashError::Task)
}

/// How many verifications ran in this process. Tests use it to prove an unknown email costs
/// exactly one verification, like a wrong password (the anti-enumeration property).
static VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

/// A hash of a random password, verified against when the email is unknown so that answer takes
/// as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(uuid::Uuid::new_v4().as_bytes(), &salt)
        .expect("hashing a random password with valid parameters")
        .to_string()
});

/// The hasher with the parameters new hashes are made with.
pub fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2 failed: {0}")]
    Argon2(argon2::password_hash::Error),
    #[error("the hashing task did not finish")]
    Task,
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: &str) -> Result<String, HashError> {
    let _slot = HASHING_SLOTS.acquire().await.map_err(|_| HashError::Task)?;
    let password = password.to_owned();
    on_hashing_thread(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(HashError::Argon2)
    })
    .await?
}

/// The result of checking a password.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// Right password; `Some` carries a new hash when the stored one used older parameters.
    Yes {
        rehashed: Option<String>,
    },
    No,
}

/// Checks `password` against `stored`, or against a dummy hash when there is no stored hash (an
/// unknown email, or an account without a password yet), so every case costs one verification.
pub async fn verify(password: &str, stored: Option<&str>) -> Result<Verified, HashError> {
    let _slot = HASHING_SLOTS.acquire().await.map_err(|_| HashError::Task)?;
    VERIFICATIONS.fetch_add(1, Ordering::SeqCst);
    let password = password.to_owned();
    let (stored, real) = match stored {
        Some(hash) => (hash.to_owned(), true),
        None => (DUMMY_HASH.clone(), false),
    };
    on_hashing_thread(move || {
        let parsed = PasswordHash::new(&stored).map_err(HashError::Argon2)?;
        // The parameters come from the hash itself, so old hashes keep verifying.
        if Argon2::default().verify_password(password.as_bytes(), &parsed).is_err() || !real {
            return Ok(Verified::No);
        }
        let current = hasher();
        let up_to_date = parsed.algorithm == argon2::ARGON2ID_IDENT
            && Params::try_from(&parsed).is_ok_and(|params| {
                let wanted = current.params();
                (params.m_cost(), params.t_cost(), params.p_cost())
                    == (wanted.m_cost(), wanted.t_cost(), wanted.p_cost())
            });
        let rehashed = if up_to_date {
            None
        } else {
            let salt = SaltString::generate(&mut OsRng);
            Some(
                current
                    .hash_password(password.as_bytes(), &salt)
                    .map_err(HashError::Argon2)?
                    .to_string(),
            )
        };
        Ok(Verified::Yes { rehashed })
    })
    .await?
}

/// Verifications so far in this process (see [`VERIFICATIONS`]).
pub fn verifications_so_far() -> u64 {
    VERIFICATIONS.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests;
