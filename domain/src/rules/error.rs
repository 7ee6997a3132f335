//! The one error shape every rule in `rules` refuses input with. The API maps
//! `code` to its `UserErrorCode` enum and `message` to the userError message.

use std::fmt;

/// Why a value was refused; stable, machine-readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueErrorCode {
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
}

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
