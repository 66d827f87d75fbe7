//! Fuzz targets (proptest) for the token path: the `Authorization: Bearer` header and the JWT
//! verifiers. Anything that is not a token we signed, for that purpose, unaltered and in date, is
//! refused, and nothing panics. Cases: `PROPTEST_CASES` (256 by default; `make fault` runs more).

use axum::http::HeaderValue;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use marketedge::access::ctx::bearer_token;
use marketedge::access::jwt::{AccessClaims, InvitationClaims, ResetClaims, TokenKeys, ISSUER};
use marketedge::model::account::Role;
use proptest::prelude::*;
use serde_json::{json, Value};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Access,
    Reset,
    Invitation,
}

const KINDS: [Kind; 3] = [Kind::Access, Kind::Reset, Kind::Invitation];

impl Kind {
    fn typ(self) -> &'static str {
        match self {
            Kind::Access => "at+jwt",
            Kind::Reset => "reset+jwt",
            Kind::Invitation => "invite+jwt",
        }
    }

    fn audience(self) -> &'static str {
        match self {
            Kind::Access => "marketedge-api",
            Kind::Reset => "marketedge-password-reset",
            Kind::Invitation => "marketedge-invitation",
        }
    }
}

/// Whether `keys` accept `token` as a token of `kind`.
fn verifies(keys: &TokenKeys, kind: Kind, token: &str) -> bool {
    match kind {
        Kind::Access => keys.verify_access(token).is_ok(),
        Kind::Reset => keys.verify_reset(token).is_ok(),
        Kind::Invitation => keys.verify_invitation(token).is_ok(),
    }
}

/// The kinds whose verifier accepts `token`.
fn accepted_as(keys: &TokenKeys, token: &str) -> Vec<Kind> {
    KINDS.into_iter().filter(|kind| verifies(keys, *kind, token)).collect()
}

/// What a token is made from: its kind and claim values (times are taken at signing).
#[derive(Debug, Clone)]
struct Recipe {
    kind: Kind,
    subject: u128,
    organisation: Option<u128>,
    role: Role,
    version: i32,
    jti: u128,
    lifetime: i64,
}

fn recipe() -> impl Strategy<Value = Recipe> {
    (
        prop::sample::select(KINDS.to_vec()),
        any::<u128>(),
        prop::option::of(any::<u128>()),
        prop::sample::select(vec![Role::SuperAdmin, Role::Admin, Role::Analyst, Role::Viewer]),
        any::<i32>(),
        any::<u128>(),
        60i64..30 * 24 * 3600,
    )
        .prop_map(|(kind, subject, organisation, role, version, jti, lifetime)| Recipe {
            kind,
            subject,
            organisation,
            role,
            version,
            jti,
            lifetime,
        })
}

/// Signs the recipe with our own code and checks that our own verifier reads back exactly the
/// claims signed.
fn sign(keys: &TokenKeys, recipe: &Recipe) -> String {
    let now = OffsetDateTime::now_utc();
    let id = Uuid::from_u128;
    match recipe.kind {
        Kind::Access => {
            let claims = AccessClaims::new(
                id(recipe.subject),
                recipe.organisation.map(id),
                recipe.role,
                recipe.version,
                now,
            );
            let token = keys.sign_access(&claims).unwrap();
            assert_eq!(keys.verify_access(&token).unwrap(), claims);
            token
        }
        Kind::Reset => {
            let claims = ResetClaims::new(
                id(recipe.subject),
                recipe.version,
                id(recipe.jti),
                now,
                recipe.lifetime,
            );
            let token = keys.sign_reset(&claims).unwrap();
            assert_eq!(keys.verify_reset(&token).unwrap(), claims);
            token
        }
        Kind::Invitation => {
            let claims = InvitationClaims::new(
                id(recipe.subject),
                id(recipe.organisation.unwrap_or(1)),
                id(recipe.jti),
                now,
                recipe.lifetime,
            );
            let token = keys.sign_invitation(&claims).unwrap();
            assert_eq!(keys.verify_invitation(&token).unwrap(), claims);
            token
        }
    }
}

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+/=_-]{32,64}"
}

proptest! {
    /// Also the control for every property below: a token we sign is accepted by its own
    /// verifier (inside `sign`), and only by that one.
    #[test]
    fn a_token_is_accepted_only_as_its_own_kind(secret in secret(), recipe in recipe()) {
        let keys = TokenKeys::from_secret(&secret);
        let token = sign(&keys, &recipe);
        prop_assert_eq!(accepted_as(&keys, &token), vec![recipe.kind]);
    }

    #[test]
    fn a_token_with_any_one_character_changed_is_refused(
        secret in secret(),
        recipe in recipe(),
        at in any::<prop::sample::Index>(),
        replacement in prop_oneof![4 => prop::char::range(' ', '~'), 1 => any::<char>()],
    ) {
        let keys = TokenKeys::from_secret(&secret);
        let mut token = sign(&keys, &recipe);
        let at = at.index(token.len());
        prop_assume!(token.as_bytes()[at] != replacement as u8 || !replacement.is_ascii());
        token.replace_range(at..at + 1, replacement.encode_utf8(&mut [0; 4]));
        prop_assert_eq!(accepted_as(&keys, &token), vec![], "{}", token);
    }

    #[test]
    fn a_truncated_or_extended_token_is_refused(
        secret in secret(),
        recipe in recipe(),
        cut in any::<prop::sample::Index>(),
        suffix in "[A-Za-z0-9_=. -]{1,8}",
    ) {
        let keys = TokenKeys::from_secret(&secret);
        let token = sign(&keys, &recipe);
        let truncated = &token[..cut.index(token.len())];
        prop_assert_eq!(accepted_as(&keys, truncated), vec![]);
        prop_assert_eq!(accepted_as(&keys, &format!("{token}{suffix}")), vec![]);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused(
        ours in secret(),
        theirs in secret(),
        recipe in recipe(),
    ) {
        prop_assume!(ours != theirs);
        let token = sign(&TokenKeys::from_secret(&theirs), &recipe);
        prop_assert_eq!(accepted_as(&TokenKeys::from_secret(&ours), &token), vec![]);
    }

    #[test]
    fn arbitrary_text_is_never_a_token(secret in secret(), text in any::<String>()) {
        let keys = TokenKeys::from_secret(&secret);
        prop_assert_eq!(accepted_as(&keys, &text), vec![]);
    }

    /// Three base64url segments of arbitrary JSON and bytes: past the splitting, into the
    /// header, claim and signature checks.
    #[test]
    fn token_shaped_garbage_is_refused(
        secret in secret(),
        header in json_value(),
        claims in json_value(),
        signature in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let keys = TokenKeys::from_secret(&secret);
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            URL_SAFE_NO_PAD.encode(signature)
        );
        prop_assert_eq!(accepted_as(&keys, &token), vec![]);
    }
}

/// Small JSON values, with the header and claim names the verifier looks at.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        prop::sample::select(vec!["HS256", "none", "at+jwt", "marketedge", "marketedge-api"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(vec![
                        "alg", "typ", "kid", "sub", "exp", "nbf", "iat", "iss", "aud", "jti",
                    ])
                    .prop_map(String::from),
                    "[a-z]{1,5}",
                ],
                inner,
                0..6,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

// ---- tokens crafted with the right secret but one rule broken ----

/// One way a token made with our secret can still be wrong.
#[derive(Debug, Clone)]
enum Flaw {
    /// The control: nothing wrong, must be accepted.
    None,
    Algorithm(Algorithm),
    Typ(Option<&'static str>),
    Audience(&'static str),
    Issuer(String),
    Expired {
        ago: i64,
    },
    NotYetValid {
        ahead: i64,
    },
    Missing(&'static str),
}

fn flaw(kind: Kind) -> impl Strategy<Value = Flaw> {
    let others: Vec<Kind> = KINDS.into_iter().filter(|k| *k != kind).collect();
    let other_typs: Vec<Option<&'static str>> =
        others.iter().map(|k| Some(k.typ())).chain([None, Some("JWT")]).collect();
    let other_audiences: Vec<&'static str> = others.iter().map(|k| k.audience()).collect();
    let required: Vec<&'static str> = match kind {
        // `org` is optional in an access token (super-admins have none).
        Kind::Access => vec!["sub", "user_role", "ver", "iat", "nbf", "exp", "iss", "aud", "jti"],
        Kind::Reset => vec!["sub", "ver", "iat", "nbf", "exp", "iss", "aud", "jti"],
        Kind::Invitation => vec!["sub", "org", "jti", "iat", "nbf", "exp", "iss", "aud"],
    };
    prop_oneof![
        Just(Flaw::None),
        prop::sample::select(vec![Algorithm::HS384, Algorithm::HS512]).prop_map(Flaw::Algorithm),
        prop::sample::select(other_typs).prop_map(Flaw::Typ),
        prop::sample::select(other_audiences).prop_map(Flaw::Audience),
        prop_oneof![Just(String::new()), "[A-Za-z-]{1,12}", Just("MarketEdge".to_owned())]
            .prop_filter("another issuer", |iss| iss != ISSUER)
            .prop_map(Flaw::Issuer),
        // The verifier tolerates 5 s of skew; 10 s and more is out of date.
        (10i64..10_000_000).prop_map(|ago| Flaw::Expired { ago }),
        (10i64..10_000_000).prop_map(|ahead| Flaw::NotYetValid { ahead }),
        prop::sample::select(required).prop_map(Flaw::Missing),
    ]
}

/// A token signed with `secret` outside our signing code, exactly as `sign` would make it but for
/// the flaw.
fn craft(secret: &str, kind: Kind, recipe: &Recipe, flaw: &Flaw) -> String {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let (mut nbf, mut exp) = (now, now + recipe.lifetime);
    match flaw {
        Flaw::Expired { ago } => (nbf, exp) = (now - ago - 60, now - ago),
        Flaw::NotYetValid { ahead } => (nbf, exp) = (now + ahead, now + ahead + recipe.lifetime),
        _ => {}
    }
    let id = |n: u128| Uuid::from_u128(n).to_string();
    let mut claims = json!({
        "sub": id(recipe.subject),
        "iat": nbf, "nbf": nbf, "exp": exp,
        "iss": match flaw { Flaw::Issuer(iss) => iss.as_str(), _ => ISSUER },
        "aud": match flaw { Flaw::Audience(aud) => aud, _ => kind.audience() },
        "jti": id(recipe.jti),
    });
    let extra = match kind {
        Kind::Access => json!({
            "org": recipe.organisation.map(id),
            "user_role": recipe.role,
            "ver": recipe.version,
        }),
        Kind::Reset => json!({ "ver": recipe.version }),
        Kind::Invitation => json!({ "org": id(recipe.organisation.unwrap_or(1)) }),
    };
    let object = claims.as_object_mut().unwrap();
    object.extend(extra.as_object().unwrap().clone());
    if let Flaw::Missing(name) = flaw {
        object.remove(*name);
    }
    let mut header = Header::new(match flaw {
        Flaw::Algorithm(algorithm) => *algorithm,
        _ => Algorithm::HS256,
    });
    header.typ = match flaw {
        Flaw::Typ(typ) => typ.map(str::to_owned),
        _ => Some(kind.typ().to_owned()),
    };
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

proptest! {
    #[test]
    fn a_token_with_one_rule_broken_is_refused(
        secret in secret(),
        (recipe, flaw) in recipe().prop_flat_map(|recipe| {
            let kind = recipe.kind;
            (Just(recipe), flaw(kind))
        }),
    ) {
        let keys = TokenKeys::from_secret(&secret);
        let token = craft(&secret, recipe.kind, &recipe, &flaw);
        let expected = match flaw {
            Flaw::None => vec![recipe.kind],
            _ => vec![],
        };
        prop_assert_eq!(accepted_as(&keys, &token), expected);
    }
}

#[test]
fn an_unsigned_token_is_refused() {
    let keys = TokenKeys::from_secret("q8Zt3vN1xR7pL0mW5kJ2hG9fD4sA6yUc");
    let recipe = Recipe {
        kind: Kind::Access,
        subject: 7,
        organisation: Some(8),
        role: Role::Admin,
        version: 1,
        jti: 9,
        lifetime: 900,
    };
    let signed = craft("q8Zt3vN1xR7pL0mW5kJ2hG9fD4sA6yUc", Kind::Access, &recipe, &Flaw::None);
    assert!(keys.verify_access(&signed).is_ok(), "the control is accepted");
    let claims = signed.split('.').nth(1).unwrap();
    for header in
        [json!({"alg": "none", "typ": "at+jwt"}), json!({"alg": "HS256", "typ": "at+jwt"})]
    {
        let header = URL_SAFE_NO_PAD.encode(header.to_string());
        assert!(keys.verify_access(&format!("{header}.{claims}.")).is_err());
        assert!(keys.verify_access(&format!("{header}.{claims}")).is_err());
    }
}

// ---- the Authorization header ----

proptest! {
    #[test]
    fn any_authorization_header_yields_at_most_its_own_trimmed_token(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..80),
            ("(Bearer|bearer|BEARER|Basic|Bearer:|Token)", "[ \t]{0,3}", ".{0,40}")
                .prop_map(|(scheme, gap, rest)| format!("{scheme}{gap}{rest}").into_bytes()),
        ],
        secret in secret(),
    ) {
        // Values an HTTP stack could never deliver (control characters) cannot be built.
        let Ok(header) = HeaderValue::from_bytes(&bytes) else { return Ok(()) };
        if let Some(token) = bearer_token(&header) {
            let value = header.to_str().unwrap();
            let (scheme, rest) = value.split_once(' ').expect("a scheme, a space, a token");
            // The scheme is case-insensitive (RFC 9110 §11.1), and nothing but Bearer.
            prop_assert!(scheme.eq_ignore_ascii_case("bearer"), "{}", scheme);
            prop_assert_eq!(token, rest.trim());
            prop_assert!(!token.is_empty());
            prop_assert!(TokenKeys::from_secret(&secret).verify_access(token).is_err());
        }
    }

    #[test]
    fn a_valid_access_token_is_read_from_its_header(
        secret in secret(),
        recipe in recipe().prop_map(|recipe| Recipe { kind: Kind::Access, ..recipe }),
        before in "[ \t]{0,3}",
        after in "[ \t]{0,3}",
    ) {
        let keys = TokenKeys::from_secret(&secret);
        let token = sign(&keys, &recipe);
        for scheme in ["Bearer", "bearer", "BEARER"] {
            let header = HeaderValue::from_str(&format!("{scheme} {before}{token}{after}")).unwrap();
            let read = bearer_token(&header);
            prop_assert_eq!(read, Some(token.as_str()));
            prop_assert!(keys.verify_access(read.unwrap()).is_ok());
        }
        for other in [format!("Basic {token}"), format!("Bearer{token}"), format!("Token {token}")] {
            let header = HeaderValue::from_str(&other).unwrap();
            prop_assert_eq!(bearer_token(&header), None);
        }
    }
}
