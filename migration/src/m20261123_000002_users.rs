//! Logins.

use crate::kit::{drop_tables, versioned_table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut logins = versioned_table(
        "app_user",
        [
            pk_uuid("id"),
            string_uniq("email"),
            string("password_hash"),
            string("role"),
            uuid_null("party_id"),
            boolean("disabled"),
        ],
    );
    logins.foreign_key(
        ForeignKey::create()
            .name("fk_app_user_party")
            .from("app_user", "party_id")
            .to("party", "id"),
    );
    manager.create_table(logins).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_tables(manager, &["app_user"]).await
}
