//! Engagements, part 1, through GraphQL and the worker: a service-delivery
//! engagement walked from kickoff to closure through a failed quality review
//! and a revision round after the customer rejected a deliverable with
//! feedback, stages that refuse to be left with outputs or deliverables
//! missing (listing exactly what), decisions whose consequences are
//! enforced, template versions that running engagements keep, the
//! automation template's fourteen steps walked to go-live, and an overdue
//! stage flagged once on the controllable clock.

use chrono::Duration as Days;
use serde_json::{Value, json};
use std::time::Duration;
use tests::engagements::{
    add_deliverable, advance, checklist, close_out, complete_outputs, customer_decides_acceptance,
    decide, engagement, engagement_op, engagement_query, finish_stage, on_track, read,
    request_acceptance, stage_entry, stage_key, start, submit_version, team,
};
use tests::shop::op;
use tests::{Role, TestApp, input_error, nodes, path_error, user_errors, wait_for};

const PATIENCE: Duration = Duration::from_secs(60);

/// What the project manager learned, recorded at closure.
const LESSONS: &str = "Book the customer's reviewers early.";

#[tokio::test]
async fn a_service_delivery_engagement_walks_from_kickoff_to_closure_through_a_failed_review_and_a_rejection()
 {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let team = team(&app).await;
    let (planned, customer) = engagement(
        &app,
        "service_delivery",
        &team,
        "owner@harbourbakery.com.au",
        Some("12500.00"),
    )
    .await;
    assert_eq!(planned["status"], "PLANNED");
    assert_eq!(
        planned["template"],
        json!({ "key": "service_delivery", "version": 1 })
    );
    let id = planned["id"].as_str().unwrap().to_owned();
    let pm = app.person("pm-1", Role::ProjectManager);
    let mut now = start(&app, &id).await;
    assert_eq!(now["status"], "ACTIVE");
    assert_eq!(stage_key(&now), "kickoff");

    // Leaving Kickoff with outputs missing is refused with exactly the list.
    let refused = advance(&app, &id, &now).await;
    assert_eq!(
        user_errors(&refused),
        ["kickoff_meeting", "charter_signed", "communication_plan"]
            .map(|output| path_error(&["input", "outputs", output], "REQUIRED"))
    );
    // Only the stage's owner role (or ADMIN) does its work.
    app.person("dev-1", Role::DeliveryTeam)
        .refused(
            engagement_op("completeStageOutput", "CompleteStageOutputInput"),
            json!({ "input": { "engagementId": id, "outputKey": "kickoff_meeting", "evidence": "minutes" } }),
            "engagementId",
            "NOT_STAGE_OWNER",
        )
        .await;
    let one = pm
        .accepted(
            engagement_op("completeStageOutput", "CompleteStageOutputInput"),
            json!({ "input": { "engagementId": id, "outputKey": "charter_signed", "evidence": "DOC-77 signed 23/11" } }),
        )
        .await;
    let refused = advance(&app, &id, &one["engagement"]).await;
    assert_eq!(user_errors(&refused).len(), 2, "{refused}");
    now = finish_stage(&app, &id, &one["engagement"]).await;
    assert_eq!(stage_key(&now), "detailed_planning");
    now = finish_stage(&app, &id, &now).await;
    assert_eq!(stage_key(&now), "execution");

    // Execution: "not on track" needs a revised timeline, "risks need
    // mitigation" at least one action.
    let no_date = decide(
        &app,
        &id,
        &now,
        json!({ "decisionKey": "on_track", "answer": false }),
    )
    .await;
    assert_eq!(
        user_errors(&no_date),
        [input_error("revisedEndDate", "REQUIRED")]
    );
    let revised = decide(
        &app,
        &id,
        &now,
        json!({ "decisionKey": "on_track", "answer": false,
        "note": "Supplier API late", "revisedEndDate": "2027-01-29" }),
    )
    .await;
    assert!(user_errors(&revised).is_empty(), "{revised}");
    assert_eq!(revised["engagement"]["revisedEndDate"], "2027-01-29");
    // "Risks need mitigation" needs a risk with its mitigation in the
    // register first (engagement_delays.rs shows the refusal without one).
    app.person("dev-1", Role::DeliveryTeam)
        .accepted(
            tests::engagements::mutation(
                "addEngagementRisk",
                "AddEngagementRiskInput",
                "risk { id }",
            ),
            json!({ "input": { "engagementId": id, "title": "Supplier API late", "likelihood": 4,
                "impact": 3, "ownerUserId": team.delivery, "mitigation": "Mock the supplier API" } }),
        )
        .await;
    let no_action = decide(
        &app,
        &id,
        &now,
        json!({ "decisionKey": "risks_need_mitigation", "answer": true }),
    )
    .await;
    assert_eq!(
        user_errors(&no_action),
        [input_error("actions", "REQUIRED")]
    );
    let mitigated = decide(&app, &id, &now, json!({ "decisionKey": "risks_need_mitigation", "answer": true,
        "actions": [{ "description": "Mock the supplier API", "ownerUserId": team.delivery, "dueOn": "2026-12-04" }] }))
    .await;
    assert!(user_errors(&mitigated).is_empty(), "{mitigated}");
    assert_eq!(
        mitigated["engagement"]["actions"][0]["description"],
        "Mock the supplier API"
    );
    now = complete_outputs(&app, &id, &mitigated["engagement"]).await;

    // Execution is left only with a deliverable submitted for review.
    let refused = advance(&app, &id, &now).await;
    assert_eq!(
        user_errors(&refused),
        [input_error("deliverables", "REQUIRED")]
    );
    let deliverable = add_deliverable(&app, &id).await;
    let submit = |reference| submit_version(&app, &deliverable, reference);
    now = submit("https://git.example.com.au/bakery/order-form/tree/v1").await;
    let left = advance(&app, &id, &now).await;
    assert!(user_errors(&left).is_empty(), "{left}");
    now = left["engagement"].clone();
    assert_eq!(stage_key(&now), "quality_review");

    // Quality review fails version 1: back to Execution with the findings.
    let review = |passed: bool, findings: Option<&'static str>| {
        let metrics = json!([{ "name": "defects found", "value": if passed { "0" } else { "4" } },
            { "name": "test pass rate", "value": if passed { "100%" } else { "82%" } }]);
        tests::engagements::review(&app, &deliverable, checklist(passed), metrics, findings)
    };
    now = review(
        false,
        Some("Delivery slots missing; checkout fails on mobile"),
    )
    .await;
    assert_eq!(stage_key(&now), "execution");
    assert_eq!(now["round"], 1);
    assert_eq!(now["deliverables"][0]["status"], "REVIEW_FAILED");
    assert_eq!(
        now["deliverables"][0]["findings"],
        "Delivery slots missing; checkout fails on mobile"
    );

    // Version 2 passes, and goes to the customer.
    on_track(&app, &id, &now).await;
    submit("https://git.example.com.au/bakery/order-form/tree/v2").await;
    now = finish_stage(&app, &id, &read(&app, &id).await).await;
    assert_eq!(stage_key(&now), "quality_review");
    now = review(true, None).await;
    now = finish_stage(&app, &id, &now).await;
    assert_eq!(stage_key(&now), "customer_acceptance");
    let ask = || request_acceptance(&app, &deliverable);
    let decide_as_customer =
        |verdict, comment| customer_decides_acceptance(&app, &customer, verdict, comment);
    now = ask().await;
    assert_eq!(now["deliverables"][0]["status"], "AWAITING_ACCEPTANCE");
    // The customer rejects with feedback: a revision round back to Execution.
    decide_as_customer("REJECT", "Please add a gluten-free filter").await;
    now = read(&app, &id).await;
    assert_eq!(stage_key(&now), "execution");
    assert_eq!(now["round"], 2);
    assert_eq!(now["deliverables"][0]["status"], "REJECTED");
    assert_eq!(
        now["deliverables"][0]["acceptanceRounds"][0]["feedback"],
        "Please add a gluten-free filter"
    );

    // Version 3 is reviewed and accepted; the engagement closes.
    on_track(&app, &id, &now).await;
    submit("https://git.example.com.au/bakery/order-form/tree/v3").await;
    now = finish_stage(&app, &id, &read(&app, &id).await).await;
    assert_eq!(stage_key(&now), "quality_review");
    review(true, None).await;
    now = finish_stage(&app, &id, &read(&app, &id).await).await;
    assert_eq!(stage_key(&now), "customer_acceptance");
    ask().await;
    decide_as_customer("APPROVE", "Looks great").await;
    now = read(&app, &id).await;
    assert_eq!(now["deliverables"][0]["status"], "ACCEPTED");
    assert_eq!(now["deliverables"][0]["acceptedVersion"], 3);
    assert_eq!(
        now["deliverables"][0]["acceptanceRounds"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "each round is kept"
    );
    let accepted = decide(
        &app,
        &id,
        &now,
        json!({ "decisionKey": "accepted", "answer": true }),
    )
    .await;
    now = finish_stage(&app, &id, &accepted["engagement"]).await;
    assert_eq!(stage_key(&now), "closure");
    // Closure needs the lessons learned and the final invoice; each records
    // its output of the stage as done.
    now = close_out(&app, &id, LESSONS).await;
    let evidence = |key: &str| {
        now["currentStage"]["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["key"] == key && o["done"] == true)
            .map(|o| o["evidence"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(evidence("final_invoice").starts_with("INV-"), "{now}");
    assert!(
        evidence("lessons_learned").starts_with("Lessons learned: "),
        "{now}"
    );
    now = finish_stage(&app, &id, &now).await;
    assert_eq!(now["status"], "CLOSED");
    assert_eq!(now["nextActions"], json!([]));

    // The customer heard each stage start, once per stage and round: the
    // Execution of each revision round too.
    for (stage_index, round) in [(0, 0), (2, 0), (2, 1), (2, 2), (5, 2)] {
        let entry = stage_entry(&app, &id, stage_index, round).await;
        wait_for("the stage's start emailed", PATIENCE, async || {
            let sent = app
                .notifications_of(entity::NotificationKind::EngagementStageStarted, &entry)
                .await;
            sent.len() == 1
                && sent[0].status == entity::NotificationStatus::Sent
                && sent[0].recipient == "owner@harbourbakery.com.au"
        })
        .await;
    }

    // The customer sees its own engagement; another customer sees nothing.
    let own = app
        .as_customer(&customer)
        .data(engagement_query(), json!({ "id": id }))
        .await;
    assert_eq!(own["status"], "CLOSED");
    let stranger = app.customer_named("Other", "other@example.com.au").await;
    let hidden = app
        .as_customer(&stranger)
        .post(engagement_query().document, json!({ "id": id }))
        .await;
    assert_eq!(hidden["data"]["engagement"], Value::Null, "{hidden}");
    let trail = app.audit_actions(&id).await;
    assert_eq!(
        trail
            .iter()
            .filter(|a| *a == "engagement.revision_round")
            .count(),
        2
    );
    assert_eq!(trail.last().map(String::as_str), Some("engagement.closed"));
    // The timeline holds the deliverable's steps too.
    for step in [
        "deliverable.added",
        "deliverable.review_failed",
        "deliverable.rejected",
        "deliverable.accepted",
    ] {
        assert!(trail.iter().any(|a| a == step), "{step} in {trail:?}");
    }
}

tests::op_const!(TEMPLATES = "processTemplates": "query { processTemplates(first: 50) { edges { node { id key version status stages { key outputs { key } } } } } }");

#[tokio::test]
async fn a_running_engagement_keeps_its_template_version_after_a_new_one_is_published() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let (before, _) = engagement(&app, "service_delivery", &team, "a@example.com.au", None).await;

    // ADMIN drafts version 2 (a shorter kickoff); a bad definition is refused
    // at its path; nobody else may draft.
    let mut stages: Vec<Value> = nodes(&app.admin().data(TEMPLATES, json!({})).await)
        .into_iter()
        .find(|t| t["key"] == "service_delivery")
        .unwrap()["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].clone())
        .collect();
    assert_eq!(stages.len(), 6);
    stages.clear();
    let stage = |key: &str, name: &str, owner: &str, outputs: Value| {
        json!({ "key": key, "name": name, "ownerRole": owner, "minDuration": 1, "maxDuration": 2,
            "durationUnit": "BUSINESS_DAYS", "inputs": [], "outputs": outputs, "decisions": [] })
    };
    let definition = json!({ "stages": [
        stage("kickoff", "Kickoff", "PROJECT_MANAGER", json!([{ "key": "kickoff_meeting", "name": "Kickoff meeting completed" }])),
        stage("closure", "Closure", "PROJECT_MANAGER", json!([{ "key": "lessons_learned", "name": "Lessons learned recorded" }])),
    ], "qualityChecklist": [] });
    let draft = op(
        "draftProcessTemplate",
        "mutation($input: DraftProcessTemplateInput!) { draftProcessTemplate(input: $input) { processTemplate { id version status } userErrors { field code } } }",
    );
    let mut bad = definition.clone();
    bad["stages"][1]["minDuration"] = json!(3);
    let refused = app
        .admin()
        .data(draft, json!({ "input": { "key": "service_delivery", "name": "Service delivery", "definition": bad } }))
        .await;
    assert_eq!(
        user_errors(&refused),
        [path_error(
            &["input", "definition", "stages", "1", "minDuration"],
            "INVALID_STATE"
        )]
    );
    let forbidden = app
        .person("pm-1", Role::ProjectManager)
        .post(draft.document, json!({ "input": { "key": "service_delivery", "name": "Service delivery", "definition": definition } }))
        .await;
    assert!(forbidden["errors"].is_array(), "{forbidden}");
    let drafted = app
        .admin()
        .accepted(draft, json!({ "input": { "key": "service_delivery", "name": "Service delivery", "definition": definition } }))
        .await;
    assert_eq!(drafted["processTemplate"]["version"], 2);
    assert_eq!(drafted["processTemplate"]["status"], "DRAFT");
    // A draft is not followed yet.
    let (still_v1, _) = engagement(&app, "service_delivery", &team, "b@example.com.au", None).await;
    assert_eq!(still_v1["template"]["version"], 1);
    let published = app
        .admin()
        .data(
            op("publishProcessTemplate", "mutation($input: PublishProcessTemplateInput!) { publishProcessTemplate(input: $input) { processTemplate { version status } userErrors { code } } }"),
            json!({ "input": { "templateId": drafted["processTemplate"]["id"] } }),
        )
        .await;
    assert_eq!(
        published["processTemplate"]["status"], "PUBLISHED",
        "{published}"
    );

    let (after, _) = engagement(&app, "service_delivery", &team, "c@example.com.au", None).await;
    assert_eq!(after["template"]["version"], 2);
    // The one set up on version 1 starts and runs on version 1.
    let started = start(&app, before["id"].as_str().unwrap()).await;
    assert_eq!(started["template"]["version"], 1);
    assert_eq!(
        started["currentStage"]["outputs"].as_array().unwrap().len(),
        3
    );
}

#[tokio::test]
async fn the_automation_template_walks_its_fourteen_steps_to_go_live() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let (planned, _) = engagement(
        &app,
        "automation_implementation",
        &team,
        "ops@example.com.au",
        Some("48000.00"),
    )
    .await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let mut now = start(&app, &id).await;
    let mut walked = vec![stage_key(&now).to_owned()];
    while now["status"] == "ACTIVE" {
        if stage_key(&now) == "5.1" {
            // Not stable: the stage holds (escalate) until it is.
            now = complete_outputs(&app, &id, &now).await;
            let unstable = decide(
                &app,
                &id,
                &now,
                json!({ "decisionKey": "production_stable", "answer": false }),
            )
            .await;
            let held = advance(&app, &id, &unstable["engagement"]).await;
            assert_eq!(
                user_errors(&held),
                [path_error(
                    &["input", "decisions", "production_stable"],
                    "INVALID_STATE"
                )]
            );
        }
        let questions = tests::strings(&now["currentStage"]["decisions"], "key")
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        for key in questions {
            let answered = decide(
                &app,
                &id,
                &now,
                json!({ "decisionKey": key, "answer": true }),
            )
            .await;
            assert!(user_errors(&answered).is_empty(), "{answered}");
            now = answered["engagement"].clone();
        }
        if stage_key(&now) == "5.2" {
            // The last step: lessons learned and the final invoice first.
            now = close_out(&app, &id, LESSONS).await;
        }
        now = finish_stage(&app, &id, &now).await;
        if now["status"] == "ACTIVE" {
            walked.push(stage_key(&now).to_owned());
        }
    }
    assert_eq!(
        walked,
        [
            "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "4.1", "4.2", "4.3",
            "5.1", "5.2"
        ]
    );
    assert_eq!(now["status"], "CLOSED");
}

/// A service-delivery engagement (no fee) for a new customer at `email`,
/// started by its project manager: (id, the engagement as started, its
/// first stage's due time).
async fn started_for(app: &TestApp, email: &str) -> (String, Value, chrono::DateTime<chrono::Utc>) {
    let team = team(app).await;
    let (planned, _) = engagement(app, "service_delivery", &team, email, None).await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let started = start(app, &id).await;
    let due = chrono::DateTime::parse_from_rfc3339(started["stageDueAt"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    (id, started, due)
}

/// Wait until the first stage is flagged overdue and its owner's email is
/// sent; the stage's entry (stage emails are about it, once per stage and
/// round).
async fn flagged_overdue_and_owner_told(app: &TestApp, id: &str) -> String {
    wait_for("the stage flagged overdue", PATIENCE, async || {
        read(app, id).await["stageOverdue"] == true
    })
    .await;
    let entry = stage_entry(app, id, 0, 0).await;
    app.sent_notification(entity::NotificationKind::EngagementStageOverdue, &entry)
        .await;
    entry
}

#[tokio::test]
async fn an_overdue_stage_is_flagged_once_and_its_owner_told() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (id, started, due) = started_for(&app, "late@example.com.au").await;
    // Kickoff takes up to two business days: Monday 10:00 → Wednesday's
    // close (17:00 AEDT).
    assert_eq!(due.to_rfc3339(), "2026-11-25T06:00:00+00:00");
    assert_eq!(started["stageOverdue"], false);
    app.clock.set(due + Days::minutes(1));
    let entry = flagged_overdue_and_owner_told(&app, &id).await;
    // A day later nothing repeats.
    app.clock.advance(Days::days(1));
    app.outbox_drained("the day's timers processed").await;
    let flagged = app
        .audit_actions(&id)
        .await
        .iter()
        .filter(|a| *a == "engagement.stage_overdue")
        .count();
    assert_eq!(flagged, 1);
    let told = app
        .notifications_of(entity::NotificationKind::EngagementStageOverdue, &entry)
        .await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].recipient, "pm@example.com.au");
}

/// A stage whose due time passes while its engagement is on hold is flagged
/// overdue (and its owner told) once the engagement resumes: its timer
/// fired during the hold and, the engagement not running, did nothing.
#[tokio::test]
async fn a_stage_due_during_a_hold_is_flagged_overdue_once_the_engagement_resumes() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let (id, _, due) = started_for(&app, "held@example.com.au").await;
    let pm = app.person("pm-1", Role::ProjectManager);
    let input =
        json!({ "input": { "engagementId": id, "reason": "Waiting on the customer's supplier" } });
    let held = pm
        .accepted(
            engagement_op("holdEngagement", "HoldEngagementInput"),
            input.clone(),
        )
        .await;
    assert_eq!(held["engagement"]["status"], "ON_HOLD");

    app.clock.set(due + Days::minutes(1));
    let subject = uuid::Uuid::parse_str(&id).unwrap();
    let due_timer_fired = async || {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::timer::Entity::find()
            .filter(entity::timer::Column::SubjectId.eq(subject))
            .filter(entity::timer::Column::Kind.eq(domain::engagements::timer_kind::STAGE_DUE))
            .all(app.db())
            .await
            .unwrap()
            .iter()
            .any(|t| t.status == entity::TimerStatus::Fired)
    };
    wait_for(
        "the due timer fired during the hold",
        PATIENCE,
        due_timer_fired,
    )
    .await;
    app.outbox_drained("the fired timer processed").await;
    assert_eq!(
        read(&app, &id).await["stageOverdue"],
        false,
        "not while held"
    );

    let resumed = pm
        .accepted(
            engagement_op("resumeEngagement", "ResumeEngagementInput"),
            input,
        )
        .await;
    assert_eq!(resumed["engagement"]["status"], "ACTIVE");
    flagged_overdue_and_owner_told(&app, &id).await;
}
