//! Product safety (AU-RULES "Product safety"; ACL Part 3-3), for
//! COMPLIANCE and ADMIN staff and for customers: safety records per product
//! and batch with bans and mandatory standards (`records`, `batches`),
//! traceability forward and back (`trace`), recalls that reach every buyer
//! once (`recalls`), mandatory injury reports on the ACCC clock
//! (`injuries`), and what is due (`dashboard`).

pub mod batches;
pub mod dashboard;
pub mod injuries;
pub mod recalls;
pub mod records;
pub mod trace;
