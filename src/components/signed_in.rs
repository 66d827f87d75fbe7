//! The signed-in user of this page load. The layout loads it once and provides it as context,
//! so a page reads the caller's role without asking the server a second time; the server still
//! checks every call.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::CurrentUser;

/// The signed-in user, as the layout loads it (`None`: nobody is signed in).
pub type SignedInUser = Resource<Result<Option<CurrentUser>, AppError>>;

/// The layout's signed-in user, for a page inside it.
pub fn signed_in_user() -> SignedInUser {
    expect_context::<SignedInUser>()
}
