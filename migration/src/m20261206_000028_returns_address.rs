//! Where returned goods go: the business's returns address, named in the
//! instructions an approved return sends when staff write none.

use crate::kit::{add_column, drop_column};
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    add_column(manager, "business_settings", text_null("returns_address")).await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    drop_column(manager, "business_settings", "returns_address").await
}
