use crate::enums::BanKind;
use sea_orm::entity::prelude::*;

versioned_model! {
    /// A product's safety record: who supplied or imported it, where it was
    /// made, the mandatory standards that apply with the evidence of
    /// compliance (and the warning online listings must show), and any ban.
    #[sea_orm(table_name = "product_safety")]
    pub struct Model {
        #[sea_orm(unique)]
        pub product_id: Uuid,
        /// The supplier or importer, when it is a party on file.
        pub supplier_party_id: Option<Uuid>,
        pub supplier_name: String,
        /// 11 digits, checked by the ABN rule.
        pub supplier_abn: Option<String>,
        pub country_of_manufacture: Option<String>,
        /// JSON: `[{"standard", "evidence", "warning"}]`.
        pub mandatory_standards: String,
        pub ban: BanKind,
        pub ban_reason: Option<String>,
        /// An interim ban's last day (Sydney date).
        pub ban_ends_on: Option<Date>,
    }
}
