//! Creating a platform super-admin: how a production installation gets its first account. There
//! are no default accounts; the password is given at that moment and must pass the policy.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::audit::{self, AuditAction, AuditEvent};
use crate::account::password;
use crate::account::policy::check_password_policy;
use crate::error::FieldError;
use crate::model::validation::{check_email, normalise_email};

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("{}", .0.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Hash(#[from] password::HashError),
}

pub async fn create_super_admin(
    pool: &PgPool,
    raw_email: &str,
    display_name: &str,
    password: &str,
    now: OffsetDateTime,
) -> Result<Uuid, BootstrapError> {
    let email = normalise_email(raw_email);
    let name = display_name.trim();
    let mut problems: Vec<FieldError> = Vec::new();
    problems.extend(check_email("email", &email));
    problems.extend(check_password_policy("password", password, &[&email, name]));
    if name.is_empty() {
        problems.push(crate::model::validation::field_error("name", "required", "Enter a name."));
    }
    if !problems.is_empty() {
        return Err(BootstrapError::Invalid(problems));
    }
    let hash = password::hash(password).await?;
    let id = Uuid::now_v7();
    // The pool runs as the application role: row-level security admits a new account only in a
    // transaction acting for it (`users_insert`).
    let mut tx = crate::access::doors::creating_first_super_admin(pool, id).await?;
    let inserted = sqlx::query!(
        "INSERT INTO users (id, email, display_name, password_hash, is_super_admin)
         VALUES ($1, $2, $3, $4, true)
         ON CONFLICT (email) DO NOTHING",
        id,
        email,
        name,
        hash
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(BootstrapError::EmailTaken);
    }
    tx.commit().await?;
    let event = AuditEvent {
        action: AuditAction::SuperAdminCreated,
        actor_user_id: None,
        subject: &email,
        client_address: "command line",
        detail: serde_json::json!({ "user_id": id }),
    };
    audit::record_platform(pool, event, now).await?;
    Ok(id)
}
