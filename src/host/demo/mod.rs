//! Demo data for development and tests: one platform super-admin; a fictional cinema chain with
//! an admin, an analyst and a viewer; a fictional hotel group with its own admin (to show
//! isolation at a glance); and for each, markets, competitors and a year of weekly prices
//! (`markets`).
//!
//! The printed passwords are public by design, which is why this refuses to run in production:
//! production's first super-admin is created by hand with a password chosen at that moment.
//! Seeding is idempotent: existing rows are left alone (including changed passwords).

pub mod markets;

use sqlx::PgPool;
use uuid::Uuid;

use crate::access::system::SystemCtx;
use crate::account::password;
use crate::model::organisation::{Industry, MembershipRole, Plan};
use crate::runtime::config::AppEnv;

/// The seed's work has no user: it goes through the system context, as `system:demo-seed`.
const SEED: SystemCtx = SystemCtx::new("demo-seed");

pub const DEMO_ORGANISATION_NAME: &str = "Northwind Cinemas";
pub const DEMO_ORGANISATION_SLUG: &str = "northwind-cinemas";
pub const SECOND_ORGANISATION_NAME: &str = "Harbour Hotels";
pub const SECOND_ORGANISATION_SLUG: &str = "harbour-hotels";

/// The demo organisations: (name, slug, industry, plan).
const DEMO_ORGANISATIONS: [(&str, &str, Industry, Plan); 2] = [
    (DEMO_ORGANISATION_NAME, DEMO_ORGANISATION_SLUG, Industry::Cinema, Plan::Professional),
    (SECOND_ORGANISATION_NAME, SECOND_ORGANISATION_SLUG, Industry::Hotel, Plan::Basic),
];

/// A login the demo creates, printed by `make run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub email: &'static str,
    pub password: &'static str,
    /// `None` for the platform super-admin.
    pub role: Option<MembershipRole>,
    pub display_name: &'static str,
    /// The slug of the member's organisation; empty for the super-admin.
    pub organisation: &'static str,
}

pub const DEMO_LOGINS: [DemoLogin; 5] = [
    DemoLogin {
        email: "superadmin@marketedge.example",
        password: "demo-superadmin-2026",
        role: None,
        display_name: "Platform Admin",
        organisation: "",
    },
    DemoLogin {
        email: "admin@northwind.example",
        password: "demo-admin-2026!",
        role: Some(MembershipRole::Admin),
        display_name: "Nora Admin",
        organisation: DEMO_ORGANISATION_SLUG,
    },
    DemoLogin {
        email: "analyst@northwind.example",
        password: "demo-analyst-2026!",
        role: Some(MembershipRole::Analyst),
        display_name: "Ari Analyst",
        organisation: DEMO_ORGANISATION_SLUG,
    },
    DemoLogin {
        email: "viewer@northwind.example",
        password: "demo-viewer-2026!",
        role: Some(MembershipRole::Viewer),
        display_name: "Vic Viewer",
        organisation: DEMO_ORGANISATION_SLUG,
    },
    DemoLogin {
        email: "admin@harbour.example",
        password: "demo-harbour-2026!",
        role: Some(MembershipRole::Admin),
        display_name: "Hal Harbour",
        organisation: SECOND_ORGANISATION_SLUG,
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
    #[error("could not raise the demo's alerts: {0:?}")]
    Alerts(#[from] crate::error::AppError),
}

/// What one seeding run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedOutcome {
    pub organisations_created: usize,
    pub users_created: usize,
    pub observations_created: usize,
    pub alerts_created: u64,
}

pub async fn seed(pool: &PgPool, env: AppEnv) -> Result<SeedOutcome, SeedError> {
    if env == AppEnv::Production {
        return Err(SeedError::Production);
    }
    let mut outcome = SeedOutcome::default();
    let mut tx = crate::runtime::db::begin(pool).await?;
    let mut organisations = Vec::new();
    for (name, slug, industry, plan) in DEMO_ORGANISATIONS {
        let created = sqlx::query!(
            "INSERT INTO organisations (id, name, slug, industry, plan)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (slug) DO NOTHING",
            Uuid::now_v7(),
            name,
            slug,
            industry as Industry,
            plan as Plan,
        )
        .execute(&mut *tx)
        .await?;
        outcome.organisations_created += created.rows_affected() as usize;
        let id = sqlx::query_scalar!("SELECT id FROM organisations WHERE slug = $1", slug)
            .fetch_one(&mut *tx)
            .await?;
        organisations.push((slug, id));
    }

    for login in &DEMO_LOGINS {
        // The seed runs as the application role, to which no organisation's scope shows an
        // account by its email: the sign-in lookup does (its hash is not used).
        let existing =
            sqlx::query_scalar!(r#"SELECT user_id AS "id!" FROM sign_in_lookup($1)"#, login.email)
                .fetch_optional(&mut *tx)
                .await?;
        let user_id = match existing {
            Some(id) => id,
            None => {
                let id = Uuid::now_v7();
                let hash = password::hash(login.password).await?;
                // A new account is admitted only as the transaction's own (`users_insert`).
                SEED.admit_new_account(&mut tx, id).await?;
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
        let organisation = organisations.iter().find(|(slug, _)| *slug == login.organisation);
        if let (Some(role), Some((_, organisation_id))) = (login.role, organisation) {
            // Memberships are a tenant table: this part works inside the member's organisation.
            SEED.rescope(&mut tx, *organisation_id).await?;
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
    for (slug, organisation_id) in &organisations {
        SEED.rescope(&mut tx, *organisation_id).await?;
        outcome.observations_created += markets::seed(&mut tx, *organisation_id, slug).await?;
    }
    tx.commit().await?;
    // Once the prices are in: alerts through the real evaluation, one organisation at a time.
    let now = time::OffsetDateTime::now_utc();
    for (_, organisation_id) in &organisations {
        outcome.alerts_created += markets::alerts(pool, *organisation_id, now).await?;
    }
    Ok(outcome)
}
