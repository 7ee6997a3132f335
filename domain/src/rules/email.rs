//! Email addresses: syntax checked, domain lower-cased.

use super::error::{ValueError, ValueErrorCode, required};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Trims, checks the syntax, refuses more than 254 characters (the SMTP path
    /// limit) and bare hosts, and lower-cases the domain (the local part is
    /// case-sensitive in principle, so it is kept).
    pub fn parse(input: &str) -> Result<Email, ValueError> {
        let s = required(input, "email")?;
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

    /// The normalised address.
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

    #[test]
    fn length_limit_is_254() {
        let domain = format!(
            "{}.com.au",
            ["a".repeat(60), "b".repeat(60), "c".repeat(60)].join(".")
        );
        let ok = format!("{}@{domain}", "x".repeat(254 - 1 - domain.len()));
        assert_eq!(ok.len(), 254);
        assert_eq!(Email::parse(&ok).unwrap().as_str(), ok);
        let long = format!("y{ok}");
        let err = Email::parse(&long).unwrap_err();
        assert_eq!(err.code, ValueErrorCode::InvalidEmail);
        assert!(err.message.contains("254"));
        assert_eq!(
            Email::parse("first.last+tag@Sub.Example.com.au")
                .unwrap()
                .as_str(),
            "first.last+tag@sub.example.com.au"
        );
    }
}
