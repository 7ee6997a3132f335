//! Engagements, part 2 (risks, issues, milestones, delays and escalation),
//! through GraphQL and the worker: the register and the issue log refuse
//! bad input with typed userErrors and stale versions with CONFLICT; the
//! "risks need mitigation" answer needs a mitigated risk in the register; a
//! delay is recorded only with a revised timeline and a mitigation, moves
//! the plan and its milestones and emails the customer the new dates; an
//! overdue stage escalates to ADMIN only once the grace period has passed on
//! the controllable clock; a significant delay escalates at once.

use chrono::{Duration as Days, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::Duration;
use tests::engagements::{engagement, finish_stage, mutation, staff, start, team};
use tests::{Email, Op, Role, TestApp, input_error, user_errors, wait_for, wait_for_value};

const PATIENCE: Duration = Duration::from_secs(60);

/// What these tests read of an engagement.
const FIELDS: &str = "id status version stageOverdue stageDueAt revisedEndDate planEndDate currentStage { stage { key } } risks { id title likelihood impact score status mitigation ownerEmail version } issues { id status severity resolution resolvedAt version } milestones { id name dueOn originalDueOn completedAt version } delays { id endBefore endAfter delayDays significant reason mitigation } escalations { cause stageKey round delayId } timeline { action }";

fn op(field: &'static str, input: &'static str, record: &str) -> Op {
    mutation(
        field,
        input,
        &format!(
            "engagement {{ {FIELDS} }} {record} {{ id {} }}",
            if record == "delay" { "" } else { "version" }
        ),
    )
}

/// This file's mutations: each answers with the engagement and the record
/// it added or changed.
macro_rules! record_ops {
    ($($name:ident = $field:literal($input:literal) $record:literal;)*) => {$(
        fn $name() -> Op {
            op($field, $input, $record)
        }
    )*};
}

record_ops! {
    add_risk = "addEngagementRisk"("AddEngagementRiskInput") "risk";
    update_risk = "updateEngagementRisk"("UpdateEngagementRiskInput") "risk";
    add_issue = "addEngagementIssue"("AddEngagementIssueInput") "issue";
    update_issue = "updateEngagementIssue"("UpdateEngagementIssueInput") "issue";
    add_milestone = "addEngagementMilestone"("AddEngagementMilestoneInput") "milestone";
    complete_milestone = "completeEngagementMilestone"("CompleteEngagementMilestoneInput") "milestone";
    record_delay = "recordEngagementDelay"("RecordEngagementDelayInput") "delay";
}

fn query() -> Op {
    let document: &'static str = Box::leak(
        format!("query($id: ID!) {{ engagement(id: $id) {{ {FIELDS} }} }}").into_boxed_str(),
    );
    Op {
        field: "engagement",
        document,
    }
}

fn date(v: &Value) -> NaiveDate {
    v.as_str().unwrap().parse().unwrap()
}

/// A started service-delivery engagement (in Kickoff) for a new customer:
/// (engagement id, customer id, team).
async fn running(app: &TestApp, email: &str) -> (String, String, tests::engagements::Team) {
    let team = team(app).await;
    let (planned, customer) = engagement(app, "service_delivery", &team, email, None).await;
    let id = planned["id"].as_str().unwrap().to_owned();
    start(app, &id).await;
    (id, customer, team)
}

/// The SENT notification of `kind` about `subject`, to `to`: its email's
/// subject and text.
async fn sent_email(
    app: &TestApp,
    kind: entity::NotificationKind,
    subject: &str,
    to: &str,
) -> String {
    let sent = app.sent_notification_to(kind, subject, to).await;
    let email = Email::parse(&app.email_with_id(&sent.message_id));
    format!("Subject: {}\n\n{}", email.subject, email.text)
}

/// The one escalation there is and its email to ADMIN.
async fn escalation_email(app: &TestApp) -> (String, String) {
    let escalation = entity::engagement_escalation::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .expect("the escalation")
        .id
        .to_string();
    let email = sent_email(
        app,
        entity::NotificationKind::EngagementEscalated,
        &escalation,
        "boss@harbour.example.com.au",
    )
    .await;
    (escalation, email)
}

/// The engagement as an admin reads it.
async fn read(app: &TestApp, id: &str) -> Value {
    app.admin().data(query(), json!({ "id": id })).await
}

fn day(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

#[tokio::test]
async fn the_register_and_issue_log_refuse_bad_input_and_stale_versions_with_typed_user_errors() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (id, customer, team) = running(&app, "register@example.com.au").await;
    let dev = app.person("dev-1", Role::DeliveryTeam);

    // A risk is rated 1 to 5 each way and owned by an enabled staff login.
    let refused = dev
        .data(
            add_risk(),
            json!({ "input": { "engagementId": id, "title": " ", "likelihood": 6, "impact": 0,
                "ownerUserId": uuid::Uuid::now_v7().to_string() } }),
        )
        .await;
    assert_eq!(
        user_errors(&refused),
        [
            input_error("title", "REQUIRED"),
            input_error("likelihood", "OUT_OF_RANGE"),
            input_error("impact", "OUT_OF_RANGE"),
            input_error("ownerUserId", "NOT_FOUND"),
        ],
        "{refused}"
    );
    let gone = staff(&app, "gone@example.com.au", "DELIVERY_TEAM").await;
    let disabled = app.admin().disable_user(&gone).await;
    assert!(user_errors(&disabled).is_empty(), "{disabled}");
    dev.refused(
        add_risk(),
        json!({ "input": { "engagementId": id, "title": "Supplier API late", "likelihood": 3,
                "impact": 4, "ownerUserId": gone } }),
        "ownerUserId",
        "NOT_FOUND",
    )
    .await;
    let added = dev
        .accepted(
            add_risk(),
            json!({ "input": { "engagementId": id, "title": "Supplier API late", "likelihood": 3,
                "impact": 4, "ownerUserId": team.delivery } }),
        )
        .await;
    let risk = &added["engagement"]["risks"][0];
    assert_eq!(
        (risk["score"].clone(), risk["status"].clone()),
        (json!(12), json!("OPEN"))
    );
    assert_eq!(risk["ownerEmail"], "delivery@example.com.au");
    let risk_id = added["risk"]["id"].clone();

    // Mitigating needs the mitigation written down.
    dev.refused(
        update_risk(),
        json!({ "input": { "riskId": risk_id, "expectedVersion": 1, "status": "MITIGATING" } }),
        "mitigation",
        "REQUIRED",
    )
    .await;
    let mitigating = dev
        .accepted(
            update_risk(),
            json!({ "input": { "riskId": risk_id, "expectedVersion": 1, "status": "MITIGATING",
                "mitigation": "Mock the supplier API", "likelihood": 2 } }),
        )
        .await;
    let risk = &mitigating["engagement"]["risks"][0];
    assert_eq!(risk["status"], "MITIGATING");
    assert_eq!(risk["score"], 8);
    assert_eq!(risk["version"], 2);
    // A stale version changes nothing.
    dev.refused(
        update_risk(),
        json!({ "input": { "riskId": risk_id, "expectedVersion": 1, "status": "CLOSED" } }),
        "expectedVersion",
        "CONFLICT",
    )
    .await;
    // Closed, then reopened; an open risk cannot be "reopened".
    let closed = dev
        .data(
            update_risk(),
            json!({ "input": { "riskId": risk_id, "expectedVersion": 2, "status": "CLOSED" } }),
        )
        .await;
    assert_eq!(closed["engagement"]["risks"][0]["status"], "CLOSED");
    let reopened = dev
        .data(
            update_risk(),
            json!({ "input": { "riskId": risk_id, "expectedVersion": 3, "status": "OPEN" } }),
        )
        .await;
    assert_eq!(reopened["engagement"]["risks"][0]["status"], "OPEN");

    // Issues: resolving needs a resolution; stale versions are refused.
    let issue = dev
        .accepted(
            add_issue(),
            json!({ "input": { "engagementId": id, "title": "Staging server down", "severity": "HIGH",
                "ownerUserId": team.delivery } }),
        )
        .await;
    let issue_id = issue["issue"]["id"].clone();
    dev.refused(
        update_issue(),
        json!({ "input": { "issueId": issue_id, "expectedVersion": 1, "status": "RESOLVED" } }),
        "resolution",
        "REQUIRED",
    )
    .await;
    let resolved = dev
        .accepted(
            update_issue(),
            json!({ "input": { "issueId": issue_id, "expectedVersion": 1, "status": "RESOLVED",
                "resolution": "Restarted and moved to a bigger instance" } }),
        )
        .await;
    let logged = &resolved["engagement"]["issues"][0];
    assert_eq!(logged["status"], "RESOLVED");
    assert_eq!(
        logged["resolution"],
        "Restarted and moved to a bigger instance"
    );
    assert!(logged["resolvedAt"].is_string());
    dev.refused(
        update_issue(),
        json!({ "input": { "issueId": issue_id, "expectedVersion": 1, "severity": "LOW" } }),
        "expectedVersion",
        "CONFLICT",
    )
    .await;

    // Milestones: the PM's; due today or later; completed once.
    let pm = app.person("pm-1", Role::ProjectManager);
    let forbidden = dev
        .post(
            add_milestone().document,
            json!({ "input": { "engagementId": id, "name": "Beta", "dueOn": "2026-12-10" } }),
        )
        .await;
    assert_eq!(tests::error_code(&forbidden).as_deref(), Some("FORBIDDEN"));
    pm.refused(
        add_milestone(),
        json!({ "input": { "engagementId": id, "name": "Beta", "dueOn": "2026-11-20" } }),
        "dueOn",
        "OUT_OF_RANGE",
    )
    .await;
    let milestone = pm
        .accepted(
            add_milestone(),
            json!({ "input": { "engagementId": id, "name": "Beta", "dueOn": "2026-12-10" } }),
        )
        .await;
    let milestone_id = milestone["milestone"]["id"].clone();
    let done = pm
        .accepted(
            complete_milestone(),
            json!({ "input": { "milestoneId": milestone_id, "expectedVersion": 1 } }),
        )
        .await;
    assert!(done["engagement"]["milestones"][0]["completedAt"].is_string());
    pm.refused(
        complete_milestone(),
        json!({ "input": { "milestoneId": milestone_id, "expectedVersion": 2 } }),
        "milestoneId",
        "ILLEGAL_TRANSITION",
    )
    .await;

    // Every step is on the engagement's timeline.
    let timeline = tests::strings(&done["engagement"]["timeline"], "action");
    for action in [
        "engagement.risk_added",
        "engagement.risk_updated",
        "engagement.issue_added",
        "engagement.issue_resolved",
        "engagement.milestone_added",
        "engagement.milestone_completed",
    ] {
        assert!(timeline.contains(&action), "{action}: {timeline:?}");
    }

    // The customer sees the milestones, never the register or the log.
    let theirs = app
        .as_customer(&customer)
        .data(query(), json!({ "id": id }))
        .await;
    assert_eq!(theirs["risks"], json!([]));
    assert_eq!(theirs["issues"], json!([]));
    assert_eq!(theirs["escalations"], json!([]));
    assert_eq!(theirs["milestones"][0]["name"], "Beta");

    // A cancelled engagement is read-only.
    let cancelled = pm
        .data(
            mutation(
                "cancelEngagement",
                "CancelEngagementInput",
                "engagement { status }",
            ),
            json!({ "input": { "engagementId": id, "reason": "Customer withdrew" } }),
        )
        .await;
    assert_eq!(cancelled["engagement"]["status"], "CANCELLED");
    dev.refused(
        add_risk(),
        json!({ "input": { "engagementId": id, "title": "Too late", "likelihood": 1,
                "impact": 1, "ownerUserId": team.delivery } }),
        "engagementId",
        "ILLEGAL_TRANSITION",
    )
    .await;
}

#[tokio::test]
async fn risks_need_mitigation_needs_a_mitigated_risk_in_the_register() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (id, _, team) = running(&app, "risky@example.com.au").await;
    let mut now = tests::engagements::read(&app, &id).await;
    now = finish_stage(&app, &id, &now).await;
    now = finish_stage(&app, &id, &now).await;
    assert_eq!(tests::engagements::stage_key(&now), "execution");
    let answer = json!({ "decisionKey": "risks_need_mitigation", "answer": true,
        "actions": [{ "description": "Mock the supplier API", "ownerUserId": team.delivery, "dueOn": "2026-12-04" }] });
    let refused = tests::engagements::decide(&app, &id, &now, answer.clone()).await;
    assert_eq!(
        user_errors(&refused),
        [input_error("risks", "REQUIRED")],
        "{refused}"
    );
    // A risk without a mitigation, or a closed one, is not enough.
    let dev = app.person("dev-1", Role::DeliveryTeam);
    let bare = dev
        .accepted(
            add_risk(),
            json!({ "input": { "engagementId": id, "title": "Supplier API late", "likelihood": 4,
                "impact": 3, "ownerUserId": team.delivery } }),
        )
        .await;
    let refused = tests::engagements::decide(&app, &id, &now, answer.clone()).await;
    assert_eq!(user_errors(&refused), [input_error("risks", "REQUIRED")]);
    dev.accepted(
        update_risk(),
        json!({ "input": { "riskId": bare["risk"]["id"], "expectedVersion": 1,
                "mitigation": "Mock the supplier API until it lands", "status": "MITIGATING" } }),
    )
    .await;
    let accepted = tests::engagements::decide(&app, &id, &now, answer).await;
    assert!(user_errors(&accepted).is_empty(), "{accepted}");
}

#[tokio::test]
async fn a_delay_revises_the_timeline_emails_the_customer_and_an_overdue_stage_escalates_after_the_grace()
 {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let admin = staff(&app, "boss@harbour.example.com.au", "ADMIN").await;
    assert!(!admin.is_empty());
    let customer_email = "delayed@example.com.au";
    let (id, _, _) = running(&app, customer_email).await;
    let pm = app.person("pm-1", Role::ProjectManager);
    let calendar = app.app.state.calendar.current();
    let milestone = pm
        .accepted(
            add_milestone(),
            json!({ "input": { "engagementId": id, "name": "Online ordering live", "dueOn": "2026-12-10" } }),
        )
        .await;
    let plan_end = date(&milestone["engagement"]["planEndDate"]);
    assert_eq!(milestone["engagement"]["revisedEndDate"], Value::Null);

    // Refused without a revised date and a mitigation, or with a date that
    // is not later than the plan's end.
    let bare = pm
        .data(
            record_delay(),
            json!({ "input": { "engagementId": id, "reason": "Supplier API late" } }),
        )
        .await;
    assert_eq!(
        user_errors(&bare),
        [
            input_error("revisedEndDate", "REQUIRED"),
            input_error("mitigation", "REQUIRED")
        ],
        "{bare}"
    );
    pm.refused(
        record_delay(),
        json!({ "input": { "engagementId": id, "revisedEndDate": plan_end.to_string(),
                "reason": "Supplier API late", "mitigation": "Mock it" } }),
        "revisedEndDate",
        "OUT_OF_RANGE",
    )
    .await;

    // Two business days late: not significant.
    let revised = calendar.add_business_days(plan_end, 2);
    let recorded = pm
        .accepted(
            record_delay(),
            json!({ "input": { "engagementId": id, "revisedEndDate": revised.to_string(),
                "reason": "The supplier's API arrived two days late",
                "mitigation": "A second developer joins until we catch up" } }),
        )
        .await;
    let now = &recorded["engagement"];
    assert_eq!(date(&now["revisedEndDate"]), revised);
    assert_eq!(date(&now["planEndDate"]), revised);
    let delay = &now["delays"][0];
    assert_eq!(date(&delay["endBefore"]), plan_end);
    assert_eq!(delay["delayDays"], 2);
    assert_eq!(delay["significant"], false);
    assert_eq!(now["escalations"], json!([]));
    let moved_to = calendar.add_business_days(date(&json!("2026-12-10")), 2);
    assert_eq!(date(&now["milestones"][0]["dueOn"]), moved_to);
    assert_eq!(now["milestones"][0]["originalDueOn"], "2026-12-10");

    // The customer is emailed the new dates.
    let delay_id = recorded["delay"]["id"].as_str().unwrap().to_owned();
    let email = sent_email(
        &app,
        entity::NotificationKind::EngagementDelayed,
        &delay_id,
        customer_email,
    )
    .await;
    assert!(
        email.contains(&format!("now ending {}", day(revised))),
        "{email}"
    );
    assert!(email.contains(&format!("Was due to end: {}", day(plan_end))));
    assert!(email.contains(&format!("Now ends: {}", day(revised))));
    assert!(email.contains("2 business days later"));
    assert!(email.contains("The supplier's API arrived two days late"));
    assert!(email.contains("A second developer joins until we catch up"));
    assert!(email.contains(&format!(
        "- Online ordering live: now due {} (first agreed Thursday 10 December 2026)",
        day(moved_to)
    )));

    // Kickoff goes overdue; ADMIN hears of it only after the grace period
    // (8 business hours by default).
    let due = chrono::DateTime::parse_from_rfc3339(now["stageDueAt"].as_str().unwrap())
        .unwrap()
        .to_utc();
    let overdue_at = due + Days::minutes(1);
    app.clock.set(overdue_at);
    wait_for("the stage flagged overdue", PATIENCE, async || {
        read(&app, &id).await["stageOverdue"] == true
    })
    .await;
    let escalate_at = calendar.add_business_hours(overdue_at, 8);
    let timer = wait_for_value("the escalation timer planned", PATIENCE, async || {
        entity::timer::Entity::find()
            .filter(entity::timer::Column::Kind.eq(domain::engagements::timer_kind::STAGE_ESCALATE))
            .filter(entity::timer::Column::SubjectId.eq(uuid::Uuid::parse_str(&id).unwrap()))
            .one(app.db())
            .await
            .unwrap()
    })
    .await;
    assert_eq!(timer.due_at, escalate_at);
    // Just before the grace ends: still nothing (the timer waits).
    app.clock.set(escalate_at - Days::minutes(1));
    app.outbox_drained("the outbox drained").await;
    let still = read(&app, &id).await;
    assert_eq!(still["escalations"], json!([]));
    assert!(
        !app.audit_actions(&id)
            .await
            .contains(&"engagement.escalated".to_owned())
    );
    // Past it: escalated once, ADMIN emailed.
    app.clock.set(escalate_at + Days::minutes(1));
    let escalated = wait_for_value("the overdue stage escalated", PATIENCE, async || {
        let now = read(&app, &id).await;
        (now["escalations"].as_array().unwrap().len() == 1).then_some(now)
    })
    .await;
    assert_eq!(
        escalated["escalations"][0],
        json!({ "cause": "OVERDUE_STAGE", "stageKey": "kickoff", "round": 0, "delayId": null })
    );
    let (escalation, email) = escalation_email(&app).await;
    assert!(
        email.contains("Kickoff overdue past the grace period"),
        "{email}"
    );
    assert!(email.contains("grace period of 8 business hours"));
    assert!(email.contains("Owned by: PROJECT_MANAGER: pm@example.com.au"));
    assert!(email.contains("Customer: Harbour Bakery"));
    // Never to the customer.
    assert!(
        app.notifications_of(entity::NotificationKind::EngagementEscalated, &escalation)
            .await
            .iter()
            .all(|n| n.recipient != customer_email)
    );
}

#[tokio::test]
async fn a_significant_delay_escalates_to_admin_at_once() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    staff(&app, "boss@harbour.example.com.au", "ADMIN").await;
    let customer_email = "significant@example.com.au";
    let (id, _, _) = running(&app, customer_email).await;
    let now = read(&app, &id).await;
    let plan_end = date(&now["planEndDate"]);
    let calendar = app.app.state.calendar.current();
    // The default threshold is 5 business days: 6 is significant.
    let revised = calendar.add_business_days(plan_end, 6);
    let recorded = app
        .person("pm-1", Role::ProjectManager)
        .accepted(
            record_delay(),
            json!({ "input": { "engagementId": id, "revisedEndDate": revised.to_string(),
                "reason": "Payment gateway certification failed",
                "mitigation": "Re-certify with the vendor's engineer on site" } }),
        )
        .await;
    let now = &recorded["engagement"];
    assert_eq!(now["delays"][0]["delayDays"], 6);
    assert_eq!(now["delays"][0]["significant"], true);
    let delay_id = recorded["delay"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        now["escalations"],
        json!([{ "cause": "SIGNIFICANT_DELAY", "stageKey": "kickoff", "round": 0, "delayId": delay_id }])
    );
    let (_, email) = escalation_email(&app).await;
    assert!(email.contains("delayed 6 business days"), "{email}");
    assert!(email.contains("a delay of 6 business days was recorded"));
    assert!(email.contains("threshold of 5 business days"));
    assert!(email.contains("Payment gateway certification failed"));
    assert!(email.contains("Re-certify with the vendor's engineer on site"));
    assert!(email.contains(&format!("Now ends: {}", day(revised))));
    // The customer hears the new dates too.
    let told = sent_email(
        &app,
        entity::NotificationKind::EngagementDelayed,
        &delay_id,
        customer_email,
    )
    .await;
    assert!(
        told.contains(&format!("Now ends: {}", day(revised))),
        "{told}"
    );
}
