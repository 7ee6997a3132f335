//! Bearer tokens: HS256 JWTs with `sub`, `role`, `party` (customers) and `exp`.

use domain::{Actor, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// User id (or any subject, for development tokens).
    pub sub: String,
    pub role: String,
    /// The customer party, for CUSTOMER tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    pub exp: i64,
    pub iat: i64,
}

/// Sign a token valid for `ttl` from `now`.
pub fn issue_token(
    secret: &str,
    subject: &str,
    role: Role,
    party: Option<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
    ttl: chrono::Duration,
) -> String {
    let claims = Claims {
        sub: subject.to_owned(),
        role: role.as_str().to_owned(),
        party: party.map(|p| p.to_string()),
        exp: (now + ttl).timestamp(),
        iat: now.timestamp(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 signing of plain claims cannot fail")
}

/// Why a token was refused (logged; the client sees only UNAUTHENTICATED,
/// or INTERNAL when `Lookup` could not check it).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the Authorization header must be 'Bearer <token>'")]
    Scheme,
    #[error("malformed, forged or expired token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("unknown role in token")]
    Role,
    #[error("bad party in token")]
    Party,
    #[error("login is disabled")]
    Disabled,
    #[error("the token's subject is not a login")]
    UnknownSubject,
    #[error("checking the login failed: {0}")]
    Lookup(#[from] sea_orm::DbErr),
}

/// A verified bearer token: who acts, and until when (app clock).
#[derive(Debug, Clone)]
pub struct Bearer {
    pub actor: Actor,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Check signature, algorithm and expiry (against `now`) and build the actor.
pub fn verify_token(
    secret: &str,
    token: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Bearer, TokenError> {
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry is checked below against the app clock, not the wall clock.
    validation.validate_exp = false;
    validation.required_spec_claims = ["exp", "sub"].into_iter().map(String::from).collect();
    let data = decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )?;
    let claims = data.claims;
    if claims.exp <= now.timestamp() {
        return Err(TokenError::Invalid(
            jsonwebtoken::errors::ErrorKind::ExpiredSignature.into(),
        ));
    }
    let role: Role = claims.role.parse().map_err(|_| TokenError::Role)?;
    let party = claims
        .party
        .as_deref()
        .map(Uuid::parse_str)
        .transpose()
        .map_err(|_| TokenError::Party)?;
    if role == Role::Customer && party.is_none() {
        return Err(TokenError::Party);
    }
    let expires_at = chrono::DateTime::from_timestamp(claims.exp, 0)
        .ok_or_else(|| TokenError::Invalid(jsonwebtoken::errors::ErrorKind::InvalidToken.into()))?;
    Ok(Bearer {
        actor: Actor {
            id: claims.sub,
            role,
            party,
        },
        expires_at,
    })
}

/// May the token's subject still act? A disabled login's tokens stop working
/// at once. In production the subject must be a login: a token naming anyone
/// else could never be disabled, so it would stay valid until it expires.
/// Development still accepts other subjects (`api issue-token`).
pub async fn check_subject(
    db: &DatabaseConnection,
    production: bool,
    actor: &Actor,
) -> Result<(), TokenError> {
    let user = match Uuid::parse_str(&actor.id) {
        Ok(id) => domain::users::find(db, id).await?,
        Err(_) => None,
    };
    match user {
        Some(user) if user.disabled => Err(TokenError::Disabled),
        Some(_) => Ok(()),
        None if production => Err(TokenError::UnknownSubject),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};

    const SECRET: &str = "test-secret-test-secret-test-secret-42";

    #[test]
    fn round_trip_and_refusals() {
        let now = Utc::now();
        let party = Uuid::now_v7();
        let token = issue_token(
            SECRET,
            "u1",
            Role::Customer,
            Some(party),
            now,
            Duration::hours(1),
        );
        let actor = verify_token(SECRET, &token, now).unwrap().actor;
        assert_eq!(actor.role, Role::Customer);
        assert_eq!(actor.party, Some(party));
        assert!(verify_token("another-secret-another-secret-000", &token, now).is_err());
        assert!(verify_token(SECRET, &token, now + Duration::hours(2)).is_err());
        assert!(verify_token(SECRET, "not.a.token", now).is_err());
        let customer_without_party =
            issue_token(SECRET, "u2", Role::Customer, None, now, Duration::hours(1));
        assert!(verify_token(SECRET, &customer_without_party, now).is_err());
    }
}
