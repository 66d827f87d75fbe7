//! Outgoing email through the `outbox_emails` table.
//!
//! A message is inserted in the same transaction as the change that causes it, then delivered
//! by [`deliver_due`], which the server runs every few seconds. Delivery failures are recorded
//! and retried with growing delays; a message is marked sent only after the relay accepted it,
//! so a mail-server outage delays mail but never loses it.
//!
//! Sent mail keeps no live link: the moment a message is marked sent, the signature of every
//! token in its links is removed ([`without_live_links`]), so nobody who can read the outbox
//! (a backup, a support query) can use a reset or invitation link from it. Sent messages are
//! deleted after `MAIL_RETENTION_DAYS` ([`prune_sent`]). A mail must therefore carry secrets only
//! as `token=` in a link.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{Executor, PgPool, Postgres};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::runtime::config::{AppEnv, Config};

const BATCH: i64 = 20;
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

/// What stands in a sent mail where a link's token had its signature.
pub const REDACTED: &str = "[redacted-after-sending]";

/// Queues a message; it is sent by the delivery loop.
pub async fn enqueue<'c, E>(
    executor: E,
    to: &str,
    subject: &str,
    body: &str,
    now: OffsetDateTime,
) -> Result<Uuid, sqlx::Error>
where
    E: Executor<'c, Database = Postgres>,
{
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO outbox_emails (id, to_address, subject, body_text, created_at, send_after)
         VALUES ($1, $2, $3, $4, $5, $5)",
        id,
        to,
        subject,
        body,
        now
    )
    .execute(executor)
    .await?;
    Ok(id)
}

/// How queued mail leaves the building.
#[derive(Clone)]
pub enum Transport {
    /// Development and test: the message is written to the log, on one line, and marked sent;
    /// the browser tests read links from there (end2end/support/server.ts), as from an inbox.
    Log,
    /// An SMTP relay.
    Smtp { relay: AsyncSmtpTransport<Tokio1Executor>, from: Mailbox },
    /// Production without `SMTP_URL`: messages wait in the outbox until a relay is configured.
    Hold,
}

impl Transport {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        match (&config.smtp_url, config.app_env.value) {
            (Some(url), _) => {
                let relay = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.value.expose())
                    .map_err(|error| format!("SMTP_URL: {error}"))?
                    .build();
                let from = config
                    .mail_from
                    .value
                    .parse::<Mailbox>()
                    .map_err(|error| format!("MAIL_FROM: {error}"))?;
                Ok(Transport::Smtp { relay, from })
            }
            (None, AppEnv::Production) => Ok(Transport::Hold),
            (None, _) => Ok(Transport::Log),
        }
    }
}

/// Delivers up to one batch of due messages; returns how many were sent.
pub async fn deliver_due(
    pool: &PgPool,
    transport: &Transport,
    now: OffsetDateTime,
) -> Result<usize, sqlx::Error> {
    if matches!(transport, Transport::Hold) {
        return Ok(0);
    }
    let mut tx = crate::runtime::db::begin(pool).await?;
    // SKIP LOCKED: several app instances share the outbox without sending a message twice.
    let due = sqlx::query!(
        "SELECT id, to_address, subject, body_text, attempts FROM outbox_emails
         WHERE sent_at IS NULL AND send_after <= $1
         ORDER BY send_after LIMIT $2
         FOR UPDATE SKIP LOCKED",
        now,
        BATCH
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for message in due {
        match send(transport, &message.to_address, &message.subject, &message.body_text).await {
            Ok(()) => {
                sqlx::query!(
                    "UPDATE outbox_emails SET sent_at = $2, attempts = attempts + 1, body_text = $3
                     WHERE id = $1",
                    message.id,
                    now,
                    without_live_links(&message.body_text)
                )
                .execute(&mut *tx)
                .await?;
                sent += 1;
            }
            Err(error) => {
                let retry_at = now + backoff(message.attempts + 1);
                tracing::warn!(id = %message.id, attempts = message.attempts + 1, %error, "mail delivery failed; will retry");
                sqlx::query!(
                    "UPDATE outbox_emails SET attempts = attempts + 1, send_after = $2, last_error = $3
                     WHERE id = $1",
                    message.id,
                    retry_at,
                    error
                )
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// Deletes mail sent more than `retention` ago; returns how many messages went. Unsent mail
/// stays whatever its age: it is still on its way.
pub async fn prune_sent(
    pool: &PgPool,
    retention: Duration,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let deleted = sqlx::query!("DELETE FROM outbox_emails WHERE sent_at < $1", now - retention)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

/// The body with every link's token made unusable: a JWT (`header.claims.signature`) loses its
/// signature, anything else after `token=` is removed whole.
///
/// A JWT keeps its header and claims, which are not secret (they are readable to whoever holds
/// the link, and name only ids): organisation deletion finds an organisation's invitation mail
/// by the `org` claim in its body (`invitation_mail_organisation`), sent or not. Without the
/// signature no server accepts the token.
pub fn without_live_links(body: &str) -> String {
    const MARK: &str = "token=";
    let mut redacted = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at + MARK.len());
        redacted.push_str(before);
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(after.len());
        let token = &after[..end];
        match token.split('.').collect::<Vec<_>>()[..] {
            [header, claims, signature] => {
                redacted.push_str(&format!("{header}.{claims}."));
                if !signature.is_empty() {
                    redacted.push_str(REDACTED);
                }
            }
            _ if token.is_empty() => {}
            _ => redacted.push_str(REDACTED),
        }
        rest = &after[end..];
    }
    redacted.push_str(rest);
    redacted
}

/// Waits 1, 2, 4 … minutes between attempts, at most an hour.
fn backoff(attempts: i32) -> Duration {
    let minutes = 1u64 << attempts.clamp(0, 16).saturating_sub(1);
    Duration::from_secs(minutes * 60).min(MAX_BACKOFF)
}

async fn send(transport: &Transport, to: &str, subject: &str, body: &str) -> Result<(), String> {
    match transport {
        Transport::Log => {
            // One line per message (the body is a quoted field), so a reader can tell which
            // link went to whom.
            tracing::info!(
                to,
                subject,
                body,
                "mail logged, not sent (no SMTP_URL outside production)"
            );
            Ok(())
        }
        Transport::Smtp { relay, from } => {
            let to: Mailbox = to.parse().map_err(|error| format!("recipient: {error}"))?;
            let message = Message::builder()
                .from(from.clone())
                .to(to)
                .subject(subject)
                .body(body.to_owned())
                .map_err(|error| format!("building the message: {error}"))?;
            relay.send(message).await.map(|_| ()).map_err(|error| error.to_string())
        }
        Transport::Hold => Err("no mail relay configured".into()),
    }
}

#[cfg(test)]
mod tests;
