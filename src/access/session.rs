//! Browser sessions: tower-sessions with its PostgreSQL store for the cookie and the record, plus
//! our `user_sessions` row for what tower-sessions lacks (listing a user's sessions, ending one
//! from another browser, idle and absolute timeouts judged by the application's clock).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use time::OffsetDateTime;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

use crate::access::identity::Account;
use crate::error::AppError;
use crate::runtime::config::Config;

/// Where the sign-in lives inside the tower-sessions record.
pub const AUTH_KEY: &str = "auth";

/// The session cookie's name. In production the `__Host-` prefix makes browsers insist on
/// `Secure`, `Path=/` and no `Domain`, so no sibling domain can plant or read it.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-marketedge_session"
    } else {
        "marketedge_session"
    }
}

/// What the session record holds once signed in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    /// The `user_sessions` row.
    pub record_id: Uuid,
    pub user_id: Uuid,
    /// The user's `auth_version` at sign-in; a bump ends the session.
    pub auth_version: i32,
}

pub fn store(pool: PgPool) -> PostgresStore {
    PostgresStore::new(pool)
}

pub fn layer(store: PostgresStore, config: &Config) -> SessionManagerLayer<PostgresStore> {
    let secure = config.cookie_secure.value;
    SessionManagerLayer::new(store)
        .with_name(cookie_name(secure))
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
}

/// Details of the browser signing in, for the account page's list.
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub user_agent: String,
    pub client_address: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session store: {0}")]
    Store(#[from] tower_sessions::session::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A failed session read or write as the user sees it. The store reports every database failure
/// as a `Backend` message (its queries are fixed, so that means the database is unreachable or
/// saturated): "try again" (503) like any other lost database, not a 500 (`make fault`,
/// db-restart). Encoding and decoding failures are our bugs.
pub fn store_failure(error: tower_sessions::session::Error) -> AppError {
    use tower_sessions::session::Error;
    use tower_sessions::session_store::Error as StoreError;
    match error {
        Error::Store(StoreError::Backend(message)) => {
            tracing::warn!(
                request_id = crate::runtime::request_id::current().as_deref().unwrap_or("-"),
                error = %message,
                "session store unavailable"
            );
            AppError::Unavailable
        }
        other => AppError::internal(other),
    }
}

impl From<SessionError> for AppError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Store(error) => store_failure(error),
            SessionError::Database(error) => AppError::from(error),
        }
    }
}

/// Signs `account` in on this browser: a fresh session id (no fixation), the absolute expiry on
/// the cookie and the record, and a `user_sessions` row.
pub async fn start(
    session: &Session,
    pool: &PgPool,
    account: &Account,
    device: &Device,
    absolute: Duration,
    now: OffsetDateTime,
) -> Result<(), SessionError> {
    session.cycle_id().await?;
    let auth = SessionAuth {
        record_id: Uuid::now_v7(),
        user_id: account.user_id,
        auth_version: account.auth_version,
    };
    session.set_expiry(Some(Expiry::AtDateTime(now + absolute)));
    session.insert(AUTH_KEY, &auth).await?;
    session.save().await?;
    let store_id = session.id().map(|id| id.to_string()).unwrap_or_default();
    sqlx::query!(
        "INSERT INTO user_sessions
             (id, user_id, store_session_id, created_at, last_seen_at, user_agent, client_address)
         VALUES ($1, $2, $3, $4, $4, $5, $6)",
        auth.record_id,
        auth.user_id,
        store_id,
        now,
        truncate(&device.user_agent, 400),
        truncate(&device.client_address, 100),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Signs this browser out: deletes our row and the store's record, and expires the cookie.
pub async fn end(session: &Session, pool: &PgPool) -> Result<Option<SessionAuth>, SessionError> {
    let auth = session.get::<SessionAuth>(AUTH_KEY).await?;
    if let Some(auth) = &auth {
        sqlx::query!("DELETE FROM user_sessions WHERE id = $1", auth.record_id)
            .execute(pool)
            .await?;
    }
    session.flush().await?;
    Ok(auth)
}

/// Ends sessions of `user_id` by `user_sessions` id, deleting the store records too. Returns how
/// many ended. Scoped by user so nobody can end someone else's session by guessing an id.
pub async fn end_records(
    pool: &PgPool,
    user_id: Uuid,
    record_ids: &[Uuid],
) -> Result<u64, sqlx::Error> {
    let mut tx = crate::runtime::db::begin(pool).await?;
    let ended = sqlx::query_scalar!(
        "DELETE FROM user_sessions WHERE user_id = $1 AND id = ANY($2) RETURNING store_session_id",
        user_id,
        record_ids
    )
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM tower_sessions.session WHERE id = ANY($1)", &ended)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ended.len() as u64)
}

/// Ends every session of a user except `keep` (password change, "sign out everywhere else").
pub async fn end_all_except(
    pool: &PgPool,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<u64, sqlx::Error> {
    let ids = sqlx::query_scalar!(
        "SELECT id FROM user_sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2",
        user_id,
        keep
    )
    .fetch_all(pool)
    .await?;
    end_records(pool, user_id, &ids).await
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
