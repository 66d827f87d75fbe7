//! What the super-admin console warns about: deployment choices that weaken the walls, which no
//! public endpoint may reveal (`/readyz` stays silent about them).

use crate::access::ctx::Ctx;
use crate::access::state::AppState;
use crate::error::AppError;
use crate::model::account::Role;
use crate::runtime::db::login_role;

/// The console's warnings, most serious first; empty when there is nothing to fix.
pub async fn list(ctx: &Ctx, state: &AppState) -> Result<Vec<String>, AppError> {
    ctx.require(Role::SuperAdmin)?;
    let privilege = match login_role::at_start() {
        Some(privilege) => privilege,
        None => login_role::check(&state.pool).await?,
    };
    Ok(privilege.warning().map(str::to_owned).into_iter().collect())
}
