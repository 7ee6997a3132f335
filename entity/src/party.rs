use crate::enums::PartyKind;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A person or organisation the business deals with: customer, supplier, courier.
    #[sea_orm(table_name = "party")]
    pub struct Model {
        pub kind: PartyKind,
        pub name: String,
        /// Lower-cased name and email, so search is case-insensitive on both
        /// backends. Derived, so snapshots leave it out.
        #[serde(skip)]
        pub search_text: String,
        pub email: Option<String>,
        /// E.164.
        pub phone: Option<String>,
        /// 11 digits.
        pub abn: Option<String>,
        /// A supplier that ships straight to customers.
        pub drop_ships: bool,
    }
}
