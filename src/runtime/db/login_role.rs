//! Whether the pool's login role could step around row-level security.
//!
//! Every pooled connection switches to `marketedge_app` with `SET ROLE`, but the role it logged
//! in as stays behind it: an injected `RESET ROLE` (or `SET ROLE` back) would run as that login
//! role, and a superuser or a `BYPASSRLS` role ignores every policy. The code has no injection
//! today; this check makes sure a future one would still meet the database wall. In production
//! such a login is logged as a warning at start, exported as a metric and shown in the
//! super-admin console (README "Deploying": `DATABASE_APP_URL`).

use std::sync::OnceLock;

use sqlx::PgPool;

/// What the pool's login role may do beyond `marketedge_app`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginPrivilege {
    /// Neither superuser nor `BYPASSRLS`: row-level security holds even after `RESET ROLE`.
    Restricted,
    /// `BYPASSRLS`: a `RESET ROLE` would read every organisation's rows.
    BypassesRls,
    /// A superuser: a `RESET ROLE` could do anything.
    Superuser,
}

impl LoginPrivilege {
    pub fn is_privileged(self) -> bool {
        self != LoginPrivilege::Restricted
    }

    /// The console's and the log's sentence.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            LoginPrivilege::Restricted => None,
            LoginPrivilege::BypassesRls => Some(
                "The database pool logs in as a role with BYPASSRLS: an injected RESET ROLE would \
                 escape row-level security. Set DATABASE_APP_URL to a dedicated login role \
                 (README, Deploying).",
            ),
            LoginPrivilege::Superuser => Some(
                "The database pool logs in as a superuser: an injected RESET ROLE would escape \
                 row-level security and every other check. Set DATABASE_APP_URL to a dedicated \
                 login role (README, Deploying).",
            ),
        }
    }
}

static AT_START: OnceLock<LoginPrivilege> = OnceLock::new();

/// Reads the privileges of the role the pool's connections logged in as (`session_user`, which
/// `SET ROLE` does not change).
pub async fn check(pool: &PgPool) -> Result<LoginPrivilege, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT rolsuper AS "superuser!", rolbypassrls AS "bypass_rls!"
           FROM pg_roles WHERE rolname = session_user"#
    )
    .fetch_one(pool)
    .await?;
    Ok(match (row.superuser, row.bypass_rls) {
        (true, _) => LoginPrivilege::Superuser,
        (false, true) => LoginPrivilege::BypassesRls,
        (false, false) => LoginPrivilege::Restricted,
    })
}

/// Checks once at start: remembers the answer for the console, exports it as a metric, and in
/// production warns in the log.
pub async fn check_at_start(pool: &PgPool, production: bool) {
    match check(pool).await {
        Ok(privilege) => {
            let _ = AT_START.set(privilege);
            crate::runtime::metrics::pool_login_privileged(privilege.is_privileged());
            if let (true, Some(warning)) = (production, privilege.warning()) {
                tracing::warn!(?privilege, "{warning}");
            }
        }
        Err(error) => tracing::warn!(%error, "could not read the pool login role's privileges"),
    }
}

/// What [`check_at_start`] found, if it ran.
pub fn at_start() -> Option<LoginPrivilege> {
    AT_START.get().copied()
}
