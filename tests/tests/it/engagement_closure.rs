//! Engagements, part 2 (#29): scope changes decided through SCOPE_CHANGE
//! approvals (one approved, moving the plan and billed by the final
//! invoice; one rejected and kept with its reason; one withdrawn), the
//! customer emailed each outcome, closure refused without lessons learned
//! and the final invoice, then closed and read-only. Runs on SQLite, and on
//! PostgreSQL with Redis when `TEST_DATABASE_URL` is set.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use tests::engagements::{Walk, at_closure, complete_outputs, mutation};
use tests::shop::op;
use tests::{Email, Role, TestApp, ops, path_error, user_errors};

const SCOPE_CHANGE_FIELDS: &str = "id seq description costImpact { amount currency } scheduleImpactDays riskImpact status approvalId decisionReason endBefore endAfter requestedBy decidedAt";
const INVOICE_FIELDS: &str = "id number title pricesIncludeGst totalExGst { amount } gst { amount } total { amount } buyer { name email } lines { description quantity unitPrice { amount } taxCode gst { amount } total { amount } }";

/// What these tests read of an engagement (part 2's closure fields too).
fn closure_fields() -> String {
    format!(
        "id number status revisedEndDate closedAt lessonsLearned fee {{ amount }} billableTotal {{ amount }} scopeChanges {{ {SCOPE_CHANGE_FIELDS} }} finalInvoice {{ {INVOICE_FIELDS} }} currentStage {{ stage {{ key ownerRole }} outputs {{ key name done evidence }} decisions {{ key }} }}"
    )
}

fn engagement_query() -> tests::Op {
    let document: &'static str = Box::leak(
        format!(
            "query($id: ID!) {{ engagement(id: $id) {{ {} }} }}",
            closure_fields()
        )
        .into_boxed_str(),
    );
    tests::Op {
        field: "engagement",
        document,
    }
}

fn request_scope_change() -> tests::Op {
    mutation(
        "requestScopeChange",
        "RequestScopeChangeInput",
        &format!(
            "engagement {{ {} }} scopeChange {{ {SCOPE_CHANGE_FIELDS} }}",
            closure_fields()
        ),
    )
}

fn issue_final_invoice() -> tests::Op {
    mutation(
        "issueEngagementFinalInvoice",
        "IssueEngagementFinalInvoiceInput",
        &format!(
            "engagement {{ {} }} invoice {{ {INVOICE_FIELDS} }}",
            closure_fields()
        ),
    )
}

fn record_lessons() -> tests::Op {
    mutation(
        "recordLessonsLearned",
        "RecordLessonsLearnedInput",
        &format!("engagement {{ {} }}", closure_fields()),
    )
}

fn close_engagement() -> tests::Op {
    mutation(
        "closeEngagement",
        "CloseEngagementInput",
        &format!("engagement {{ {} }}", closure_fields()),
    )
}

fn complete_output() -> tests::Op {
    mutation(
        "completeStageOutput",
        "CompleteStageOutputInput",
        "engagement { id }",
    )
}

/// The engagement as a project manager reads it (closure fields).
async fn read(app: &TestApp, id: &str) -> Value {
    app.person("pm-1", Role::ProjectManager)
        .data(engagement_query(), json!({ "id": id }))
        .await
}

/// The project manager closes the engagement (the payload).
async fn close(app: &TestApp, id: &str) -> Value {
    app.person("pm-1", Role::ProjectManager)
        .data(
            close_engagement(),
            json!({ "input": { "engagementId": id } }),
        )
        .await
}

/// A team member asks for a scope change.
async fn ask(app: &TestApp, id: &str, change: Value) -> Value {
    let mut input = change;
    input["engagementId"] = json!(id);
    app.person("dev-1", Role::DeliveryTeam)
        .data(request_scope_change(), json!({ "input": input }))
        .await
}

/// The project manager issues the final invoice (the payload).
async fn issue_invoice(app: &TestApp, id: &str) -> Value {
    app.person("pm-1", Role::ProjectManager)
        .data(
            issue_final_invoice(),
            json!({ "input": { "engagementId": id } }),
        )
        .await
}

/// The project manager records `lessons` learned (the payload).
async fn record_lessons_learned(app: &TestApp, id: &str, lessons: &str) -> Value {
    app.person("pm-1", Role::ProjectManager)
        .data(
            record_lessons(),
            json!({ "input": { "engagementId": id, "lessonsLearned": lessons } }),
        )
        .await
}

/// A project manager other than the requester decides the approval.
async fn pm_decides(app: &TestApp, approval: &Value, decision: &str, comment: &str) -> Value {
    app.person("pm-2", Role::ProjectManager)
        .accepted(
            ops::DECIDE_APPROVAL,
            json!({ "input": { "id": approval, "decision": decision, "comment": comment } }),
        )
        .await
}

/// The text of the SCOPE_CHANGE_DECIDED email about `change`, once sent to
/// the customer.
async fn decided_email(app: &TestApp, change: &str, customer_email: &str) -> (String, String) {
    let kind = entity::NotificationKind::ScopeChangeDecided;
    let sent = app.sent_notification(kind, change).await;
    assert_eq!(sent.recipient, customer_email);
    assert_eq!(
        app.notifications_of(kind, change).await.len(),
        1,
        "once per scope change"
    );
    let message = Email::parse(&app.email_with_id(&sent.message_id));
    (message.subject, message.text)
}

#[tokio::test]
async fn scope_changes_go_through_approvals_and_the_approved_one_is_billed_before_a_read_only_close()
 {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let customer_email = "owner@harbourbakery.com.au";
    let Walk { id, customer, .. } = at_closure(&app, customer_email, Some("12500.00")).await;
    let before = read(&app, &id).await;
    assert_eq!(before["fee"]["amount"], "12500.00");
    assert_eq!(before["billableTotal"]["amount"], "12500.00");
    assert_eq!(before["scopeChanges"], json!([]));
    assert_eq!(before["finalInvoice"], Value::Null);

    // Bad input: every field named at once.
    let refused = ask(
        &app,
        &id,
        json!({ "description": " ", "costImpact": "12.345", "scheduleImpactDays": 251, "riskImpact": "none" }),
    )
    .await;
    assert_eq!(
        user_errors(&refused),
        [
            path_error(&["input", "description"], "REQUIRED"),
            path_error(&["input", "costImpact"], "INVALID_MONEY"),
            path_error(&["input", "scheduleImpactDays"], "OUT_OF_RANGE"),
        ]
    );

    // The team asks for three changes; each is PENDING under its approval.
    let gift_cards = ask(
        &app,
        &id,
        json!({ "description": "Add gift card checkout", "costImpact": "2500.00",
            "scheduleImpactDays": 5, "riskImpact": "Payment provider sandbox access needed" }),
    )
    .await;
    assert!(user_errors(&gift_cards).is_empty(), "{gift_cards}");
    let gift_cards = gift_cards["scopeChange"].clone();
    assert_eq!(gift_cards["seq"], 1);
    assert_eq!(gift_cards["status"], "PENDING");
    assert_eq!(
        gift_cards["costImpact"],
        json!({ "amount": "2500.00", "currency": "AUD" })
    );
    let loyalty = ask(
        &app,
        &id,
        json!({ "description": "Add a loyalty programme", "costImpact": "9000.00",
            "scheduleImpactDays": 10, "riskImpact": "A second integration to test" }),
    )
    .await["scopeChange"]
        .clone();
    assert_eq!(loyalty["seq"], 2);
    let scope_out = ask(
        &app,
        &id,
        json!({ "description": "Drop the printed menu export", "costImpact": "-800.00",
            "scheduleImpactDays": 0, "riskImpact": "None" }),
    )
    .await["scopeChange"]
        .clone();
    assert_eq!(scope_out["seq"], 3);
    // Pending changes bill nothing yet.
    assert_eq!(read(&app, &id).await["billableTotal"]["amount"], "12500.00");

    // The requester may not decide their own change.
    let own = app
        .person("dev-1", Role::DeliveryTeam)
        .data(
            ops::DECIDE_APPROVAL,
            json!({ "input": { "id": gift_cards["approvalId"], "decision": "APPROVE" } }),
        )
        .await;
    assert!(!user_errors(&own).is_empty(), "{own}");

    // A project manager approves the gift cards: the plan's end moves five
    // business days and the final invoice will bill it.
    pm_decides(
        &app,
        &gift_cards["approvalId"],
        "APPROVE",
        "Agreed with the customer on the call",
    )
    .await;
    let now = read(&app, &id).await;
    let approved = &now["scopeChanges"][0];
    assert_eq!(approved["status"], "APPROVED", "{now}");
    assert_eq!(
        approved["decisionReason"],
        "Agreed with the customer on the call"
    );
    assert!(approved["endBefore"].is_string() && approved["endAfter"].is_string());
    assert!(approved["endAfter"].as_str() > approved["endBefore"].as_str());
    assert_eq!(now["revisedEndDate"], approved["endAfter"]);
    assert_eq!(now["billableTotal"]["amount"], "15000.00");

    // The loyalty programme is rejected: kept, with the reason.
    pm_decides(
        &app,
        &loyalty["approvalId"],
        "REJECT",
        "Out of budget this quarter",
    )
    .await;
    let now = read(&app, &id).await;
    let rejected = &now["scopeChanges"][1];
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["decisionReason"], "Out of budget this quarter");
    assert_eq!(rejected["endAfter"], Value::Null);
    assert_eq!(
        now["revisedEndDate"], approved["endAfter"],
        "a rejection moves nothing"
    );
    assert_eq!(now["billableTotal"]["amount"], "15000.00");

    // The customer is emailed each outcome.
    let (subject, text) =
        decided_email(&app, gift_cards["id"].as_str().unwrap(), customer_email).await;
    assert!(subject.contains("scope change 1 approved"), "{subject}");
    for says in [
        "Add gift card checkout",
        "adds $2,500.00 (ex-GST) to the fee",
        "moves the planned end date 5 business days later",
        "New planned end:",
        "Agreed with the customer on the call",
        "Ordering system — agreed fee: $12,500.00",
        "Scope change 1: Add gift card checkout: $2,500.00",
        "Total ex-GST: $15,000.00",
        "GST: $1,500.00",
        "Total: $16,500.00",
        "ABN 51 824 753 556",
    ] {
        assert!(text.contains(says), "{says} in {text}");
    }
    let (subject, text) =
        decided_email(&app, loyalty["id"].as_str().unwrap(), customer_email).await;
    assert!(subject.contains("scope change 2 declined"), "{subject}");
    for says in [
        "Add a loyalty programme",
        "Reason: Out of budget this quarter",
        "Nothing changes",
    ] {
        assert!(text.contains(says), "{says} in {text}");
    }
    assert!(!text.contains("Total ex-GST"), "{text}");

    // Closure: every output ticked by hand, yet refused without lessons
    // learned and the final invoice, and while a change awaits its approval.
    let at_closure = app
        .person("pm-1", Role::ProjectManager)
        .data(tests::engagements::engagement_query(), json!({ "id": id }))
        .await;
    complete_outputs(&app, &id, &at_closure).await;
    let refused = close(&app, &id).await;
    assert_eq!(
        user_errors(&refused),
        [
            path_error(&["input", "lessonsLearned"], "REQUIRED"),
            path_error(&["input", "finalInvoice"], "REQUIRED"),
            path_error(&["input", "scopeChanges"], "INVALID_STATE"),
        ]
    );
    let pm = app.person("pm-1", Role::ProjectManager);
    let early = issue_invoice(&app, &id).await;
    assert_eq!(
        user_errors(&early),
        [path_error(&["input", "scopeChanges"], "INVALID_STATE")]
    );
    // The scope-out's approval is cancelled: WITHDRAWN, billing nothing.
    let cancelled = app
        .admin()
        .data(
            ops::CANCEL_APPROVAL,
            json!({ "id": scope_out["approvalId"] }),
        )
        .await;
    assert_eq!(cancelled["approval"]["status"], "CANCELLED", "{cancelled}");
    let now = read(&app, &id).await;
    assert_eq!(now["scopeChanges"][2]["status"], "WITHDRAWN");
    assert_eq!(now["billableTotal"]["amount"], "15000.00");

    // The final invoice: the fee and the approved change, GST 10% on top.
    let issued = issue_invoice(&app, &id).await;
    assert!(user_errors(&issued).is_empty(), "{issued}");
    let invoice = &issued["invoice"];
    assert_eq!(invoice["title"], "Tax invoice");
    assert_eq!(invoice["pricesIncludeGst"], false);
    assert_eq!(invoice["buyer"]["name"], "Harbour Bakery");
    assert_eq!(invoice["buyer"]["email"], customer_email);
    let lines: Vec<(String, String, String)> = invoice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["description"].as_str().unwrap().to_owned(),
                l["unitPrice"]["amount"].as_str().unwrap().to_owned(),
                l["gst"]["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                "Ordering system — agreed fee".to_owned(),
                "12500.00".to_owned(),
                "1250.00".to_owned()
            ),
            (
                "Scope change 1: Add gift card checkout".to_owned(),
                "2500.00".to_owned(),
                "250.00".to_owned()
            ),
        ]
    );
    assert_eq!(invoice["totalExGst"]["amount"], "15000.00");
    assert_eq!(invoice["gst"]["amount"], "1500.00");
    assert_eq!(invoice["total"]["amount"], "16500.00");
    assert_eq!(
        issued["engagement"]["finalInvoice"]["number"],
        invoice["number"]
    );
    // Once only; and no new scope change can be billed now.
    let again = issue_invoice(&app, &id).await;
    assert_eq!(
        user_errors(&again),
        [path_error(&["input", "engagementId"], "ALREADY_EXISTS")]
    );
    let late = ask(
        &app,
        &id,
        json!({ "description": "One more page", "costImpact": "100.00",
            "scheduleImpactDays": 0, "riskImpact": "None" }),
    )
    .await;
    assert_eq!(
        user_errors(&late),
        [path_error(&["input", "engagementId"], "INVALID_STATE")]
    );
    // The invoice goes to the customer like every invoice.
    let invoice_id = invoice["id"].as_str().unwrap().to_owned();
    let emailed = app
        .sent_notification(entity::NotificationKind::InvoiceIssued, &invoice_id)
        .await;
    assert_eq!(emailed.recipient, customer_email);

    // Lessons learned: required; then recorded (and revisable until closure).
    let blank = record_lessons_learned(&app, &id, "  ").await;
    assert_eq!(
        user_errors(&blank),
        [path_error(&["input", "lessonsLearned"], "REQUIRED")]
    );
    let lessons = "Ask for payment provider access in week one.\nAgree scope changes in writing.";
    let recorded = record_lessons_learned(&app, &id, lessons).await;
    assert!(user_errors(&recorded).is_empty(), "{recorded}");
    assert_eq!(recorded["engagement"]["lessonsLearned"], lessons);

    // Now it closes, and is read-only.
    let closed = close(&app, &id).await;
    assert!(user_errors(&closed).is_empty(), "{closed}");
    assert_eq!(closed["engagement"]["status"], "CLOSED");
    assert!(closed["engagement"]["closedAt"].is_string());
    let again = ask(
        &app,
        &id,
        json!({ "description": "After closure", "costImpact": "1.00",
            "scheduleImpactDays": 0, "riskImpact": "None" }),
    )
    .await;
    assert_eq!(
        user_errors(&again),
        [path_error(&["input", "engagementId"], "ILLEGAL_TRANSITION")]
    );
    let revised = record_lessons_learned(&app, &id, "Too late").await;
    assert_eq!(
        user_errors(&revised),
        [path_error(&["input", "engagementId"], "ILLEGAL_TRANSITION")]
    );
    let output = pm
        .data(
            complete_output(),
            json!({ "input": { "engagementId": id, "outputKey": "handover", "evidence": "again" } }),
        )
        .await;
    assert_eq!(
        user_errors(&output),
        [path_error(&["input", "engagementId"], "ILLEGAL_TRANSITION")]
    );
    let reissue = issue_invoice(&app, &id).await;
    assert_eq!(
        user_errors(&reissue),
        [path_error(&["input", "engagementId"], "ILLEGAL_TRANSITION")]
    );
    let reclose = close(&app, &id).await;
    assert_eq!(
        user_errors(&reclose),
        [path_error(&["input", "engagementId"], "ILLEGAL_TRANSITION")]
    );
    let after = read(&app, &id).await;
    assert_eq!(after["lessonsLearned"], lessons, "unchanged");
    assert_eq!(after["scopeChanges"].as_array().unwrap().len(), 3);

    // The customer sees its engagement's final invoice and scope changes,
    // not the team's lessons learned.
    let own = app
        .as_customer(&customer)
        .data(engagement_query(), json!({ "id": id }))
        .await;
    assert_eq!(own["finalInvoice"]["number"], invoice["number"]);
    assert_eq!(
        own["scopeChanges"][1]["decisionReason"],
        "Out of budget this quarter"
    );
    assert_eq!(own["lessonsLearned"], Value::Null);
    let scope_change = app
        .as_customer(&customer)
        .data(
            op(
                "scopeChange",
                "query($id: ID!) { scopeChange(id: $id) { seq status } }",
            ),
            json!({ "id": gift_cards["id"] }),
        )
        .await;
    assert_eq!(scope_change, json!({ "seq": 1, "status": "APPROVED" }));

    // The engagement's timeline shows every step.
    let trail = app.audit_actions(&id).await;
    for step in [
        "scope_change.requested",
        "scope_change.approved",
        "scope_change.rejected",
        "scope_change.withdrawn",
        "engagement.final_invoice_issued",
        "engagement.lessons_recorded",
        "engagement.closed",
    ] {
        assert!(trail.iter().any(|a| a == step), "{step} in {trail:?}");
    }
}

/// A cancelled engagement withdraws what still waits on a decision: its
/// pending scope change is WITHDRAWN and its approval CANCELLED, so nobody
/// is reminded of it, escalated to about it or able to decide it.
#[tokio::test]
async fn cancelling_an_engagement_withdraws_its_pending_scope_change_and_approval() {
    let app = TestApp::spawn().await;
    let team = tests::engagements::team(&app).await;
    let (engagement, _) = tests::engagements::engagement(
        &app,
        "service_delivery",
        &team,
        "cafe@example.com",
        Some("4000.00"),
    )
    .await;
    let id = engagement["id"].as_str().unwrap().to_owned();
    tests::engagements::start(&app, &id).await;
    let asked = ask(
        &app,
        &id,
        json!({ "description": "Add table booking", "costImpact": "900.00",
            "scheduleImpactDays": 3, "riskImpact": "None" }),
    )
    .await;
    let change = asked["scopeChange"].clone();
    assert_eq!(change["status"], "PENDING", "{asked}");

    app.person("pm-1", Role::ProjectManager)
        .accepted(
            mutation(
                "cancelEngagement",
                "CancelEngagementInput",
                "engagement { id status }",
            ),
            json!({ "input": { "engagementId": id, "reason": "The customer withdrew" } }),
        )
        .await;
    let approval = app
        .admin()
        .data(ops::APPROVAL, json!({ "id": change["approvalId"] }))
        .await;
    assert_eq!(approval["status"], "CANCELLED", "{approval}");
    let after = read(&app, &id).await;
    assert_eq!(after["status"], "CANCELLED");
    assert_eq!(after["scopeChanges"][0]["status"], "WITHDRAWN", "{after}");
    let timers = entity::timer::Entity::find()
        .filter(
            entity::timer::Column::SubjectId
                .eq(uuid::Uuid::parse_str(change["approvalId"].as_str().unwrap()).unwrap()),
        )
        .filter(entity::timer::Column::Status.eq(entity::TimerStatus::Planned))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(timers, 0, "no reminder or escalation stays planned");
}
