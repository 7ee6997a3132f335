//! Mandatory injury reports (issue #31): due dates by the ACCC rule through
//! the API (every weekday, across Easter 2027, and a holiday ADMIN
//! declares), refusals of impossible awareness dates, reminder and overdue
//! emails once each with two workers, submission stopping the escalation,
//! and the compliance dashboard.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use std::time::Duration;
use tests::shop::{op, place, product, warehouse};
use tests::{Role, TestApp, input_error, nodes, ops, user_errors, wait_for, wait_for_value};

const PATIENCE: Duration = Duration::from_secs(60);

tests::op_const!(REPORT = "reportInjury": "mutation($input: ReportInjuryInput!) { reportInjury(input: $input) { injuryReport { id number dueOn status version overdue } userErrors { field code message } } }");

tests::op_const!(SUBMIT = "recordInjuryReportSubmission": "mutation($input: RecordInjuryReportSubmissionInput!) { recordInjuryReportSubmission(input: $input) { injuryReport { id status acccReference version } userErrors { field code message } } }");

tests::op_const!(DASHBOARD = "complianceDashboard": "query($kind: ComplianceItemKind) { complianceDashboard(kind: $kind) { items { kind id number product { id name } dueOn overdue businessDaysLeft } counts { dueToday overdue upcoming } truncated } }");

tests::op_const!(REPORTS = "injuryReports": "query($filter: InjuryReportFilter) { injuryReports(filter: $filter, first: 10) { edges { node { id number dueOn status overdue severity awareOn product { id } batch { id } auditTrail(first: 5) { edges { node { action actorRole } } } } } } }");

/// 10:00 Sydney on a date.
fn sydney(date: &str) -> DateTime<Utc> {
    let day: NaiveDate = date.parse().unwrap();
    day.and_hms_opt(10, 0, 0)
        .unwrap()
        .and_local_timezone(chrono_tz::Australia::Sydney)
        .unwrap()
        .with_timezone(&Utc)
}

/// A product sold today (the app clock) to a new customer.
async fn sold_product(app: &TestApp, sku: &str) -> String {
    let location = warehouse(app).await;
    let id = product(app, &location, sku, "49.95", "TAXABLE", true).await;
    let customer = app
        .admin()
        .new_customer(
            json!({ "name": "Buyer", "email": format!("{}@example.com", sku.to_lowercase()) }),
        )
        .await;
    place(app, &customer, &[(&id, 1)], None).await;
    id
}

fn input(product: &str, incident_on: &str, aware_on: &str) -> Value {
    json!({ "productId": product, "supplyDetails": "Sold online, shipped to the customer",
        "incidentOn": incident_on, "incidentPlace": "Home, Parramatta NSW", "affectedPerson": "An adult customer",
        "severity": "SERIOUS_INJURY", "actionsTaken": "Sales paused; customer contacted", "awareOn": aware_on })
}

/// Report as COMPLIANCE; the payload.
async fn report(app: &TestApp, input: Value) -> Value {
    app.as_role(Role::Compliance)
        .data(REPORT, json!({ "input": input }))
        .await
}

/// Report and return the due date (refusals fail the test).
async fn due_on(app: &TestApp, product: &str, aware_on: &str) -> String {
    let made = report(app, input(product, aware_on, aware_on)).await;
    assert!(user_errors(&made).is_empty(), "{made}");
    made["injuryReport"]["dueOn"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn due_dates_follow_the_accc_rule_every_weekday_across_easter_and_a_declared_holiday() {
    let app = TestApp::spawn().await;
    let product = sold_product(&app, "INJ-DUE").await;
    app.clock.set(sydney("2027-04-12"));
    // A week without holidays: Monday 1 to Sunday 7 February 2027.
    for (aware, due) in [
        ("2027-02-01", "2027-02-03"), // Mon → Wed
        ("2027-02-02", "2027-02-04"), // Tue → Thu
        ("2027-02-03", "2027-02-05"), // Wed → Fri
        ("2027-02-04", "2027-02-08"), // Thu → Mon
        ("2027-02-05", "2027-02-08"), // Fri → Mon
        ("2027-02-06", "2027-02-08"), // Sat → Mon
        ("2027-02-07", "2027-02-09"), // Sun → Tue
    ] {
        assert_eq!(due_on(&app, &product, aware).await, due, "aware {aware}");
    }
    // Easter 2027: Good Friday 26 March to Easter Monday 29 March.
    for (aware, due) in [
        ("2027-03-23", "2027-03-25"), // Tue → Thu, before Easter
        ("2027-03-24", "2027-03-30"), // Wed → Fri is Good Friday → Tue
        ("2027-03-25", "2027-03-30"), // Thu → Sat → Tue after Easter Monday
        ("2027-03-26", "2027-03-30"), // Good Friday → Sun → Tue
        ("2027-03-29", "2027-03-31"), // Easter Monday → Wed
    ] {
        assert_eq!(due_on(&app, &product, aware).await, due, "aware {aware}");
    }
    // ADMIN declares Wednesday 3 March 2027 a holiday: a report made
    // before keeps its due date, one made after moves to Thursday.
    assert_eq!(due_on(&app, &product, "2027-03-01").await, "2027-03-03");
    app.admin()
        .accepted(
            ops::ADD_PUBLIC_HOLIDAY,
            json!({ "date": "2027-03-03", "name": "Company day" }),
        )
        .await;
    assert_eq!(due_on(&app, &product, "2027-03-01").await, "2027-03-04");
    let all = app
        .as_role(Role::Compliance)
        .data(REPORTS, json!({ "filter": { "dueAfter": "2027-03-03", "dueBefore": "2027-03-04", "productId": product } }))
        .await;
    let dues: Vec<Value> = nodes(&all).iter().map(|r| r["dueOn"].clone()).collect();
    assert_eq!(dues, [json!("2027-03-03"), json!("2027-03-04")], "{all}");
}

#[tokio::test]
async fn awareness_in_the_future_or_before_the_first_sale_is_refused_with_every_error_at_once() {
    let app = TestApp::spawn().await;
    let location = warehouse(&app).await;
    let unsold = product(&app, &location, "INJ-UNSOLD", "10.00", "TAXABLE", true).await;
    // Never sold: no report about a supplied product can be made.
    let refused = report(&app, input(&unsold, "2026-11-20", "2026-11-23")).await;
    assert_eq!(
        user_errors(&refused),
        [input_error("productId", "INVALID_STATE")],
        "{refused}"
    );
    // First sold on Monday 23 November 2026 (the test epoch).
    let sold = sold_product(&app, "INJ-SOLD").await;
    let before_sale = report(&app, input(&sold, "2026-11-19", "2026-11-20")).await;
    assert_eq!(
        user_errors(&before_sale),
        [input_error("awareOn", "OUT_OF_RANGE")],
        "{before_sale}"
    );
    let message = before_sale["userErrors"][0]["message"].as_str().unwrap();
    assert!(message.contains("first sold (2026-11-23"), "{message}");
    let future = report(&app, input(&sold, "2026-11-23", "2026-11-24")).await;
    assert_eq!(
        user_errors(&future),
        [input_error("awareOn", "OUT_OF_RANGE")],
        "{future}"
    );
    // Every refusal at once: an incident after awareness, blank text, an
    // order without the product and an unknown batch.
    let other = sold_product(&app, "INJ-OTHER").await;
    let other_order = place(
        &app,
        &app.admin().new_customer(json!({ "name": "Other" })).await,
        &[(&other, 1)],
        None,
    )
    .await;
    let mut bad = input(&sold, "2026-11-24", "2026-11-23");
    bad["actionsTaken"] = json!("  ");
    bad["orderId"] = json!(other_order);
    bad["batchId"] = json!(uuid::Uuid::now_v7().to_string());
    let refused = report(&app, bad).await;
    let mut got = user_errors(&refused);
    got.sort();
    let mut want = vec![
        input_error("batchId", "NOT_FOUND"),
        input_error("orderId", "NOT_FOUND"),
        input_error("actionsTaken", "REQUIRED"),
        input_error("incidentOn", "OUT_OF_RANGE"),
    ];
    want.sort();
    assert_eq!(got, want, "{refused}");
    // Today is fine: due Wednesday 25 November.
    assert_eq!(due_on(&app, &sold, "2026-11-23").await, "2026-11-25");
    assert_eq!(app.count(entity::injury_report::Entity).await, 1);
}

/// Notifications of `kind` about `report`.
async fn notified(
    app: &TestApp,
    kind: entity::NotificationKind,
    report: &str,
) -> Vec<entity::notification::Model> {
    app.notifications_of(kind, report).await
}

async fn timer_status(app: &TestApp, kind: &str, report: &str) -> entity::TimerStatus {
    entity::timer::Entity::find()
        .filter(entity::timer::Column::Kind.eq(kind))
        .filter(entity::timer::Column::SubjectId.eq(uuid::Uuid::parse_str(report).unwrap()))
        .one(app.db())
        .await
        .unwrap()
        .expect("a timer")
        .status
}

#[tokio::test]
async fn reminder_and_overdue_emails_go_once_each_with_two_workers_and_submission_stops_them() {
    use domain::safety::injuries::timer_kind;
    use entity::NotificationKind::{InjuryReportOverdue, InjuryReportReminder};
    let app = TestApp::spawn().await;
    let _first = app.ensure_worker().await;
    let _second = app.start_worker().await;
    tests::engagements::staff(&app, "compliance@example.com.au", "COMPLIANCE").await;
    tests::engagements::staff(&app, "boss@example.com.au", "ADMIN").await;
    let compliance = domain::users::emails_of_role(app.db(), entity::Role::Compliance)
        .await
        .unwrap();
    let admins = domain::users::emails_of_role(app.db(), entity::Role::Admin)
        .await
        .unwrap();
    let product = sold_product(&app, "INJ-MAIL").await;
    // Aware Monday 23 November 2026: due Wednesday 25.
    let open = report(&app, input(&product, "2026-11-22", "2026-11-23")).await;
    let submitted = report(&app, input(&product, "2026-11-22", "2026-11-23")).await;
    let (open_id, sub_id) = (
        open["injuryReport"]["id"].as_str().unwrap().to_owned(),
        submitted["injuryReport"]["id"].as_str().unwrap().to_owned(),
    );
    assert_eq!(open["injuryReport"]["dueOn"], "2026-11-25", "{open}");

    // 09:00 Tuesday: both reminders, to every COMPLIANCE login once.
    app.clock
        .set(sydney("2026-11-24") - chrono::Duration::hours(1));
    for id in [&open_id, &sub_id] {
        let sent = wait_for_value("the reminders sent", PATIENCE, async || {
            let rows = notified(&app, InjuryReportReminder, id).await;
            (rows.len() == compliance.len()
                && rows
                    .iter()
                    .all(|n| n.status == entity::NotificationStatus::Sent))
            .then_some(rows)
        })
        .await;
        let mut to: Vec<String> = sent.into_iter().map(|n| n.recipient).collect();
        to.sort();
        let mut want = compliance.clone();
        want.sort();
        assert_eq!(to, want);
    }
    assert_eq!(app.count(entity::injury_report::Entity).await, 2);

    // One is submitted: its escalation is cancelled; a second submission
    // is an illegal transition.
    let version = submitted["injuryReport"]["version"].clone();
    let done = app
        .as_role(Role::Compliance)
        .accepted(
            SUBMIT,
            json!({ "input": { "reportId": sub_id, "reference": "ACCC-2026-0042", "expectedVersion": version } }),
        )
        .await;
    assert_eq!(done["injuryReport"]["status"], "SUBMITTED");
    assert_eq!(
        timer_status(&app, timer_kind::OVERDUE, &sub_id).await,
        entity::TimerStatus::Cancelled
    );
    app.as_role(Role::Compliance)
        .refused(
            SUBMIT,
            json!({ "input": { "reportId": sub_id, "reference": "again", "expectedVersion": done["injuryReport"]["version"] } }),
            "reportId",
            "ILLEGAL_TRANSITION",
        )
        .await;

    // Midnight after the due date: the open one escalates to ADMIN once.
    app.clock
        .set(sydney("2026-11-26") - chrono::Duration::hours(9));
    wait_for("the overdue email sent", PATIENCE, async || {
        let rows = notified(&app, InjuryReportOverdue, &open_id).await;
        rows.len() == admins.len()
            && rows
                .iter()
                .all(|n| n.status == entity::NotificationStatus::Sent)
    })
    .await;
    // Later sweeps change nothing: still one email per recipient and kind.
    // A later report (aware Tuesday 24, due Thursday 26) whose reminder and
    // escalation are both due at once is the positive signal: once its
    // emails are sent, sweeps at the new time ran and their work is done.
    app.clock.set(sydney("2026-11-27"));
    let marker = report(&app, input(&product, "2026-11-23", "2026-11-24")).await;
    assert!(user_errors(&marker).is_empty(), "{marker}");
    let marker_id = marker["injuryReport"]["id"].as_str().unwrap().to_owned();
    wait_for(
        "a later report's reminder and escalation sent",
        PATIENCE,
        async || {
            let sent = |rows: Vec<entity::notification::Model>, want: usize| {
                rows.len() == want
                    && rows
                        .iter()
                        .all(|n| n.status == entity::NotificationStatus::Sent)
            };
            sent(
                notified(&app, InjuryReportReminder, &marker_id).await,
                compliance.len(),
            ) && sent(
                notified(&app, InjuryReportOverdue, &marker_id).await,
                admins.len(),
            )
        },
    )
    .await;
    assert_eq!(
        timer_status(&app, timer_kind::OVERDUE, &open_id).await,
        entity::TimerStatus::Fired
    );
    assert_eq!(
        notified(&app, InjuryReportOverdue, &open_id).await.len(),
        admins.len()
    );
    assert_eq!(
        notified(&app, InjuryReportReminder, &open_id).await.len(),
        compliance.len()
    );
    assert!(
        notified(&app, InjuryReportOverdue, &sub_id)
            .await
            .is_empty()
    );
    let mail_subjects: Vec<String> = tests::eml_files(&app.mail_dir())
        .iter()
        .filter_map(|f| {
            let raw = std::fs::read(f).ok()?;
            let m = mail_parser::MessageParser::default().parse(&raw)?;
            Some(m.subject().unwrap_or_default().to_owned())
        })
        .collect();
    let overdue_number = open["injuryReport"]["number"].as_str().unwrap();
    let overdue_mails = mail_subjects
        .iter()
        .filter(|s| s.starts_with(&format!("{overdue_number} OVERDUE")))
        .count();
    assert_eq!(overdue_mails, admins.len(), "{mail_subjects:?}");
    let report = app
        .as_role(Role::Compliance)
        .data(
            op("injuryReport", "query($id: ID!) { injuryReport(id: $id) { overdue status auditTrail { edges { node { action } } } } }"),
            json!({ "id": open_id }),
        )
        .await;
    assert_eq!(report["overdue"], true, "{report}");
    assert_eq!(
        nodes(&report["auditTrail"])[0]["action"],
        "injury_report.reported"
    );
}

#[tokio::test]
async fn the_dashboard_lists_open_reports_and_unnotified_recalls_by_due_date() {
    let app = TestApp::spawn().await;
    let product_id = sold_product(&app, "INJ-DASH").await;
    // Wednesday 2 December 2026.
    app.clock.set(sydney("2026-12-02"));
    let overdue = report(&app, input(&product_id, "2026-11-24", "2026-11-26")).await; // due Mon 30 Nov
    let today = report(&app, input(&product_id, "2026-11-30", "2026-11-30")).await; // due Wed 2 Dec
    let later = report(&app, input(&product_id, "2026-12-01", "2026-12-02")).await; // due Fri 4 Dec
    for r in [&overdue, &today, &later] {
        assert!(user_errors(r).is_empty(), "{r}");
    }
    // A recall whose ACCC notification is due Thursday 3 December, and one
    // already notified (left off). Rows written directly: the recalls
    // area's own tests start recalls through the API.
    let recall = |number: &str, submitted: bool| entity::recall::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        number: Set(number.to_owned()),
        product_id: Set(uuid::Uuid::parse_str(&product_id).unwrap()),
        batch_ids: Set("[]".into()),
        defect: Set("Cracked housing".into()),
        hazard: Set("Electric shock".into()),
        sold_where: Set("Online".into()),
        sold_from: Set("2026-11-01".parse().unwrap()),
        sold_to: Set("2026-12-01".parse().unwrap()),
        customer_action: Set("Stop using it".into()),
        remedy: Set("Refund".into()),
        status: Set(entity::RecallStatus::Active),
        started_on: Set("2026-12-01".parse().unwrap()),
        accc_due_on: Set("2026-12-03".parse().unwrap()),
        accc_submitted_at: Set(submitted.then(chrono::Utc::now)),
        accc_reference: Set(None),
        started_by: Set("test".into()),
        version: Set(1),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
    };
    entity::recall::Entity::insert_many([recall("RCL-900001", false), recall("RCL-900002", true)])
        .exec(app.db())
        .await
        .unwrap();

    let board = app
        .as_role(Role::Fulfilment)
        .data(DASHBOARD, json!({}))
        .await;
    let items = board["items"].as_array().unwrap();
    let seen: Vec<(Value, Value, Value, Value, Value)> = items
        .iter()
        .map(|i| {
            (
                i["kind"].clone(),
                i["number"].clone(),
                i["dueOn"].clone(),
                i["overdue"].clone(),
                i["businessDaysLeft"].clone(),
            )
        })
        .collect();
    let num = |r: &Value| r["injuryReport"]["number"].clone();
    assert_eq!(
        seen,
        [
            (
                json!("INJURY_REPORT"),
                num(&overdue),
                json!("2026-11-30"),
                json!(true),
                json!(-2)
            ),
            (
                json!("INJURY_REPORT"),
                num(&today),
                json!("2026-12-02"),
                json!(false),
                json!(0)
            ),
            (
                json!("RECALL_NOTIFICATION"),
                json!("RCL-900001"),
                json!("2026-12-03"),
                json!(false),
                json!(1)
            ),
            (
                json!("INJURY_REPORT"),
                num(&later),
                json!("2026-12-04"),
                json!(false),
                json!(2)
            ),
        ],
        "{board}"
    );
    assert_eq!(items[0]["product"]["name"], "Product INJ-DASH");
    assert_eq!(
        board["counts"],
        json!({ "dueToday": 1, "overdue": 1, "upcoming": 2 })
    );
    let recalls_only = app
        .as_role(Role::Compliance)
        .data(DASHBOARD, json!({ "kind": "RECALL_NOTIFICATION" }))
        .await;
    assert_eq!(
        recalls_only["items"].as_array().unwrap().len(),
        1,
        "{recalls_only}"
    );

    // Submitted: it leaves the dashboard and the open list.
    app.as_role(Role::Compliance)
        .accepted(
            SUBMIT,
            json!({ "input": { "reportId": overdue["injuryReport"]["id"], "reference": "ACCC-1", "expectedVersion": overdue["injuryReport"]["version"] } }),
        )
        .await;
    let board = app
        .as_role(Role::Compliance)
        .data(DASHBOARD, json!({ "kind": "INJURY_REPORT" }))
        .await;
    assert_eq!(
        board["counts"],
        json!({ "dueToday": 1, "overdue": 0, "upcoming": 1 })
    );
    let open = app
        .as_role(Role::Compliance)
        .data(
            REPORTS,
            json!({ "filter": { "status": "OPEN", "productId": product_id } }),
        )
        .await;
    assert_eq!(nodes(&open).len(), 2, "{open}");
    let all = app
        .as_role(Role::Compliance)
        .data(REPORTS, json!({ "filter": { "status": "SUBMITTED" } }))
        .await;
    let trail: Vec<Value> = nodes(&nodes(&all)[0]["auditTrail"])
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        trail,
        [
            json!("injury_report.reported"),
            json!("injury_report.submitted")
        ]
    );
    assert_eq!(nodes(&all)[0]["overdue"], false);
    // Customers see none of it.
    let customer = app.token_for(Role::Customer, Some(uuid::Uuid::now_v7()));
    let body = app
        .with_token(&customer)
        .post(DASHBOARD.document, json!({}))
        .await;
    assert_eq!(
        tests::error_code(&body).as_deref(),
        Some("FORBIDDEN"),
        "{body}"
    );
}
