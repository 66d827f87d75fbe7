//! Outgoing email through the `outbox_emails` table.
//!
//! A message is inserted in the same transaction as the change that causes it, then delivered
//! by [`deliver_due`], which the server runs every few seconds. Delivery failures are recorded
//! and retried with growing delays; a message is marked sent only after the relay accepted it,
//! so a mail-server outage delays mail but never loses it.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{Executor, PgPool, Postgres};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::server::config::{AppEnv, Config};

const BATCH: i64 = 20;
const MAX_BACKOFF: Duration = Duration::from_secs(60 * 60);

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
    /// Development and test: the message is written to the log and marked sent; tests read it
    /// from the outbox table.
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
    let mut tx = crate::server::db::begin(pool).await?;
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
                    "UPDATE outbox_emails SET sent_at = $2, attempts = attempts + 1 WHERE id = $1",
                    message.id,
                    now
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

/// Waits 1, 2, 4 … minutes between attempts, at most an hour.
fn backoff(attempts: i32) -> Duration {
    let minutes = 1u64 << attempts.clamp(0, 16).saturating_sub(1);
    Duration::from_secs(minutes * 60).min(MAX_BACKOFF)
}

async fn send(transport: &Transport, to: &str, subject: &str, body: &str) -> Result<(), String> {
    match transport {
        Transport::Log => {
            tracing::info!(to, subject, "mail (not sent: no SMTP_URL outside production):\n{body}");
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
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(2), Duration::from_secs(120));
        assert_eq!(backoff(4), Duration::from_secs(480));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
