//! The one error shape every rule in `rules` refuses input with. The API
//! mirrors `ErrorCode` as `UserErrorCode` and shows `message` as the
//! userError message.

use std::fmt;

/// Why an input was refused: the one list of codes for the whole API (rules
/// use the value codes; use cases add the rest). Stable, machine-readable.
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
    TooManyAttempts,
    LimitExceeded,
    InvalidText,
    AlreadyExists,
    InvalidState,
    OwnRequest,
    AlreadyDecided,
    ApprovalClosed,
    NotADecider,
    EvidenceRequired,
    NotRequester,
    NotRequestable,
    InsufficientStock,
    IllegalTransition,
    StaffOnly,
    /// Only Australian dollars are accepted.
    UnsupportedCurrency,
    /// An amount that must equal another does not (a remittance, a payment).
    AmountMismatch,
    /// A courier did not answer or refused a request; try again or choose another.
    CourierUnavailable,
    /// Only the role that owns an engagement's current stage (or ADMIN) may do this.
    NotStageOwner,
    /// The product is under a ban (interim or permanent) and cannot be sold.
    ProductBanned,
    /// The batch is recalled and cannot be reserved or packed.
    BatchRecalled,
    /// The law does not offer that remedy for this failure (see the claim's
    /// allowed remedies).
    RemedyNotAllowed,
    /// The other party chooses this claim's remedy (the customer for a major
    /// failure, the business for a minor one within its reasonable time).
    NotRemedyChooser,
    /// The business's return policy does not accept this return (a
    /// change-of-mind return outside its window, or not accepted at all).
    ReturnNotAccepted,
}

/// The codes a value rule refuses with (the same enum, by its older name).
pub type ValueErrorCode = ErrorCode;

/// A refused value: a code for machines and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub code: ValueErrorCode,
    pub message: String,
}

impl ValueError {
    pub fn new(code: ValueErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ValueError {}

/// The input without surrounding spaces, or REQUIRED ("`what` is required")
/// when nothing is left: the first step of every text rule.
pub fn required<'a>(input: &'a str, what: &str) -> Result<&'a str, ValueError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ValueError::new(
            ValueErrorCode::Required,
            format!("{what} is required"),
        ));
    }
    Ok(trimmed)
}

/// The member of `all` spelled `input` (case-insensitive), for the closed
/// lists that accept their stored spelling.
pub fn spelled<T: Copy>(all: &[T], spelling: fn(T) -> &'static str, input: &str) -> Option<T> {
    all.iter()
        .copied()
        .find(|member| spelling(*member).eq_ignore_ascii_case(input))
}
