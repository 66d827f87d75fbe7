//! Opaque refresh tokens for API clients: 256 random bits, stored only as a SHA-256 hash,
//! rotated on every use. Presenting a token that was already used means it was copied: the whole
//! family (every token descended from the same sign-in) is revoked.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use sqlx::{Executor, PgPool, Postgres};
use time::OffsetDateTime;
use uuid::Uuid;

pub const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Issues the first refresh token of a new family (a sign-in).
pub async fn issue(
    pool: &PgPool,
    user_id: Uuid,
    auth_version: i32,
    now: OffsetDateTime,
) -> Result<String, sqlx::Error> {
    insert(pool, user_id, auth_version, Uuid::now_v7(), now).await
}

async fn insert<'c, E>(
    executor: E,
    user_id: Uuid,
    auth_version: i32,
    family_id: Uuid,
    now: OffsetDateTime,
) -> Result<String, sqlx::Error>
where
    E: Executor<'c, Database = Postgres>,
{
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    sqlx::query!(
        "INSERT INTO refresh_tokens
             (id, family_id, user_id, token_hash, auth_version, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        Uuid::now_v7(),
        family_id,
        user_id,
        digest(&token),
        auth_version,
        now,
        now + REFRESH_TOKEN_LIFETIME,
    )
    .execute(executor)
    .await?;
    Ok(token)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Redeemed {
    /// The token was live and is now used up; `successor` replaces it in the same family.
    Valid { user_id: Uuid, auth_version: i32, successor: String },
    /// The token had been used or revoked before: its family is now revoked.
    Reused { user_id: Uuid },
    /// Unknown or expired.
    Invalid,
}

pub async fn redeem(
    pool: &PgPool,
    token: &str,
    now: OffsetDateTime,
) -> Result<Redeemed, sqlx::Error> {
    let hash = digest(token);
    // Using the token up and issuing its successor commit together. A concurrent use of the
    // same token waits on the row lock, then finds it used and revokes the family, successor
    // included.
    let mut tx = crate::runtime::db::begin(pool).await?;
    let live = sqlx::query!(
        "UPDATE refresh_tokens SET used_at = $2
         WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
         RETURNING user_id, family_id, auth_version",
        hash,
        now
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(live) = live {
        let successor =
            insert(&mut *tx, live.user_id, live.auth_version, live.family_id, now).await?;
        tx.commit().await?;
        return Ok(Redeemed::Valid {
            user_id: live.user_id,
            auth_version: live.auth_version,
            successor,
        });
    }
    tx.commit().await?;
    let spent = sqlx::query!(
        "SELECT user_id, family_id FROM refresh_tokens
         WHERE token_hash = $1 AND (used_at IS NOT NULL OR revoked_at IS NOT NULL)",
        hash
    )
    .fetch_optional(pool)
    .await?;
    let Some(spent) = spent else {
        return Ok(Redeemed::Invalid);
    };
    revoke_family(pool, spent.family_id, now).await?;
    Ok(Redeemed::Reused { user_id: spent.user_id })
}

pub async fn revoke_family(
    pool: &PgPool,
    family_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        family_id,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Ends every refresh token of a user (password change, deactivation).
pub async fn revoke_all_for_user(
    pool: &PgPool,
    user_id: Uuid,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}
