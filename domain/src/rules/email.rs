//! Email addresses: syntax checked, domain lower-cased.

use super::error::{ValueError, ValueErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, ValueError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ValueError::new(
                ValueErrorCode::Required,
                "email is required",
            ));
        }
        if s.len() > 254 {
            return Err(ValueError::new(
                ValueErrorCode::InvalidEmail,
                "an email address has at most 254 characters",
            ));
        }
        let invalid = || {
            ValueError::new(
                ValueErrorCode::InvalidEmail,
                format!("'{s}' is not a valid email address"),
            )
        };
        let parsed: email_address::EmailAddress = s.parse().map_err(|_| invalid())?;
        let (local, domain) = (parsed.local_part(), parsed.domain());
        // Mail to a bare host (no dot) never reaches a customer.
        if !domain.contains('.') || domain.starts_with('[') {
            return Err(invalid());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_domain_and_refuses_garbage() {
        assert_eq!(
            Email::parse(" Jo@Example.COM ").unwrap().as_str(),
            "Jo@example.com"
        );
        for bad in ["not-an-email", "a@b", "@x.com", "a b@x.com"] {
            assert_eq!(
                Email::parse(bad).unwrap_err().code,
                ValueErrorCode::InvalidEmail,
                "{bad}"
            );
        }
        assert_eq!(Email::parse("").unwrap_err().code, ValueErrorCode::Required);
    }
}
