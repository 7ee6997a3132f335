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
    let customer = app
        .admin()
        .new_customer(json!({ "name": "Harbour Bakery", "email": email }))
        .await;
    // The agreed fee as one taxable fee line.
    let fees: Vec<Value> = fee
        .map(|amount| json!({ "description": "Ordering system — agreed fee", "amount": amount }))
        .into_iter()
        .collect();
    let created = app
        .person("pm-1", Role::ProjectManager)
        .data(
            engagement_op("createEngagement", "CreateEngagementInput"),
            json!({ "input": { "customerId": customer, "templateKey": template, "name": "Ordering system",
                "scopeReference": "SOW-2026-114", "plannedStart": "2026-11-23", "fees": fees,
                "team": [{ "userId": team.pm }, { "userId": team.delivery }, { "userId": team.qa }] } }),
        )
        .await;
    assert!(user_errors(&created).is_empty(), "{created}");
    (created["engagement"].clone(), customer)
}

/// Start a PLANNED engagement as its project manager: the engagement now.
pub async fn start(app: &TestApp, id: &str) -> Value {
    let started = app
        .person("pm-1", Role::ProjectManager)
        .data(
            engagement_op("startEngagement", "StartEngagementInput"),
            json!({ "input": { "engagementId": id } }),
        )
        .await;
    assert!(user_errors(&started).is_empty(), "{started}");
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
            .data(
                engagement_op("completeStageOutput", "CompleteStageOutputInput"),
                json!({ "input": { "engagementId": id, "outputKey": output["key"],
                    "evidence": format!("https://docs.example.com.au/{}", output["key"].as_str().unwrap()) } }),
            )
            .await;
        assert!(user_errors(&done).is_empty(), "{done}");
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

/// The customer decides the pending DELIVERABLE_ACCEPTANCE approval.
pub async fn customer_decides_acceptance(app: &TestApp, customer: &str, verdict: &str) {
    let found = app
        .as_customer(customer)
        .data(
            op("approvals", "query { approvals(first: 20, filter: { status: PENDING, kind: DELIVERABLE_ACCEPTANCE }) { edges { node { id } } } }"),
            json!({}),
        )
        .await;
    let pending = nodes(&found);
    assert_eq!(pending.len(), 1, "{found}");
    let decided = app
        .as_customer(customer)
        .data(
            op("decideApproval", "mutation($input: DecideApprovalInput!) { decideApproval(input: $input) { approval { status } userErrors { code message } } }"),
            json!({ "input": { "id": pending[0]["id"], "decision": verdict, "comment": "Reviewed" } }),
        )
        .await;
    assert!(user_errors(&decided).is_empty(), "{decided}");
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
    for (key, answer) in [("on_track", true), ("risks_need_mitigation", false)] {
        let answered = decide(
            app,
            &id,
            &now,
            json!({ "decisionKey": key, "answer": answer }),
        )
        .await;
        assert!(user_errors(&answered).is_empty(), "{answered}");
        now = answered["engagement"].clone();
    }
    let team_member = app.person("dev-1", Role::DeliveryTeam);
    let added = team_member
        .data(
            engagement_op("addDeliverable", "AddDeliverableInput"),
            json!({ "input": { "engagementId": id, "name": "Online order form",
                "acceptanceCriteria": "Customers order for pickup or delivery in under two minutes" } }),
        )
        .await;
    assert!(user_errors(&added).is_empty(), "{added}");
    let deliverable = added["engagement"]["deliverables"][0]["id"].clone();
    let submitted = team_member
        .data(
            engagement_op("submitDeliverableVersion", "SubmitDeliverableVersionInput"),
            json!({ "input": { "deliverableId": deliverable, "reference": "DOC-ORDER-FORM-1" } }),
        )
        .await;
    assert!(user_errors(&submitted).is_empty(), "{submitted}");
    now = finish_stage(app, &id, &submitted["engagement"]).await;
    assert_eq!(stage_key(&now), "quality_review");
    let checklist: Vec<Value> = [
        "Meets the acceptance criteria",
        "Reviewed by someone other than its author",
        "Documentation complete",
    ]
    .iter()
    .map(|item| json!({ "item": item, "passed": true }))
    .collect();
    let reviewed = app
        .person("qa-1", Role::QaLead)
        .data(
            engagement_op("reviewDeliverable", "ReviewDeliverableInput"),
            json!({ "input": { "deliverableId": deliverable, "checklist": checklist,
                "metrics": [{ "name": "defects found", "value": "0" }] } }),
        )
        .await;
    assert!(user_errors(&reviewed).is_empty(), "{reviewed}");
    now = finish_stage(app, &id, &reviewed["engagement"]).await;
    assert_eq!(stage_key(&now), "customer_acceptance");
    let asked = app
        .person("pm-1", Role::ProjectManager)
        .data(
            engagement_op(
                "requestDeliverableAcceptance",
                "RequestDeliverableAcceptanceInput",
            ),
            json!({ "input": { "deliverableId": deliverable } }),
        )
        .await;
    assert!(user_errors(&asked).is_empty(), "{asked}");
    customer_decides_acceptance(app, &customer, "APPROVE").await;
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
