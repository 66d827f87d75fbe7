//! Demo data for development and tests: one platform super-admin and one demo organisation with
//! an admin, an analyst and a viewer.
//!
//! The printed passwords are public by design, which is why this refuses to run in production:
//! production's first super-admin is created by hand with a password chosen at that moment.
//! Seeding is idempotent: existing rows are left alone (including changed passwords).

use sqlx::PgPool;
use uuid::Uuid;

use crate::model::organisation::{Industry, MembershipRole, Plan};
use crate::server::auth::password;
use crate::server::config::AppEnv;

pub const DEMO_ORGANISATION_NAME: &str = "Northwind Cinemas";
pub const DEMO_ORGANISATION_SLUG: &str = "northwind-cinemas";

/// A login the demo creates, printed by `make run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub email: &'static str,
    pub password: &'static str,
    /// `None` for the platform super-admin.
    pub role: Option<MembershipRole>,
    pub display_name: &'static str,
}

pub const DEMO_LOGINS: [DemoLogin; 4] = [
    DemoLogin {
        email: "superadmin@marketedge.example",
        password: "demo-superadmin-2026",
        role: None,
        display_name: "Platform Admin",
    },
    DemoLogin {
        email: "admin@northwind.example",
        password: "demo-admin-2026!",
        role: Some(MembershipRole::Admin),
        display_name: "Nora Admin",
    },
    DemoLogin {
        email: "analyst@northwind.example",
        password: "demo-analyst-2026!",
        role: Some(MembershipRole::Analyst),
        display_name: "Ari Analyst",
    },
    DemoLogin {
        email: "viewer@northwind.example",
        password: "demo-viewer-2026!",
        role: Some(MembershipRole::Viewer),
        display_name: "Vic Viewer",
    },
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("demo data is for development and test only; refusing to seed a production database")]
    Production,
    #[error("database error while seeding: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not hash a demo password: {0}")]
    Hash(#[from] password::HashError),
}

/// What one seeding run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedOutcome {
    pub organisations_created: usize,
    pub users_created: usize,
}

pub async fn seed(pool: &PgPool, env: AppEnv) -> Result<SeedOutcome, SeedError> {
    if env == AppEnv::Production {
        return Err(SeedError::Production);
    }
    let mut outcome = SeedOutcome::default();
    let mut tx = pool.begin().await?;

    let created = sqlx::query!(
        "INSERT INTO organisations (id, name, slug, industry, plan)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (slug) DO NOTHING",
        Uuid::now_v7(),
        DEMO_ORGANISATION_NAME,
        DEMO_ORGANISATION_SLUG,
        Industry::Cinema as Industry,
        Plan::Professional as Plan,
    )
    .execute(&mut *tx)
    .await?;
    outcome.organisations_created += created.rows_affected() as usize;
    let organisation_id =
        sqlx::query_scalar!("SELECT id FROM organisations WHERE slug = $1", DEMO_ORGANISATION_SLUG)
            .fetch_one(&mut *tx)
            .await?;
    // Memberships are a tenant table: this transaction works inside the demo organisation.
    crate::server::db::tenant::set_organisation(&mut tx, organisation_id).await?;

    for login in &DEMO_LOGINS {
        let existing = sqlx::query_scalar!("SELECT id FROM users WHERE email = $1", login.email)
            .fetch_optional(&mut *tx)
            .await?;
        let user_id = match existing {
            Some(id) => id,
            None => {
                let id = Uuid::now_v7();
                let hash = password::hash(login.password).await?;
                sqlx::query!(
                    "INSERT INTO users (id, email, display_name, password_hash, is_super_admin)
                     VALUES ($1, $2, $3, $4, $5)",
                    id,
                    login.email,
                    login.display_name,
                    hash,
                    login.role.is_none(),
                )
                .execute(&mut *tx)
                .await?;
                outcome.users_created += 1;
                id
            }
        };
        if let Some(role) = login.role {
            sqlx::query!(
                "INSERT INTO memberships (organisation_id, user_id, role)
                 VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                organisation_id,
                user_id,
                role as MembershipRole,
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(outcome)
}
