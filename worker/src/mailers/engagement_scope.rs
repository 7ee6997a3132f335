//! SCOPE_CHANGE_DECIDED (transactional, to the engagement's customer; the
//! notification's subject is the scope change): a scope change of their
//! engagement was approved or rejected.
//!
//! - Approved: what changes, its cost impact ex-GST (added, or taken off the
//!   fee), its schedule impact with the plan's end before and after, its
//!   risk impact, and what the final invoice will now bill (each line, the
//!   total ex-GST, GST as the business is registered, and the total),
//!   counting the changes approved up to this one.
//! - Rejected: what was asked, and the reason it was declined; nothing
//!   changes.
//!
//! Both say who the business is. The email carries no link (see
//! `tests::an_approved_change_says_what_changed_and_what_the_final_invoice_now_bills`).

use super::engagements::customer_name;
use super::purchasing::{Business, day};
use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::engagements::{self, closure};
use domain::rules::calendar::local_moment;
use domain::rules::money::Money;
use entity::{ScopeChangeStatus, business_settings, engagement, engagement_fee_line, scope_change};
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 2] = email_templates!("scope_change_decided");

/// One line of the final bill as the email lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BillLineContext {
    pub description: String,
    /// Ex-GST, e.g. `$2,500.00` or `-$800.00`.
    pub amount: String,
}

/// What the final invoice will bill once the approved change is in.
#[derive(Debug, Clone, Serialize)]
pub struct BillContext {
    pub lines: Vec<BillLineContext>,
    pub ex_gst: String,
    /// The GST on it; `None` from a business not registered for GST.
    pub gst: Option<String>,
    /// What the customer pays (ex-GST plus GST).
    pub total: String,
}

/// The customer's email about a decided scope change.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeDecidedContext {
    pub subject: String,
    /// The customer, as greeted.
    pub name: String,
    pub number: String,
    pub engagement_name: String,
    pub scope_reference: String,
    pub seq: i32,
    pub description: String,
    pub approved: bool,
    /// The cost impact in words: "adds $2,500.00 (ex-GST) to the fee",
    /// "takes $800.00 (ex-GST) off the fee", "does not change the fee".
    pub cost: String,
    /// The schedule impact in words.
    pub schedule: String,
    pub risk_impact: String,
    /// The plan's end before and after (approved only).
    pub end_before: Option<String>,
    pub end_after: Option<String>,
    /// The decider's comment (a rejection's reason, or an approval's note).
    pub reason: Option<String>,
    /// When it was decided, in the business's timezone.
    pub decided: Option<String>,
    /// What the final invoice now bills (approved only).
    pub bill: Option<BillContext>,
    pub business: Business,
}

fn cost_words(cents: i64) -> String {
    let amount = Money::from_cents(cents.abs());
    match cents {
        0 => "does not change the fee".to_owned(),
        c if c > 0 => format!("adds {} (ex-GST) to the fee", amount.dollars()),
        _ => format!("takes {} (ex-GST) off the fee", amount.dollars()),
    }
}

fn schedule_words(days: i32) -> String {
    match days {
        0 => "does not move the planned end date".to_owned(),
        1 => "moves the planned end date 1 business day later".to_owned(),
        d => format!("moves the planned end date {d} business days later"),
    }
}

/// The customer's email about `change` of `e`; `fee_lines` are the
/// engagement's fee lines (the bill counts those set up and those added by
/// changes approved no later than this one).
pub fn context(
    e: &engagement::Model,
    customer_name: &str,
    change: &scope_change::Model,
    fee_lines: &[engagement_fee_line::Model],
    settings: &business_settings::Model,
    business: Business,
) -> ScopeDecidedContext {
    let approved = change.status == ScopeChangeStatus::Approved;
    let bill = approved.then(|| {
        let counted: Vec<engagement_fee_line::Model> = fee_lines
            .iter()
            .filter(|l| l.scope_change_id.is_none() || Some(l.created_at) <= change.decided_at)
            .cloned()
            .collect();
        let lines = closure::final_lines(&counted);
        let ex_gst = closure::billable_total(&lines);
        let (gst, total) = match closure::totals(&lines, settings) {
            Ok(t) if settings.gst_registered => (Some(t.gst.dollars()), t.inclusive.dollars()),
            Ok(t) => (None, t.inclusive.dollars()),
            Err(_) => (None, ex_gst.dollars()),
        };
        BillContext {
            lines: lines
                .iter()
                .map(|l| BillLineContext {
                    description: l.description.clone(),
                    amount: l.amount.dollars(),
                })
                .collect(),
            ex_gst: ex_gst.dollars(),
            gst,
            total,
        }
    });
    let verdict = if approved { "approved" } else { "declined" };
    ScopeDecidedContext {
        subject: format!(
            "{} {}: scope change {} {verdict}",
            e.number, e.name, change.seq
        ),
        name: customer_name.to_owned(),
        number: e.number.clone(),
        engagement_name: e.name.clone(),
        scope_reference: e.scope_reference.clone(),
        seq: change.seq,
        description: change.description.clone(),
        approved,
        cost: cost_words(change.cost_impact_cents),
        schedule: schedule_words(change.schedule_impact_days),
        risk_impact: change.risk_impact.clone(),
        end_before: change.end_before.filter(|_| approved).map(day),
        end_after: change.end_after.filter(|_| approved).map(day),
        reason: change
            .decision_reason
            .clone()
            .filter(|r| !r.trim().is_empty()),
        decided: change.decided_at.map(local_moment),
        bill,
        business,
    }
}

pub fn decided(ctx: &ScopeDecidedContext) -> Result<Rendered, minijinja::Error> {
    render_pair("scope_change_decided", ctx.subject.clone(), ctx)
}

pub(super) async fn render_scope_change_decided(
    source: &Source<'_>,
) -> Result<Rendered, BoxDynError> {
    let change = engagements::scope::find(source.db, source.n.subject_id)
        .await?
        .ok_or("scope change of a scope-change email not found")?;
    if !matches!(
        change.status,
        ScopeChangeStatus::Approved | ScopeChangeStatus::Rejected
    ) {
        return Err("a scope change that was not decided has no decision to tell".into());
    }
    let found = engagements::find(source.db, change.engagement_id)
        .await?
        .ok_or("engagement of a scope change not found")?;
    let customer = customer_name(source.db, &found.engagement).await?;
    let ctx = context(
        &found.engagement,
        &customer,
        &change,
        &found.fees,
        source.settings,
        Business::of(source.settings),
    );
    Ok(decided(&ctx)?)
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use chrono::NaiveDate;
    use entity::ScopeChangeStatus as S;
    use uuid::Uuid;

    fn settings(registered: bool) -> business_settings::Model {
        business_settings::Model {
            gst_registered: registered,
            ..fixtures::business_settings()
        }
    }

    /// Scope change `seq` of engagement 70, decided at `decided` (RFC 3339).
    fn change(seq: i32, cents: i64, days: i32, status: S, decided: &str) -> scope_change::Model {
        let approved = status == S::Approved;
        scope_change::Model {
            id: Uuid::from_u128(500 + seq as u128),
            engagement_id: Uuid::from_u128(70),
            seq,
            description: format!("Gift cards & <vouchers> {seq}"),
            cost_impact_cents: cents,
            schedule_impact_days: days,
            risk_impact: "Payment provider <sandbox> access needed".into(),
            status,
            approval_id: Uuid::from_u128(600 + seq as u128),
            decision_reason: Some(if approved {
                "Agreed on the call".into()
            } else {
                "Out of budget & <timing> this quarter".into()
            }),
            end_before: approved.then(|| NaiveDate::from_ymd_opt(2027, 2, 3).unwrap()),
            end_after: approved.then(|| NaiveDate::from_ymd_opt(2027, 2, 10).unwrap()),
            requested_by: "pm".into(),
            requested_at: fixtures::utc("2026-12-01T00:00:00Z"),
            decided_at: Some(fixtures::utc(decided)),
        }
    }

    fn engagement_with_fee() -> engagement::Model {
        fixtures::engagement(2, 0).engagement
    }

    /// The engagement's fee lines: its agreed fee of $12,500, then a line
    /// for each approved change of `changes`, added when it was decided.
    fn fee_lines(changes: &[scope_change::Model]) -> Vec<engagement_fee_line::Model> {
        let line =
            |no: i32, description: String, cents: i64, change: Option<&scope_change::Model>| {
                engagement_fee_line::Model {
                    id: Uuid::from_u128(900 + no as u128),
                    engagement_id: Uuid::from_u128(70),
                    line_no: no,
                    description,
                    amount_cents: cents,
                    tax_code: "TAXABLE".into(),
                    scope_change_id: change.map(|c| c.id),
                    created_at: change
                        .and_then(|c| c.decided_at)
                        .unwrap_or_else(|| fixtures::utc("2026-11-23T00:00:00Z")),
                }
            };
        let mut lines = vec![line(
            1,
            "Website <rebuild> & care — agreed fee".into(),
            1_250_000,
            None,
        )];
        for c in changes.iter().filter(|c| c.status == S::Approved) {
            let no = lines.len() as i32 + 1;
            lines.push(line(
                no,
                format!("Scope change {}: {}", c.seq, c.description),
                c.cost_impact_cents,
                Some(c),
            ));
        }
        lines
    }

    #[test]
    fn an_approved_change_says_what_changed_and_what_the_final_invoice_now_bills() {
        let earlier = change(1, -80_000, 0, S::Approved, "2026-12-02T00:00:00Z");
        let this = change(2, 250_000, 5, S::Approved, "2026-12-03T00:00:00Z");
        // Approved after this one: not yet in the bill this email tells.
        let later = change(3, 100_000, 0, S::Approved, "2026-12-04T00:00:00Z");
        let rejected = change(4, 900_000, 0, S::Rejected, "2026-12-02T12:00:00Z");
        let changes = [earlier, this.clone(), later, rejected];
        let ctx = context(
            &engagement_with_fee(),
            "Tom & <Jerry>",
            &this,
            &fee_lines(&changes),
            &settings(true),
            fixtures::business(),
        );
        assert_eq!(
            ctx.subject,
            "ENG-000003 Website <rebuild> & care: scope change 2 approved"
        );
        let bill = ctx.bill.clone().unwrap();
        assert_eq!(
            bill.lines,
            [
                BillLineContext {
                    description: "Website <rebuild> & care — agreed fee".into(),
                    amount: "$12,500.00".into()
                },
                BillLineContext {
                    description: "Scope change 1: Gift cards & <vouchers> 1".into(),
                    amount: "-$800.00".into()
                },
                BillLineContext {
                    description: "Scope change 2: Gift cards & <vouchers> 2".into(),
                    amount: "$2,500.00".into()
                },
            ]
        );
        assert_eq!(bill.ex_gst, "$14,200.00");
        assert_eq!(bill.gst.as_deref(), Some("$1,420.00"));
        assert_eq!(bill.total, "$15,620.00");
        let rendered = decided(&ctx).unwrap();
        assert_eq!(rendered.unsubscribe_url, None, "transactional");
        let html = &rendered.html;
        assert!(html.contains("Hello Tom &amp; &lt;Jerry&gt;,"), "{html}");
        assert!(html.contains("Gift cards &amp; &lt;vouchers&gt; 2"));
        assert!(html.contains("Payment provider &lt;sandbox&gt; access needed"));
        assert!(html.contains("Website &lt;rebuild&gt; &amp; care"));
        assert!(html.contains("Harbour &amp; Co Homewares"));
        for raw in ["<Jerry>", "<vouchers>", "<sandbox>", "<rebuild>"] {
            assert!(!html.contains(raw), "{raw} unescaped");
        }
        assert!(!html.contains("href"), "nothing to link");
        for body in [html, &rendered.text] {
            assert!(body.contains("ENG-000003"), "{body}");
            assert!(body.contains("SOW-2026-014"));
            assert!(body.contains("Scope change 2"));
            assert!(body.contains("has been approved"));
            assert!(body.contains("adds $2,500.00 (ex-GST) to the fee"));
            assert!(body.contains("moves the planned end date 5 business days later"));
            assert!(body.contains("Wednesday 3 February 2027"), "end before");
            assert!(body.contains("Wednesday 10 February 2027"), "end after");
            assert!(body.contains("Agreed on the call"));
            assert!(body.contains("$12,500.00"));
            assert!(body.contains("-$800.00"));
            assert!(body.contains("$14,200.00"));
            assert!(body.contains("$1,420.00"));
            assert!(body.contains("$15,620.00"));
            assert!(!body.contains("$1,000.00"), "a later change is not counted");
            assert!(
                !body.contains("$9,000.00"),
                "a rejected change bills nothing"
            );
            assert!(!body.contains("declined"));
            fixtures::assert_transactional_sign_off(body);
            assert!(!body.contains("http"), "no link");
        }
        let text = &rendered.text;
        assert!(text.contains("Hello Tom & <Jerry>,"), "{text}");
        assert!(
            text.contains("- Scope change 2: Gift cards & <vouchers> 2: $2,500.00\n"),
            "{text}"
        );
        assert!(
            text.contains("Total ex-GST: $14,200.00\nGST: $1,420.00\nTotal: $15,620.00\n"),
            "{text}"
        );
        assert!(!text.contains("\n\n\n"), "no runs of blank lines: {text}");
    }

    #[test]
    fn a_rejected_change_gives_the_reason_and_changes_nothing() {
        let this = change(4, 900_000, 10, S::Rejected, "2026-12-02T12:00:00Z");
        let ctx = context(
            &engagement_with_fee(),
            "Acme",
            &this,
            &fee_lines(std::slice::from_ref(&this)),
            &settings(true),
            fixtures::business(),
        );
        assert_eq!(
            ctx.subject,
            "ENG-000003 Website <rebuild> & care: scope change 4 declined"
        );
        assert!(ctx.bill.is_none());
        let rendered = decided(&ctx).unwrap();
        assert!(
            rendered
                .html
                .contains("Out of budget &amp; &lt;timing&gt; this quarter"),
            "{}",
            rendered.html
        );
        for body in [&rendered.html, &rendered.text] {
            assert!(body.contains("Scope change 4"), "{body}");
            assert!(body.contains("has been declined"));
            assert!(body.contains("Gift cards"));
            assert!(body.contains("Nothing changes"));
            assert!(
                body.contains("Proposed cost"),
                "what was asked, not what happens"
            );
            assert!(body.contains("Proposed schedule"));
            assert!(!body.contains("final invoice will now bill"));
            assert!(!body.contains("Total ex-GST"));
            assert!(!body.contains("New planned end"));
            assert!(!body.contains("http"));
        }
        assert!(
            rendered
                .text
                .contains("Reason: Out of budget & <timing> this quarter\n"),
            "{}",
            rendered.text
        );
        assert!(!rendered.text.contains("\n\n\n"), "{}", rendered.text);
    }

    #[test]
    fn a_business_not_registered_for_gst_shows_no_gst_and_a_scope_out_takes_off_the_fee() {
        let this = change(1, -80_000, 0, S::Approved, "2026-12-02T00:00:00Z");
        let ctx = context(
            &engagement_with_fee(),
            "Acme",
            &this,
            &fee_lines(std::slice::from_ref(&this)),
            &settings(false),
            fixtures::business(),
        );
        let bill = ctx.bill.clone().unwrap();
        assert_eq!(
            (bill.ex_gst.as_str(), bill.gst, bill.total.as_str()),
            ("$11,700.00", None, "$11,700.00")
        );
        assert_eq!(ctx.cost, "takes $800.00 (ex-GST) off the fee");
        assert_eq!(ctx.schedule, "does not move the planned end date");
        let rendered = decided(&ctx).unwrap();
        assert!(!rendered.text.contains("\nGST: "), "{}", rendered.text);
        assert!(!rendered.html.contains("GST (10%)"), "{}", rendered.html);
        for body in [&rendered.html, &rendered.text] {
            assert!(!body.contains("Total ex-GST"), "{body}");
            assert!(body.contains("$11,700.00"));
            assert!(body.contains("takes $800.00 (ex-GST) off the fee"));
        }
    }
}
