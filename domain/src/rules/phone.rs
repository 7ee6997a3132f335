//! Australian phone numbers, stored as E.164.

use super::error::{ValueError, ValueErrorCode, required};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneAu(String);

impl PhoneAu {
    /// Accepts national ("0412 345 678", "(02) 9876 5432") and international
    /// ("+61 412 345 678") forms; the number must be valid.
    pub fn parse(input: &str) -> Result<PhoneAu, ValueError> {
        let s = required(input, "phone")?;
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
    fn national_and_international_forms_become_e164() {
        for (written, e164) in [
            ("0412 345 678", "+61412345678"),
            ("+61 412 345 678", "+61412345678"),
            ("(02) 9876 5432", "+61298765432"),
            ("61 2 9876 5432", "+61298765432"),
            ("03 9123 4567", "+61391234567"),
            ("0412-345-678", "+61412345678"),
        ] {
            assert_eq!(
                PhoneAu::parse(written).unwrap().as_e164(),
                e164,
                "{written}"
            );
        }
    }

    #[test]
    fn short_foreign_and_blank_numbers_are_refused() {
        let refusals = [
            ("12", ValueErrorCode::InvalidPhone),
            ("0412 345 67", ValueErrorCode::InvalidPhone),
            ("abc", ValueErrorCode::InvalidPhone),
            ("+1 202 555 0123", ValueErrorCode::InvalidPhone),
            ("+64 21 123 4567", ValueErrorCode::InvalidPhone),
            ("0000 000 000", ValueErrorCode::InvalidPhone),
            ("  ", ValueErrorCode::Required),
        ];
        for (written, code) in refusals {
            assert_eq!(PhoneAu::parse(written).unwrap_err().code, code, "{written}");
        }
    }
}
