//! Staff emails about approvals: the reminder to the deciders at the
//! follow-up time, and the escalation notice at the due time.

use super::{Rendered, Source, render_pair};
use apalis::prelude::BoxDynError;
use domain::approvals::{self, Approval};
use domain::rules::calendar::DEFAULT_TZ;
use domain::rules::money::Money;
use entity::{NotificationKind, Role};
use serde::Serialize;

pub(super) const TEMPLATES: [(&str, &str); 6] = email_templates!(
    "approval_details",
    "approval_reminder",
    "approval_escalated"
);

#[derive(Serialize)]
pub struct ApprovalContext {
    pub subject: String,
    pub business_name: String,
    pub approval_id: String,
    pub kind: String,
    pub reason: String,
    pub amount: Option<String>,
    pub requester: String,
    pub needs: String,
    pub due: String,
    pub deadline_phrase: String,
    pub escalated_to: String,
}

fn human(words: &str) -> String {
    let lower = words.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What both emails say about `approval`; `requester` names who asked (a
/// login's email when the requester is one).
pub fn context(
    business_name: &str,
    approval: &Approval,
    requester: &str,
    escalated: bool,
) -> ApprovalContext {
    let r = &approval.request;
    let due = r
        .due_at
        .with_timezone(&DEFAULT_TZ)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string();
    let needs: Vec<String> = approval
        .steps_remaining()
        .iter()
        .map(|role| human(role.as_str()))
        .collect();
    let kind = human(&r.kind.to_string());
    ApprovalContext {
        subject: if escalated {
            format!("Escalated: {kind} approval overdue")
        } else {
            format!("Approval waiting: {kind}")
        },
        business_name: business_name.to_owned(),
        approval_id: r.id.to_string(),
        reason: r.reason.clone(),
        amount: r.amount_cents.map(|c| Money::from_cents(c).dollars()),
        requester: format!("{requester} ({})", human(r.requester_role.as_str())),
        needs: if needs.is_empty() {
            "nothing more".into()
        } else {
            needs.join(", then ")
        },
        deadline_phrase: format!("by {due}"),
        due,
        escalated_to: r
            .escalated_to_role
            .map(|role: Role| human(role.as_str()))
            .unwrap_or_default(),
        kind,
    }
}

pub fn reminder(ctx: &ApprovalContext) -> Result<Rendered, minijinja::Error> {
    render_pair("approval_reminder", ctx.subject.clone(), ctx)
}

pub fn escalated(ctx: &ApprovalContext) -> Result<Rendered, minijinja::Error> {
    render_pair("approval_escalated", ctx.subject.clone(), ctx)
}

pub(super) async fn render(source: &Source<'_>) -> Result<Rendered, BoxDynError> {
    let approval = approvals::find(source.db, source.n.subject_id)
        .await?
        .ok_or("approval of an approval email not found")?;
    let escalation = source.n.kind == NotificationKind::ApprovalEscalated;
    let login = match approval.request.requester_id.parse() {
        Ok(id) => domain::users::find(source.db, id).await?,
        Err(_) => None,
    };
    let requester = login.map_or(approval.request.requester_id.clone(), |u| u.email);
    let ctx = context(
        &source.settings.legal_name,
        &approval,
        &requester,
        escalation,
    );
    Ok(if escalation {
        escalated(&ctx)?
    } else {
        reminder(&ctx)?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(escalated: bool) -> ApprovalContext {
        ApprovalContext {
            subject: "Approval waiting: General".into(),
            business_name: "Harbour Homewares".into(),
            approval_id: "0193-abc".into(),
            kind: "General".into(),
            reason: "Pay <Acme> & co".into(),
            amount: Some("$1,250.00".into()),
            requester: "u1 (Fulfilment)".into(),
            needs: "Admin".into(),
            due: "Thu 26 Nov 2026, 10:00 AEDT".into(),
            deadline_phrase: "by Thu 26 Nov 2026, 10:00 AEDT".into(),
            escalated_to: if escalated {
                "Finance".into()
            } else {
                String::new()
            },
        }
    }

    #[test]
    fn both_emails_have_both_parts_with_the_details_escaped_in_html() {
        for (rendered, opening) in [
            (
                reminder(&sample(false)).unwrap(),
                "An approval is waiting for you",
            ),
            (
                escalated(&sample(true)).unwrap(),
                "An approval passed its deadline undecided",
            ),
        ] {
            assert!(rendered.html.contains(opening) && rendered.text.contains(opening));
            assert!(rendered.html.contains("Pay &lt;Acme&gt; &amp; co"));
            assert!(rendered.text.contains("Reason:    Pay <Acme> & co"));
            assert!(rendered.text.contains("Reference: 0193-abc\n\n--"));
            assert!(rendered.html.contains("$1,250.00") && rendered.text.contains("$1,250.00"));
            assert!(
                !rendered.html.contains("href"),
                "no staff page to link to yet"
            );
        }
        assert!(
            escalated(&sample(true))
                .unwrap()
                .text
                .contains("escalated to you (Finance)")
        );
    }

    #[test]
    fn kinds_and_roles_read_as_words() {
        assert_eq!(human("INVENTORY_RESERVATION"), "Inventory reservation");
        assert_eq!(human("FINANCE"), "Finance");
    }
}
