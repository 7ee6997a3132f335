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

pub const SALES_ORDER: Series = Series {
    counter: "sales_order",
    prefix: "SO",
};

pub const TAX_INVOICE: Series = Series {
    counter: "tax_invoice",
    prefix: "INV",
};

pub const ADJUSTMENT_NOTE: Series = Series {
    counter: "adjustment_note",
    prefix: "ADJ",
};

pub const PURCHASE_ORDER: Series = Series {
    counter: "purchase_order",
    prefix: "PO",
};

pub const ENGAGEMENT: Series = Series {
    counter: "engagement",
    prefix: "ENG",
};

pub const TICKET: Series = Series {
    counter: "ticket",
    prefix: "TKT",
};

pub const RECALL: Series = Series {
    counter: "recall",
    prefix: "RCL",
};

pub const INJURY_REPORT: Series = Series {
    counter: "injury_report",
    prefix: "INJ",
};

pub const CLAIM: Series = Series {
    counter: "guarantee_claim",
    prefix: "CLM",
};

pub const RETURN: Series = Series {
    counter: "return_request",
    prefix: "RMA",
};

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
