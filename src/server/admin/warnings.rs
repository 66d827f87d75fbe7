//! What the super-admin console warns about: deployment choices that weaken the walls, which no
//! public endpoint may reveal (`/readyz` stays silent about them).

use crate::error::AppError;
use crate::model::account::Role;
use crate::server::auth::ctx::Ctx;
use crate::server::db::login_role;
use crate::server::state::AppState;

/// The console's warnings, most serious first; empty when there is nothing to fix.
pub async fn list(ctx: &Ctx, state: &AppState) -> Result<Vec<String>, AppError> {
    ctx.require(Role::SuperAdmin)?;
    let privilege = match login_role::at_start() {
        Some(privilege) => privilege,
        None => login_role::check(&state.pool).await?,
    };
    Ok(privilege.warning().map(str::to_owned).into_iter().collect())
}
