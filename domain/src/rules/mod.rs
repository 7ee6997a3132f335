//! Pure business rules: value types, GST, business calendar, deadlines and
//! consumer-guarantee remedies. No database, no transport. Modules refer to each
//! other through `super::` only, and to nothing else but the `entity` crate's
//! column enums (a claim stores the guarantee and remedy the remedy rules name,
//! so they are one type), and the tests' fixtures, which read the seeded NSW
//! holidays from the migration.
//! Public holidays are data (the `public_holiday` table); the calendar takes them as input.

pub mod abn;
pub mod calendar;
pub mod deadlines;
pub mod email;
pub mod error;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod gst;
pub mod money;
pub mod phone;
pub mod postcode;
pub mod remedies;
pub mod tax_code;
pub mod webhooks;
