//! Engagements for end-to-end tests: the team, an engagement set up for a
//! new customer, the steps a stage's owner takes (outputs, decisions,
//! leaving), and a service-delivery engagement walked to its Closure stage
//! (one deliverable submitted, reviewed and accepted by the customer).

use crate::shop::op;
use crate::{Op, Role, TestApp, nodes, user_errors};
use serde_json::{Value, json};

/// What the engagement tests read of an engagement (part 1's fields).
pub const ENGAGEMENT_FIELDS: &str = "id number status round stageOverdue stageDueAt revisedEndDate template { key version } currentStage { stage { key name ownerRole } outputs { key name done evidence } decisions { key question answer } } actions { description dueOn } nextActions { action role } deliverables { id status currentVersion acceptedVersion findings approvalId acceptanceRounds { versionNumber outcome feedback } reviews { versionNumber passed } }";

/// `field(input: $input)` returning `selection` and the userErrors.
pub fn mutation(field: &'static str, input_type: &'static str, selection: &str) -> Op {
    let document: &'static str = Box::leak(
        format!(
            "mutation($input: {input_type}!) {{ {field}(input: $input) {{ {selection} userErrors {{ field code message }} }} }}"
        )
        .into_boxed_str(),
    );
    Op { field, document }
}

/// An engagement mutation returning the engagement's part-1 fields.
pub fn engagement_op(field: &'static str, input_type: &'static str) -> Op {
    mutation(
        field,
        input_type,
        &format!("engagement {{ {ENGAGEMENT_FIELDS} }}"),
    )
}

/// `engagement(id:)` with the part-1 fields.
pub fn engagement_query() -> Op {
    let document: &'static str = Box::leak(
        format!("query($id: ID!) {{ engagement(id: $id) {{ {ENGAGEMENT_FIELDS} }} }}")
            .into_boxed_str(),
    );
    Op {
        field: "engagement",
        document,
    }
}

/// A staff login of `role`: its user id.
pub async fn staff(app: &TestApp, email: &str, role: &str) -> String {
    let created = app
        .admin()
        .create_user(json!({ "email": email, "password": "a long enough password", "role": role }))
        .await;
    assert!(user_errors(&created).is_empty(), "{created}");
    created["user"]["id"].as_str().unwrap().to_owned()
}

/// The staff an engagement's team is made of (user ids).
pub struct Team {
    pub pm: String,
    pub delivery: String,
    pub qa: String,
}

/// A project manager, a delivery team member and a QA lead (once per app).
pub async fn team(app: &TestApp) -> Team {
    Team {
        pm: staff(app, "pm@example.com.au", "PROJECT_MANAGER").await,
        delivery: staff(app, "delivery@example.com.au", "DELIVERY_TEAM").await,
        qa: staff(app, "qa@example.com.au", "QA_LEAD").await,
    }
}

/// A PLANNED engagement of `template` for a new customer at `email`, with
/// the agreed `fee` ex-GST as its one fee line: (engagement, customer id).
pub async fn engagement(
    app: &TestApp,
    template: &str,
    team: &Team,
    email: &str,
    fee: Option<&str>,
) -> (Value, String) {
    let customer = app.customer_named("Harbour Bakery", email).await;
    // The agreed fee as one taxable fee line.
    let fees: Vec<Value> = fee
        .map(|amount| json!({ "description": "Ordering system — agreed fee", "amount": amount }))
        .into_iter()
        .collect();
    let created = app
        .person("pm-1", Role::ProjectManager)
        .accepted(
            engagement_op("createEngagement", "CreateEngagementInput"),
            json!({ "input": { "customerId": customer, "templateKey": template, "name": "Ordering system",
                "scopeReference": "SOW-2026-114", "plannedStart": "2026-11-23", "fees": fees,
                "team": [{ "userId": team.pm }, { "userId": team.delivery }, { "userId": team.qa }] } }),
        )
        .await;
    (created["engagement"].clone(), customer)
}

/// Start a PLANNED engagement as its project manager: the engagement now.
pub async fn start(app: &TestApp, id: &str) -> Value {
    let started = app
        .person("pm-1", Role::ProjectManager)
        .accepted(
            engagement_op("startEngagement", "StartEngagementInput"),
            json!({ "input": { "engagementId": id } }),
        )
        .await;
    started["engagement"].clone()
}

/// The role that owns a stage, as the API names it.
pub fn as_role(role: &str) -> Role {
    match role {
        "PROJECT_MANAGER" => Role::ProjectManager,
        "DELIVERY_TEAM" => Role::DeliveryTeam,
        "QA_LEAD" => Role::QaLead,
        other => panic!("no stage is owned by {other}"),
    }
}

/// The owner role of the current stage of `now`.
pub fn owner_of(now: &Value) -> Role {
    as_role(now["currentStage"]["stage"]["ownerRole"].as_str().unwrap())
}

/// The key of the current stage of `now`.
pub fn stage_key(e: &Value) -> &str {
    e["currentStage"]["stage"]["key"].as_str().unwrap()
}

/// The current stage's owner completes every output still open.
pub async fn complete_outputs(app: &TestApp, id: &str, now: &Value) -> Value {
    let owner = owner_of(now);
    let mut latest = now.clone();
    for output in now["currentStage"]["outputs"].as_array().unwrap() {
        if output["done"] == true {
            continue;
        }
        let done = app
            .person("owner", owner)
            .accepted(
                engagement_op("completeStageOutput", "CompleteStageOutputInput"),
                json!({ "input": { "engagementId": id, "outputKey": output["key"],
                    "evidence": format!("https://docs.example.com.au/{}", output["key"].as_str().unwrap()) } }),
            )
            .await;
        latest = done["engagement"].clone();
    }
    latest
}

/// The current stage's owner answers a decision (the payload as answered).
pub async fn decide(app: &TestApp, id: &str, now: &Value, input: Value) -> Value {
    let mut input = input;
    input["engagementId"] = json!(id);
    app.person("owner", owner_of(now))
        .data(
            engagement_op("recordDecision", "RecordDecisionInput"),
            json!({ "input": input }),
        )
        .await
}

/// The current stage's owner leaves the stage (the payload as answered).
pub async fn advance(app: &TestApp, id: &str, now: &Value) -> Value {
    app.person("owner", owner_of(now))
        .data(
            engagement_op("advanceStage", "AdvanceStageInput"),
            json!({ "input": { "engagementId": id } }),
        )
        .await
}

/// Complete the stage's outputs and leave it (its decisions answered before).
pub async fn finish_stage(app: &TestApp, id: &str, now: &Value) -> Value {
    let now = complete_outputs(app, id, now).await;
    let left = advance(app, id, &now).await;
    assert!(user_errors(&left).is_empty(), "{left}");
    left["engagement"].clone()
}

/// The engagement as an admin reads it (part-1 fields).
pub async fn read(app: &TestApp, id: &str) -> Value {
    app.admin()
        .data(engagement_query(), json!({ "id": id }))
        .await
}

/// The pending DELIVERABLE_ACCEPTANCE approval the customer may decide (the
/// one there is).
pub async fn pending_acceptance(app: &TestApp, customer: &str) -> String {
    let found = app
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

/// The customer decides the pending DELIVERABLE_ACCEPTANCE approval.
pub async fn customer_decides_acceptance(
    app: &TestApp,
    customer: &str,
    verdict: &str,
    comment: &str,
) {
    let approval = pending_acceptance(app, customer).await;
    app
        .as_customer(customer)
        .accepted(
            op("decideApproval", "mutation($input: DecideApprovalInput!) { decideApproval(input: $input) { approval { status } userErrors { code message } } }"),
            json!({ "input": { "id": approval, "decision": verdict, "comment": comment } }),
        )
        .await;
}

/// Execution's questions answered so that it proceeds (on track, no risks
/// needing mitigation): the engagement now.
pub async fn on_track(app: &TestApp, id: &str, now: &Value) -> Value {
    let mut now = now.clone();
    for (key, answer) in [("on_track", true), ("risks_need_mitigation", false)] {
        let answered = decide(
            app,
            id,
            &now,
            json!({ "decisionKey": key, "answer": answer }),
        )
        .await;
        assert!(user_errors(&answered).is_empty(), "{answered}");
        now = answered["engagement"].clone();
    }
    now
}

/// A team member adds the online order form as a deliverable: its id.
pub async fn add_deliverable(app: &TestApp, id: &str) -> String {
    let added = app
        .person("dev-1", Role::DeliveryTeam)
        .accepted(
            engagement_op("addDeliverable", "AddDeliverableInput"),
            json!({ "input": { "engagementId": id, "name": "Online order form",
                "acceptanceCriteria": "Customers order for pickup or delivery in under two minutes" } }),
        )
        .await;
    added["engagement"]["deliverables"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A team member submits the version at `reference` of `deliverable`: the
/// engagement now.
pub async fn submit_version(app: &TestApp, deliverable: &str, reference: &str) -> Value {
    let submitted = app
        .person("dev-1", Role::DeliveryTeam)
        .accepted(
            engagement_op("submitDeliverableVersion", "SubmitDeliverableVersionInput"),
            json!({ "input": { "deliverableId": deliverable, "reference": reference } }),
        )
        .await;
    submitted["engagement"].clone()
}

/// The service-delivery quality checklist, its first item `passed` and the
/// others passed.
pub fn checklist(passed: bool) -> Value {
    json!([
        { "item": "Meets the acceptance criteria", "passed": passed },
        { "item": "Reviewed by someone other than its author", "passed": true },
        { "item": "Documentation complete", "passed": true }
    ])
}

/// The QA lead reviews `deliverable` on `checklist` with `metrics` (and
/// `findings`): the engagement now.
pub async fn review(
    app: &TestApp,
    deliverable: &str,
    checklist: Value,
    metrics: Value,
    findings: Option<&str>,
) -> Value {
    let mut input =
        json!({ "deliverableId": deliverable, "checklist": checklist, "metrics": metrics });
    if let Some(findings) = findings {
        input["findings"] = json!(findings);
    }
    let reviewed = app
        .person("qa-1", Role::QaLead)
        .accepted(
            engagement_op("reviewDeliverable", "ReviewDeliverableInput"),
            json!({ "input": input }),
        )
        .await;
    reviewed["engagement"].clone()
}

/// The project manager puts `deliverable` to the customer: the engagement
/// now.
pub async fn request_acceptance(app: &TestApp, deliverable: &str) -> Value {
    let asked = app
        .person("pm-1", Role::ProjectManager)
        .accepted(
            engagement_op(
                "requestDeliverableAcceptance",
                "RequestDeliverableAcceptanceInput",
            ),
            json!({ "input": { "deliverableId": deliverable } }),
        )
        .await;
    asked["engagement"].clone()
}

/// The id of the engagement's entry into stage `stage_index` in `round`
/// (what stage emails are about).
pub async fn stage_entry(app: &TestApp, id: &str, stage_index: i32, round: i32) -> String {
    let notice = domain::engagements::StageNotice { stage_index, round };
    let id = uuid::Uuid::parse_str(id).expect("an engagement id");
    domain::engagements::stage_entry(app.db(), id, notice)
        .await
        .unwrap()
        .expect("the stage was entered")
        .id
        .to_string()
}

/// What closing needs, by the project manager: `lessons` learned recorded
/// and the final invoice issued (the engagement was set up with a fee). The
/// engagement now.
pub async fn close_out(app: &TestApp, id: &str, lessons: &str) -> Value {
    let pm = app.person("pm-1", Role::ProjectManager);
    pm.accepted(
        engagement_op("recordLessonsLearned", "RecordLessonsLearnedInput"),
        json!({ "input": { "engagementId": id, "lessonsLearned": lessons } }),
    )
    .await;
    let invoiced = pm
        .accepted(
            engagement_op(
                "issueEngagementFinalInvoice",
                "IssueEngagementFinalInvoiceInput",
            ),
            json!({ "input": { "engagementId": id } }),
        )
        .await;
    invoiced["engagement"].clone()
}

/// A service-delivery engagement walked to its Closure stage.
pub struct Walk {
    pub id: String,
    pub customer: String,
    pub team: Team,
    /// The engagement as it stands at Closure (part-1 fields).
    pub engagement: Value,
}

/// Set up a team and a service-delivery engagement for a new customer at
/// `email` with `fee`, start it and walk it to Closure: kickoff and
/// planning done, in Execution on track with no risks needing mitigation
/// and one deliverable submitted, passed by quality review, accepted by
/// the customer.
pub async fn at_closure(app: &TestApp, email: &str, fee: Option<&str>) -> Walk {
    let team = team(app).await;
    let (planned, customer) = engagement(app, "service_delivery", &team, email, fee).await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let mut now = start(app, &id).await;
    now = finish_stage(app, &id, &now).await;
    now = finish_stage(app, &id, &now).await;
    assert_eq!(stage_key(&now), "execution");
    on_track(app, &id, &now).await;
    let deliverable = add_deliverable(app, &id).await;
    now = submit_version(app, &deliverable, "DOC-ORDER-FORM-1").await;
    now = finish_stage(app, &id, &now).await;
    assert_eq!(stage_key(&now), "quality_review");
    let metrics = json!([{ "name": "defects found", "value": "0" }]);
    now = review(app, &deliverable, checklist(true), metrics, None).await;
    now = finish_stage(app, &id, &now).await;
    assert_eq!(stage_key(&now), "customer_acceptance");
    request_acceptance(app, &deliverable).await;
    customer_decides_acceptance(app, &customer, "APPROVE", "Reviewed").await;
    now = read(app, &id).await;
    let accepted = decide(
        app,
        &id,
        &now,
        json!({ "decisionKey": "accepted", "answer": true }),
    )
    .await;
    assert!(user_errors(&accepted).is_empty(), "{accepted}");
    now = finish_stage(app, &id, &accepted["engagement"]).await;
    assert_eq!(stage_key(&now), "closure");
    Walk {
        id,
        customer,
        team,
        engagement: now,
    }
}
