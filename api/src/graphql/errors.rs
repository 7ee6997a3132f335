//! Errors as clients see them: expected ones as `userErrors` in payloads,
//! unexpected ones as top-level errors with a stable `extensions.code`.

use async_graphql::{Enum, ErrorExtensions, SimpleObject};
use domain::{DomainError, FieldError};

/// Why an input was refused.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::ErrorCode")]
pub enum UserErrorCode {
    /// A required value is missing or blank.
    Required,
    /// The value is longer than allowed.
    TooLong,
    /// Not a valid email address.
    InvalidEmail,
    /// Not a valid Australian phone number.
    InvalidPhone,
    /// Not a valid ABN (11 digits with a valid checksum).
    InvalidAbn,
    /// Not a valid Australian postcode.
    InvalidPostcode,
    /// The postcode belongs to another state or territory.
    PostcodeStateMismatch,
    /// Not a valid amount of money (a decimal string with at most 2 decimals).
    InvalidMoney,
    /// Not a valid quantity.
    InvalidQuantity,
    /// Not a valid percentage.
    InvalidPercent,
    /// Not a known tax code.
    InvalidTaxCode,
    /// The value is outside the allowed range.
    OutOfRange,
    /// The amount is too large to compute with.
    Overflow,
    /// Not a valid ID.
    InvalidId,
    /// No such record (or not one the caller may see).
    NotFound,
    /// The record changed since the caller read it (stale `expectedVersion`).
    Conflict,
    /// The Idempotency-Key was already used with a different input.
    IdempotencyKeyReused,
    /// Email or password is wrong, or the login is disabled.
    InvalidCredentials,
    /// The password is too short.
    WeakPassword,
    /// A login with this email already exists.
    EmailTaken,
    /// Too many failed sign-ins for this account or from this address: wait
    /// `retryAfterSeconds` before trying again.
    TooManyAttempts,
    /// A per-request limit was reached (e.g. one `login` per request).
    LimitExceeded,
    /// One-line text holds line breaks or other control characters.
    InvalidText,
    /// A record with this key already exists (e.g. a holiday on that date).
    AlreadyExists,
    /// The record is not in a state that allows this (e.g. a timer that already fired).
    InvalidState,
    /// The requester may not decide its own approval request (ADMIN included).
    OwnRequest,
    /// The caller already decided this approval request.
    AlreadyDecided,
    /// The approval request is no longer pending.
    ApprovalClosed,
    /// The caller's role may not decide this step of the approval request.
    NotADecider,
    /// Recording a decider's offline decision needs evidence.
    EvidenceRequired,
    /// Only the requester or ADMIN may cancel an approval request.
    NotRequester,
    /// This kind of approval is requested by its own flow, not by hand.
    NotRequestable,
    /// Not enough unreserved stock on hand for the change.
    InsufficientStock,
    /// The record's current status does not allow this step (the message names it).
    IllegalTransition,
    /// Only staff may give this value (e.g. a discount).
    StaffOnly,
    /// Only Australian dollars (AUD) are accepted.
    UnsupportedCurrency,
    /// An amount that must equal another does not (a remittance, a payment).
    AmountMismatch,
    /// The courier did not answer or refused the request; try again, or choose another courier.
    CourierUnavailable,
    /// Only the role that owns an engagement's current stage (or ADMIN) may do this.
    NotStageOwner,
    /// The product is banned (interim or permanent) and cannot be ordered, reserved or packed; the message names the ban and its reason.
    ProductBanned,
    /// The batch is recalled and cannot be reserved or packed; the message names the recall.
    BatchRecalled,
    /// The law does not offer that remedy for this claim's failure; the claim's `allowedRemedies` lists those it does.
    RemedyNotAllowed,
    /// The other party chooses this claim's remedy: the customer for a major failure, the business for a minor one until its reasonable time has passed.
    NotRemedyChooser,
    /// The business's return policy does not accept this return (change of mind outside its window, or not accepted at all); faults are claims and always accepted.
    ReturnNotAccepted,
}

/// An input the operation refused; nothing was written.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// Path to the offending input field, e.g. `["input", "email"]`.
    pub field: Option<Vec<String>>,
    /// Machine-readable reason.
    pub code: UserErrorCode,
    /// Human-readable reason.
    pub message: String,
}

impl UserError {
    /// Map a domain field error, placing it under the mutation's `input`.
    pub fn from_field(error: FieldError) -> Self {
        // An error about the request as a whole (e.g. bad credentials) has no field.
        let field = (!error.field.is_empty()).then(|| {
            let mut path = vec!["input".to_owned()];
            path.extend(error.field);
            path
        });
        UserError {
            field,
            code: error.code.into(),
            message: error.message,
        }
    }
}

/// Unexpected or transport-level failures, shown as top-level errors.
#[derive(Debug)]
pub enum ApiError {
    Unauthenticated,
    Forbidden,
    BadRequest(String),
    /// Logged with its cause; the client sees only the request id.
    Internal {
        request_id: String,
    },
}

impl ApiError {
    pub fn internal(request_id: &str, cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(request_id, error = %cause, "internal error");
        ApiError::Internal {
            request_id: request_id.to_owned(),
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        let (message, code) = match self {
            ApiError::Unauthenticated => ("sign in first".to_owned(), "UNAUTHENTICATED"),
            ApiError::Forbidden => ("forbidden".to_owned(), "FORBIDDEN"),
            ApiError::BadRequest(m) => (m.clone(), "BAD_REQUEST"),
            ApiError::Internal { request_id } => (
                format!("internal error (request id {request_id})"),
                "INTERNAL",
            ),
        };
        let request_id = match self {
            ApiError::Internal { request_id } => Some(request_id.clone()),
            _ => None,
        };
        async_graphql::Error::new(message).extend_with(|_, x| {
            x.set("code", code);
            if let Some(id) = &request_id {
                x.set("requestId", id.as_str());
            }
        })
    }
}

/// How a mutation resolver turns a domain failure into its answer: expected
/// failures become userErrors, the rest become top-level errors.
pub fn split_domain_error(
    err: DomainError,
    request_id: &str,
) -> Result<Vec<UserError>, async_graphql::Error> {
    match err {
        DomainError::Rejected(errors) => {
            Ok(errors.into_iter().map(UserError::from_field).collect())
        }
        DomainError::Forbidden => Err(ApiError::Forbidden.extend()),
        DomainError::Db(e) => Err(ApiError::internal(request_id, &e).extend()),
        DomainError::Internal(e) => Err(ApiError::internal(request_id, &e).extend()),
    }
}
