use crate::enums::{LocationKind, Region};
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A place stock is kept.
    #[sea_orm(table_name = "stock_location")]
    pub struct Model {
        /// Upper-cased; unique.
        #[sea_orm(unique)]
        pub code: String,
        pub name: String,
        pub region: Region,
        /// QUARANTINE stock is never available.
        pub kind: LocationKind,
        pub line1: Option<String>,
        pub line2: Option<String>,
        pub suburb: Option<String>,
        pub state: Option<String>,
        pub postcode: Option<String>,
        /// ISO 3166 alpha-2.
        pub country: String,
    }
}
