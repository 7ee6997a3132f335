//! Australian phone numbers, stored as E.164.

use super::error::{ValueError, ValueErrorCode};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneAu(String);

impl PhoneAu {
    /// Accepts national ("0412 345 678", "(02) 9876 5432") and international
    /// ("+61 412 345 678") forms; the number must be valid.
    pub fn parse(input: &str) -> Result<PhoneAu, ValueError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ValueError::new(
                ValueErrorCode::Required,
                "phone is required",
            ));
        }
        let invalid = || {
            ValueError::new(
                ValueErrorCode::InvalidPhone,
                format!("'{s}' is not a valid Australian phone number"),
            )
        };
        let number =
            phonenumber::parse(Some(phonenumber::country::Id::AU), s).map_err(|_| invalid())?;
        // Australian numbers only (+61; includes Christmas and Cocos Islands).
        if !phonenumber::is_valid(&number) || number.code().value() != 61 {
            return Err(invalid());
        }
        Ok(PhoneAu(
            number.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    /// The number in E.164 form, e.g. "+61412345678".
    pub fn as_e164(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_forms() {
        assert_eq!(
            PhoneAu::parse("0412 345 678").unwrap().as_e164(),
            "+61412345678"
        );
        assert_eq!(
            PhoneAu::parse("+61 412 345 678").unwrap().as_e164(),
            "+61412345678"
        );
        assert_eq!(
            PhoneAu::parse("(02) 9876 5432").unwrap().as_e164(),
            "+61298765432"
        );
        assert_eq!(
            PhoneAu::parse("12").unwrap_err().code,
            ValueErrorCode::InvalidPhone
        );
    }

    #[test]
    fn other_au_forms_and_refusals() {
        assert_eq!(
            PhoneAu::parse("61 2 9876 5432").unwrap().as_e164(),
            "+61298765432"
        );
        assert_eq!(
            PhoneAu::parse("03 9123 4567").unwrap().as_e164(),
            "+61391234567"
        );
        assert_eq!(
            PhoneAu::parse("0412-345-678").unwrap().as_e164(),
            "+61412345678"
        );
        for bad in [
            "0412 345 67",
            "abc",
            "+1 202 555 0123",
            "+64 21 123 4567",
            "0000 000 000",
        ] {
            assert_eq!(
                PhoneAu::parse(bad).unwrap_err().code,
                ValueErrorCode::InvalidPhone,
                "{bad}"
            );
        }
        assert_eq!(
            PhoneAu::parse("  ").unwrap_err().code,
            ValueErrorCode::Required
        );
    }
}
