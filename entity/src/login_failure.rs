use sea_orm::entity::prelude::*;

/// One failed sign-in, kept for the throttle window: by account (the email as
/// typed, normalised, whether or not such a login exists) and by client address.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub account_key: String,
    pub client_key: String,
    pub failed_at: DateTimeUtc,
}

no_relations!();
