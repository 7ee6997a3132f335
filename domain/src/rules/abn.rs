//! Australian Business Number: 11 digits with a weighted checksum (AU-RULES).

use super::error::{ValueError, ValueErrorCode};
use std::fmt;

/// An ABN that passed the checksum; holds the 11 digits without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Abn(String);

const WEIGHTS: [u32; 11] = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

impl Abn {
    /// Accepts spaces between digits; stores the 11 digits.
    pub fn parse(input: &str) -> Result<Abn, ValueError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(ValueError::new(ValueErrorCode::Required, "ABN is required"));
        }
        if digits.len() != 11 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ValueError::new(
                ValueErrorCode::InvalidAbn,
                "an ABN has exactly 11 digits",
            ));
        }
        let sum: u32 = digits
            .chars()
            .zip(WEIGHTS)
            .enumerate()
            .map(|(i, (c, w))| {
                let d = c.to_digit(10).unwrap_or(0);
                // The first digit is reduced by one before weighting.
                let d = if i == 0 { d.wrapping_sub(1) } else { d };
                d.wrapping_mul(w)
            })
            .fold(0u32, u32::wrapping_add);
        if digits.starts_with('0') || !sum.is_multiple_of(89) {
            return Err(ValueError::new(
                ValueErrorCode::InvalidAbn,
                "the ABN checksum does not match",
            ));
        }
        Ok(Abn(digits))
    }

    /// The 11 digits, no spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Abn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        write!(f, "{} {} {} {}", &d[0..2], &d[2..5], &d[5..8], &d[8..11])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn au_rules_examples() {
        let abn = Abn::parse("51 824 753 556").unwrap();
        assert_eq!(abn.as_str(), "51824753556");
        assert_eq!(abn.to_string(), "51 824 753 556");
        assert_eq!(
            Abn::parse("51 824 753 557").unwrap_err().code,
            ValueErrorCode::InvalidAbn
        );
        assert_eq!(
            Abn::parse("5182475355").unwrap_err().code,
            ValueErrorCode::InvalidAbn
        );
        assert_eq!(
            Abn::parse("   ").unwrap_err().code,
            ValueErrorCode::Required
        );
    }

    #[test]
    fn more_examples() {
        // Published ABNs of large companies, in various spacings.
        for good in [
            "33 051 775 556",
            "49004028077",
            "53 004 085 616",
            " 83 914 571 673 ",
        ] {
            let abn = Abn::parse(good).unwrap();
            assert_eq!(abn.as_str(), good.replace(' ', ""), "{good}");
            assert_eq!(Abn::parse(&abn.to_string()).unwrap(), abn);
        }
        for bad in [
            "51 824 753 55a",
            "518247535561",
            "01 824 753 556",
            "51-824-753-556",
            "11 000 000 000",
        ] {
            assert_eq!(
                Abn::parse(bad).unwrap_err().code,
                ValueErrorCode::InvalidAbn,
                "{bad}"
            );
        }
        // Every single-digit change of a valid ABN is caught.
        let base: Vec<u8> = b"51824753556".to_vec();
        for i in 0..11 {
            for d in b'0'..=b'9' {
                if d == base[i] {
                    continue;
                }
                let mut v = base.clone();
                v[i] = d;
                let s = String::from_utf8(v).unwrap();
                assert!(Abn::parse(&s).is_err(), "{s}");
            }
        }
    }
}
