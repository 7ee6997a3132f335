//! Business time: public holidays as data every process follows without a
//! restart, and timers that fire once, on the app clock, through the real
//! worker.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::business_time::timers::TimerPlan;
use domain::business_time::{daily, sweep, timers};
use domain::kernel::db::begin_write;
use entity::{TimerStatus, outbox, timer};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration as StdDuration;
use tests::{ApiProcess, Role, TestApp, TestDatabase, services, test_epoch};
use tests::{error_code, nodes, ops, wait_for, wait_for_value};
use uuid::Uuid;

const PATIENCE: StdDuration = StdDuration::from_secs(60);

fn sydney(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    chrono_tz::Australia::Sydney
        .with_ymd_and_hms(y, m, d, h, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Plan a timer the way an area does: inside a committed transaction.
async fn plan(db: &DatabaseConnection, kind: &str, subject: Uuid, due_at: DateTime<Utc>) {
    let txn = begin_write(db).await.unwrap();
    timers::plan(&txn, &timer_plan(kind, subject, due_at, json!({})), due_at)
        .await
        .unwrap();
    txn.commit().await.unwrap();
}

fn timer_plan(kind: &str, subject: Uuid, due_at: DateTime<Utc>, payload: Value) -> TimerPlan<'_> {
    TimerPlan {
        kind,
        subject_id: subject,
        due_at,
        payload,
    }
}

async fn timers_of(db: &DatabaseConnection, subject: Uuid) -> Vec<timer::Model> {
    let mut rows = timer::Entity::find()
        .filter(timer::Column::SubjectId.eq(subject))
        .all(db)
        .await
        .unwrap();
    rows.sort_by_key(|t| t.generation);
    rows
}

async fn fired_rows(db: &DatabaseConnection) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Topic.eq("timer.fired"))
        .all(db)
        .await
        .unwrap()
}

async fn wait_until_fired(db: &DatabaseConnection, subject: Uuid) {
    wait_for("the timer to fire", PATIENCE, async || {
        timers_of(db, subject)
            .await
            .iter()
            .any(|t| t.status == TimerStatus::Fired)
    })
    .await;
}

async fn deadline(app: &TestApp, start: DateTime<Utc>) -> String {
    let answer = app
        .admin()
        .data(
            ops::BUSINESS_DEADLINE,
            json!({ "start": start, "businessHours": 8 }),
        )
        .await;
    answer.as_str().unwrap().to_owned()
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

#[tokio::test]
async fn holidays_are_listed_by_year_and_only_admin_changes_them_with_an_audit_entry() {
    let app = TestApp::spawn().await;
    let listed = app
        .as_role(Role::Finance)
        .data(ops::PUBLIC_HOLIDAYS, json!({ "year": 2027, "first": 100 }))
        .await;
    let dates: Vec<String> = nodes(&listed)
        .iter()
        .map(|h| h["date"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(dates.len(), 14, "{dates:?}");
    assert_eq!(dates[0], "2027-01-01");
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "date order");
    assert!(
        dates.contains(&"2027-12-27".to_owned()),
        "declared additional day"
    );

    let someone = app.admin().new_customer(json!({ "name": "Ana" })).await;
    let customer = app
        .as_customer(&someone)
        .run(ops::PUBLIC_HOLIDAYS, json!({ "year": 2027 }))
        .await;
    assert_eq!(error_code(&customer).as_deref(), Some("FORBIDDEN"));
    let staff_add = app
        .as_role(Role::Fulfilment)
        .run(
            ops::ADD_PUBLIC_HOLIDAY,
            json!({ "date": "2027-08-02", "name": "Bank Holiday" }),
        )
        .await;
    assert_eq!(error_code(&staff_add).as_deref(), Some("FORBIDDEN"));

    let admin = app.admin();
    let added = admin
        .data(
            ops::ADD_PUBLIC_HOLIDAY,
            json!({ "date": "2027-08-02", "name": "Picnic Day" }),
        )
        .await;
    assert_eq!(added["publicHoliday"]["name"], "Picnic Day", "{added}");
    admin
        .refused(
            ops::ADD_PUBLIC_HOLIDAY,
            json!({ "date": "2027-08-02", "name": "Again" }),
            "date",
            "ALREADY_EXISTS",
        )
        .await;
    admin
        .refused(
            ops::ADD_PUBLIC_HOLIDAY,
            json!({ "date": "2027-08-03", "name": "  " }),
            "name",
            "REQUIRED",
        )
        .await;
    admin
        .refused(
            ops::REMOVE_PUBLIC_HOLIDAY,
            json!({ "date": "2027-08-04" }),
            "date",
            "NOT_FOUND",
        )
        .await;
    let removed = admin
        .data(ops::REMOVE_PUBLIC_HOLIDAY, json!({ "date": "2027-08-02" }))
        .await;
    assert_eq!(removed["publicHoliday"]["date"], "2027-08-02", "{removed}");

    let holiday_id = domain::business_time::holidays::holiday_id(date(2027, 8, 2));
    let actions = app.audit_actions(&holiday_id.to_string()).await;
    assert_eq!(actions, ["public_holiday.added", "public_holiday.removed"]);
    let after = admin
        .data(ops::PUBLIC_HOLIDAYS, json!({ "year": 2027, "first": 100 }))
        .await;
    assert_eq!(nodes(&after).len(), 14);
}

#[tokio::test]
async fn a_holiday_added_through_the_api_moves_due_dates_on_the_api_and_the_worker_without_a_restart()
 {
    let app = TestApp::spawn().await;
    let extra = app.ensure_worker().await;
    let worker = app.app.worker().or(extra.as_ref()).expect("a worker");
    let monday = test_epoch();
    // Eight business hours from Monday 10:00 is Tuesday 10:00.
    assert_eq!(
        instant(&deadline(&app, monday).await),
        sydney(2026, 11, 24, 10)
    );

    app.admin()
        .accepted(
            ops::ADD_PUBLIC_HOLIDAY,
            json!({ "date": "2026-11-24", "name": "Company day" }),
        )
        .await;
    // The api follows at once (on the live-update channel) ...
    wait_for("the api to skip the new holiday", PATIENCE, async || {
        instant(&deadline(&app, monday).await) == sydney(2026, 11, 25, 10)
    })
    .await;
    // ... and so does the worker, whose daily run then skips the day.
    wait_for("the worker to load the new holiday", PATIENCE, async || {
        worker.calendar.current().is_holiday(date(2026, 11, 24))
    })
    .await;
    app.clock.set(sydney(2026, 11, 23, 18));
    let next_run = wait_for_value("Monday's run to plan the next", PATIENCE, async || {
        let planned = app
            .admin()
            .data(
                ops::TIMERS,
                json!({ "filter": { "kind": "daily_run", "status": "PLANNED" } }),
            )
            .await;
        // Monday's own run stays PLANNED until the sweep fires it.
        nodes(&planned)
            .iter()
            .map(|t| t["payload"]["business_date"].as_str().unwrap().to_owned())
            .find(|day| day != "2026-11-23")
    })
    .await;
    assert_eq!(next_run, "2026-11-25", "Tuesday is now a holiday");

    // Removing it is followed the same way.
    app.admin()
        .data(ops::REMOVE_PUBLIC_HOLIDAY, json!({ "date": "2026-11-24" }))
        .await;
    wait_for("the api to count the day again", PATIENCE, async || {
        instant(&deadline(&app, monday).await) == sydney(2026, 11, 24, 10)
    })
    .await;
}

/// Two real `api` processes on one PostgreSQL and Redis: a holiday added
/// through one moves the other's deadlines.
#[tokio::test]
async fn a_holiday_added_on_one_api_process_moves_deadlines_on_another() {
    let Some((pg, redis)) = services::require_production_services("two api processes") else {
        return;
    };
    let (database_url, _database) = TestDatabase::create_postgres(&pg).await;
    let prefix = format!("test:{}", Uuid::now_v7().simple());
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("DATABASE_URL", database_url.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("QUEUE_PREFIX", prefix.as_str()),
    ];
    let one = ApiProcess::start(&vars, dir.path());
    let two = ApiProcess::start(&vars, dir.path());
    let token = api::auth::issue_token(
        "development-only-jwt-secret-change-me-0123456789",
        "holiday-test",
        Role::Admin,
        None,
        Utc::now(),
        Duration::hours(1),
    );
    let client = reqwest::Client::new();
    let post = async |base: &str, op: tests::Op, variables: Value| {
        let body = json!({ "query": op.document, "variables": variables });
        tests::post_json(&client, base, Some(&token), &[], &body).await
    };
    // A Monday in the seeded years with no holiday that week.
    let monday = sydney(2028, 3, 6, 10);
    let due_on_two = async || {
        let body = post(
            &two.base_url,
            ops::BUSINESS_DEADLINE,
            json!({ "start": monday, "businessHours": 8 }),
        )
        .await;
        instant(
            body["data"]["businessDeadline"]
                .as_str()
                .expect("a deadline"),
        )
    };
    assert_eq!(due_on_two().await, sydney(2028, 3, 7, 10));
    let added = post(
        &one.base_url,
        ops::ADD_PUBLIC_HOLIDAY,
        json!({ "date": "2028-03-07", "name": "Company day" }),
    )
    .await;
    assert_eq!(
        added["data"]["addPublicHoliday"]["userErrors"],
        json!([]),
        "{added}"
    );
    wait_for(
        "the other process to skip the holiday",
        PATIENCE,
        async || due_on_two().await == sydney(2028, 3, 8, 10),
    )
    .await;
}

#[tokio::test]
async fn settings_warn_when_the_current_or_next_year_has_no_holidays_and_the_app_stays_ready() {
    let app = TestApp::spawn().await;
    let settings = app.admin().data(ops::BUSINESS_SETTINGS, json!({})).await;
    assert!(settings["holidayWarning"].is_null(), "{settings}");
    // In 2028 the seeded holidays end with the year: 2029 has none.
    app.clock.set(sydney(2028, 6, 1, 10));
    let settings = app.admin().data(ops::BUSINESS_SETTINGS, json!({})).await;
    let warning = settings["holidayWarning"].as_str().expect("a warning");
    assert!(
        warning.contains("2029") && !warning.contains("2028"),
        "{warning}"
    );
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.admin()
        .data(
            ops::ADD_PUBLIC_HOLIDAY,
            json!({ "date": "2029-01-01", "name": "New Year's Day" }),
        )
        .await;
    wait_for("the warning to clear", PATIENCE, async || {
        let settings = app.admin().data(ops::BUSINESS_SETTINGS, json!({})).await;
        settings["holidayWarning"].is_null()
    })
    .await;
}

#[tokio::test]
async fn a_timer_planned_in_a_transaction_that_rolls_back_never_fires() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let db = app.db();
    let now = app.clock.now_utc();
    let rolled_back = Uuid::now_v7();
    let txn = begin_write(db).await.unwrap();
    timers::plan(
        &txn,
        &timer_plan("test.rollback", rolled_back, now, json!({})),
        now,
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    // A committed timer due at the same moment shows the sweep has run.
    let control = Uuid::now_v7();
    plan(db, "test.control", control, now).await;
    app.clock.advance(Duration::minutes(1));
    wait_until_fired(db, control).await;
    assert!(timers_of(db, rolled_back).await.is_empty());
    assert!(app.outbox_rows(&rolled_back.to_string()).await.is_empty());
    assert_eq!(app.outbox_rows(&control.to_string()).await.len(), 1);
}

#[tokio::test]
async fn a_re_planned_timer_fires_once_at_its_new_time() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let db = app.db();
    let start = app.clock.now_utc();
    let subject = Uuid::now_v7();
    plan(db, "test.replan", subject, start + Duration::hours(1)).await;
    plan(db, "test.replan", subject, start + Duration::hours(2)).await;
    let control = Uuid::now_v7();
    plan(db, "test.control", control, start + Duration::hours(1)).await;

    // Past the old time: the control fires, the superseded timer does not.
    app.clock.set(start + Duration::minutes(61));
    wait_until_fired(db, control).await;
    let rows = timers_of(db, subject).await;
    let states: Vec<(i32, TimerStatus)> = rows.iter().map(|t| (t.generation, t.status)).collect();
    assert_eq!(
        states,
        [(1, TimerStatus::Superseded), (2, TimerStatus::Planned)]
    );
    assert!(app.outbox_rows(&subject.to_string()).await.is_empty());

    // Past the new time: generation 2 fires, once.
    app.clock.set(start + Duration::minutes(121));
    wait_until_fired(db, subject).await;
    let fired = app.outbox_rows(&subject.to_string()).await;
    assert_eq!(fired.len(), 1);
    let payload: Value = serde_json::from_str(&fired[0].payload).unwrap();
    assert_eq!(payload["generation"], 2);
    assert_eq!(payload["kind"], "test.replan");
}

#[tokio::test]
async fn with_two_workers_a_thousand_due_timers_each_fire_exactly_once() {
    let app = TestApp::spawn().await;
    let _first = app.ensure_worker().await;
    let _second = app.start_worker().await;
    let db = app.db();
    let start = app.clock.now_utc();
    let subjects: Vec<Uuid> = (0..1000).map(|_| Uuid::now_v7()).collect();
    let txn = begin_write(db).await.unwrap();
    for (i, subject) in subjects.iter().enumerate() {
        let due = start + Duration::seconds(i as i64);
        let planned = timer_plan("test.bulk", *subject, due, json!({ "i": i }));
        timers::plan(&txn, &planned, start).await.unwrap();
    }
    txn.commit().await.unwrap();

    app.clock.advance(Duration::hours(1));
    let count_fired = async || {
        timer::Entity::find()
            .filter(timer::Column::Kind.eq("test.bulk"))
            .filter(timer::Column::Status.eq(TimerStatus::Fired))
            .all(db)
            .await
            .unwrap()
            .len()
    };
    wait_for(
        "all 1,000 timers to fire",
        StdDuration::from_secs(180),
        async || count_fired().await == 1000,
    )
    .await;
    let wanted: HashSet<Uuid> = subjects.iter().copied().collect();
    let rows: Vec<outbox::Model> = fired_rows(db)
        .await
        .into_iter()
        .filter(|r| wanted.contains(&r.subject_id))
        .collect();
    assert_eq!(rows.len(), 1000, "one outbox row per timer");
    let timer_ids: HashSet<String> = rows
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.payload).unwrap()["timer_id"].to_string())
        .collect();
    assert_eq!(timer_ids.len(), 1000, "no timer fired twice");
}

#[tokio::test]
async fn a_daily_run_fires_once_per_business_date_even_when_sweeps_run_twice() {
    let (app, _worker) = TestApp::spawn_with_worker(&[]).await;
    let db = app.db();
    // From Monday 10:00 to Saturday: runs for Monday to Friday are due.
    app.clock.set(sydney(2026, 11, 28, 10));
    let calendar = app.app.state.calendar.current();
    let now = app.clock.now_utc();
    // Two extra sweeps at once, beside the worker's own.
    let (a, b) = tokio::join!(
        sweep::fire_due(db, &calendar, now, 200),
        sweep::fire_due(db, &calendar, now, 200)
    );
    a.unwrap();
    b.unwrap();
    let runs = async || {
        timer::Entity::find()
            .filter(timer::Column::Kind.eq("daily_run"))
            .all(db)
            .await
            .unwrap()
    };
    wait_for("runs for Monday to Friday", PATIENCE, async || {
        runs()
            .await
            .iter()
            .filter(|t| t.status == TimerStatus::Fired)
            .count()
            == 5
    })
    .await;
    // The sweeps go on; nothing fires a second time.
    sweep::fire_due(db, &calendar, now, 200).await.unwrap();

    let mut per_date: HashMap<String, Vec<TimerStatus>> = HashMap::new();
    for run in runs().await {
        let payload: Value = serde_json::from_str(&run.payload).unwrap();
        let day = payload["business_date"].as_str().unwrap().to_owned();
        assert_eq!(run.subject_id, daily::subject(day.parse().unwrap()));
        per_date.entry(day).or_default().push(run.status);
    }
    let mut days: Vec<&String> = per_date.keys().collect();
    days.sort();
    assert_eq!(
        days,
        [
            "2026-11-23",
            "2026-11-24",
            "2026-11-25",
            "2026-11-26",
            "2026-11-27",
            "2026-11-30"
        ]
    );
    for (day, states) in &per_date {
        let expected = if day == "2026-11-30" {
            TimerStatus::Planned
        } else {
            TimerStatus::Fired
        };
        assert_eq!(states, &[expected], "{day}");
    }
    for day in 23..=27 {
        let subject = daily::subject(date(2026, 11, day));
        assert_eq!(
            app.outbox_rows(&subject.to_string()).await.len(),
            1,
            "one run on 2026-11-{day}"
        );
    }
}

#[tokio::test]
async fn admin_sees_and_cancels_a_stuck_timer_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let db = app.db();
    let subject = Uuid::now_v7();
    plan(
        db,
        "test.stuck",
        subject,
        app.clock.now_utc() + Duration::days(1),
    )
    .await;
    let filter = json!({ "filter": { "kind": "test.stuck", "subjectId": subject } });
    let listed = app.admin().data(ops::TIMERS, filter.clone()).await;
    let found = nodes(&listed);
    assert_eq!(found.len(), 1, "{listed}");
    assert_eq!(found[0]["status"], "PLANNED");
    let id = found[0]["id"].as_str().unwrap().to_owned();
    let later = app
        .admin()
        .data(
            ops::TIMERS,
            json!({ "filter": { "kind": "test.stuck", "dueAfter": app.clock.now_utc() + Duration::days(2) } }),
        )
        .await;
    assert!(nodes(&later).is_empty());
    let forbidden = app
        .as_role(Role::Finance)
        .run(ops::TIMERS, filter.clone())
        .await;
    assert_eq!(error_code(&forbidden).as_deref(), Some("FORBIDDEN"));
    let refused = app
        .as_role(Role::Finance)
        .run(ops::CANCEL_TIMER, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&refused).as_deref(), Some("FORBIDDEN"));

    let node = app
        .admin()
        .post(
            "query($id: ID!) { node(id: $id) { __typename ... on Timer { kind } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["data"]["node"]["kind"], "test.stuck", "{node}");

    let cancelled = app
        .admin()
        .data(ops::CANCEL_TIMER, json!({ "id": id }))
        .await;
    assert_eq!(cancelled["timer"]["status"], "CANCELLED", "{cancelled}");
    app.admin()
        .refused(
            ops::CANCEL_TIMER,
            json!({ "id": id }),
            "id",
            "INVALID_STATE",
        )
        .await;
    app.admin()
        .refused(
            ops::CANCEL_TIMER,
            json!({ "id": Uuid::now_v7() }),
            "id",
            "NOT_FOUND",
        )
        .await;
    let actions = app.audit_actions(&id).await;
    assert_eq!(actions, ["timer.cancelled"]);

    // A cancelled timer never fires.
    app.clock.advance(Duration::days(2));
    let _worker = app.ensure_worker().await;
    let control = Uuid::now_v7();
    plan(db, "test.control", control, app.clock.now_utc()).await;
    wait_until_fired(db, control).await;
    assert_eq!(
        timers_of(db, subject).await[0].status,
        TimerStatus::Cancelled
    );
}
