//! Signed tokens (RFC 8725 practice): HS256 pinned by the verifier, every registered claim
//! required, a small leeway, and an explicit `typ` per kind of token so that a token made for one
//! purpose (say a future password-reset token) is refused where another (an access token) is
//! expected. `kid`, `jku`, `x5u` and `jwk` headers are never consulted: there is one key.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::account::Role;

pub const ISSUER: &str = "marketedge";
/// Access tokens live briefly; API clients renew them with their refresh token.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// Clock skew tolerated between us and ourselves (several instances): small on purpose.
const LEEWAY_SECONDS: u64 = 5;

/// The kinds of token MarketEdge signs. Each has its own `typ` header and audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    PasswordReset,
    Invitation,
    Device,
}

impl TokenKind {
    fn typ(self) -> &'static str {
        match self {
            TokenKind::Access => "at+jwt",
            TokenKind::PasswordReset => "reset+jwt",
            TokenKind::Invitation => "invite+jwt",
            TokenKind::Device => "device+jwt",
        }
    }

    fn audience(self) -> &'static str {
        match self {
            TokenKind::Access => "marketedge-api",
            TokenKind::PasswordReset => "marketedge-password-reset",
            TokenKind::Invitation => "marketedge-invitation",
            TokenKind::Device => "marketedge-device",
        }
    }
}

/// The claims of an access token. Field types are strict: a string where a number belongs
/// fails to decode instead of being treated as absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: Uuid,
    /// The organisation; `None` for a platform super-admin.
    pub org: Option<Uuid>,
    pub user_role: Role,
    /// The user's `auth_version` when the token was issued.
    pub ver: i32,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: Uuid,
}

impl AccessClaims {
    pub fn new(
        user_id: Uuid,
        organisation_id: Option<Uuid>,
        role: Role,
        auth_version: i32,
        now: OffsetDateTime,
    ) -> Self {
        let now = now.unix_timestamp();
        AccessClaims {
            sub: user_id,
            org: organisation_id,
            user_role: role,
            ver: auth_version,
            iat: now,
            nbf: now,
            exp: now + ACCESS_TOKEN_SECONDS,
            iss: ISSUER.to_owned(),
            aud: TokenKind::Access.audience().to_owned(),
            jti: Uuid::new_v4(),
        }
    }
}

/// A password-reset link's claims. `jti` is the `password_resets` row that makes it single-use;
/// `ver` ties it to the password it replaces (any password change kills it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetClaims {
    pub sub: Uuid,
    pub ver: i32,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: Uuid,
}

impl ResetClaims {
    pub fn new(
        user_id: Uuid,
        auth_version: i32,
        jti: Uuid,
        now: OffsetDateTime,
        lifetime: i64,
    ) -> Self {
        let now = now.unix_timestamp();
        ResetClaims {
            sub: user_id,
            ver: auth_version,
            iat: now,
            nbf: now,
            exp: now + lifetime,
            iss: ISSUER.to_owned(),
            aud: TokenKind::PasswordReset.audience().to_owned(),
            jti,
        }
    }
}

/// An invitation link's claims: the invitation (`sub`) in its organisation (`org`), and the
/// link (`jti`, the invitation's current `link_id`; re-sending replaces it). The invitation row
/// decides validity and expiry; the token only proves the link was ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationClaims {
    pub sub: Uuid,
    pub org: Uuid,
    pub jti: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

impl InvitationClaims {
    pub fn new(
        invitation_id: Uuid,
        organisation_id: Uuid,
        link_id: Uuid,
        now: OffsetDateTime,
        lifetime: i64,
    ) -> Self {
        let now = now.unix_timestamp();
        InvitationClaims {
            sub: invitation_id,
            org: organisation_id,
            jti: link_id,
            iat: now,
            nbf: now,
            exp: now + lifetime,
            iss: ISSUER.to_owned(),
            aud: TokenKind::Invitation.audience().to_owned(),
        }
    }
}

/// A device cookie's claims: this browser (`jti`) signed in to this account (`sub`) before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceClaims {
    pub sub: Uuid,
    pub jti: Uuid,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

impl DeviceClaims {
    pub fn new(user_id: Uuid, device_id: Uuid, now: OffsetDateTime, lifetime: i64) -> Self {
        let now = now.unix_timestamp();
        DeviceClaims {
            sub: user_id,
            jti: device_id,
            iat: now,
            nbf: now,
            exp: now + lifetime,
            iss: ISSUER.to_owned(),
            aud: TokenKind::Device.audience().to_owned(),
        }
    }
}

/// Why a token was refused. Never shown to the client (they all answer 401); logged at debug.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("wrong token type: {0:?}")]
    WrongType(Option<String>),
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

/// The signing keys, made once from the configured secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    pub fn from_secret(secret: &str) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        }
    }

    pub fn sign_access(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        self.sign(TokenKind::Access, claims)
    }

    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        self.verify(TokenKind::Access, token)
    }

    pub fn sign_reset(&self, claims: &ResetClaims) -> Result<String, TokenError> {
        self.sign(TokenKind::PasswordReset, claims)
    }

    pub fn verify_reset(&self, token: &str) -> Result<ResetClaims, TokenError> {
        self.verify(TokenKind::PasswordReset, token)
    }

    pub fn sign_invitation(&self, claims: &InvitationClaims) -> Result<String, TokenError> {
        self.sign(TokenKind::Invitation, claims)
    }

    pub fn verify_invitation(&self, token: &str) -> Result<InvitationClaims, TokenError> {
        self.verify(TokenKind::Invitation, token)
    }

    pub fn sign_device(&self, claims: &DeviceClaims) -> Result<String, TokenError> {
        self.sign(TokenKind::Device, claims)
    }

    pub fn verify_device(&self, token: &str) -> Result<DeviceClaims, TokenError> {
        self.verify(TokenKind::Device, token)
    }

    fn sign<T: Serialize>(&self, kind: TokenKind, claims: &T) -> Result<String, TokenError> {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(kind.typ().to_owned());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    fn verify<T: serde::de::DeserializeOwned>(
        &self,
        kind: TokenKind,
        token: &str,
    ) -> Result<T, TokenError> {
        // The default validation requires only `exp`, has 60 s leeway and skips `nbf`: spell out
        // everything.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[kind.audience()]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        let data = jsonwebtoken::decode::<T>(token, &self.decoding, &validation)?;
        if data.header.typ.as_deref() != Some(kind.typ()) {
            return Err(TokenError::WrongType(data.header.typ));
        }
        Ok(data.claims)
    }
}
