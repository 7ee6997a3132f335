//! Engagements, part 2, the reports slice: the NPS survey emailed at
//! closure and answered once through its signed link (seen on the
//! engagement and in the KPIs; a second answer keeps the first; a bad score,
//! a forged or an expired link refused); the monthly service report of an
//! automation engagement in its support phase (refused before it and for a
//! month to come; its tickets of the month met, breached and in time; a
//! customer reads their own, another customer nothing);
//! and the KPIs across engagements counting stages left on time and late.

use chrono::Duration as Days;
use domain::platform::links::{LinkPurpose, LinkSigner};
use serde_json::{Value, json};
use tests::engagements::{
    advance, at_closure, close_out, complete_outputs, decide, engagement, engagement_op,
    finish_stage, mutation, read, stage_key, start, team,
};
use tests::shop::op;
use tests::support::{open_ticket_with, resolve, staff_reply};
use tests::{Email, Op, Role, TestApp, input_path_error, user_errors};

const REPORT_FIELDS: &str = "month recorded version performance { kind name value unit } usage { kind name value unit } optimisationNotes supportTickets supportTicketsMet supportTicketsBreached supportTicketsOpenInTime slaAttainment engagement { id number } activity { stagesLeft { stageKey stageName round onTime } deliverablesAccepted { name versionNumber } scopeChangesDecided { seq approved } delaysRecorded { delayDays } }";

fn report_query() -> Op {
    let document: &'static str = Box::leak(
        format!(
            "query($id: ID!, $month: String!) {{ monthlyServiceReport(engagementId: $id, month: $month) {{ {REPORT_FIELDS} }} }}"
        )
        .into_boxed_str(),
    );
    op("monthlyServiceReport", document)
}

fn record_op() -> Op {
    mutation(
        "recordServiceReport",
        "RecordServiceReportInput",
        &format!("report {{ {REPORT_FIELDS} }}"),
    )
}

const KPIS: &str = "query($from: Date!, $to: Date!) { engagementKpis(from: $from, to: $to) { from to stagesOnTime { finished onTime late percentOnTime } revisionRounds { rejectedRounds deliverables perDeliverable } scopeChanges { requested approved rejected approvedCost { amount currency } } nps { score responses promoters passives detractors } } }";

async fn kpis(app: &TestApp, from: &str, to: &str) -> Value {
    app.admin()
        .data(
            op("engagementKpis", KPIS),
            json!({ "from": from, "to": to }),
        )
        .await
}

/// The NPS page address an email's text part carries.
fn nps_link_in(raw: &[u8]) -> String {
    let text = Email::parse(raw).text;
    let links: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .collect();
    assert_eq!(links.len(), 1, "one link: {text}");
    assert!(links[0].contains("/links/nps/"), "{}", links[0]);
    links[0].to_owned()
}

/// Close the engagement `at_closure` walked to Closure: its outputs done,
/// lessons recorded, the final invoice issued, then `closeEngagement`.
async fn close(app: &TestApp, id: &str) -> Value {
    let pm = app.person("pm-1", Role::ProjectManager);
    close_out(app, id, "Book the customer's reviewers a week ahead.").await;
    // Recording them may tick the stage's outputs of the same name: the
    // rest are completed as the engagement stands now.
    let now = read(app, id).await;
    complete_outputs(app, id, &now).await;
    let closed = pm
        .accepted(
            mutation(
                "closeEngagement",
                "CloseEngagementInput",
                "engagement { id number status }",
            ),
            json!({ "input": { "engagementId": id } }),
        )
        .await;
    assert_eq!(closed["engagement"]["status"], "CLOSED");
    closed["engagement"].clone()
}

async fn page(app: &TestApp, link: &str) -> (u16, String) {
    let response = app.client.get(link).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn answer(app: &TestApp, link: &str, form: &[(&str, &str)]) -> (u16, String) {
    let response = app.client.post(link).form(form).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

const NPS_OF: &str =
    "query($id: ID!) { engagement(id: $id) { status npsResponse { score category comment } } }";

#[tokio::test]
async fn the_customer_answers_the_nps_survey_once_through_the_link_emailed_at_closure() {
    let (app, _worker) =
        TestApp::spawn_with_worker(&[("PUBLIC_BASE_URL", "http://hub.test")]).await;
    let customer_email = "nps@harbour-bakery.example.com.au";
    let walk = at_closure(&app, customer_email, Some("12500.00")).await;
    let id = walk.id.clone();
    let engagement_id = uuid::Uuid::parse_str(&id).unwrap();

    // Before closure the survey is not open: a genuine link gets the short
    // "no longer valid" page and nothing is stored.
    let early = api::links::url(&app.app.state, LinkPurpose::Nps, engagement_id)
        .replace("http://hub.test", &app.base_url);
    let (status, body) = answer(&app, &early, &[("score", "10")]).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("no longer valid"), "{body}");

    let closed = close(&app, &id).await;
    let number = closed["number"].as_str().unwrap().to_owned();

    // The customer is emailed the survey once, with its signed link.
    let kind = entity::NotificationKind::EngagementNpsSurvey;
    let sent = app.sent_notification(kind, &id).await;
    assert_eq!(sent.recipient, customer_email);
    assert_eq!(app.notifications_of(kind, &id).await.len(), 1);
    let raw = app.email_with_id(&sent.message_id);
    let message = Email::parse(&raw);
    assert_eq!(
        message.subject,
        format!("{number} Ordering system is complete: would you recommend us?")
    );
    assert!(
        !message.unsubscribe,
        "transactional, like the delivery feedback email"
    );
    let link = nps_link_in(&raw).replace("http://hub.test", &app.base_url);

    // The page names the engagement and offers 0 to 10.
    let (status, body) = page(&app, &link).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&number), "{body}");
    assert!(body.contains(r#"name="score" value="0""#));
    assert!(body.contains(r#"name="score" value="10""#));

    // A bad score is refused with what to fix; nothing is stored.
    let (status, body) = answer(&app, &link, &[("score", "11"), ("comment", "Great")]).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("Please choose a score from 0 to 10."),
        "{body}"
    );
    let (status, _) = answer(&app, &link, &[("comment", "No score")]).await;
    assert_eq!(status, 422);
    let none = app
        .admin()
        .data(op("engagement", NPS_OF), json!({ "id": id }))
        .await;
    assert_eq!(none["npsResponse"], Value::Null);

    // The answer is stored and thanked.
    let (status, body) = answer(
        &app,
        &link,
        &[("score", "9"), ("comment", "Quick, clear and on budget.")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Thank you for your answer"), "{body}");

    // A second answer keeps the first.
    let (status, body) = answer(
        &app,
        &link,
        &[("score", "2"), ("comment", "Changed my mind")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("already answered"), "{body}");
    let (status, body) = page(&app, &link).await;
    assert_eq!(status, 200);
    assert!(body.contains("already answered") && !body.contains("<form"));
    let expected =
        json!({ "score": 9, "category": "PROMOTER", "comment": "Quick, clear and on budget." });
    let seen = app
        .admin()
        .data(op("engagement", NPS_OF), json!({ "id": id }))
        .await;
    assert_eq!(seen["status"], "CLOSED");
    assert_eq!(seen["npsResponse"], expected);
    // The customer sees their own answer; the timeline shows it once.
    let own = app
        .as_customer(&walk.customer)
        .data(op("engagement", NPS_OF), json!({ "id": id }))
        .await;
    assert_eq!(own["npsResponse"], expected);
    let answered = app
        .audit_actions(&id)
        .await
        .into_iter()
        .filter(|a| a == "engagement.nps_answered")
        .count();
    assert_eq!(answered, 1);

    // The KPIs count it, and the six stages left on time.
    let k = kpis(&app, "2026-11-23", "2026-11-30").await;
    assert_eq!(
        k["nps"],
        json!({ "score": 100, "responses": 1, "promoters": 1, "passives": 0, "detractors": 0 })
    );
    assert_eq!(
        k["stagesOnTime"],
        json!({ "finished": 6, "onTime": 6, "late": 0, "percentOnTime": 100.0 })
    );
    assert_eq!(
        k["revisionRounds"],
        json!({ "rejectedRounds": 0, "deliverables": 1, "perDeliverable": 0.0 })
    );
    let before = kpis(&app, "2026-11-01", "2026-11-22").await;
    assert_eq!(before["nps"]["responses"], 0);
    assert_eq!(before["nps"]["score"], Value::Null);
    assert_eq!(before["stagesOnTime"]["percentOnTime"], Value::Null);

    // A forged link, another purpose's link and an expired link open nothing.
    let token = link.rsplit('/').next().unwrap().to_owned();
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let forged = link.replace(&token, &forged);
    assert_eq!(page(&app, &forged).await.0, 404);
    assert_eq!(answer(&app, &forged, &[("score", "0")]).await.0, 404);
    let survey = api::links::url(&app.app.state, LinkPurpose::Survey, engagement_id);
    let survey_token = survey.rsplit('/').next().unwrap();
    let as_nps = format!("{}/links/nps/{survey_token}", app.base_url);
    assert_eq!(page(&app, &as_nps).await.0, 404);
    let signer = LinkSigner::new(&app.app.state.config.link_signing_key);
    let expired = signer.sign(
        LinkPurpose::Nps,
        engagement_id,
        app.clock.now_utc() - Days::seconds(1),
    );
    let expired = format!("{}/links/nps/{expired}", app.base_url);
    let (status, body) = page(&app, &expired).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(answer(&app, &expired, &[("score", "0")]).await.0, 410);
    let still = app
        .admin()
        .data(op("engagement", NPS_OF), json!({ "id": id }))
        .await;
    assert_eq!(still["npsResponse"], expected);
}

/// An automation engagement walked from 1.1 until it stands at `until`,
/// every decision answered yes.
async fn walk_automation(app: &TestApp, id: &str, mut now: Value, until: &str) -> Value {
    while stage_key(&now) != until {
        let questions = tests::strings(&now["currentStage"]["decisions"], "key")
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        for key in questions {
            let answered =
                decide(app, id, &now, json!({ "decisionKey": key, "answer": true })).await;
            assert!(user_errors(&answered).is_empty(), "{answered}");
            now = answered["engagement"].clone();
        }
        now = finish_stage(app, id, &now).await;
    }
    now
}

fn figures() -> Value {
    json!([
        { "kind": "PERFORMANCE", "name": "Uptime", "value": "99.950", "unit": "%" },
        { "kind": "PERFORMANCE", "name": "Median run time", "value": "1.8", "unit": "s" },
        { "kind": "USAGE", "name": "Workflow runs", "value": "12840", "unit": "runs" },
    ])
}

#[tokio::test]
async fn staff_record_a_monthly_service_report_in_the_support_phase_and_its_customer_reads_it() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let (planned, customer) = engagement(
        &app,
        "automation_implementation",
        &team,
        "ops@harbour-bakery.example.com.au",
        None,
    )
    .await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let delivery = app.person("dev-1", Role::DeliveryTeam);
    let record = |input: Value| {
        let delivery = &delivery;
        async move { delivery.data(record_op(), json!({ "input": input })).await }
    };

    // Before its support phase: refused.
    let now = start(&app, &id).await;
    let early =
        record(json!({ "engagementId": id, "month": "2026-11", "figures": figures() })).await;
    assert_eq!(
        user_errors(&early),
        [input_path_error("engagementId", "INVALID_STATE")]
    );
    let now = walk_automation(&app, &id, now, "5.1").await;
    assert_eq!(now["currentStage"]["stage"]["key"], "5.1");

    // In it: not for a month to come, nor before the engagement started,
    // nor with a figure that is no number (each at its path).
    let future =
        record(json!({ "engagementId": id, "month": "2026-12", "figures": figures() })).await;
    assert_eq!(
        user_errors(&future),
        [input_path_error("month", "OUT_OF_RANGE")]
    );
    let before =
        record(json!({ "engagementId": id, "month": "2026-10", "figures": figures() })).await;
    assert_eq!(
        user_errors(&before),
        [input_path_error("month", "OUT_OF_RANGE")]
    );
    let mut bad = figures();
    bad[1]["value"] = json!("fast");
    bad[2]["name"] = json!(" ");
    let refused = record(json!({ "engagementId": id, "month": "2026-11", "figures": bad })).await;
    assert_eq!(
        user_errors(&refused),
        [
            input_path_error("figures.1.value", "INVALID_QUANTITY"),
            input_path_error("figures.2.name", "REQUIRED"),
        ]
    );

    let recorded = record(
        json!({ "engagementId": id, "month": "2026-11", "figures": figures(),
        "optimisationNotes": "Batch the nightly stock sync.\nCache supplier lookups." }),
    )
    .await;
    assert!(user_errors(&recorded).is_empty(), "{recorded}");
    let report = &recorded["report"];
    assert_eq!(report["version"], 1);
    assert_eq!(
        report["performance"],
        json!([
            { "kind": "PERFORMANCE", "name": "Uptime", "value": "99.95", "unit": "%" },
            { "kind": "PERFORMANCE", "name": "Median run time", "value": "1.8", "unit": "s" },
        ])
    );
    assert_eq!(
        report["usage"],
        json!([{ "kind": "USAGE", "name": "Workflow runs", "value": "12840", "unit": "runs" }])
    );

    // Replacing needs the report's current version.
    let unversioned =
        record(json!({ "engagementId": id, "month": "2026-11", "figures": [] })).await;
    assert_eq!(
        user_errors(&unversioned),
        [input_path_error("expectedVersion", "CONFLICT")]
    );
    let stale = record(json!({ "engagementId": id, "month": "2026-11", "figures": figures(), "expectedVersion": 7 })).await;
    assert_eq!(
        user_errors(&stale),
        [input_path_error("expectedVersion", "CONFLICT")]
    );
    let mut more = figures();
    more.as_array_mut()
        .unwrap()
        .push(json!({ "kind": "USAGE", "name": "Active users", "value": "42", "unit": null }));
    let replaced = record(
        json!({ "engagementId": id, "month": "2026-11", "figures": more,
        "optimisationNotes": "Batch the nightly stock sync.", "expectedVersion": 1 }),
    )
    .await;
    assert!(user_errors(&replaced).is_empty(), "{replaced}");
    assert_eq!(replaced["report"]["version"], 2);

    // Three tickets on the engagement this month (Mon 23 Nov, 10:00): a
    // HIGH one answered and resolved at once (met), a CRITICAL one left
    // unanswered past its 2 hours (breached), a LOW one still in time; and
    // one on no engagement, which the report leaves out.
    let on = |priority: &'static str| json!({ "customerId": customer, "priority": priority, "engagementId": id });
    let high = open_ticket_with(&app, on("HIGH")).await;
    let high = staff_reply(&app, high["id"].as_str().unwrap()).await;
    assert_eq!(resolve(&app, &high).await["status"], "RESOLVED");
    open_ticket_with(&app, on("CRITICAL")).await;
    open_ticket_with(&app, on("LOW")).await;
    open_ticket_with(&app, json!({ "customerId": customer, "priority": "LOW" })).await;
    app.clock.advance(Days::hours(3));

    // Read back: the figures, the notes, the month's support tickets, and
    // what the month saw (every stage 1.1 to 4.3 left).
    let read = app
        .admin()
        .data(report_query(), json!({ "id": id, "month": "2026-11" }))
        .await;
    assert_eq!(read["month"], "2026-11");
    assert_eq!(read["recorded"], true);
    assert_eq!(read["performance"][0]["value"], "99.95");
    assert_eq!(
        read["usage"][1],
        json!({ "kind": "USAGE", "name": "Active users", "value": "42", "unit": null })
    );
    assert_eq!(read["optimisationNotes"], "Batch the nightly stock sync.");
    assert_eq!(
        (
            &read["supportTickets"],
            &read["supportTicketsMet"],
            &read["supportTicketsBreached"],
            &read["supportTicketsOpenInTime"],
        ),
        (&json!(3), &json!(1), &json!(1), &json!(1)),
        "{read}"
    );
    // Met ÷ (met + breached).
    assert_eq!(read["slaAttainment"], 0.5);
    let left = tests::strings(&read["activity"]["stagesLeft"], "stageKey");
    assert_eq!(
        left,
        [
            "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "4.1", "4.2", "4.3"
        ]
    );
    assert_eq!(
        read["activity"]["stagesLeft"][0]["stageName"],
        "Initial consultation"
    );
    // A month with nothing recorded reads empty.
    let october = app
        .admin()
        .data(report_query(), json!({ "id": id, "month": "2026-10" }))
        .await;
    assert_eq!(october["recorded"], false);
    assert_eq!(october["performance"], json!([]));
    assert_eq!(october["activity"]["stagesLeft"], json!([]));
    assert_eq!(october["supportTickets"], 0);
    assert_eq!(october["slaAttainment"], Value::Null);

    // The customer reads their own; another customer gets nothing.
    let own = app
        .as_customer(&customer)
        .data(report_query(), json!({ "id": id, "month": "2026-11" }))
        .await;
    assert_eq!(own["engagement"]["id"], id.as_str());
    assert_eq!(own["usage"], read["usage"]);
    let stranger = app
        .customer_named("Other Bakery", "other@example.com.au")
        .await;
    let theirs = app
        .as_customer(&stranger)
        .data(report_query(), json!({ "id": id, "month": "2026-11" }))
        .await;
    assert_eq!(theirs, Value::Null);
    // Customers record nothing.
    let by_customer = app
        .as_customer(&customer)
        .run(
            record_op(),
            json!({ "input": { "engagementId": id, "month": "2026-11", "figures": [] } }),
        )
        .await;
    assert_eq!(
        tests::error_code(&by_customer).as_deref(),
        Some("FORBIDDEN")
    );

    // Once cancelled the engagement is read-only.
    app.person("pm-1", Role::ProjectManager)
        .accepted(
            engagement_op("cancelEngagement", "CancelEngagementInput"),
            json!({ "input": { "engagementId": id, "reason": "Customer paused the project" } }),
        )
        .await;
    let late = record(
        json!({ "engagementId": id, "month": "2026-11", "figures": [], "expectedVersion": 2 }),
    )
    .await;
    assert_eq!(
        user_errors(&late),
        [input_path_error("engagementId", "ILLEGAL_TRANSITION")]
    );
    assert_eq!(
        app.admin()
            .data(report_query(), json!({ "id": id, "month": "2026-11" }))
            .await["version"],
        2
    );
}

#[tokio::test]
async fn engagement_kpis_count_stages_left_on_time_and_late_for_staff_only() {
    let app = TestApp::spawn().await;
    let team = team(&app).await;
    let (planned, customer) =
        engagement(&app, "service_delivery", &team, "kpi@example.com.au", None).await;
    let id = planned["id"].as_str().unwrap().to_owned();
    let now = start(&app, &id).await;
    // Kickoff left at once: on time.
    let now = finish_stage(&app, &id, &now).await;
    assert_eq!(stage_key(&now), "detailed_planning");
    // Detailed planning (3–5 business days) left three weeks later: late.
    app.clock.advance(Days::days(21));
    let now = complete_outputs(&app, &id, &now).await;
    let left = advance(&app, &id, &now).await;
    assert!(user_errors(&left).is_empty(), "{left}");
    let k = kpis(&app, "2026-11-23", "2026-12-31").await;
    assert_eq!(
        k["stagesOnTime"],
        json!({ "finished": 2, "onTime": 1, "late": 1, "percentOnTime": 50.0 })
    );
    assert_eq!(k["from"], "2026-11-23");
    assert_eq!(
        k["scopeChanges"],
        json!({ "requested": 0, "approved": 0, "rejected": 0,
            "approvedCost": { "amount": "0.00", "currency": "AUD" } })
    );
    assert_eq!(k["revisionRounds"]["perDeliverable"], Value::Null);
    // Only the late exit falls in December.
    let december = kpis(&app, "2026-12-01", "2026-12-31").await;
    assert_eq!(
        december["stagesOnTime"],
        json!({ "finished": 1, "onTime": 0, "late": 1, "percentOnTime": 0.0 })
    );
    // A period backwards or over a year is refused; customers may not ask.
    let backwards = app
        .admin()
        .run(
            op("engagementKpis", KPIS),
            json!({ "from": "2026-12-01", "to": "2026-11-01" }),
        )
        .await;
    assert_eq!(
        tests::error_code(&backwards).as_deref(),
        Some("BAD_REQUEST")
    );
    let customer_asks = app
        .as_customer(&customer)
        .run(
            op("engagementKpis", KPIS),
            json!({ "from": "2026-11-01", "to": "2026-12-01" }),
        )
        .await;
    assert_eq!(
        tests::error_code(&customer_asks).as_deref(),
        Some("FORBIDDEN")
    );
    let qa = app
        .as_role(Role::QaLead)
        .data(
            op("engagementKpis", KPIS),
            json!({ "from": "2026-11-23", "to": "2026-12-31" }),
        )
        .await;
    assert_eq!(qa["stagesOnTime"]["finished"], 2);
}
