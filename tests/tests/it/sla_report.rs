//! SLA attainment through GraphQL with the controllable clock: tickets of
//! every priority over a week of Sydney dates, answered in time, late,
//! after a weekend (first-response time counted in business time) or not at
//! all; the report's rows exactly, the range split at Sydney midnight, a
//! customer refused and a backwards range refused with its code.

use serde_json::{Value, json};
use tests::support::{open_ticket, resolve, staff_reply, sydney};
use tests::{TestApp, error_code, input_error, user_errors};

tests::op_const!(REPORT = "slaReport": "query($from: Date!, $to: Date!) { slaReport(from: $from, to: $to) { report { from to rows { priority tickets met breached openInTime responded medianFirstResponseMinutes p90FirstResponseMinutes } } userErrors { field code message } } }");

async fn report(app: &TestApp, from: &str, to: &str) -> Value {
    app.admin()
        .data(REPORT, json!({ "from": from, "to": to }))
        .await
}

/// One row as the report gives it.
fn row(
    priority: &str,
    [tickets, met, breached, open_in_time, responded]: [i64; 5],
    median: Option<i64>,
    p90: Option<i64>,
) -> Value {
    json!({
        "priority": priority, "tickets": tickets, "met": met, "breached": breached,
        "openInTime": open_in_time, "responded": responded,
        "medianFirstResponseMinutes": median, "p90FirstResponseMinutes": p90,
    })
}

/// Open a ticket of `priority` at `opened` (Sydney), answer it at
/// `answered` and resolve it at `resolved`, each when given.
async fn ticket(
    app: &TestApp,
    customer: &str,
    priority: &str,
    opened: &str,
    answered: Option<&str>,
    resolved: Option<&str>,
) {
    app.clock.set(sydney(opened));
    let mut t = open_ticket(app, customer, priority).await;
    if let Some(at) = answered {
        app.clock.set(sydney(at));
        t = staff_reply(app, t["id"].as_str().unwrap()).await;
    }
    if let Some(at) = resolved {
        app.clock.set(sydney(at));
        t = resolve(app, &t).await;
        assert_eq!(t["status"], "RESOLVED", "{t}");
    }
}

#[tokio::test]
async fn attainment_per_priority_over_sydney_dates() {
    let app = TestApp::spawn().await;
    let customer = app
        .customer_named("Corner Cafe", "cafe@example.com.au")
        .await;
    // Fri 13 Nov 2026 to Fri 20 Nov 2026, in clock order.
    // MEDIUM, Fri 16:00, answered Mon 10:00: 1 + 1 business hours (the
    // weekend does not count) = 120 minutes; resolved Mon 11:00: met.
    ticket(
        &app,
        &customer,
        "MEDIUM",
        "2026-11-13T16:00:00+11:00",
        Some("2026-11-16T10:00:00+11:00"),
        Some("2026-11-16T11:00:00+11:00"),
    )
    .await;
    // CRITICAL, Sat 10:00, answered 11:00 (in its 2 real hours; no
    // business time: 0 minutes), resolved 12:00: met.
    ticket(
        &app,
        &customer,
        "CRITICAL",
        "2026-11-14T10:00:00+11:00",
        Some("2026-11-14T11:00:00+11:00"),
        Some("2026-11-14T12:00:00+11:00"),
    )
    .await;
    // HIGH, Mon 16 09:00, answered 10:00 (60), resolved 11:00: met.
    ticket(
        &app,
        &customer,
        "HIGH",
        "2026-11-16T09:00:00+11:00",
        Some("2026-11-16T10:00:00+11:00"),
        Some("2026-11-16T11:00:00+11:00"),
    )
    .await;
    // HIGH, Tue 17 09:00, answered 14:00 (300 minutes, over its 240):
    // breached though resolved at 15:00.
    ticket(
        &app,
        &customer,
        "HIGH",
        "2026-11-17T09:00:00+11:00",
        Some("2026-11-17T14:00:00+11:00"),
        Some("2026-11-17T15:00:00+11:00"),
    )
    .await;
    // CRITICAL, Wed 18 09:00, never answered: breached at 11:00; no
    // first-response time.
    ticket(
        &app,
        &customer,
        "CRITICAL",
        "2026-11-18T09:00:00+11:00",
        None,
        None,
    )
    .await;
    // HIGH, Thu 19 16:30, answered Fri 10:00 (30 + 60 = 90), resolved
    // 11:00: met.
    ticket(
        &app,
        &customer,
        "HIGH",
        "2026-11-19T16:30:00+11:00",
        Some("2026-11-20T10:00:00+11:00"),
        Some("2026-11-20T11:00:00+11:00"),
    )
    .await;
    // LOW, Fri 20 23:30 Sydney (12:30 UTC): on the last day; open in time.
    ticket(
        &app,
        &customer,
        "LOW",
        "2026-11-20T23:30:00+11:00",
        None,
        None,
    )
    .await;
    // LOW, Sat 21 00:10 Sydney (Fri 20 13:10 UTC): the next day.
    ticket(
        &app,
        &customer,
        "LOW",
        "2026-11-21T00:10:00+11:00",
        None,
        None,
    )
    .await;
    app.clock.set(sydney("2026-11-21T00:30:00+11:00"));

    let week = report(&app, "2026-11-13", "2026-11-20").await;
    assert!(user_errors(&week).is_empty(), "{week}");
    let week = &week["report"];
    assert_eq!(
        (&week["from"], &week["to"]),
        (&json!("2026-11-13"), &json!("2026-11-20"))
    );
    assert_eq!(
        week["rows"],
        json!([
            // First responses 0 (one answered, one never).
            row("CRITICAL", [2, 1, 1, 0, 1], Some(0), Some(0)),
            // 60, 90, 300: the median is the 2nd (nearest rank of 1.5),
            // p90 the 3rd (of 2.7).
            row("HIGH", [3, 2, 1, 0, 3], Some(90), Some(300)),
            row("MEDIUM", [1, 1, 0, 0, 1], Some(120), Some(120)),
            row("LOW", [1, 0, 0, 1, 0], None, None),
        ]),
        "{week}"
    );
    // The 00:10 ticket belongs to Saturday.
    let saturday = report(&app, "2026-11-21", "2026-11-21").await;
    assert_eq!(
        saturday["report"]["rows"],
        json!([
            row("CRITICAL", [0, 0, 0, 0, 0], None, None),
            row("HIGH", [0, 0, 0, 0, 0], None, None),
            row("MEDIUM", [0, 0, 0, 0, 0], None, None),
            row("LOW", [1, 0, 0, 1, 0], None, None),
        ]),
        "{saturday}"
    );

    // Customers do not read attainment.
    let refused = app
        .as_customer(&customer)
        .run(REPORT, json!({ "from": "2026-11-13", "to": "2026-11-20" }))
        .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("FORBIDDEN"),
        "{refused}"
    );
    // A backwards range, and one over 366 days, are refused at `to` (a
    // query's arguments are reported under `input`, as for `gstSummary`).
    let backwards = report(&app, "2026-11-20", "2026-11-13").await;
    assert_eq!(backwards["report"], Value::Null);
    assert_eq!(user_errors(&backwards), [input_error("to", "OUT_OF_RANGE")]);
    let long = report(&app, "2025-11-13", "2026-11-20").await;
    assert_eq!(user_errors(&long), [input_error("to", "LIMIT_EXCEEDED")]);
}
