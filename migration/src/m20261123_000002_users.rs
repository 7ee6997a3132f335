//! Logins.

use crate::kit::{drop_tables, table};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut logins = table(
        "app_user",
        [
            pk_uuid("id"),
            string_uniq("email"),
            string("password_hash"),
            string("role"),
            uuid_null("party_id"),
            boolean("disabled"),
            integer("version"),
            timestamp_with_time_zone("created_at"),
            timestamp_with_time_zone("updated_at"),
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
