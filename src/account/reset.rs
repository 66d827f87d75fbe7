//! Forgotten passwords: a single-use link, valid for an hour, sent by email through the outbox.
//! Using the link sets the password and bumps `auth_version`, which ends every session and token
//! of the account.
//!
//! Asking ([`request_reset`]) does the same work whatever the email, so neither the answer nor
//! its timing says whether an account exists: the request is counted on the throttle (per email
//! and per client address, [`ThrottleKeys::reset_request`]) and, unless refused, queued. Nothing
//! in the request looks the account up. The background step ([`answer_queued_requests`], run
//! before each mail delivery round) does: for an active account with fewer than
//! [`MAX_OUTSTANDING_LINKS`] live links it creates the link and queues the mail; otherwise it
//! does nothing (an unknown email) or audits the refusal (too many links). A throttled request is
//! audited and answered exactly like a queued one.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::access::doors;
use crate::access::jwt::{ResetClaims, TokenKeys};
use crate::access::session;
use crate::account::password;
use crate::account::policy::check_password_policy;
use crate::account::refresh;
use crate::account::throttle::{self, Attempt, ThrottleKeys};
use crate::error::{AppError, FieldError};
use crate::model::organisation::UserStatus;
use crate::model::validation::{field_error, normalise_email};
use crate::runtime::mail;

pub const RESET_LINK_SECONDS: i64 = 60 * 60;

/// An account never has more live (unused, unexpired) reset links than this: further requests
/// are audited and not answered, so nobody can fill its owner's inbox.
pub const MAX_OUTSTANDING_LINKS: i64 = 3;

/// Queued requests answered per round of the background step (each in its own transaction).
const QUEUE_BATCH: usize = 100;

/// Who asked: the client's address for the audit log, and its throttle key (IPv6: the /64).
#[derive(Debug, Clone)]
pub struct Requester {
    pub client_address: String,
    pub throttle_address: String,
}

/// What became of a request. The caller answers the same either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// Queued for the background step.
    Queued,
    /// Refused by the throttle until this time (and audited).
    Throttled { until: OffsetDateTime },
}

/// Counts a forgot-password request on the throttle and, unless refused, queues it. Never looks
/// the email up: known, unknown and inactive accounts cost the same.
pub async fn request_reset(
    pool: &PgPool,
    raw_email: &str,
    requester: &Requester,
    now: OffsetDateTime,
) -> Result<Requested, sqlx::Error> {
    let email = normalise_email(raw_email);
    let keys = ThrottleKeys::reset_request(&email, &requester.throttle_address);
    match throttle::begin_attempt(pool, &keys, now).await? {
        Attempt::Allowed(_) => {
            sqlx::query!(
                "INSERT INTO password_reset_queue (id, email, client_address, requested_at)
                 VALUES ($1, $2, $3, $4)",
                Uuid::now_v7(),
                email,
                requester.client_address,
                now
            )
            .execute(pool)
            .await?;
            Ok(Requested::Queued)
        }
        Attempt::Refused { until } => {
            record_throttled(pool, &email, requester, until, now).await?;
            Ok(Requested::Throttled { until })
        }
    }
}

/// Audits a refused request, once per lock and client address: a refused request costs its
/// sender nothing, so recording every one would let anyone grow the append-only trail at will.
/// The entry's id is derived from (address, end of the lock), and a second refusal of the same
/// lock from the same address is the same entry (`ON CONFLICT DO NOTHING`).
async fn record_throttled(
    pool: &PgPool,
    email: &str,
    requester: &Requester,
    until: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let digest = Sha256::new()
        .chain_update(b"password_reset_throttled\0")
        .chain_update(requester.throttle_address.as_bytes())
        .chain_update(b"\0")
        .chain_update(until.unix_timestamp_nanos().to_be_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    let id = uuid::Builder::from_custom_bytes(bytes).into_uuid();
    let detail = serde_json::json!({
        "limit": "requests",
        "locked_until": until.unix_timestamp(),
    });
    let recorded = sqlx::query!(
        "INSERT INTO platform_audit_log
             (id, occurred_at, action, actor_user_id, subject, client_address, detail)
         VALUES ($1, $2, $3, NULL, $4, $5, $6)
         ON CONFLICT (id) DO NOTHING",
        id,
        now,
        AuditAction::PasswordResetThrottled as AuditAction,
        email,
        requester.client_address,
        detail
    )
    .execute(pool)
    .await?;
    if recorded.rows_affected() == 1 {
        tracing::warn!(
            subject = email,
            client_address = requester.client_address,
            "password reset requests throttled"
        );
    }
    Ok(())
}

/// A request taken from the queue.
struct QueuedRequest {
    id: Uuid,
    email: String,
    client_address: String,
    requested_at: OffsetDateTime,
}

/// What the background step did with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answered {
    /// A link was created and its mail queued.
    Sent,
    /// No active account has this email.
    NoAccount,
    /// The account already has [`MAX_OUTSTANDING_LINKS`] live links.
    TooManyLinks,
}

/// Answers up to one batch of queued requests, oldest first; returns how many were taken from
/// the queue. Several app instances share the queue (`FOR UPDATE SKIP LOCKED`); each request is
/// answered in its own transaction, in which it leaves the queue. A request whose answer fails
/// is dropped and logged, so that it cannot block the queue (the person can ask again); when the
/// database itself is unreachable nothing commits and the request waits for the next round.
pub async fn answer_queued_requests(
    pool: &PgPool,
    keys: &TokenKeys,
    public_url: &str,
    now: OffsetDateTime,
) -> Result<usize, sqlx::Error> {
    let mut taken = 0;
    while taken < QUEUE_BATCH {
        let mut tx = crate::runtime::db::begin(pool).await?;
        let request = sqlx::query_as!(
            QueuedRequest,
            r#"DELETE FROM password_reset_queue
               WHERE id = (SELECT id FROM password_reset_queue ORDER BY id
                           LIMIT 1 FOR UPDATE SKIP LOCKED)
               RETURNING id AS "id!", email AS "email!", client_address AS "client_address!",
                         requested_at AS "requested_at!""#
        )
        .fetch_optional(&mut *tx)
        .await?;
        let Some(request) = request else {
            break;
        };
        taken += 1;
        // A savepoint: when answering fails, the request still leaves the queue.
        let mut answer = sqlx::Connection::begin(&mut *tx).await?;
        match answer_request(&mut answer, keys, public_url, &request, now).await {
            Ok(answered) => {
                answer.commit().await?;
                tracing::debug!(id = %request.id, ?answered, "password reset request answered");
            }
            Err(error) => {
                answer.rollback().await?;
                tracing::error!(id = %request.id, %error, "password reset request dropped");
            }
        }
        tx.commit().await?;
    }
    Ok(taken)
}

#[derive(Debug, thiserror::Error)]
enum AnswerError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("signing the reset link: {0}")]
    Token(String),
}

async fn answer_request(
    connection: &mut PgConnection,
    keys: &TokenKeys,
    public_url: &str,
    request: &QueuedRequest,
    now: OffsetDateTime,
) -> Result<Answered, AnswerError> {
    // The active account of the email, locked, so that two instances answering requests for one
    // account count its links one after the other. No organisation is known here, so no
    // row-level policy shows the account: `reset_lookup` (SECURITY DEFINER, migration
    // 20261129000201) returns its id and auth version, nothing else.
    let user = sqlx::query!(
        r#"SELECT user_id AS "id!", auth_version AS "auth_version!" FROM reset_lookup($1)"#,
        request.email
    )
    .fetch_optional(&mut *connection)
    .await?;
    let Some(user) = user else {
        return Ok(Answered::NoAccount);
    };
    let outstanding = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM password_resets
           WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2"#,
        user.id,
        now
    )
    .fetch_one(&mut *connection)
    .await?;
    if outstanding >= MAX_OUTSTANDING_LINKS {
        let event = AuditEvent {
            action: AuditAction::PasswordResetThrottled,
            actor_user_id: None,
            subject: &request.email,
            client_address: &request.client_address,
            detail: serde_json::json!({ "limit": "outstanding_links", "outstanding": outstanding }),
        };
        audit::record_platform(&mut *connection, event, request.requested_at).await?;
        return Ok(Answered::TooManyLinks);
    }

    let jti = Uuid::now_v7();
    let claims = ResetClaims::new(user.id, user.auth_version, jti, now, RESET_LINK_SECONDS);
    let token = keys.sign_reset(&claims).map_err(|error| AnswerError::Token(error.to_string()))?;
    let link = format!("{public_url}/reset-password?token={token}");
    let body = format!(
        "Someone (hopefully you) asked to reset the password of your MarketEdge account.\n\n\
         Choose a new password here within the next hour:\n\n{link}\n\n\
         The link works once. If you did not ask for this, ignore this email: your password \
         stays as it is.\n"
    );
    sqlx::query!(
        "INSERT INTO password_resets (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        jti,
        user.id,
        now,
        now + time::Duration::seconds(RESET_LINK_SECONDS)
    )
    .execute(&mut *connection)
    .await?;
    mail::enqueue(&mut *connection, &request.email, "Reset your MarketEdge password", &body, now)
        .await?;
    let event = AuditEvent {
        action: AuditAction::PasswordResetRequested,
        actor_user_id: None,
        subject: &request.email,
        client_address: &request.client_address,
        detail: serde_json::json!({}),
    };
    audit::record_platform(&mut *connection, event, request.requested_at).await?;
    Ok(Answered::Sent)
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Unknown, expired, used, or superseded by a later password change.
    #[error("the reset link is not valid")]
    InvalidLink,
    #[error("the new password was refused")]
    Fields(Vec<FieldError>),
    /// Not the caller's doing: the database is unavailable (503) or a bug (500, logged).
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl From<sqlx::Error> for ResetError {
    fn from(error: sqlx::Error) -> Self {
        ResetError::Failed(AppError::from(error))
    }
}

/// Sets a new password from a reset link.
pub async fn complete_reset(
    pool: &PgPool,
    keys: &TokenKeys,
    token: &str,
    new_password: &str,
    confirm_password: &str,
    now: OffsetDateTime,
) -> Result<(), ResetError> {
    let claims = keys.verify_reset(token).map_err(|_| ResetError::InvalidLink)?;
    // The link is signed by us: it proves the account, whose own row this transaction may read.
    let mut tx = doors::resetting_password(pool, &claims).await?;
    let user = sqlx::query!(
        r#"SELECT email, display_name, auth_version, status AS "status: UserStatus" FROM users WHERE id = $1"#,
        claims.sub
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    let user = user
        .filter(|user| user.status == UserStatus::Active && user.auth_version == claims.ver)
        .ok_or(ResetError::InvalidLink)?;

    let mut problems: Vec<FieldError> = Vec::new();
    problems.extend(check_password_policy(
        "new_password",
        new_password,
        &[&user.email, &user.display_name],
    ));
    if new_password != confirm_password {
        problems.push(field_error("confirm_password", "mismatch", "The two new passwords differ."));
    }
    if !problems.is_empty() {
        return Err(ResetError::Fields(problems));
    }
    let hash = password::hash(new_password).await.map_err(AppError::internal)?;

    let mut tx = doors::resetting_password(pool, &claims).await?;
    // Marking the link used and changing the password commit together: a link works once.
    let consumed = sqlx::query!(
        "UPDATE password_resets SET used_at = $3
         WHERE id = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3",
        claims.jti,
        claims.sub,
        now
    )
    .execute(&mut *tx)
    .await?;
    if consumed.rows_affected() != 1 {
        return Err(ResetError::InvalidLink);
    }
    // Re-checked inside the transaction: a password change (or another link) that landed while
    // the new hash was computed voids this link.
    let changed = sqlx::query!(
        "UPDATE users SET password_hash = $2, auth_version = auth_version + 1, updated_at = $3
         WHERE id = $1 AND auth_version = $4 AND status = 'active'",
        claims.sub,
        hash,
        now,
        claims.ver
    )
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(ResetError::InvalidLink);
    }
    let event = AuditEvent {
        action: AuditAction::PasswordReset,
        actor_user_id: Some(claims.sub),
        subject: &user.email,
        client_address: "",
        detail: serde_json::json!({}),
    };
    audit::record_platform(&mut *tx, event, now).await?;
    tx.commit().await?;

    session::end_all_except(pool, claims.sub, None).await?;
    // Whoever locked the account by guessing no longer keeps its owner out.
    throttle::clear_account(pool, &ThrottleKeys::account(&user.email)).await?;
    refresh::revoke_all_for_user(pool, claims.sub, now).await?;
    Ok(())
}
