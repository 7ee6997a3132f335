//! An engagement's fee lines (DESIGN "Engagement fees"): description, amount
//! ex-GST and tax code, set when the engagement is set up and added to only
//! by approved scope changes (one line each); the final invoice bills them.

use crate::kernel::db::children_of;
use crate::kernel::{ErrorCode, Fields, Write};
use crate::rules::error::ValueError;
use crate::rules::money::Money;
use crate::rules::tax_code::TaxCode;
use entity::{engagement_fee_line, scope_change};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use std::collections::HashMap;
use uuid::Uuid;

crate::children! {
    engagement_fee_line: EngagementId / engagement_id by LineNo;
}

/// Most fee lines an engagement is set up with.
pub const MAX_SET_UP_LINES: usize = 20;
/// Largest fee line set up: $10 million.
const MAX_LINE_CENTS: i64 = 1_000_000_000;

/// A fee line as the project manager gives it.
#[derive(Debug, Clone)]
pub struct FeeLineInput {
    pub description: String,
    /// Dollars ex-GST (`12500.00`), $0 to $10,000,000.
    pub amount: String,
    /// `TAXABLE` (the default), `GST_FREE` or `INPUT_TAXED`.
    pub tax_code: Option<String>,
}

/// A checked fee line, before it is numbered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeLine {
    pub description: String,
    pub amount: Money,
    pub tax_code: TaxCode,
}

/// A set-up fee line's amount: dollars, not negative, at most $10 million.
fn parse_amount(raw: &str) -> Result<Money, ValueError> {
    let amount = Money::parse(raw)?;
    if amount.is_negative() || amount.cents() > MAX_LINE_CENTS {
        return Err(ValueError::new(
            ErrorCode::OutOfRange,
            "a fee line is $0.00 to $10,000,000.00",
        ));
    }
    Ok(amount)
}

/// Check the fee lines an engagement is set up with, every problem at its
/// path (`fees.1.amount`).
pub fn parse(fields: &mut Fields, lines: &[FeeLineInput]) -> Vec<FeeLine> {
    fields.ensure(
        lines.len() <= MAX_SET_UP_LINES,
        "fees",
        ErrorCode::OutOfRange,
        format!("an engagement is set up with at most {MAX_SET_UP_LINES} fee lines"),
    );
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let index = i.to_string();
        let description = fields.text_at(&["fees", &index, "description"], &line.description, 200);
        let amount = fields.at(&["fees", &index, "amount"], parse_amount(&line.amount));
        let tax_code = match line.tax_code.as_deref().map(str::trim) {
            None | Some("") => Some(TaxCode::Taxable),
            Some(raw) => fields.at(&["fees", &index, "taxCode"], TaxCode::parse(raw)),
        };
        if let (Some(description), Some(amount), Some(tax_code)) = (description, amount, tax_code) {
            out.push(FeeLine {
                description,
                amount,
                tax_code,
            });
        }
    }
    out
}

/// The line an approved scope change adds: its cost impact, taxable.
pub fn of_scope_change(change: &scope_change::Model) -> FeeLine {
    FeeLine {
        description: format!("Scope change {}: {}", change.seq, change.description),
        amount: Money::from_cents(change.cost_impact_cents),
        tax_code: TaxCode::Taxable,
    }
}

/// The agreed fee as set up (before scope changes), ex-GST.
pub fn agreed(lines: &[engagement_fee_line::Model]) -> Money {
    Money::from_cents(
        lines
            .iter()
            .filter(|l| l.scope_change_id.is_none())
            .map(|l| l.amount_cents)
            .sum(),
    )
}

/// Number and store `lines` after the engagement's existing `already`
/// lines, in the caller's write.
pub async fn append_in(
    w: &mut Write<'_>,
    engagement_id: Uuid,
    already: usize,
    lines: Vec<(FeeLine, Option<Uuid>)>,
) -> Result<Vec<engagement_fee_line::Model>, DbErr> {
    let now = w.now();
    let mut stored = Vec::with_capacity(lines.len());
    for (i, (line, scope_change_id)) in lines.into_iter().enumerate() {
        stored.push(
            engagement_fee_line::ActiveModel {
                id: Set(Uuid::now_v7()),
                engagement_id: Set(engagement_id),
                line_no: Set((already + i + 1) as i32),
                description: Set(line.description),
                amount_cents: Set(line.amount.cents()),
                tax_code: Set(line.tax_code.as_str().to_owned()),
                scope_change_id: Set(scope_change_id),
                created_at: Set(now),
            }
            .insert(w.conn())
            .await?,
        );
    }
    Ok(stored)
}

/// The fee lines of many engagements (by engagement id), in line order:
/// one query.
pub async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<engagement_fee_line::Model>>, DbErr> {
    children_of::<engagement_fee_line::Entity, _>(conn, engagement_ids).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::DomainError;

    fn input(description: &str, amount: &str, tax_code: Option<&str>) -> FeeLineInput {
        FeeLineInput {
            description: description.into(),
            amount: amount.into(),
            tax_code: tax_code.map(Into::into),
        }
    }

    fn paths(e: DomainError) -> Vec<(String, ErrorCode)> {
        match e {
            DomainError::Rejected(errors) => errors
                .into_iter()
                .map(|f| (f.field.join("."), f.code))
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fee_lines_are_checked_at_their_paths_and_default_to_taxable() {
        let mut fields = Fields::new();
        let lines = parse(
            &mut fields,
            &[
                input("Implementation", "12500.00", None),
                input("Training (GST-free course)", "800", Some("GST_FREE")),
            ],
        );
        assert!(fields.finish(|| Some(())).is_ok());
        assert_eq!(lines[0].tax_code, TaxCode::Taxable);
        assert_eq!(lines[0].amount, Money::from_cents(1_250_000));
        assert_eq!(lines[1].tax_code, TaxCode::GstFree);

        let mut fields = Fields::new();
        parse(
            &mut fields,
            &[
                input("Implementation", "-5.00", Some("TAXABLE")),
                input(" ", "10", Some("ZERO_RATED")),
            ],
        );
        let refused = paths(fields.finish(|| Some(())).unwrap_err());
        assert_eq!(
            refused,
            [
                ("fees.0.amount".to_owned(), ErrorCode::OutOfRange),
                ("fees.1.description".to_owned(), ErrorCode::Required),
                ("fees.1.taxCode".to_owned(), ErrorCode::InvalidTaxCode),
            ]
        );
        let mut fields = Fields::new();
        let many: Vec<FeeLineInput> = (0..=MAX_SET_UP_LINES)
            .map(|i| input(&format!("Line {i}"), "1", None))
            .collect();
        parse(&mut fields, &many);
        assert_eq!(
            paths(fields.finish(|| Some(())).unwrap_err()),
            [("fees".to_owned(), ErrorCode::OutOfRange)]
        );
    }

    #[test]
    fn a_scope_change_adds_its_cost_as_a_taxable_line_and_the_agreed_fee_excludes_it() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let change = scope_change::Model {
            id: Uuid::from_u128(5),
            engagement_id: Uuid::from_u128(1),
            seq: 2,
            description: "Gluten-free filter".into(),
            cost_impact_cents: -80_000,
            schedule_impact_days: 1,
            risk_impact: "low".into(),
            status: entity::ScopeChangeStatus::Approved,
            approval_id: Uuid::from_u128(6),
            decision_reason: None,
            end_before: None,
            end_after: None,
            requested_by: "pm".into(),
            requested_at: at,
            decided_at: Some(at),
        };
        let line = of_scope_change(&change);
        assert_eq!(line.description, "Scope change 2: Gluten-free filter");
        assert_eq!(line.amount, Money::from_cents(-80_000));
        assert_eq!(line.tax_code, TaxCode::Taxable);
        let row = |no: i32, cents: i64, from: Option<Uuid>| engagement_fee_line::Model {
            id: Uuid::from_u128(no as u128),
            engagement_id: Uuid::from_u128(1),
            line_no: no,
            description: format!("line {no}"),
            amount_cents: cents,
            tax_code: "TAXABLE".into(),
            scope_change_id: from,
            created_at: at,
        };
        let lines = [
            row(1, 1_000_000, None),
            row(2, 250_000, None),
            row(3, -80_000, Some(change.id)),
        ];
        assert_eq!(agreed(&lines), Money::from_cents(1_250_000));
    }
}
