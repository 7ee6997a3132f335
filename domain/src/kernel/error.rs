//! The one error enum of the domain layer; the API maps it once.

pub use crate::rules::error::ErrorCode;
use crate::rules::error::ValueError;
use sea_orm::DbErr;

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
        FieldError::new(&[field], err.code, err.message)
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

    pub fn internal(what: impl std::fmt::Display) -> Self {
        DomainError::Internal(what.to_string())
    }

    /// Whether a unique index refused the write: a concurrent write of the
    /// same value won the race that the caller's own check could not see.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DomainError::Db(db) if is_unique_violation(db))
    }

    /// This error, or `refusal` when a unique index refused the write.
    pub fn unique_as(self, refusal: impl FnOnce() -> DomainError) -> Self {
        if self.is_unique_violation() {
            refusal()
        } else {
            self
        }
    }
}

/// Whether the database refused a write for a unique index.
pub fn is_unique_violation(db: &DbErr) -> bool {
    matches!(
        db.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
