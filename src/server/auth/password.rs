//! Password hashing with argon2id at OWASP's current minimum (m = 19456 KiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow and memory-hungry, so it runs on the blocking pool behind a
//! semaphore sized to the machine's cores: a flood of logins queues here instead of starving
//! every other request of CPU. The hash string is PHC-encoded and carries its parameters, so
//! stronger parameters can be rolled in later and old hashes still verify.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

static HASHING_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    Semaphore::new(cores)
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
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(HashError::Argon2)
    })
    .await
    .map_err(|_| HashError::Task)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHash, PasswordVerifier};

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hash = hash("correct horse battery staple").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(hasher().verify_password(b"correct horse battery staple", &parsed).is_ok());
        assert!(hasher().verify_password(b"correct horse battery stapl", &parsed).is_err());
    }

    #[tokio::test]
    async fn the_same_password_gets_a_fresh_salt() {
        let a = hash("same password twice").await.unwrap();
        let b = hash("same password twice").await.unwrap();
        assert_ne!(a, b);
    }
}
