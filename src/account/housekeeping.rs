//! Forgetting what has expired of people's sign-ins, run by the host's maintenance round.

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::runtime::config::Config;

/// Deletes sign-in state nobody can use any more: sessions past their idle or absolute limit,
/// refresh tokens past expiry, and throttle counters whose window and lock are over.
pub async fn delete_expired_auth_state(
    pool: &PgPool,
    config: &Config,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let idle_cutoff = now - config.session_idle.value;
    let absolute_cutoff = now - config.session_absolute.value;
    sqlx::query!(
        "DELETE FROM user_sessions WHERE last_seen_at < $1 OR created_at < $2",
        idle_cutoff,
        absolute_cutoff
    )
    .execute(pool)
    .await?;
    sqlx::query!("DELETE FROM refresh_tokens WHERE expires_at < $1", now).execute(pool).await?;
    let window_cutoff = now - std::time::Duration::from_secs(60 * 60);
    sqlx::query!(
        "DELETE FROM login_throttle
         WHERE window_started < $1 AND (locked_until IS NULL OR locked_until < $2)",
        window_cutoff,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}
