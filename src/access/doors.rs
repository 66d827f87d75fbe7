//! The few ways into account or organisation data before a `Ctx` exists. Each door's name says
//! which flow it is for and its signature takes what proved the caller; the bare-id functions
//! they are built from are private to the kernel, and `tests/structure.rs` allows each door only
//! from its flow's module.

use std::ops::{Deref, DerefMut};

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::access::audit::{self, AuditEvent};
use crate::access::identity::Account;
use crate::access::jwt::{InvitationClaims, ResetClaims};
use crate::access::tenant::{begin_as_user, begin_scoped, set_user};

/// A transaction opened by a door: acting for one proven account (its own `users` row), or
/// scoped to the organisation a signed link names, or both. Queries run on it as on a
/// connection (`&mut *tx`); its audit entries go where the transaction is scoped.
pub struct DoorTx {
    tx: Transaction<'static, Postgres>,
    organisation_id: Option<Uuid>,
}

impl DoorTx {
    /// Records an entry in the trail of the organisation this transaction is scoped to, or the
    /// platform's when it is scoped to none; committed with the change it describes.
    pub async fn audit(
        &mut self,
        event: AuditEvent<'_>,
        now: OffsetDateTime,
    ) -> Result<(), sqlx::Error> {
        match self.organisation_id {
            Some(organisation_id) => {
                audit::record_tenant(&mut self.tx, organisation_id, event, now).await
            }
            None => audit::record_platform(&mut *self.tx, event, now).await,
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for DoorTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for DoorTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// Sign-in, after the password was verified (`account::sign_in`): acts for the account, scoped to
/// its organisation, whose trail gets the entry.
pub async fn signing_in(pool: &PgPool, account: &Account) -> Result<DoorTx, sqlx::Error> {
    let tx = begin_as_user(pool, account.user_id, account.organisation_id).await?;
    Ok(DoorTx { tx, organisation_id: account.organisation_id })
}

/// Sign-in, storing a verified password's hash made with newer parameters: acts for the account.
pub async fn rehashing_password(pool: &PgPool, account: &Account) -> Result<DoorTx, sqlx::Error> {
    let tx = begin_as_user(pool, account.user_id, None).await?;
    Ok(DoorTx { tx, organisation_id: None })
}

/// A password reset, from a link we signed (`account::reset`): acts for the link's account.
pub async fn resetting_password(pool: &PgPool, link: &ResetClaims) -> Result<DoorTx, sqlx::Error> {
    let tx = begin_as_user(pool, link.sub, None).await?;
    Ok(DoorTx { tx, organisation_id: None })
}

/// The platform's first super-admin, created from the command line by the operator
/// (`platform::bootstrap`): acts for the account being created.
pub async fn creating_first_super_admin(
    pool: &PgPool,
    user_id: Uuid,
) -> Result<DoorTx, sqlx::Error> {
    let tx = begin_as_user(pool, user_id, None).await?;
    Ok(DoorTx { tx, organisation_id: None })
}

/// Accepting an invitation, from a link we signed (`team::invitations`): scoped to the
/// organisation the link names.
pub async fn accepting_invitation(
    pool: &PgPool,
    link: &InvitationClaims,
) -> Result<DoorTx, sqlx::Error> {
    let tx = begin_scoped(pool, link.org).await?;
    Ok(DoorTx { tx, organisation_id: Some(link.org) })
}

impl DoorTx {
    /// Lets an invitation's transaction create the invited account's own `users` row
    /// (`users_insert` admits no other).
    pub async fn admit_invited_account(&mut self, user_id: Uuid) -> Result<(), sqlx::Error> {
        set_user(&mut self.tx, user_id).await
    }
}
