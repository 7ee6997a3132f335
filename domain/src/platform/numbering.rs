//! Gap-free document numbers (`SO-000001`, `INV-000001`): one counter row
//! per series, advanced inside the writing transaction. The update locks
//! the row (PostgreSQL) or runs in the one write transaction (SQLite), so
//! concurrent writers queue, and a rolled-back write gives its number back.

use entity::document_counter;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter};

/// A numbered series: its counter row and the prefix its numbers show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    pub counter: &'static str,
    pub prefix: &'static str,
}

impl Series {
    /// The series counted in the counter row `counter`, numbered `PREFIX-000001`.
    pub const fn new(counter: &'static str, prefix: &'static str) -> Series {
        Series { counter, prefix }
    }
}

pub const SALES_ORDER: Series = Series::new("sales_order", "SO");

pub const TAX_INVOICE: Series = Series::new("tax_invoice", "INV");

pub const ADJUSTMENT_NOTE: Series = Series::new("adjustment_note", "ADJ");

pub const PURCHASE_ORDER: Series = Series::new("purchase_order", "PO");

pub const ENGAGEMENT: Series = Series::new("engagement", "ENG");

pub const TICKET: Series = Series::new("ticket", "TKT");

pub const RECALL: Series = Series::new("recall", "RCL");

pub const INJURY_REPORT: Series = Series::new("injury_report", "INJ");

pub const CLAIM: Series = Series::new("guarantee_claim", "CLM");

pub const RETURN: Series = Series::new("return_request", "RMA");

/// Take the next number of `series` in this transaction, formatted.
pub async fn next<C: ConnectionTrait>(conn: &C, series: Series) -> Result<String, DbErr> {
    document_counter::Entity::update_many()
        .col_expr(
            document_counter::Column::NextValue,
            Expr::col(document_counter::Column::NextValue).add(1),
        )
        .filter(document_counter::Column::Name.eq(series.counter))
        .exec(conn)
        .await?;
    let counter = document_counter::Entity::find_by_id(series.counter.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("the {} counter", series.counter)))?;
    Ok(format(series, counter.next_value - 1))
}

fn format(series: Series, n: i64) -> String {
    format!("{}-{n:06}", series.prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_zero_padded_to_six_digits_and_grow_past_them() {
        assert_eq!(format(TAX_INVOICE, 1), "INV-000001");
        assert_eq!(format(SALES_ORDER, 45), "SO-000045");
        assert_eq!(format(TAX_INVOICE, 1_234_567), "INV-1234567");
    }
}
