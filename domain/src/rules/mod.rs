//! Pure business rules: value types, GST, business calendar, deadlines and
//! consumer-guarantee remedies. No database, no transport. Modules refer to each
//! other through `super::` only, so this tree also builds as a standalone crate
//! (the tests' fixtures aside: they read the seeded NSW holidays from the migration).
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
