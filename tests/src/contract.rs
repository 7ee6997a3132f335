//! The checks every mutating area needs, run against a small description of
//! the area. A new area describes itself with an [`Area`] and calls
//! [`Area::check_all`] (or the single checks, one test each).

use crate::kit::{
    Caller, Op, error_code, id_of, input_error, nodes, user_error_codes, user_errors,
};
use crate::{Role, TestApp};
use entity::{audit_entry, outbox};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

/// How an area's records are updated with optimistic concurrency.
pub struct Update {
    pub op: Op,
    /// A valid change (without id and version), the `i`th of many.
    pub change: fn(i: usize) -> Value,
    /// The input field that carries the version (e.g. `expectedVersion`).
    pub version_field: &'static str,
}

/// What CUSTOMER callers may do with an area's records.
pub struct CustomerAccess {
    /// Reads one record by id (`$id`); answers null when not visible.
    pub get: Op,
    /// Whether a CUSTOMER may call the update on its own records; then
    /// another customer's record must answer NOT_FOUND.
    pub may_update: bool,
}

/// A mutating area as the contract sees it.
pub struct Area<E: EntityTrait> {
    /// The area's rows (counted straight from the database).
    pub entity: E,
    /// The create mutation, taking `$input`.
    pub create: Op,
    /// The payload field holding the record (e.g. `customer`).
    pub record: &'static str,
    /// A valid create input, the `i`th of many distinct ones.
    pub valid_input: fn(i: usize) -> Value,
    /// An input the area refuses, and the userErrors it gives.
    pub invalid_input: fn() -> Value,
    pub invalid_errors: &'static [(&'static str, &'static str)],
    /// The audit action a create records.
    pub created_action: &'static str,
    /// The outbox topic a create emits, if any.
    pub event_topic: Option<&'static str>,
    pub update: Option<Update>,
    /// The list query, taking `$first` and `$after`.
    pub list: Op,
    /// A role without the permission to create.
    pub forbidden_role: Role,
    /// None when the area is staff-only.
    pub customer_access: Option<CustomerAccess>,
    /// Whether create honours `Idempotency-Key`.
    pub idempotent: bool,
}

/// One test per contract check for an area: `tests::area_contract!(my_area());`
/// in a test file (`my_area()` builds the [`Area`]).
#[macro_export]
macro_rules! area_contract {
    ($area:expr) => {
        $crate::area_contract!(
            $area;
            refused_input_writes_nothing,
            good_create_writes_row_audit_and_outbox,
            failure_in_the_transaction_rolls_back_and_hides_the_cause,
            stale_version_conflicts,
            unknown_or_foreign_ids_are_not_found,
            role_without_permission_is_forbidden,
            pages_walk_the_list_and_bad_paging_is_refused,
            idempotent_replay_creates_once
        );
    };
    ($area:expr; $($check:ident),+) => {$(
        #[tokio::test]
        async fn $check() {
            $area.$check().await;
        }
    )+};
}

/// Row, audit and outbox counts, to show that nothing was written.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    rows: u64,
    audit: u64,
    outbox: u64,
}

impl<E> Area<E>
where
    E: EntityTrait + Copy,
    E::Model: Sync,
{
    /// Every check, each on a fresh app.
    pub async fn check_all(&self) {
        self.refused_input_writes_nothing().await;
        self.good_create_writes_row_audit_and_outbox().await;
        self.failure_in_the_transaction_rolls_back_and_hides_the_cause()
            .await;
        self.stale_version_conflicts().await;
        self.unknown_or_foreign_ids_are_not_found().await;
        self.role_without_permission_is_forbidden().await;
        self.pages_walk_the_list_and_bad_paging_is_refused().await;
        self.idempotent_replay_creates_once().await;
    }

    async fn counts(&self, app: &TestApp) -> Counts {
        Counts {
            rows: app.count(self.entity).await,
            audit: app.count(audit_entry::Entity).await,
            outbox: app.count(outbox::Entity).await,
        }
    }

    async fn create_as(&self, caller: &Caller<'_>, input: Value) -> Value {
        caller.data(self.create, json!({ "input": input })).await
    }

    /// Create the `i`th valid record as ADMIN; its id.
    async fn created(&self, app: &TestApp, i: usize) -> String {
        let payload = self.create_as(&app.admin(), (self.valid_input)(i)).await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        id_of(&payload[self.record])
    }

    fn update(&self) -> Option<&Update> {
        self.update.as_ref()
    }

    /// The update as `caller`; the whole response body.
    async fn try_update(&self, caller: &Caller<'_>, id: &str, version: i64, i: usize) -> Value {
        let update = self.update().expect("an update");
        let mut input = (update.change)(i);
        input["id"] = json!(id);
        input[update.version_field] = json!(version);
        caller.run(update.op, json!({ "input": input })).await
    }

    /// The update as `caller`, which must answer without top-level errors;
    /// its payload.
    async fn update_as(&self, caller: &Caller<'_>, id: &str, version: i64, i: usize) -> Value {
        let body = self.try_update(caller, id, version, i).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        let field = self.update().expect("an update").op.field;
        body["data"][field].clone()
    }

    /// (a) A refused input writes nothing and names field and code.
    pub async fn refused_input_writes_nothing(&self) {
        let app = TestApp::spawn().await;
        let before = self.counts(&app).await;
        let payload = self.create_as(&app.admin(), (self.invalid_input)()).await;
        assert_eq!(payload[self.record], Value::Null, "{payload:#}");
        let expected: Vec<_> = self
            .invalid_errors
            .iter()
            .map(|(field, code)| input_error(field, code))
            .collect();
        assert_eq!(user_errors(&payload), expected, "{payload:#}");
        for e in payload["userErrors"].as_array().unwrap() {
            assert!(
                e["message"].as_str().is_some_and(|m| !m.is_empty()),
                "every userError explains itself: {e}"
            );
        }
        assert_eq!(self.counts(&app).await, before, "nothing written");
    }

    /// (b) A good create writes the row, one audit entry and (when the area
    /// has an event) one outbox row together.
    pub async fn good_create_writes_row_audit_and_outbox(&self) {
        let app = TestApp::spawn().await;
        let before = self.counts(&app).await;
        let id = self.created(&app, 0).await;
        let after = self.counts(&app).await;
        assert_eq!(after.rows, before.rows + 1);
        let audits = app.audit_entries(&id).await;
        assert_eq!(audits.len(), 1, "{audits:?}");
        assert_eq!(audits[0].action, self.created_action);
        assert!(audits[0].before.is_none());
        assert!(audits[0].after.is_some());
        let events = app.outbox_rows(&id).await;
        match self.event_topic {
            Some(topic) => {
                assert_eq!(events.len(), 1, "{events:?}");
                assert_eq!(events[0].topic, topic);
            }
            None => assert!(events.is_empty(), "{events:?}"),
        }
    }

    /// (c) If the outbox (or, without an event, the audit) insert fails, the
    /// client gets INTERNAL with a request id, no SQL, and nothing stays.
    pub async fn failure_in_the_transaction_rolls_back_and_hides_the_cause(&self) {
        let app = TestApp::spawn().await;
        let table = if self.event_topic.is_some() {
            "outbox"
        } else {
            "audit_entry"
        };
        app.break_inserts_into(table).await;
        let before = self.counts(&app).await;
        let body = app
            .admin()
            .run(self.create, json!({ "input": (self.valid_input)(0) }))
            .await;
        assert_eq!(error_code(&body).as_deref(), Some("INTERNAL"), "{body:#}");
        assert!(body["errors"][0]["extensions"]["requestId"].is_string());
        let text = body.to_string();
        assert!(
            !text.contains("secret sql detail") && !text.to_lowercase().contains("insert"),
            "{text}"
        );
        assert_eq!(self.counts(&app).await, before, "nothing stays");
    }

    /// (d) A stale expected version gets CONFLICT and changes nothing.
    pub async fn stale_version_conflicts(&self) {
        let Some(update) = self.update() else { return };
        let app = TestApp::spawn().await;
        let id = self.created(&app, 0).await;
        let fresh = self.update_as(&app.admin(), &id, 1, 1).await;
        assert_eq!(fresh["userErrors"], json!([]), "{fresh:#}");
        assert_eq!(fresh[self.record]["version"], 2);
        let before = self.counts(&app).await;
        let stale = self.update_as(&app.admin(), &id, 1, 2).await;
        assert_eq!(stale[self.record], Value::Null, "{stale:#}");
        assert_eq!(
            user_errors(&stale),
            vec![input_error(update.version_field, "CONFLICT")]
        );
        assert_eq!(
            self.counts(&app).await,
            before,
            "the stale write left nothing"
        );
        assert_eq!(app.audit_entries(&id).await.len(), 2);
    }

    /// (e) An unknown id is NOT_FOUND; another customer's record looks
    /// missing to a CUSTOMER.
    pub async fn unknown_or_foreign_ids_are_not_found(&self) {
        let app = TestApp::spawn().await;
        if self.update().is_some() {
            let before = self.counts(&app).await;
            let unknown = uuid::Uuid::now_v7().to_string();
            let payload = self.update_as(&app.admin(), &unknown, 1, 0).await;
            assert_eq!(payload[self.record], Value::Null);
            assert_eq!(user_error_codes(&payload), ["NOT_FOUND"], "{payload:#}");
            assert_eq!(self.counts(&app).await, before);
        }
        let Some(access) = &self.customer_access else {
            return;
        };
        let mine = app.admin().new_customer(json!({ "name": "Mine" })).await;
        let theirs = self.created(&app, 1).await;
        let customer = app.as_customer(&mine);
        let other = customer.data(access.get, json!({ "id": theirs })).await;
        assert_eq!(
            other,
            Value::Null,
            "another customer's record looks missing"
        );
        let seen = app.admin().data(access.get, json!({ "id": theirs })).await;
        assert_eq!(id_of(&seen), theirs, "staff see it");
        if access.may_update {
            let payload = self.update_as(&customer, &theirs, 1, 0).await;
            assert_eq!(user_error_codes(&payload), ["NOT_FOUND"]);
        }
    }

    /// (f) A role without the permission gets FORBIDDEN and writes nothing.
    pub async fn role_without_permission_is_forbidden(&self) {
        let app = TestApp::spawn().await;
        let caller = if self.forbidden_role == Role::Customer {
            let party = app.admin().new_customer(json!({ "name": "Caller" })).await;
            app.as_customer(&party)
        } else {
            app.as_role(self.forbidden_role)
        };
        let id = self.created(&app, 0).await;
        let before = self.counts(&app).await;
        let body = caller
            .run(self.create, json!({ "input": (self.valid_input)(1) }))
            .await;
        assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body:#}");
        let customer_may_update = self.customer_access.as_ref().is_some_and(|a| a.may_update);
        if self.forbidden_role == Role::Customer && customer_may_update {
            // Covered by (e): the update answers NOT_FOUND for others' records.
        } else if self.update().is_some() {
            let body = self.try_update(&caller, &id, 1, 1).await;
            assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body:#}");
        }
        assert_eq!(self.counts(&app).await, before, "nothing written");
    }

    /// (g) `first`/`after` walk the whole list in creation order; `first`
    /// above 100 and a malformed cursor are BAD_REQUEST.
    pub async fn pages_walk_the_list_and_bad_paging_is_refused(&self) {
        let app = TestApp::spawn().await;
        let mut created = Vec::new();
        for i in 0..5 {
            created.push(self.created(&app, i).await);
        }
        let admin = app.admin();
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = admin
                .data(self.list, json!({ "first": 2, "after": after }))
                .await;
            let ids: Vec<String> = nodes(&page).iter().map(id_of).collect();
            assert!(ids.len() <= 2, "{page:#}");
            if after.is_some() {
                assert_eq!(page["pageInfo"]["hasPreviousPage"], true, "{page:#}");
            }
            seen.extend(ids);
            pages += 1;
            assert!(pages <= 5, "paging does not end: {seen:?}");
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = Some(
                page["pageInfo"]["endCursor"]
                    .as_str()
                    .expect("an end cursor")
                    .to_owned(),
            );
        }
        assert_eq!(seen, created, "oldest first, each once");
        assert_eq!(pages, 3);
        for (variables, code) in [
            (json!({ "first": 101 }), "BAD_REQUEST"),
            // Charged at its page size before it runs.
            (json!({ "first": 1_000_000 }), "LIMIT_EXCEEDED"),
            (json!({ "first": -1 }), "BAD_REQUEST"),
            (json!({ "after": "!!" }), "BAD_REQUEST"),
        ] {
            let body = admin.run(self.list, variables.clone()).await;
            assert_eq!(
                error_code(&body).as_deref(),
                Some(code),
                "{variables}: {body:#}"
            );
        }
    }

    /// (h) The same Idempotency-Key with the same input replays the record
    /// and writes once.
    pub async fn idempotent_replay_creates_once(&self) {
        if !self.idempotent {
            return;
        }
        let app = TestApp::spawn().await;
        let before = self.counts(&app).await;
        let caller = app.admin().with_idempotency_key("contract-key");
        let first = self.create_as(&caller, (self.valid_input)(0)).await;
        let again = self.create_as(&caller, (self.valid_input)(0)).await;
        assert_eq!(again["userErrors"], json!([]));
        assert_eq!(id_of(&first[self.record]), id_of(&again[self.record]));
        assert_eq!(first[self.record], again[self.record], "the same record");
        let after = self.counts(&app).await;
        assert_eq!(after.rows, before.rows + 1);
        assert_eq!(after.audit, before.audit + 1);
        let events = u64::from(self.event_topic.is_some());
        assert_eq!(after.outbox, before.outbox + events);
    }
}
