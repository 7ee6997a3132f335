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
    advance, complete_outputs, decide, engagement, engagement_op, engagement_query, finish_stage,
    stage_key, team,
};
use tests::shop::op;
use tests::{Op, Role, TestApp, nodes, user_errors, wait_for};

const PATIENCE: Duration = Duration::from_secs(60);

/// Read helpers for this file's tests.
trait Reads {
    /// The engagement as an admin reads it.
    async fn data_of(&self, id: &str) -> Value;
    /// The pending DELIVERABLE_ACCEPTANCE approval the customer may decide.
    async fn data_of_deliverable_approval(&self, customer: &str) -> String;
}

impl Reads for TestApp {
    async fn data_of(&self, id: &str) -> Value {
        self.admin()
            .data(engagement_query(), json!({ "id": id }))
            .await
    }

    async fn data_of_deliverable_approval(&self, customer: &str) -> String {
        let found = self
            .as_customer(customer)
            .data(
                op("approvals", "query { approvals(first: 20, filter: { status: PENDING, kind: DELIVERABLE_ACCEPTANCE }) { edges { node { id } } } }"),
                json!({}),
            )
            .await;
        let pending = nodes(&found);
        assert_eq!(pending.len(), 1, "{found}");
        pending[0]["id"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn a_service_delivery_engagement_walks_from_kickoff_to_closure_through_a_failed_review_and_a_rejection()
 {
    let app = TestApp::spawn().await;
    let _worker = app.ensure_worker().await;
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
    let started = pm
        .data(
            engagement_op("startEngagement", "StartEngagementInput"),
            json!({ "input": { "engagementId": id } }),
        )
        .await;
    assert!(user_errors(&started).is_empty(), "{started}");
    let mut now = started["engagement"].clone();
    assert_eq!(now["status"], "ACTIVE");
    assert_eq!(stage_key(&now), "kickoff");

    // Leaving Kickoff with outputs missing is refused with exactly the list.
    let refused = advance(&app, &id, &now).await;
    assert_eq!(
        user_errors(&refused),
        [
            (
                vec!["input".into(), "outputs".into(), "kickoff_meeting".into()],
                "REQUIRED".into()
            ),
            (
                vec!["input".into(), "outputs".into(), "charter_signed".into()],
                "REQUIRED".into()
            ),
            (
                vec![
                    "input".into(),
                    "outputs".into(),
                    "communication_plan".into()
                ],
                "REQUIRED".into()
            ),
        ]
    );
    // Only the stage's owner role (or ADMIN) does its work.
    let not_theirs = app
        .person("dev-1", Role::DeliveryTeam)
        .data(
            engagement_op("completeStageOutput", "CompleteStageOutputInput"),
            json!({ "input": { "engagementId": id, "outputKey": "kickoff_meeting", "evidence": "minutes" } }),
        )
        .await;
    assert_eq!(
        user_errors(&not_theirs),
        [(
            vec!["input".into(), "engagementId".into()],
            "NOT_STAGE_OWNER".into()
        )]
    );
    let one = pm
        .data(
            engagement_op("completeStageOutput", "CompleteStageOutputInput"),
            json!({ "input": { "engagementId": id, "outputKey": "charter_signed", "evidence": "DOC-77 signed 23/11" } }),
        )
        .await;
    assert!(user_errors(&one).is_empty(), "{one}");
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
        [(
            vec!["input".into(), "revisedEndDate".into()],
            "REQUIRED".into()
        )]
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
    let risk = app
        .person("dev-1", Role::DeliveryTeam)
        .data(
            tests::engagements::mutation(
                "addEngagementRisk",
                "AddEngagementRiskInput",
                "risk { id }",
            ),
            json!({ "input": { "engagementId": id, "title": "Supplier API late", "likelihood": 4,
                "impact": 3, "ownerUserId": team.delivery, "mitigation": "Mock the supplier API" } }),
        )
        .await;
    assert!(user_errors(&risk).is_empty(), "{risk}");
    let no_action = decide(
        &app,
        &id,
        &now,
        json!({ "decisionKey": "risks_need_mitigation", "answer": true }),
    )
    .await;
    assert_eq!(
        user_errors(&no_action),
        [(vec!["input".into(), "actions".into()], "REQUIRED".into())]
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
        [(
            vec!["input".into(), "deliverables".into()],
            "REQUIRED".into()
        )]
    );
    let team_member = app.person("dev-1", Role::DeliveryTeam);
    let added = team_member
        .data(
            engagement_op("addDeliverable", "AddDeliverableInput"),
            json!({ "input": { "engagementId": id, "name": "Online order form",
                "acceptanceCriteria": "Customers order for pickup or delivery in under two minutes" } }),
        )
        .await;
    assert!(user_errors(&added).is_empty(), "{added}");
    let deliverable = added["engagement"]["deliverables"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let submit = |reference: &'static str| {
        let team_member = &team_member;
        let deliverable = deliverable.clone();
        async move {
            let submitted = team_member
                .data(
                    engagement_op("submitDeliverableVersion", "SubmitDeliverableVersionInput"),
                    json!({ "input": { "deliverableId": deliverable, "reference": reference } }),
                )
                .await;
            assert!(user_errors(&submitted).is_empty(), "{submitted}");
            submitted["engagement"].clone()
        }
    };
    now = submit("https://git.example.com.au/bakery/order-form/tree/v1").await;
    let left = advance(&app, &id, &now).await;
    assert!(user_errors(&left).is_empty(), "{left}");
    now = left["engagement"].clone();
    assert_eq!(stage_key(&now), "quality_review");

    // Quality review fails version 1: back to Execution with the findings.
    let qa = app.person("qa-1", Role::QaLead);
    let checklist = |passed: bool| {
        json!([
            { "item": "Meets the acceptance criteria", "passed": passed },
            { "item": "Reviewed by someone other than its author", "passed": true },
            { "item": "Documentation complete", "passed": true }
        ])
    };
    let review = |passed: bool, findings: Option<&'static str>| {
        let qa = &qa;
        let deliverable = deliverable.clone();
        async move {
            let reviewed = qa
                .data(
                    engagement_op("reviewDeliverable", "ReviewDeliverableInput"),
                    json!({ "input": { "deliverableId": deliverable, "checklist": checklist(passed),
                        "metrics": [{ "name": "defects found", "value": if passed { "0" } else { "4" } },
                                    { "name": "test pass rate", "value": if passed { "100%" } else { "82%" } }],
                        "findings": findings } }),
                )
                .await;
            assert!(user_errors(&reviewed).is_empty(), "{reviewed}");
            reviewed["engagement"].clone()
        }
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
    for (key, answer) in [("on_track", true), ("risks_need_mitigation", false)] {
        let answered = decide(
            &app,
            &id,
            &now,
            json!({ "decisionKey": key, "answer": answer }),
        )
        .await;
        assert!(user_errors(&answered).is_empty(), "{answered}");
    }
    submit("https://git.example.com.au/bakery/order-form/tree/v2").await;
    now = finish_stage(&app, &id, &app.data_of(&id).await).await;
    assert_eq!(stage_key(&now), "quality_review");
    now = review(true, None).await;
    now = finish_stage(&app, &id, &now).await;
    assert_eq!(stage_key(&now), "customer_acceptance");
    let ask = || {
        let pm = &pm;
        let deliverable = deliverable.clone();
        async move {
            let asked = pm
                .data(
                    engagement_op(
                        "requestDeliverableAcceptance",
                        "RequestDeliverableAcceptanceInput",
                    ),
                    json!({ "input": { "deliverableId": deliverable } }),
                )
                .await;
            assert!(user_errors(&asked).is_empty(), "{asked}");
            asked["engagement"].clone()
        }
    };
    let decide_as_customer = |verdict: &'static str, comment: &'static str| {
        let app = &app;
        let customer = customer.clone();
        async move {
            let approval = app.data_of_deliverable_approval(&customer).await;
            let decided = app
                .as_customer(&customer)
                .data(
                    op("decideApproval", "mutation($input: DecideApprovalInput!) { decideApproval(input: $input) { approval { status } userErrors { code message } } }"),
                    json!({ "input": { "id": approval, "decision": verdict, "comment": comment } }),
                )
                .await;
            assert!(user_errors(&decided).is_empty(), "{decided}");
        }
    };
    now = ask().await;
    assert_eq!(now["deliverables"][0]["status"], "AWAITING_ACCEPTANCE");
    // The customer rejects with feedback: a revision round back to Execution.
    decide_as_customer("REJECT", "Please add a gluten-free filter").await;
    now = app.data_of(&id).await;
    assert_eq!(stage_key(&now), "execution");
    assert_eq!(now["round"], 2);
    assert_eq!(now["deliverables"][0]["status"], "REJECTED");
    assert_eq!(
        now["deliverables"][0]["acceptanceRounds"][0]["feedback"],
        "Please add a gluten-free filter"
    );

    // Version 3 is reviewed and accepted; the engagement closes.
    for (key, answer) in [("on_track", true), ("risks_need_mitigation", false)] {
        decide(
            &app,
            &id,
            &now,
            json!({ "decisionKey": key, "answer": answer }),
        )
        .await;
    }
    submit("https://git.example.com.au/bakery/order-form/tree/v3").await;
    now = finish_stage(&app, &id, &app.data_of(&id).await).await;
    assert_eq!(stage_key(&now), "quality_review");
    review(true, None).await;
    now = finish_stage(&app, &id, &app.data_of(&id).await).await;
    assert_eq!(stage_key(&now), "customer_acceptance");
    ask().await;
    decide_as_customer("APPROVE", "Looks great").await;
    now = app.data_of(&id).await;
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
    now = close_out(&app, &id).await;
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
    let engagement_id = uuid::Uuid::parse_str(&id).unwrap();
    for (stage_index, round) in [(0, 0), (2, 0), (2, 1), (2, 2), (5, 2)] {
        let notice = domain::engagements::StageNotice { stage_index, round };
        let entry = domain::engagements::stage_entry(app.db(), engagement_id, notice)
            .await
            .unwrap()
            .expect("entered")
            .id
            .to_string();
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
    let stranger = app
        .admin()
        .new_customer(json!({ "name": "Other", "email": "other@example.com.au" }))
        .await;
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

/// What closing needs, by the project manager: the lessons learned and the
/// final invoice (the engagement was set up with a fee). The engagement now.
async fn close_out(app: &TestApp, id: &str) -> Value {
    let pm = app.person("pm-1", Role::ProjectManager);
    let lessons = pm
        .data(
            engagement_op("recordLessonsLearned", "RecordLessonsLearnedInput"),
            json!({ "input": { "engagementId": id, "lessonsLearned": "Book the customer's reviewers early." } }),
        )
        .await;
    assert!(user_errors(&lessons).is_empty(), "{lessons}");
    let invoiced = pm
        .data(
            engagement_op(
                "issueEngagementFinalInvoice",
                "IssueEngagementFinalInvoiceInput",
            ),
            json!({ "input": { "engagementId": id } }),
        )
        .await;
    assert!(user_errors(&invoiced).is_empty(), "{invoiced}");
    invoiced["engagement"].clone()
}

const TEMPLATES: Op = Op {
    field: "processTemplates",
    document: "query { processTemplates(first: 50) { edges { node { id key version status stages { key outputs { key } } } } } }",
};

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
        [(
            vec![
                "input".into(),
                "definition".into(),
                "stages".into(),
                "1".into(),
                "minDuration".into()
            ],
            "INVALID_STATE".into()
        )]
    );
    let forbidden = app
        .person("pm-1", Role::ProjectManager)
        .post(draft.document, json!({ "input": { "key": "service_delivery", "name": "Service delivery", "definition": definition } }))
        .await;
    assert!(forbidden["errors"].is_array(), "{forbidden}");
    let drafted = app
        .admin()
        .data(draft, json!({ "input": { "key": "service_delivery", "name": "Service delivery", "definition": definition } }))
        .await;
    assert!(user_errors(&drafted).is_empty(), "{drafted}");
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
    let started = app
        .person("pm-1", Role::ProjectManager)
        .data(
            engagement_op("startEngagement", "StartEngagementInput"),
            json!({ "input": { "engagementId": before["id"] } }),
        )
        .await;
    assert_eq!(started["engagement"]["template"]["version"], 1);
    assert_eq!(
        started["engagement"]["currentStage"]["outputs"]
            .as_array()
            .unwrap()
            .len(),
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
    let started = app
        .person("pm-1", Role::ProjectManager)
        .data(
            engagement_op("startEngagement", "StartEngagementInput"),
            json!({ "input": { "engagementId": id } }),
        )
        .await;
    let mut now = started["engagement"].clone();
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
                [(
                    vec![
                        "input".into(),
                        "decisions".into(),
                        "production_stable".into()
                    ],
                    "INVALID_STATE".into()
                )]
            );
        }
        let questions: Vec<String> = now["currentStage"]["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["key"].as_str().unwrap().to_owned())
            .collect();
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
            now = close_out(&app, &id).await;
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

#[tokio::test]
async fn an_overdue_stage_is_flagged_once_and_its_owner_told() {
    let app = TestApp::spawn().await;
    let _worker = app.ensure_worker().await;
    let team = team(&app).await;
    let (planned, _) =
        engagement(&app, "service_delivery", &team, "late@example.com.au", None).await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let started = app
        .person("pm-1", Role::ProjectManager)
        .data(
            engagement_op("startEngagement", "StartEngagementInput"),
            json!({ "input": { "engagementId": id } }),
        )
        .await;
    let due =
        chrono::DateTime::parse_from_rfc3339(started["engagement"]["stageDueAt"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc);
    // Kickoff takes up to two business days: Monday 10:00 → Wednesday's
    // close (17:00 AEDT).
    assert_eq!(due.to_rfc3339(), "2026-11-25T06:00:00+00:00");
    assert_eq!(started["engagement"]["stageOverdue"], false);
    app.clock.set(due + Days::minutes(1));
    wait_for("the stage flagged overdue", PATIENCE, async || {
        app.admin()
            .data(engagement_query(), json!({ "id": id }))
            .await["stageOverdue"]
            == true
    })
    .await;
    // Stage emails are about the stage's entry (once per stage and round).
    let kickoff = domain::engagements::StageNotice {
        stage_index: 0,
        round: 0,
    };
    let entry =
        domain::engagements::stage_entry(app.db(), uuid::Uuid::parse_str(&id).unwrap(), kickoff)
            .await
            .unwrap()
            .expect("kickoff was entered")
            .id
            .to_string();
    wait_for("the owner told", PATIENCE, async || {
        app.notifications_of(entity::NotificationKind::EngagementStageOverdue, &entry)
            .await
            .iter()
            .any(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
    // A day later nothing repeats.
    app.clock.advance(Days::days(1));
    wait_for("the day's timers processed", PATIENCE, async || {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        entity::outbox::Entity::find()
            .filter(entity::outbox::Column::ProcessedAt.is_null())
            .count(app.db())
            .await
            .unwrap()
            == 0
    })
    .await;
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
