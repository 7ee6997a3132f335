//! Orders carry their late risk (ON_TRACK, AT_RISK, LATE) against the
//! required delivery date, kept current by timers so lists can filter by it.

use crate::kit::index;
use sea_orm_migration::{prelude::*, schema::*};

crate::transactional_migration!();

async fn up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let add = Table::alter()
        .table("sales_order")
        .add_column(string("late_risk").default("ON_TRACK"))
        .to_owned();
    manager.alter_table(add).await?;
    let by_risk = &["late_risk", "id"];
    index(
        manager,
        "ix_sales_order_late_risk",
        "sales_order",
        by_risk,
        false,
    )
    .await
}

async fn down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let drop_index = Index::drop()
        .name("ix_sales_order_late_risk")
        .table("sales_order")
        .to_owned();
    manager.drop_index(drop_index).await?;
    let drop = Table::alter()
        .table("sales_order")
        .drop_column("late_risk")
        .to_owned();
    manager.alter_table(drop).await
}
