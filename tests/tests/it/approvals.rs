//! The approval engine through GraphQL: amount bands, four eyes, reminders,
//! escalation and expiry on the business clock through the real worker
//! (emails in the SMTP sink), and concurrent decisions.

use serde_json::{Value, json};
use std::time::Duration;
use tests::smtp::SmtpSink;
use tests::{
    Role, TestApp, error_code, input_error, nodes, ops, user_errors, wait_for, with_fields,
};
use uuid::Uuid;

const PATIENCE: Duration = Duration::from_secs(60);

fn general(reason: &str, amount: Option<&str>) -> Value {
    json!({ "input": { "kind": "GENERAL", "subjectType": "supplier", "subjectId": Uuid::now_v7(),
                       "reason": reason, "amount": amount } })
}

fn decide(id: &str, decision: &str) -> Value {
    json!({ "input": { "id": id, "decision": decision, "comment": "checked" } })
}

/// `decideApproval` as the person `who` with `role`; the payload.
async fn decide_as(app: &TestApp, who: &str, role: Role, id: &str, decision: &str) -> Value {
    app.person(who, role)
        .data(ops::DECIDE_APPROVAL, decide(id, decision))
        .await
}

fn codes(payload: &Value) -> Vec<String> {
    user_errors(payload)
        .into_iter()
        .map(|(_, code)| code)
        .collect()
}

/// Change the GENERAL policy (ADMIN) from its current version.
async fn set_general_policy(app: &TestApp, change: Value) {
    let policies = app
        .admin()
        .data(ops::APPROVAL_POLICIES, json!({ "first": 10 }))
        .await;
    let general = nodes(&policies)
        .into_iter()
        .find(|p| p["kind"] == "GENERAL")
        .unwrap();
    let input = with_fields(
        json!({ "kind": "GENERAL", "expectedVersion": general["version"] }),
        &change,
    );
    app.admin()
        .accepted(ops::UPDATE_APPROVAL_POLICY, json!({ "input": input }))
        .await;
}

async fn request(app: &TestApp, amount: Option<&str>) -> Value {
    let payload = app
        .person("requester", Role::Fulfilment)
        .accepted(ops::REQUEST_APPROVAL, general("New supplier", amount))
        .await;
    payload["approval"].clone()
}

#[tokio::test]
async fn a_request_is_refused_to_its_requester_and_approved_by_a_second_person_with_an_audit_trail()
{
    let app = TestApp::spawn().await;
    let approval = request(&app, None).await;
    let id = approval["id"].as_str().unwrap().to_owned();
    assert_eq!(approval["status"], "PENDING");
    assert_eq!(approval["stepsRequired"], json!(["ADMIN"]));

    // The requester may not decide, even as ADMIN; a role the policy does
    // not name may not either.
    let own = decide_as(&app, "requester", Role::Admin, &id, "APPROVE").await;
    assert_eq!(codes(&own), ["OWN_REQUEST"]);
    let finance = decide_as(&app, "finance-1", Role::Finance, &id, "APPROVE").await;
    assert_eq!(user_errors(&finance), [input_error("id", "NOT_A_DECIDER")]);

    let approved = decide_as(&app, "admin-1", Role::Admin, &id, "APPROVE").await;
    assert!(user_errors(&approved).is_empty(), "{approved}");
    let approval = &approved["approval"];
    assert_eq!(approval["status"], "APPROVED");
    assert_eq!(
        approval["decisions"],
        json!([{ "step": 1, "deciderId": "admin-1", "deciderRole": "ADMIN", "decision": "APPROVE",
                 "comment": "checked", "evidence": null }])
    );
    // Closed: nobody decides it again.
    let again = decide_as(&app, "admin-2", Role::Admin, &id, "REJECT").await;
    assert_eq!(codes(&again), ["APPROVAL_CLOSED"]);

    let actions = app.audit_actions(&id).await;
    assert_eq!(actions, ["approval.requested", "approval.decided"]);
    let listed = app
        .admin()
        .data(
            ops::APPROVALS,
            json!({ "filter": { "status": "APPROVED" } }),
        )
        .await;
    assert_eq!(nodes(&listed).len(), 1);

    // Unknown ids, bad input and kinds raised by their own flows.
    let unknown = app
        .admin()
        .data(
            ops::DECIDE_APPROVAL,
            decide(&Uuid::now_v7().to_string(), "APPROVE"),
        )
        .await;
    assert_eq!(codes(&unknown), ["NOT_FOUND"]);
    let refund = app
        .person("requester", Role::Finance)
        .data(
            ops::REQUEST_APPROVAL,
            json!({ "input": { "kind": "REFUND", "subjectType": "order", "subjectId": Uuid::now_v7(), "reason": "x" } }),
        )
        .await;
    assert_eq!(codes(&refund), ["NOT_REQUESTABLE"]);
    let bad = app
        .person("requester", Role::Finance)
        .data(ops::REQUEST_APPROVAL, general(" ", Some("12.345")))
        .await;
    assert_eq!(
        user_errors(&bad),
        [
            input_error("reason", "REQUIRED"),
            input_error("amount", "INVALID_MONEY")
        ]
    );
    let customer = app.admin().new_customer(json!({ "name": "Cass" })).await;
    let by_customer = app
        .as_customer(&customer)
        .run(ops::REQUEST_APPROVAL, general("mine", None))
        .await;
    assert_eq!(error_code(&by_customer).as_deref(), Some("FORBIDDEN"));
}

#[tokio::test]
async fn deciding_twice_is_refused_and_cancelling_is_for_the_requester_or_admin() {
    let app = TestApp::spawn().await;
    set_general_policy(
        &app,
        json!({ "singleApproverUpTo": "1000.00", "secondApproverRole": "ADMIN" }),
    )
    .await;
    let approval = request(&app, Some("5000.00")).await;
    let id = approval["id"].as_str().unwrap().to_owned();
    assert_eq!(approval["stepsRequired"], json!(["ADMIN", "ADMIN"]));
    let first = decide_as(&app, "admin-1", Role::Admin, &id, "APPROVE").await;
    assert_eq!(first["approval"]["status"], "PENDING", "{first}");
    assert_eq!(first["approval"]["stepsRemaining"], json!(["ADMIN"]));
    let twice = decide_as(&app, "admin-1", Role::Admin, &id, "APPROVE").await;
    assert_eq!(codes(&twice), ["ALREADY_DECIDED"]);

    let stranger = app
        .person("someone-else", Role::Fulfilment)
        .data(ops::CANCEL_APPROVAL, json!({ "id": id }))
        .await;
    assert_eq!(codes(&stranger), ["NOT_REQUESTER"]);
    let cancelled = app
        .person("requester", Role::Fulfilment)
        .data(ops::CANCEL_APPROVAL, json!({ "id": id }))
        .await;
    assert_eq!(cancelled["approval"]["status"], "CANCELLED", "{cancelled}");
    let late = decide_as(&app, "admin-2", Role::Admin, &id, "APPROVE").await;
    assert_eq!(codes(&late), ["APPROVAL_CLOSED"]);
    // Its timers were cancelled with it.
    let timers = app
        .admin()
        .data(
            ops::TIMERS,
            json!({ "filter": { "subjectId": id, "status": "PLANNED" } }),
        )
        .await;
    assert!(nodes(&timers).is_empty(), "{timers}");
}

#[tokio::test]
async fn each_amount_band_and_requests_keep_the_policy_they_were_made_under() {
    let app = TestApp::spawn().await;
    let before_change = request(&app, Some("5000.00")).await;
    set_general_policy(
        &app,
        json!({ "autoApproveBelow": "100.00", "singleApproverUpTo": "1000.00", "secondApproverRole": "FINANCE" }),
    )
    .await;
    let auto = request(&app, Some("99.99")).await;
    assert_eq!(auto["status"], "APPROVED");
    assert_eq!(auto["stepsRequired"], json!([]));
    assert_eq!(
        auto["decisions"],
        json!([{ "step": 1, "deciderId": "system", "deciderRole": null, "decision": "APPROVE" }])
    );
    let one = request(&app, Some("1000.00")).await;
    assert_eq!(
        (&one["status"], &one["stepsRequired"]),
        (&json!("PENDING"), &json!(["ADMIN"]))
    );
    let two = request(&app, Some("1000.01")).await;
    assert_eq!(two["stepsRequired"], json!(["ADMIN", "FINANCE"]));
    let no_amount = request(&app, None).await;
    assert_eq!(no_amount["stepsRequired"], json!(["ADMIN"]));
    // Made before the change: still one ADMIN step under version 1.
    let kept = app
        .admin()
        .data(ops::APPROVAL, json!({ "id": before_change["id"] }))
        .await;
    assert_eq!(
        (&kept["stepsRequired"], &kept["policyVersion"]),
        (&json!(["ADMIN"]), &json!(1))
    );

    // The second step is FINANCE's (or ADMIN's), never the first approver's.
    let id = two["id"].as_str().unwrap();
    decide_as(&app, "admin-1", Role::Admin, id, "APPROVE").await;
    let awaiting = app
        .person("finance-1", Role::Finance)
        .data(ops::APPROVALS, json!({ "filter": { "awaitingMe": true } }))
        .await;
    let awaiting: Vec<Value> = nodes(&awaiting).iter().map(|a| a["id"].clone()).collect();
    assert_eq!(awaiting, [json!(id)]);
    let done = decide_as(&app, "finance-1", Role::Finance, id, "APPROVE").await;
    assert_eq!(done["approval"]["status"], "APPROVED", "{done}");

    let update = async |input: Value| {
        app.admin()
            .data(ops::UPDATE_APPROVAL_POLICY, json!({ "input": input }))
            .await
    };
    let stale =
        update(json!({ "kind": "GENERAL", "expectedVersion": 1, "dueBusinessHours": 30 })).await;
    assert_eq!(codes(&stale), ["CONFLICT"]);
    let bad = update(json!({ "kind": "GENERAL", "expectedVersion": 2, "dueBusinessHours": 0,
                             "autoApproveBelow": "5000.00", "onDue": "ESCALATE", "escalateToRole": null }))
    .await;
    assert_eq!(
        user_errors(&bad),
        [
            input_error("autoApproveBelow", "OUT_OF_RANGE"),
            input_error("dueBusinessHours", "OUT_OF_RANGE"),
            input_error("escalateToRole", "REQUIRED"),
        ]
    );
    let not_admin = app
        .as_role(Role::Finance)
        .run(
            ops::UPDATE_APPROVAL_POLICY,
            json!({ "input": { "kind": "GENERAL", "expectedVersion": 2 } }),
        )
        .await;
    assert_eq!(error_code(&not_admin).as_deref(), Some("FORBIDDEN"));
}

/// Two ADMIN logins and one FINANCE login with addresses, to receive mail.
async fn deciders(app: &TestApp) {
    for (email, role) in [
        ("ada@harbour.example", "ADMIN"),
        ("alan@harbour.example", "ADMIN"),
        ("fin@harbour.example", "FINANCE"),
    ] {
        app.admin()
            .accepted(
                ops::CREATE_USER,
                json!({ "input": { "email": email, "password": "a long enough password", "role": role } }),
            )
            .await;
    }
}

fn instant(approval: &Value, field: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(approval[field].as_str().unwrap())
        .unwrap()
        .to_utc()
}

/// Recipients of the received emails whose subject starts with `subject`.
fn recipients(sink: &SmtpSink, subject: &str) -> Vec<String> {
    let mut to: Vec<String> = sink
        .received()
        .iter()
        .filter(|m| m.parsed().subject().is_some_and(|s| s.starts_with(subject)))
        .flat_map(|m| m.to.clone())
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn the_clock_reminds_then_expires_through_the_worker_with_emails() {
    let sink = SmtpSink::start().await;
    let (app, _worker) = TestApp::spawn_with_worker(&[("SMTP_URL", &sink.url())]).await;
    deciders(&app).await;
    let approval = request(&app, None).await;
    let id = approval["id"].as_str().unwrap().to_owned();

    app.clock
        .set(instant(&approval, "followUpAt") + chrono::Duration::minutes(1));
    wait_for("both ADMIN logins reminded", PATIENCE, async || {
        recipients(&sink, "Approval waiting").len() == 2
    })
    .await;
    assert_eq!(
        recipients(&sink, "Approval waiting"),
        ["ada@harbour.example", "alan@harbour.example"]
    );
    let reminder = sink
        .received()
        .into_iter()
        .find(|m| {
            m.parsed()
                .subject()
                .is_some_and(|s| s.starts_with("Approval waiting"))
        })
        .unwrap();
    let parsed = reminder.parsed();
    assert!(parsed.body_html(0).unwrap().contains("New supplier"));
    assert!(parsed.body_text(0).unwrap().contains(&id));

    // The GENERAL policy expires at its due time.
    app.clock
        .set(instant(&approval, "dueAt") + chrono::Duration::minutes(1));
    wait_for("the request to expire", PATIENCE, async || {
        app.admin().data(ops::APPROVAL, json!({ "id": id })).await["status"] == "EXPIRED"
    })
    .await;
    let actions = app.audit_actions(&id).await;
    assert_eq!(actions, ["approval.requested", "approval.expired"]);
    assert_eq!(
        recipients(&sink, "Approval waiting").len(),
        2,
        "reminded once"
    );
}

#[tokio::test]
async fn an_overdue_request_escalates_and_the_escalation_role_decides() {
    let sink = SmtpSink::start().await;
    let (app, _worker) = TestApp::spawn_with_worker(&[("SMTP_URL", &sink.url())]).await;
    deciders(&app).await;
    set_general_policy(
        &app,
        json!({ "onDue": "ESCALATE", "escalateToRole": "FINANCE" }),
    )
    .await;
    let approval = request(&app, None).await;
    let id = approval["id"].as_str().unwrap().to_owned();
    let early = decide_as(&app, "finance-1", Role::Finance, &id, "APPROVE").await;
    assert_eq!(codes(&early), ["NOT_A_DECIDER"]);

    app.clock
        .set(instant(&approval, "dueAt") + chrono::Duration::minutes(1));
    wait_for("FINANCE told of the escalation", PATIENCE, async || {
        recipients(&sink, "Escalated:") == ["fin@harbour.example"]
    })
    .await;
    let escalated = app.admin().data(ops::APPROVAL, json!({ "id": id })).await;
    assert_eq!(
        (&escalated["status"], &escalated["escalatedToRole"]),
        (&json!("PENDING"), &json!("FINANCE"))
    );
    // A run of the due job retried after it escalated (its emails may not
    // all have gone) names the role again, so the worker sends what is left.
    let again = domain::approvals::on_due(
        app.db(),
        &app.system_ctx(),
        uuid::Uuid::parse_str(&id).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(again, Some(Role::Finance));
    let decided = decide_as(&app, "finance-1", Role::Finance, &id, "REJECT").await;
    assert_eq!(decided["approval"]["status"], "REJECTED", "{decided}");
}

/// Run two decisions at once; their payloads.
async fn at_once(app: &TestApp, id: &str, first: &str, second: &str) -> (Value, Value) {
    let a = app.person(first, Role::Admin);
    let b = app.person(second, Role::Admin);
    tokio::join!(
        a.data(ops::DECIDE_APPROVAL, decide(id, "APPROVE")),
        b.data(ops::DECIDE_APPROVAL, decide(id, "APPROVE"))
    )
}

#[tokio::test]
async fn concurrent_decisions_record_each_step_once() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        // One step, two deciders: one wins, the other is told it closed.
        let one = request(&app, None).await;
        let id = one["id"].as_str().unwrap();
        let (a, b) = at_once(&app, id, "admin-a", "admin-b").await;
        let mut outcomes = [codes(&a), codes(&b)];
        outcomes.sort();
        assert_eq!(
            outcomes,
            [vec![], vec!["APPROVAL_CLOSED".to_owned()]],
            "round {round}: {a} {b}"
        );
        let stored = app.admin().data(ops::APPROVAL, json!({ "id": id })).await;
        assert_eq!(stored["decisions"].as_array().unwrap().len(), 1);
    }
    set_general_policy(
        &app,
        json!({ "singleApproverUpTo": "10.00", "secondApproverRole": "ADMIN" }),
    )
    .await;
    for round in 0..5 {
        // Two steps, two deciders at the same instant: both steps recorded once.
        let two = request(&app, Some("20.00")).await;
        let id = two["id"].as_str().unwrap();
        let (a, b) = at_once(&app, id, "admin-a", "admin-b").await;
        assert!(
            codes(&a).is_empty() && codes(&b).is_empty(),
            "round {round}: {a} {b}"
        );
        let stored = app.admin().data(ops::APPROVAL, json!({ "id": id })).await;
        assert_eq!(stored["status"], "APPROVED");
        let steps: Vec<i64> = stored["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["step"].as_i64().unwrap())
            .collect();
        assert_eq!(steps, [1, 2], "round {round}");
        let approved_entries = app
            .audit_entries(id)
            .await
            .into_iter()
            .filter(|e| {
                e.after
                    .as_deref()
                    .is_some_and(|a| a.contains("\"APPROVED\""))
            })
            .count();
        assert_eq!(approved_entries, 1, "APPROVED once");
    }
}

#[tokio::test]
async fn customers_see_no_staff_approvals_and_node_refetches_an_approval() {
    let app = TestApp::spawn().await;
    let approval = request(&app, None).await;
    let id = approval["id"].as_str().unwrap();
    let customer = app.admin().new_customer(json!({ "name": "Cass" })).await;
    let seen = app
        .as_customer(&customer)
        .data(ops::APPROVAL, json!({ "id": id }))
        .await;
    assert!(seen.is_null());
    let listed = app
        .as_customer(&customer)
        .data(ops::APPROVALS, json!({}))
        .await;
    assert!(nodes(&listed).is_empty());
    let node = app
        .admin()
        .post(
            "query($id: ID!) { node(id: $id) { __typename ... on Approval { status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        node["data"]["node"],
        json!({ "__typename": "Approval", "status": "PENDING" })
    );
}
