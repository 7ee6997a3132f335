//! The catalogue and stock: products (goods and services), stock locations
//! by region, stock per (product, location, batch) and its movement ledger.
//! Stock never goes negative or over-reserved: every change is one
//! conditional update, backed by a CHECK constraint.

pub mod locations;
pub mod products;
pub mod stock;

use crate::kernel::Fields;

/// A code people type (SKU, location code): trimmed, upper-cased, letters,
/// digits, `-`, `_` and `.` only.
fn code(fields: &mut Fields, field: &str, raw: &str, max: usize) -> Option<String> {
    let text = fields.text(field, raw, max)?.to_uppercase();
    let valid = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    fields.ensure(
        valid,
        field,
        crate::ErrorCode::InvalidText,
        format!("{field} may hold letters, digits, '-', '_' and '.' only"),
    );
    valid.then_some(text)
}

/// A whole number within `range`, or OUT_OF_RANGE.
fn bounded(
    fields: &mut Fields,
    field: &str,
    value: i32,
    range: std::ops::RangeInclusive<i32>,
) -> i32 {
    fields.ensure(
        range.contains(&value),
        field,
        crate::ErrorCode::OutOfRange,
        format!(
            "{field} must be between {} and {}",
            range.start(),
            range.end()
        ),
    );
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_upper_cased_and_plain() {
        let mut fields = Fields::new();
        assert_eq!(
            code(&mut fields, "sku", " chair-01.b ", 40).as_deref(),
            Some("CHAIR-01.B")
        );
        assert_eq!(code(&mut fields, "sku", "chair 01", 40), None);
        assert!(fields.finish(|| Some(())).is_err());
    }
}
