//! Australian dollars as integer cents. Floats never touch money; fractions of a
//! cent exist only as `Decimal` inside calculations and are rounded half up, away
//! from zero (DESIGN "Money", GST Act s9-90), never banker's rounding.

use super::error::{ValueError, ValueErrorCode, required};
use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;

/// An amount of AUD in cents. Negative amounts are allowed (refunds, adjustments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money {
    cents: i64,
}

impl Money {
    /// $0.00.
    pub const ZERO: Money = Money { cents: 0 };

    pub const fn from_cents(cents: i64) -> Money {
        Money { cents }
    }

    pub const fn cents(self) -> i64 {
        self.cents
    }

    pub const fn is_zero(self) -> bool {
        self.cents == 0
    }

    pub const fn is_negative(self) -> bool {
        self.cents < 0
    }

    /// `None` on overflow: money arithmetic never wraps.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.cents.checked_add(other.cents).map(Money::from_cents)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.cents.checked_sub(other.cents).map(Money::from_cents)
    }

    /// Multiplies by a whole number (e.g. a quantity).
    pub fn checked_mul(self, factor: i64) -> Option<Money> {
        self.cents.checked_mul(factor).map(Money::from_cents)
    }

    pub fn checked_neg(self) -> Option<Money> {
        self.cents.checked_neg().map(Money::from_cents)
    }

    /// Sums amounts; `None` if any partial sum overflows.
    pub fn checked_sum<I: IntoIterator<Item = Money>>(items: I) -> Option<Money> {
        items
            .into_iter()
            .try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }

    /// The amount in cents as a `Decimal`, for calculations needing fractions of a cent.
    pub fn to_decimal_cents(self) -> Decimal {
        Decimal::from(self.cents)
    }

    /// The amount in dollars as a `Decimal` (exact).
    pub fn to_decimal_dollars(self) -> Decimal {
        Decimal::new(self.cents, 2)
    }

    /// Rounds a `Decimal` number of cents half up, away from zero.
    pub fn from_decimal_cents(cents: Decimal) -> Result<Money, ValueError> {
        round_half_up_cents(cents).map(Money::from_cents)
    }

    /// Parses a decimal dollar string such as "12.34", "-0.5" or "7": at most two
    /// decimal places, no exponent, no thousands separators, no currency sign, so an
    /// input can never silently lose a fraction of a cent.
    pub fn parse(input: &str) -> Result<Money, ValueError> {
        let s = required(input, "an amount")?;
        let invalid = || {
            ValueError::new(
                ValueErrorCode::InvalidMoney,
                format!("'{s}' is not an amount in dollars and cents such as 12.34"),
            )
        };
        let (negative, unsigned) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, frac) = match unsigned.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (unsigned, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let frac_cents: i64 = match frac {
            None => 0,
            Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(invalid());
            }
            Some(f) if f.len() > 2 => {
                return Err(ValueError::new(
                    ValueErrorCode::InvalidMoney,
                    format!("'{s}' has more than two decimal places"),
                ));
            }
            Some(f) => {
                let v: i64 = f.parse().map_err(|_| invalid())?;
                if f.len() == 1 { v * 10 } else { v }
            }
        };
        let overflow = || {
            ValueError::new(
                ValueErrorCode::Overflow,
                format!("'{s}' is too large an amount"),
            )
        };
        let whole: i64 = whole.parse().map_err(|_| overflow())?;
        let cents = whole
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac_cents))
            .ok_or_else(overflow)?;
        Ok(Money::from_cents(if negative { -cents } else { cents }))
    }
}

impl Money {
    /// Dollars as a person reads them, thousands grouped: `$12,500.00`,
    /// `-$800.00` (pages and emails; the API keeps the plain decimal).
    pub fn dollars(&self) -> String {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{sign}${grouped}.{:02}", abs % 100)
    }
}

/// "12.34", "-0.50": the form the API and documents use (no currency sign).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.cents < 0 { "-" } else { "" };
        let abs = self.cents.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Rounds a `Decimal` number of cents to whole cents, half up and away from zero
/// for negatives (99.5 → 100, -99.5 → -100, 99.49 → 99). Refuses values outside `i64`.
pub fn round_half_up_cents(cents: Decimal) -> Result<i64, ValueError> {
    use rust_decimal::prelude::ToPrimitive;
    cents
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i64()
        .ok_or_else(|| ValueError::new(ValueErrorCode::Overflow, "amount is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn dollars_group_thousands_for_a_reader() {
        let shown = |cents| Money::from_cents(cents).dollars();
        assert_eq!(shown(0), "$0.00");
        assert_eq!(shown(5), "$0.05");
        assert_eq!(shown(99_950), "$999.50");
        assert_eq!(shown(125_000), "$1,250.00");
        assert_eq!(shown(1_250_000), "$12,500.00");
        assert_eq!(shown(123_456_789), "$1,234,567.89");
        assert_eq!(shown(-80_000), "-$800.00");
        assert_eq!(shown(-123_456_700), "-$1,234,567.00");
    }

    #[test]
    fn parses_dollar_strings() {
        assert_eq!(Money::parse("12.34").unwrap().cents(), 1234);
        assert_eq!(Money::parse("12.3").unwrap().cents(), 1230);
        assert_eq!(Money::parse("12").unwrap().cents(), 1200);
        assert_eq!(Money::parse(" 0.05 ").unwrap().cents(), 5);
        assert_eq!(Money::parse("-0.50").unwrap().cents(), -50);
        assert_eq!(Money::parse("-0").unwrap().cents(), 0);
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in [
            "1.234", "abc", "1e5", "1.", ".5", "-", "+1", "1,000", "$1", "1.2.3", "- 1", "0x10",
        ] {
            let err = Money::parse(bad).unwrap_err();
            assert_eq!(err.code, ValueErrorCode::InvalidMoney, "{bad}");
            assert!(!err.message.is_empty());
        }
        assert_eq!(Money::parse("").unwrap_err().code, ValueErrorCode::Required);
        assert_eq!(
            Money::parse("99999999999999999999").unwrap_err().code,
            ValueErrorCode::Overflow
        );
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Money::from_cents(1234).to_string(), "12.34");
        assert_eq!(Money::from_cents(-50).to_string(), "-0.50");
        assert_eq!(Money::from_cents(5).to_string(), "0.05");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(
            Money::from_cents(i64::MIN).to_string(),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn checked_arithmetic() {
        let a = Money::from_cents(150);
        assert_eq!(
            a.checked_add(Money::from_cents(50)),
            Some(Money::from_cents(200))
        );
        assert_eq!(
            a.checked_sub(Money::from_cents(200)),
            Some(Money::from_cents(-50))
        );
        assert_eq!(a.checked_mul(3), Some(Money::from_cents(450)));
        assert_eq!(
            Money::from_cents(i64::MAX).checked_add(Money::from_cents(1)),
            None
        );
        assert_eq!(Money::from_cents(i64::MAX).checked_mul(2), None);
        assert_eq!(Money::from_cents(i64::MIN).checked_neg(), None);
        assert_eq!(
            Money::checked_sum([a, a, Money::from_cents(-100)]),
            Some(Money::from_cents(200))
        );
        assert!(Money::from_cents(-1) < Money::ZERO);
    }

    #[test]
    fn rounds_half_up_away_from_zero() {
        assert_eq!(round_half_up_cents(dec!(99.5)).unwrap(), 100);
        assert_eq!(round_half_up_cents(dec!(100.5)).unwrap(), 101); // not banker's
        assert_eq!(round_half_up_cents(dec!(99.49)).unwrap(), 99);
        assert_eq!(round_half_up_cents(dec!(-99.5)).unwrap(), -100);
        assert_eq!(round_half_up_cents(dec!(-99.49)).unwrap(), -99);
        assert_eq!(round_half_up_cents(dec!(101.5)).unwrap(), 102);
        assert_eq!(
            round_half_up_cents(Decimal::MAX).unwrap_err().code,
            ValueErrorCode::Overflow
        );
        assert_eq!(
            Money::from_decimal_cents(dec!(1099.5)).unwrap(),
            Money::from_cents(1100)
        );
        assert_eq!(Money::from_cents(-1234).to_decimal_dollars(), dec!(-12.34));
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(c in any::<i64>().prop_filter("negatable", |c| *c != i64::MIN)) {
            let m = Money::from_cents(c);
            prop_assert_eq!(Money::parse(&m.to_string()).unwrap(), m);
        }
    }
}
