//! GST tax code of a product or invoice line (AU-RULES "GST").

use super::error::{ValueError, ValueErrorCode, required, spelled};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Every product and invoice line carries one; only `Taxable` attracts GST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaxCode {
    /// GST at 10%.
    Taxable,
    /// No GST, but a sale reported as GST-free (basic food, some health goods, exports).
    GstFree,
    /// No GST and no input tax credits (rare in retail).
    InputTaxed,
}

impl TaxCode {
    pub const ALL: [TaxCode; 3] = [TaxCode::Taxable, TaxCode::GstFree, TaxCode::InputTaxed];

    /// Accepts the stored/API spelling (`TAXABLE`, `GST_FREE`, `INPUT_TAXED`),
    /// case-insensitively, with surrounding spaces ignored.
    pub fn parse(input: &str) -> Result<TaxCode, ValueError> {
        let s = required(input, "a tax code")?;
        spelled(&TaxCode::ALL, TaxCode::as_str, s).ok_or_else(|| {
            ValueError::new(
                ValueErrorCode::InvalidTaxCode,
                format!("'{s}' is not a tax code: use TAXABLE, GST_FREE or INPUT_TAXED"),
            )
        })
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            TaxCode::Taxable => "TAXABLE",
            TaxCode::GstFree => "GST_FREE",
            TaxCode::InputTaxed => "INPUT_TAXED",
        }
    }

    /// Whether GST is charged on a supply with this code.
    pub const fn is_taxable(self) -> bool {
        matches!(self, TaxCode::Taxable)
    }
}

impl fmt::Display for TaxCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaxCode {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaxCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses() {
        for c in TaxCode::ALL {
            assert_eq!(TaxCode::parse(c.as_str()).unwrap(), c);
            assert_eq!(c.to_string().parse::<TaxCode>().unwrap(), c);
        }
        assert_eq!(TaxCode::parse(" gst_free ").unwrap(), TaxCode::GstFree);
        assert_eq!(
            TaxCode::parse("EXEMPT").unwrap_err().code,
            ValueErrorCode::InvalidTaxCode
        );
        assert_eq!(
            TaxCode::parse("").unwrap_err().code,
            ValueErrorCode::Required
        );
        assert!(TaxCode::Taxable.is_taxable());
        assert!(!TaxCode::GstFree.is_taxable());
        assert!(!TaxCode::InputTaxed.is_taxable());
    }
}
