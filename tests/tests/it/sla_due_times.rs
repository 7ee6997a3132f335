//! SLA due times through GraphQL with the controllable clock, for every
//! seeded priority: CRITICAL (2 h first response, 8 h resolution, around the
//! clock), HIGH (4 h / 16 h), MEDIUM (24 h / 40 h) and LOW (72 h / 80 h) in
//! business hours, 09:00–17:00 Australia/Sydney Monday to Friday without
//! the NSW public holidays the migration seeds. Across a weekend, Good
//! Friday to Easter Monday, a public holiday declared through the API, and
//! both daylight-saving changes; a day waiting on the customer keeps the
//! SLA time left. Expected times are worked out in Sydney local time in the
//! comments and asserted as UTC instants.

use serde_json::json;
use std::time::Duration;
use tests::support::{SLA, due, due_times, open_at, sydney};
use tests::{Role, TestApp, wait_for};

const PATIENCE: Duration = Duration::from_secs(60);

/// `(priority, first response due, resolution due)`, both UTC.
type Expected = (&'static str, &'static str, &'static str);

/// With the clock at `when`, open a ticket of each priority of `expected`
/// and assert its first-response and resolution due times.
async fn assert_dues(app: &TestApp, customer: &str, when: &str, expected: &[Expected]) {
    app.clock.set(sydney(when));
    for &(priority, first_response, resolution) in expected {
        let id = open_at(app, customer, priority).await;
        let times = due_times(app, &id).await;
        assert_eq!(
            (due(&times, "FIRST_RESPONSE"), due(&times, "RESOLUTION")),
            (sydney(first_response), sydney(resolution)),
            "{priority} opened {when}: {times:?}"
        );
    }
}

async fn spawn_with_customer() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let customer = app
        .customer_named("Corner Cafe", "cafe@example.com.au")
        .await;
    (app, customer)
}

#[tokio::test]
async fn every_priority_across_a_weekend_and_good_friday_to_easter_monday() {
    let (app, customer) = spawn_with_customer().await;

    // Friday 13 November 2026, 15:00 AEDT (04:00 UTC).
    let opened = "2026-11-13T15:00:00+11:00";
    assert_dues(
        &app,
        &customer,
        opened,
        &[
            // Around the clock: Fri 17:00 and Fri 23:00 AEDT.
            ("CRITICAL", "2026-11-13T06:00:00Z", "2026-11-13T12:00:00Z"),
            // 4 h: Fri 2 + Mon 16 2 → Mon 11:00. 16 h: 2 + Mon 8 + Tue 17 6
            // → Tue 15:00.
            ("HIGH", "2026-11-16T00:00:00Z", "2026-11-17T04:00:00Z"),
            // 24 h: 2 + Mon 8 + Tue 8 + Wed 18 6 → Wed 15:00. 40 h: 2 + Mon
            // to Thu 32 + Fri 20 6 → Fri 15:00.
            ("MEDIUM", "2026-11-18T04:00:00Z", "2026-11-20T04:00:00Z"),
            // 72 h: 2 + eight full days (16–25 Nov) 64 + Thu 26 6 → Thu
            // 15:00. 80 h: … + Thu 26 8 + Fri 27 6 → Fri 15:00.
            ("LOW", "2026-11-26T04:00:00Z", "2026-11-27T04:00:00Z"),
        ],
    )
    .await;

    // Thursday 25 March 2027, 15:00 AEDT (04:00 UTC). Good Friday 26 Mar to
    // Easter Monday 29 Mar are holidays; daylight saving ends on Sunday 4
    // April, so from Monday 5 April 15:00 is AEST (05:00 UTC).
    let opened = "2027-03-25T15:00:00+11:00";
    assert_dues(
        &app,
        &customer,
        opened,
        &[
            // Around the clock, holidays or not: Thu 17:00 and Thu 23:00 AEDT.
            ("CRITICAL", "2027-03-25T06:00:00Z", "2027-03-25T12:00:00Z"),
            // 4 h: Thu 2 + Tue 30 2 → Tue 11:00 AEDT. 16 h: 2 + Tue 8 + Wed
            // 31 6 → Wed 15:00 AEDT.
            ("HIGH", "2027-03-30T00:00:00Z", "2027-03-31T04:00:00Z"),
            // 24 h: 2 + Tue 8 + Wed 8 + Thu 1 Apr 6 → Thu 15:00 AEDT. 40 h:
            // 2 + Tue, Wed, Thu, Fri 2 Apr 32 + Mon 5 Apr 6 → Mon 15:00 AEST.
            ("MEDIUM", "2027-04-01T04:00:00Z", "2027-04-05T05:00:00Z"),
            // 72 h: 2 + 30 Mar to 8 Apr (eight days) 64 + Fri 9 Apr 6 → Fri
            // 15:00 AEST. 80 h: … + Fri 9 8 + Mon 12 Apr 6 → Mon 15:00 AEST.
            ("LOW", "2027-04-09T05:00:00Z", "2027-04-12T05:00:00Z"),
        ],
    )
    .await;
}

#[tokio::test]
async fn every_priority_across_both_daylight_saving_changes() {
    let (app, customer) = spawn_with_customer().await;

    // Friday 2 October 2026, 16:00 AEST (06:00 UTC). Daylight saving starts
    // on Sunday 4 October (02:00 AEST becomes 03:00 AEDT) and Monday 5
    // October is Labour Day: business time resumes Tuesday 09:00 AEDT.
    let opened = "2026-10-02T16:00:00+10:00";
    assert_dues(
        &app,
        &customer,
        opened,
        &[
            // Fri 18:00 AEST; Sat 00:00 AEST.
            ("CRITICAL", "2026-10-02T08:00:00Z", "2026-10-02T14:00:00Z"),
            // 4 h: Fri 1 + Tue 6 3 → Tue 12:00 AEDT. 16 h: 1 + Tue 8 + Wed 7
            // 7 → Wed 16:00 AEDT.
            ("HIGH", "2026-10-06T01:00:00Z", "2026-10-07T05:00:00Z"),
            // 24 h: 1 + Tue 8 + Wed 8 + Thu 8 Oct 7 → Thu 16:00 AEDT. 40 h:
            // 1 + Tue to Fri 32 + Mon 12 Oct 7 → Mon 16:00 AEDT.
            ("MEDIUM", "2026-10-08T05:00:00Z", "2026-10-12T05:00:00Z"),
            // 72 h: 1 + 6–15 Oct (eight days) 64 + Fri 16 7 → Fri 16:00 AEDT.
            // 80 h: … + Fri 16 8 + Mon 19 7 → Mon 16:00 AEDT.
            ("LOW", "2026-10-16T05:00:00Z", "2026-10-19T05:00:00Z"),
        ],
    )
    .await;

    // Sunday 4 October 2026, 01:30 AEST (3 Oct 15:30 UTC), half an hour
    // before the clocks go forward.
    let opened = "2026-10-04T01:30:00+10:00";
    assert_dues(
        &app,
        &customer,
        opened,
        &[
            // 2 real hours: 04:30 AEDT (three on the wall clock). 8 h: 10:30
            // AEDT.
            ("CRITICAL", "2026-10-03T17:30:00Z", "2026-10-03T23:30:00Z"),
            // Business time starts Tue 6 Oct 09:00 AEDT (Monday is Labour
            // Day). 4 h: Tue 13:00. 16 h: Tue + Wed → Wed 17:00.
            ("HIGH", "2026-10-06T02:00:00Z", "2026-10-07T06:00:00Z"),
            // 24 h: Tue–Thu → Thu 17:00. 40 h: Tue–Fri + Mon 12 → Mon 17:00.
            ("MEDIUM", "2026-10-08T06:00:00Z", "2026-10-12T06:00:00Z"),
            // 72 h: nine days, Tue 6 to Fri 16 → Fri 17:00. 80 h: ten days
            // → Mon 19 17:00.
            ("LOW", "2026-10-16T06:00:00Z", "2026-10-19T06:00:00Z"),
        ],
    )
    .await;

    // Sunday 4 April 2027, 01:30 AEDT (3 Apr 14:30 UTC), before 03:00 AEDT
    // becomes 02:00 AEST.
    let opened = "2027-04-04T01:30:00+11:00";
    assert_dues(
        &app,
        &customer,
        opened,
        &[
            // 2 real hours: the second 02:30, in AEST. 8 h: 08:30 AEST.
            ("CRITICAL", "2027-04-03T16:30:00Z", "2027-04-03T22:30:00Z"),
            // Business time starts Mon 5 Apr 09:00 AEST. 4 h: Mon 13:00. 16
            // h: Mon + Tue → Tue 17:00.
            ("HIGH", "2027-04-05T03:00:00Z", "2027-04-06T07:00:00Z"),
            // 24 h: Mon–Wed → Wed 17:00. 40 h: Mon–Fri → Fri 17:00.
            ("MEDIUM", "2027-04-07T07:00:00Z", "2027-04-09T07:00:00Z"),
            // 72 h: nine days → Thu 15 Apr 17:00. 80 h: ten → Fri 16 17:00.
            ("LOW", "2027-04-15T07:00:00Z", "2027-04-16T07:00:00Z"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_public_holiday_declared_through_the_api_moves_the_next_tickets() {
    let (app, customer) = spawn_with_customer().await;
    // Tuesday 29 December 2026, 15:00 AEDT (04:00 UTC). Christmas (Fri 25),
    // Boxing Day (Sat 26) and its additional day (Mon 28) are seeded; New
    // Year's Day (Fri 1 Jan 2027) too.
    let opened = "2026-12-29T15:00:00+11:00";
    // Before any declaration: 4 h is Tue 2 + Wed 30 2 → Wed 11:00.
    assert_dues(
        &app,
        &customer,
        opened,
        &[("HIGH", "2026-12-30T00:00:00Z", "2026-12-31T04:00:00Z")],
    )
    .await;

    // Wednesday 30 December is declared an additional public holiday.
    app.admin()
        .accepted(
            tests::ops::ADD_PUBLIC_HOLIDAY,
            json!({ "date": "2026-12-30", "name": "Additional day (declared)" }),
        )
        .await;
    // Every process reloads its calendar when told of the change: wait
    // until the next ticket is counted on it.
    let next = open_at(&app, &customer, "HIGH").await;
    wait_for(
        "the declared holiday in the calendar",
        PATIENCE,
        async || {
            due(&due_times(&app, &next).await, "FIRST_RESPONSE") == sydney("2026-12-31T00:00:00Z")
        },
    )
    .await;
    assert_dues(
        &app,
        &customer,
        opened,
        &[
            // Around the clock, untouched: Tue 17:00 and Tue 23:00 AEDT.
            ("CRITICAL", "2026-12-29T06:00:00Z", "2026-12-29T12:00:00Z"),
            // 4 h: Tue 2 + Thu 31 2 → Thu 11:00. 16 h: 2 + Thu 8 + (Fri 1
            // Jan off) Mon 4 Jan 6 → Mon 15:00.
            ("HIGH", "2026-12-31T00:00:00Z", "2027-01-04T04:00:00Z"),
            // 24 h: 2 + Thu 8 + Mon 8 + Tue 5 6 → Tue 15:00. 40 h: … + Tue 8
            // + Wed 6 8 + Thu 7 6 → Thu 15:00.
            ("MEDIUM", "2027-01-05T04:00:00Z", "2027-01-07T04:00:00Z"),
            // 72 h: 2 + Thu 31, Mon 4 – Tue 12 Jan (eight days) 64 + Wed 13
            // 6 → Wed 15:00. 80 h: … + Wed 8 + Thu 14 6 → Thu 15:00.
            ("LOW", "2027-01-13T04:00:00Z", "2027-01-14T04:00:00Z"),
        ],
    )
    .await;
}

tests::op_const!(CHANGE_STATUS = "changeTicketStatus": "mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { ticket { status } userErrors { field code message } } }");

tests::op_const!(REPLY = "replyToTicket": "mutation($input: ReplyToTicketInput!) { replyToTicket(input: $input) { ticket { status } userErrors { field code message } } }");

#[tokio::test]
async fn a_day_waiting_on_the_customer_does_not_count_against_the_first_response() {
    let (app, customer) = spawn_with_customer().await;
    // Monday 23 November 2026, 10:00 in Sydney: 24 business hours → Thursday 10:00.
    app.clock.set(sydney("2026-11-23T10:00:00+11:00"));
    let id = open_at(&app, &customer, "MEDIUM").await;
    assert_eq!(
        due(&due_times(&app, &id).await, "FIRST_RESPONSE"),
        sydney("2026-11-26T10:00:00+11:00")
    );
    // An hour later staff wait on the customer: the clock pauses.
    app.clock.set(sydney("2026-11-23T11:00:00+11:00"));
    app.as_role(Role::DeliveryTeam)
        .accepted(
            CHANGE_STATUS,
            json!({ "input": { "ticketId": id, "status": "WAITING_ON_CUSTOMER", "expectedVersion": 1 } }),
        )
        .await;
    let paused = app.admin().data(SLA, json!({ "id": id })).await;
    let first = paused["slaTargets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "FIRST_RESPONSE")
        .unwrap()
        .clone();
    assert_eq!(first["state"], "PAUSED", "{paused}");
    assert!(first["dueAt"].is_null(), "{paused}");
    assert_eq!(first["remainingMinutes"], 23 * 60, "{paused}");
    // A business day later the customer answers: 23 business hours are
    // left, so it is due on Friday 10:00 instead.
    app.clock.set(sydney("2026-11-24T11:00:00+11:00"));
    let answered = app
        .as_customer(&customer)
        .data(
            REPLY,
            json!({ "input": { "ticketId": id, "body": "Model TX-200." } }),
        )
        .await;
    assert_eq!(answered["ticket"]["status"], "OPEN", "{answered}");
    assert_eq!(
        due(&due_times(&app, &id).await, "FIRST_RESPONSE"),
        sydney("2026-11-27T10:00:00+11:00")
    );
}
