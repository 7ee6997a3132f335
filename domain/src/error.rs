//! The one error enum of the domain layer; the API maps it once.

use crate::rules::error::{ValueError, ValueErrorCode};
use sea_orm::DbErr;

/// Machine-readable reason for an expected failure. The API exposes it as
/// `UserErrorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Required,
    TooLong,
    InvalidEmail,
    InvalidPhone,
    InvalidAbn,
    InvalidPostcode,
    PostcodeStateMismatch,
    InvalidMoney,
    InvalidQuantity,
    InvalidPercent,
    InvalidTaxCode,
    OutOfRange,
    Overflow,
    InvalidId,
    NotFound,
    Conflict,
    IdempotencyKeyReused,
    InvalidCredentials,
    WeakPassword,
    EmailTaken,
}

impl From<ValueErrorCode> for ErrorCode {
    fn from(code: ValueErrorCode) -> Self {
        match code {
            ValueErrorCode::Required => ErrorCode::Required,
            ValueErrorCode::TooLong => ErrorCode::TooLong,
            ValueErrorCode::InvalidEmail => ErrorCode::InvalidEmail,
            ValueErrorCode::InvalidPhone => ErrorCode::InvalidPhone,
            ValueErrorCode::InvalidAbn => ErrorCode::InvalidAbn,
            ValueErrorCode::InvalidPostcode => ErrorCode::InvalidPostcode,
            ValueErrorCode::PostcodeStateMismatch => ErrorCode::PostcodeStateMismatch,
            ValueErrorCode::InvalidMoney => ErrorCode::InvalidMoney,
            ValueErrorCode::InvalidQuantity => ErrorCode::InvalidQuantity,
            ValueErrorCode::InvalidPercent => ErrorCode::InvalidPercent,
            ValueErrorCode::InvalidTaxCode => ErrorCode::InvalidTaxCode,
            ValueErrorCode::OutOfRange => ErrorCode::OutOfRange,
            ValueErrorCode::Overflow => ErrorCode::Overflow,
        }
    }
}

/// One refused input: the path to the field (within the use case's input),
/// the code and a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Vec<String>,
    pub code: ErrorCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &[&str], code: ErrorCode, message: impl Into<String>) -> Self {
        FieldError {
            field: field.iter().map(|s| s.to_string()).collect(),
            code,
            message: message.into(),
        }
    }

    pub fn from_value(field: &str, err: ValueError) -> Self {
        FieldError::new(&[field], err.code.into(), err.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Expected: bad input, stale version, missing record. Shown as userErrors.
    #[error("rejected: {0:?}")]
    Rejected(Vec<FieldError>),
    /// The caller's role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Unexpected: logged, shown only as INTERNAL.
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn rejected(field: &[&str], code: ErrorCode, message: impl Into<String>) -> Self {
        DomainError::Rejected(vec![FieldError::new(field, code, message)])
    }

    pub fn not_found(field: &str, what: &str) -> Self {
        Self::rejected(&[field], ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn conflict() -> Self {
        Self::rejected(
            &["expectedVersion"],
            ErrorCode::Conflict,
            "the record was changed by someone else; reload it and try again",
        )
    }
}

impl<E: std::error::Error> From<sea_orm::TransactionError<E>> for DomainError
where
    DomainError: From<E>,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => DomainError::Db(e),
            sea_orm::TransactionError::Transaction(e) => e.into(),
        }
    }
}
