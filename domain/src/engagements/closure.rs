//! Closing an engagement (DESIGN "Engagements": closure needs the final
//! invoice and lessons learned): the final invoice bills the engagement's
//! fee lines (those it was set up with and one per approved scope change,
//! DESIGN "Engagement fees") through the invoice engine (services priced
//! ex-GST, GST by each line's tax code as the business is registered),
//! once, at the template's last stage (it is the engagement's only invoice,
//! so nothing was invoiced before to deduct); lessons learned are recorded and may be revised until closure.
//! Closing itself is `engagements::close` (refused without both). Either
//! step, at a stage with the matching output (`final_invoice`,
//! `lessons_learned`), records that output done in the same write.

use super::{Engagement, SUBJECT_TYPE, Template, lock_editable, record_output_if_due};
use crate::invoices::document::{Bill, BillLine, Buyer};
use crate::invoices::{self, Invoice};
use crate::kernel::{Committed, Ctx, DomainError, ErrorCode, FieldError, Permission, Write};
use crate::rules::error::ValueError;
use crate::rules::gst::{self, InvoiceInput, InvoiceTotals, LineInput, PriceBasis, Seller, Supply};
use crate::rules::money::Money;
use crate::rules::tax_code::TaxCode;
use entity::{
    EngagementStatus, ScopeChangeStatus, business_settings, engagement, engagement_fee_line, party,
    tax_invoice,
};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Longest lessons learned, in characters.
pub const MAX_LESSONS: usize = 10_000;
/// The output a stage may have for each closing step.
pub const FINAL_INVOICE_OUTPUT: &str = "final_invoice";
pub const LESSONS_OUTPUT: &str = "lessons_learned";

// ---- Pure rules --------------------------------------------------------

/// One line of the final bill, ex-GST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalLine {
    pub description: String,
    /// Ex-GST; negative for scope taken out.
    pub amount: Money,
    pub tax_code: TaxCode,
}

/// What the final invoice bills: the engagement's fee lines in order (the
/// agreed fee as set up, then one line per approved scope change, "Scope
/// change N: description"), scope taken out as a negative line (the engine
/// takes it: its GST is negative too, so the invoice's GST follows what is
/// billed). Pending, rejected and withdrawn changes add no line.
pub fn final_lines(fee_lines: &[engagement_fee_line::Model]) -> Vec<FinalLine> {
    let mut lines: Vec<&engagement_fee_line::Model> = fee_lines.iter().collect();
    lines.sort_by_key(|l| l.line_no);
    lines
        .into_iter()
        .map(|l| FinalLine {
            description: l.description.clone(),
            amount: Money::from_cents(l.amount_cents),
            // Stored from `TaxCode::as_str`; anything else is taxable.
            tax_code: TaxCode::parse(&l.tax_code).unwrap_or(TaxCode::Taxable),
        })
        .collect()
}

/// The final bill ex-GST (what the invoice will bill before GST).
pub fn billable_total(lines: &[FinalLine]) -> Money {
    // Bounded: a fee and each change are at most $10M, at most 100 changes.
    Money::checked_sum(lines.iter().map(|l| l.amount)).unwrap_or(Money::ZERO)
}

/// The preview an engagement's screen shows: what its final invoice will
/// bill ex-GST now.
pub fn preview(e: &Engagement) -> Money {
    billable_total(&final_lines(&e.fees))
}

/// The engine's input for the final bill: taxable services priced ex-GST,
/// under the business's rounding rule and GST registration.
pub fn engine_input(lines: &[FinalLine], settings: &business_settings::Model) -> InvoiceInput {
    InvoiceInput {
        lines: lines
            .iter()
            .map(|l| LineInput::new(l.amount, 1, l.tax_code).with_supply(Supply::Service))
            .collect(),
        rounding: crate::orders::pricing::rounding(settings.gst_rounding),
        prices: PriceBasis::Exclusive,
        seller: if settings.gst_registered {
            Seller::GstRegistered
        } else {
            Seller::NotRegistered
        },
        ..InvoiceInput::default()
    }
}

/// Every GST figure of the final bill, or why there is nothing to invoice:
/// no line at all (no fee, no approved change), or scope taken out beyond
/// what is billed (a credit is not an invoice).
pub fn totals(
    lines: &[FinalLine],
    settings: &business_settings::Model,
) -> Result<InvoiceTotals, FieldError> {
    if lines.is_empty() {
        return Err(FieldError::new(
            &["fees"],
            ErrorCode::Required,
            "nothing to bill: the engagement has no fee lines",
        ));
    }
    if billable_total(lines).is_negative() {
        return Err(FieldError::new(
            &["scopeChanges"],
            ErrorCode::OutOfRange,
            "the scope taken out is worth more than the fee: there is nothing to invoice",
        ));
    }
    gst::compute_invoice(&engine_input(lines, settings))
        .map_err(|e| FieldError::new(&["scopeChanges"], e.code, e.message))
}

/// Lessons learned as given: required, several lines allowed (CRLF read
/// as LF), at most [`MAX_LESSONS`] characters, no other control characters.
pub fn parse_lessons(raw: &str) -> Result<String, ValueError> {
    let text = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(ValueError::new(
            ErrorCode::Required,
            "lessonsLearned is required",
        ));
    }
    if text.chars().count() > MAX_LESSONS {
        return Err(ValueError::new(
            ErrorCode::TooLong,
            format!("lessonsLearned must be at most {MAX_LESSONS} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(ValueError::new(
            ErrorCode::InvalidText,
            "lessonsLearned holds characters that cannot be stored",
        ));
    }
    Ok(text.to_owned())
}

/// The evidence a `lessons_learned` output is recorded with: the start of
/// the text, on one line.
pub fn lessons_evidence(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 200 {
        format!("Lessons learned: {one_line}")
    } else {
        let start: String = one_line.chars().take(199).collect();
        format!("Lessons learned: {start}…")
    }
}

/// The buyer of an engagement's final invoice: its customer.
pub fn buyer_of(customer: &party::Model) -> Buyer {
    Buyer {
        customer_id: Some(customer.id),
        name: customer.name.clone(),
        abn: customer.abn.clone(),
        email: customer.email.clone(),
        // Customers keep no postal address; the invoice names them.
        address: String::new(),
    }
}

// ---- Reading -----------------------------------------------------------

/// The final invoice of each engagement that has one (by engagement id);
/// visibility is the caller's to check.
pub async fn final_invoices<C: ConnectionTrait>(
    conn: &C,
    engagement_ids: &[Uuid],
) -> Result<HashMap<Uuid, tax_invoice::Model>, DbErr> {
    Ok(tax_invoice::Entity::find()
        .filter(tax_invoice::Column::SubjectType.eq(SUBJECT_TYPE))
        .filter(tax_invoice::Column::SubjectId.is_in(engagement_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.subject_id, i))
        .collect())
}

// ---- Writing -----------------------------------------------------------

/// ILLEGAL_TRANSITION unless the engagement runs at its template's last stage.
fn at_last_stage(found: &Engagement, template: &Template) -> Result<(), DomainError> {
    let e = &found.engagement;
    let last = template.definition.stages.len().saturating_sub(1);
    if e.status != EngagementStatus::Active || e.stage_index as usize != last {
        let stage = template
            .definition
            .stage(last)
            .map_or("its last stage", |s| s.name.as_str());
        return Err(DomainError::rejected(
            &["engagementId"],
            ErrorCode::IllegalTransition,
            format!(
                "{} is {:?}: the final invoice is issued while it is ACTIVE in {stage}",
                e.number, e.status
            ),
        ));
    }
    Ok(())
}

/// Issue an engagement's final invoice (PROJECT_MANAGER, ADMIN): only while
/// it is ACTIVE at its template's last stage, refused while a scope change
/// awaits its approval or when there is nothing to bill; once (a second
/// time is ALREADY_EXISTS). Billed to the engagement's customer through the
/// invoice engine, numbered and emailed like every invoice.
pub async fn issue_final_invoice(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
) -> Result<Committed<(Engagement, Invoice)>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::ManageEngagements).await?;
    let (found, template) = lock_editable(&w, id).await?;
    let e = &found.engagement;
    if let Some(existing) = invoices::of_subject(w.conn(), SUBJECT_TYPE, e.id).await? {
        return Err(DomainError::rejected(
            &["engagementId"],
            ErrorCode::AlreadyExists,
            format!("{} already has invoice {}", e.number, existing.number),
        ));
    }
    at_last_stage(&found, &template)?;
    let changes = super::scope::of_engagement(w.conn(), e.id).await?;
    let mut errors = Vec::new();
    if let Some(pending) = changes
        .iter()
        .find(|c| c.status == ScopeChangeStatus::Pending)
    {
        errors.push(FieldError::new(
            &["scopeChanges"],
            ErrorCode::InvalidState,
            format!(
                "scope change {} awaits its approval: the final invoice waits for the decision",
                pending.seq
            ),
        ));
    }
    let settings = crate::settings::current(w.conn()).await?;
    let lines = final_lines(&found.fees);
    let totals = match totals(&lines, &settings) {
        Ok(totals) => Some(totals),
        Err(refused) => {
            errors.push(refused);
            None
        }
    };
    let customer = crate::customers::find(w.conn(), e.customer_id)
        .await?
        .ok_or_else(|| DomainError::internal("an engagement's customer is missing"))?;
    let Some(totals) = totals.filter(|_| errors.is_empty()) else {
        return Err(DomainError::Rejected(errors));
    };
    let bill = Bill {
        subject_type: SUBJECT_TYPE,
        subject_id: e.id,
        subject_field: "engagementId",
        reference: e.number.clone(),
        buyer: buyer_of(&customer),
        lines: lines
            .iter()
            .map(|l| BillLine {
                sku: None,
                description: l.description.clone(),
                quantity: Decimal::ONE,
                unit_price: l.amount,
            })
            .collect(),
        settings: &settings,
        issued_by: &ctx.actor,
    };
    let invoice = invoices::issue_in(&mut w, &bill, &totals).await?;
    let number = invoice.invoice.number.clone();
    record_output_if_due(&mut w, &found, &template, FINAL_INVOICE_OUTPUT, number).await?;
    let after = w
        .change::<engagement::Entity>(e.id, e.version, |_| {})
        .await?;
    w.audit(
        SUBJECT_TYPE,
        e.id,
        "engagement.final_invoice_issued",
        None,
        Some(&serde_json::json!({ "engagement": after, "invoice": invoice.invoice })),
    )
    .await?;
    let now = super::load(w.conn(), e.id)
        .await?
        .ok_or_else(|| DomainError::internal("the engagement vanished"))?;
    w.commit((now, invoice)).await
}

/// Record (or revise) an engagement's lessons learned (the delivery roles,
/// ADMIN) while it may still change; at a stage with the
/// `lessons_learned` output, that output is done too.
pub async fn record_lessons_learned(
    db: &DatabaseConnection,
    ctx: &Ctx,
    id: Uuid,
    text: &str,
) -> Result<Committed<Engagement>, DomainError> {
    let mut w = Write::begin(db, ctx, Permission::WorkEngagements).await?;
    let (found, template) = lock_editable(&w, id).await?;
    let text = parse_lessons(text)
        .map_err(|e| DomainError::Rejected(vec![FieldError::from_value("lessonsLearned", e)]))?;
    let e = &found.engagement;
    record_output_if_due(
        &mut w,
        &found,
        &template,
        LESSONS_OUTPUT,
        lessons_evidence(&text),
    )
    .await?;
    let now = w.now();
    let actor = w.ctx().actor.id.clone();
    let after = w
        .change::<engagement::Entity>(e.id, e.version, |m| {
            m.lessons_learned = Set(Some(text));
            m.lessons_recorded_by = Set(Some(actor));
            m.lessons_recorded_at = Set(Some(now));
        })
        .await?;
    let action = if e.lessons_learned.is_some() {
        "engagement.lessons_revised"
    } else {
        "engagement.lessons_recorded"
    };
    w.audit(SUBJECT_TYPE, e.id, action, Some(e), Some(&after))
        .await?;
    super::finish_write(w, e.id).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::gst::GstRounding;

    /// Fee line `no` of engagement 7: the set-up fee when `change` is None,
    /// else what that approved scope change added.
    fn line(
        no: i32,
        cents: i64,
        tax_code: &str,
        change: Option<i32>,
    ) -> engagement_fee_line::Model {
        engagement_fee_line::Model {
            id: Uuid::from_u128(no as u128),
            engagement_id: Uuid::from_u128(7),
            line_no: no,
            description: match change {
                None => format!("Fee {no}"),
                Some(seq) => format!("Scope change {seq}: change {seq}"),
            },
            amount_cents: cents,
            tax_code: tax_code.into(),
            scope_change_id: change.map(|seq| Uuid::from_u128(100 + seq as u128)),
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    /// A set-up fee of `fee` cents (if any) then each approved change.
    fn bill(fee: Option<i64>, changes: &[(i32, i64)]) -> Vec<FinalLine> {
        let mut rows = Vec::new();
        if let Some(cents) = fee {
            rows.push(line(1, cents, "TAXABLE", None));
        }
        for (seq, cents) in changes {
            rows.push(line(rows.len() as i32 + 1, *cents, "TAXABLE", Some(*seq)));
        }
        final_lines(&rows)
    }

    fn settings(registered: bool, rounding: entity::GstRounding) -> business_settings::Model {
        business_settings::Model {
            legal_name: "Harbour Digital Pty Ltd".into(),
            gst_registered: registered,
            gst_rounding: rounding,
            public_base_url: "https://example.com.au".into(),
            ..crate::settings::example()
        }
    }

    fn amounts(lines: &[FinalLine]) -> Vec<(String, i64)> {
        lines
            .iter()
            .map(|l| (l.description.clone(), l.amount.cents()))
            .collect()
    }

    #[test]
    fn the_final_bill_is_the_fee_lines_in_line_order_with_their_tax_codes() {
        let rows = [
            line(3, -80_000, "TAXABLE", Some(3)),
            line(1, 1_000_000, "TAXABLE", None),
            line(2, 250_000, "GST_FREE", None),
            line(4, 250_000, "TAXABLE", Some(1)),
        ];
        let lines = final_lines(&rows);
        assert_eq!(
            amounts(&lines),
            [
                ("Fee 1".to_owned(), 1_000_000),
                ("Fee 2".to_owned(), 250_000),
                ("Scope change 3: change 3".to_owned(), -80_000),
                ("Scope change 1: change 1".to_owned(), 250_000),
            ]
        );
        assert_eq!(
            lines.iter().map(|l| l.tax_code).collect::<Vec<_>>(),
            [
                TaxCode::Taxable,
                TaxCode::GstFree,
                TaxCode::Taxable,
                TaxCode::Taxable
            ]
        );
        assert_eq!(billable_total(&lines).cents(), 1_420_000);
        assert!(final_lines(&[]).is_empty());
        assert_eq!(billable_total(&[]), Money::ZERO);
        // A GST-free line carries no GST.
        let t = totals(&lines, &settings(true, entity::GstRounding::PerLine)).unwrap();
        assert_eq!(t.gst.cents(), (1_000_000 - 80_000 + 250_000) / 10);
    }

    #[test]
    fn services_are_billed_ex_gst_with_ten_percent_on_top_for_a_registered_business() {
        let s = settings(true, entity::GstRounding::PerLine);
        let lines = bill(Some(1_250_000), &[(1, 250_000)]);
        let t = totals(&lines, &s).unwrap();
        assert_eq!(t.prices, PriceBasis::Exclusive);
        assert_eq!(t.ex_gst.cents(), 1_500_000);
        assert_eq!(t.gst.cents(), 150_000);
        assert_eq!(t.inclusive.cents(), 1_650_000);
        assert_eq!(t.seller, Seller::GstRegistered);
        assert!(t.buyer_identity_required, "over $1,000");
        assert!(t.lines.iter().all(|l| l.tax_code == TaxCode::Taxable));
        // Not registered: no GST at all.
        let t = totals(&lines, &settings(false, entity::GstRounding::PerLine)).unwrap();
        assert_eq!((t.gst.cents(), t.inclusive.cents()), (0, 1_500_000));
        assert_eq!(t.seller, Seller::NotRegistered);
    }

    #[test]
    fn scope_taken_out_is_a_negative_line_whose_gst_comes_off_too() {
        let lines = bill(Some(1_015), &[(1, 1_015), (2, -505)]);
        // Per line: 101.5 → 102, 101.5 → 102, -50.5 → -51 (half away from zero).
        let per_line = totals(&lines, &settings(true, entity::GstRounding::PerLine)).unwrap();
        assert_eq!(
            per_line
                .lines
                .iter()
                .map(|l| l.gst.cents())
                .collect::<Vec<_>>(),
            [102, 102, -51]
        );
        assert_eq!(per_line.ex_gst.cents(), 1_525);
        assert_eq!(per_line.gst.cents(), 153);
        assert_eq!(per_line.inclusive.cents(), 1_678);
        assert_eq!(per_line.rounding, GstRounding::PerLine);
        // Per invoice: 152.5 → 153 once.
        let per_invoice = totals(&lines, &settings(true, entity::GstRounding::PerInvoice)).unwrap();
        assert_eq!(per_invoice.gst.cents(), 153);
        assert_eq!(per_invoice.inclusive.cents(), 1_678);
        // The scope-out line carries its own negative GST.
        assert_eq!(per_line.lines[2].net.cents(), -505);
        assert_eq!(per_line.lines[2].inclusive.cents(), -556);
    }

    #[test]
    fn nothing_to_bill_and_more_taken_out_than_billed_are_refused() {
        let s = settings(true, entity::GstRounding::PerLine);
        let none = totals(&[], &s).unwrap_err();
        assert_eq!(
            (none.field.clone(), none.code),
            (vec!["fees".to_owned()], ErrorCode::Required)
        );
        let lines = bill(Some(100_000), &[(1, -100_001)]);
        let credit = totals(&lines, &s).unwrap_err();
        assert_eq!(
            (credit.field.clone(), credit.code),
            (vec!["scopeChanges".to_owned()], ErrorCode::OutOfRange)
        );
        // Exactly all of it taken out: a zero invoice is still an invoice.
        let lines = bill(Some(100_000), &[(1, -100_000)]);
        let zero = totals(&lines, &s).unwrap();
        assert_eq!(
            (
                zero.ex_gst.cents(),
                zero.gst.cents(),
                zero.inclusive.cents()
            ),
            (0, 0, 0)
        );
        // A fee of $0 with nothing else bills one $0 line.
        assert_eq!(
            totals(&bill(Some(0), &[]), &s).unwrap().inclusive,
            Money::ZERO
        );
    }

    #[test]
    fn lessons_learned_are_required_multi_line_text_up_to_ten_thousand_characters() {
        assert_eq!(
            parse_lessons(
                "  Plan the data migration earlier.\r\nAsk for logins in week 1.\t(ok)  "
            )
            .unwrap(),
            "Plan the data migration earlier.\nAsk for logins in week 1.\t(ok)"
        );
        assert_eq!(parse_lessons(" \n ").unwrap_err().code, ErrorCode::Required);
        assert_eq!(
            parse_lessons(&"é".repeat(MAX_LESSONS))
                .unwrap()
                .chars()
                .count(),
            MAX_LESSONS
        );
        assert_eq!(
            parse_lessons(&"a".repeat(MAX_LESSONS + 1))
                .unwrap_err()
                .code,
            ErrorCode::TooLong
        );
        for sneaky in ["a\u{0}b", "a\u{1b}[31mb", "a\u{2028}b", "a\u{7f}b"] {
            assert_eq!(
                parse_lessons(sneaky).unwrap_err().code,
                ErrorCode::InvalidText,
                "{sneaky:?}"
            );
        }
    }

    #[test]
    fn the_lessons_output_is_evidenced_by_the_start_of_the_text_on_one_line() {
        assert_eq!(
            lessons_evidence("Plan\nearlier."),
            "Lessons learned: Plan earlier."
        );
        let long = lessons_evidence(&"word ".repeat(100));
        assert!(long.ends_with('…'));
        assert_eq!(long.chars().count(), "Lessons learned: ".len() + 200);
    }

    #[test]
    fn the_buyer_is_the_customer() {
        let customer = party::Model {
            id: Uuid::from_u128(9),
            kind: entity::PartyKind::Customer,
            name: "Harbour Bakery".into(),
            search_text: "harbour bakery".into(),
            email: Some("owner@harbourbakery.com.au".into()),
            phone: None,
            abn: Some("51824753556".into()),
            drop_ships: false,
            version: 1,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        };
        let buyer = buyer_of(&customer);
        assert_eq!(buyer.customer_id, Some(customer.id));
        assert_eq!(buyer.name, "Harbour Bakery");
        assert_eq!(buyer.abn.as_deref(), Some("51824753556"));
        assert_eq!(buyer.email.as_deref(), Some("owner@harbourbakery.com.au"));
    }
}
