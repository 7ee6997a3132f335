//! One customer per email address (DESIGN "Where issues meet"): customer
//! emails are unique compared without case. A partial index on the lowered
//! address, so suppliers and customers without an email are not counted.

use crate::kit::{drop_index, execute};
use sea_orm_migration::prelude::*;

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    execute(
        manager,
        &[
            "CREATE UNIQUE INDEX ux_party_customer_email ON party (lower(email)) \
           WHERE kind = 'CUSTOMER' AND email IS NOT NULL",
        ],
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_index(manager, "ux_party_customer_email", "party").await
}
