//! Typed helpers over the GraphQL API: every operation's document written
//! once, a caller per role running the same helpers, readers for the audit
//! trail and outbox, and polling with a deadline.

use crate::Role;
use crate::TestApp;
use entity::{audit_entry, notification, outbox};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::time::Duration;

/// One GraphQL operation: its document and the root field it answers in.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    pub document: &'static str,
    pub field: &'static str,
}

/// `const $name: Op` answering in `$field`, its document the concatenation
/// of the rest (literals, or macros giving them).
#[macro_export]
macro_rules! op_const {
    ($vis:vis $name:ident = $field:literal: $($document:tt)*) => {
        $vis const $name: $crate::Op = $crate::Op {
            field: $field,
            document: concat!($($document)*),
        };
    };
}

/// `const $name: Op` for the mutation `$field(input: $input)` answering its
/// `$record` with `$fields` (a literal or a macro giving one) and the
/// userErrors.
#[macro_export]
macro_rules! record_mutation {
    ($vis:vis $name:ident = $field:literal($input:literal) $record:literal { $($fields:tt)* }) => {
        $crate::op_const!($vis $name = $field:
            "mutation($input: ", $input, "!) { ", $field, "(input: $input) { ", $record,
            " { ", $($fields)*, " } userErrors { field code message } } }"
        );
    };
}

/// The documents, each written once. Selections are the union of what the
/// tests read.
pub mod ops {
    use super::Op;

    /// Mutations answering in their field's payload: the selection plus the
    /// userErrors every payload carries, one line each.
    macro_rules! mutations {
        ($($name:ident = $field:literal($variables:literal, $arguments:literal) { $selection:literal })*) => {$(
            crate::op_const!(pub $name = $field:
                "mutation(", $variables, ") {\n  ", $field, "(", $arguments, ") {\n    ",
                $selection, "\n    userErrors { field code message }\n  }\n}"
            );
        )*};
    }

    /// Connection queries: `first`/`after` paging added to the field's own
    /// variables and arguments, the node selection, and the whole pageInfo.
    macro_rules! connections {
        ($($name:ident = $field:literal($variables:literal, $arguments:literal) { $node:literal })*) => {$(
            crate::op_const!(pub $name = $field:
                "query($first: Int, $after: String", $variables, ") {\n  ", $field,
                "(first: $first, after: $after", $arguments, ") {\n    edges { cursor node { ",
                $node, " } }\n    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n  }\n}"
            );
        )*};
    }

    connections! {
        CUSTOMERS = "customers"(", $search: String", ", search: $search") { "id name email version" }
        AUDIT_TRAIL = "auditTrail"(", $id: ID!", ", subjectId: $id") { "id action actorId actorRole before after subjectId subjectType occurredAt" }
        DEAD_JOBS = "deadJobs"("", "") { "id jobKind referenceId lastError attempts retriedAt" }
        PUBLIC_HOLIDAYS = "publicHolidays"(", $year: Int!", ", year: $year") { "date name" }
        APPROVALS = "approvals"(", $filter: ApprovalFilter", ", filter: $filter") { "id kind status stepsRemaining requesterId" }
        APPROVAL_POLICIES = "approvalPolicies"("", "") { "kind deciderRole autoApproveBelow { amount currency } singleApproverUpTo { amount } secondApproverRole followUpBusinessHours dueBusinessHours onDue escalateToRole offlineRole version" }
        TIMERS = "timers"(", $filter: TimerFilter", ", filter: $filter") { "id kind subjectId generation dueAt status payload firedAt" }
    }

    mutations! {
        CREATE_CUSTOMER = "createCustomer"("$input: CreateCustomerInput!", "input: $input") { "customer { id name email phone abn version }" }
        UPDATE_CUSTOMER = "updateCustomer"("$input: UpdateCustomerInput!", "input: $input") { "customer { id name email phone abn version }" }
        CREATE_USER = "createUser"("$input: CreateUserInput!", "input: $input") { "user { id email role disabled }" }
        DISABLE_USER = "disableUser"("$id: ID!", "input: { id: $id }") { "user { id disabled }" }
        LOGIN = "login"("$email: String!, $password: String!", "input: { email: $email, password: $password }") { "token expiresAt retryAfterSeconds user { id role }" }
        UPDATE_BUSINESS_SETTINGS = "updateBusinessSettings"("$input: UpdateBusinessSettingsInput!", "input: $input") { "settings { legalName abn gstRegistered gstRounding timezone version }" }
        RETRY_DEAD_JOB = "retryDeadJob"("$id: ID!", "input: { id: $id }") { "deadJob { id retriedAt }" }
        ADD_PUBLIC_HOLIDAY = "addPublicHoliday"("$date: NaiveDate!, $name: String!", "input: { date: $date, name: $name }") { "publicHoliday { date name }" }
        REMOVE_PUBLIC_HOLIDAY = "removePublicHoliday"("$date: NaiveDate!", "input: { date: $date }") { "publicHoliday { date name }" }
        REQUEST_APPROVAL = "requestApproval"("$input: RequestApprovalInput!", "input: $input") { "approval { id kind status amount { amount currency } stepsRequired stepsRemaining followUpAt dueAt decisions { step deciderId deciderRole decision } }" }
        DECIDE_APPROVAL = "decideApproval"("$input: DecideApprovalInput!", "input: $input") { "approval { id status stepsRemaining decisions { step deciderId deciderRole decision comment evidence } }" }
        CANCEL_APPROVAL = "cancelApproval"("$id: ID!", "input: { id: $id }") { "approval { id status }" }
        UPDATE_APPROVAL_POLICY = "updateApprovalPolicy"("$input: UpdateApprovalPolicyInput!", "input: $input") { "policy { kind version onDue escalateToRole autoApproveBelow { amount } singleApproverUpTo { amount } secondApproverRole }" }
        CANCEL_TIMER = "cancelTimer"("$id: ID!", "input: { id: $id }") { "timer { id status }" }
        DECIDE = "decideApproval"("$input: DecideApprovalInput!", "input: $input") { "approval { id status }" }
        GIVE_CONSENT = "giveConsent"("$input: GiveConsentInput!", "input: $input") { "consent { id }" }
    }

    pub const APPROVAL: Op = Op {
        field: "approval",
        document: "query($id: ID!) { approval(id: $id) { id kind status escalatedToRole stepsRequired stepsRemaining policyVersion decisions { step deciderId deciderRole decision } } }",
    };
    pub const BUSINESS_DEADLINE: Op = Op {
        field: "businessDeadline",
        document: "query($start: DateTime!, $businessHours: Int, $hours: Int) { businessDeadline(start: $start, businessHours: $businessHours, hours: $hours) }",
    };

    pub const CUSTOMER: Op = Op {
        field: "customer",
        document: "query($id: ID!) { customer(id: $id) { id name email phone abn version } }",
    };
    pub const ME: Op = Op {
        field: "me",
        document: "{ me { id role customerId user { email customer { name } } } }",
    };
    pub const BUSINESS_SETTINGS: Op = Op {
        field: "businessSettings",
        document: "{ businessSettings { legalName abn gstRegistered gstRounding timezone version holidayWarning } }",
    };
}

/// Who sends the requests: a token (or none) and extra headers.
#[derive(Clone)]
pub struct Caller<'a> {
    pub app: &'a TestApp,
    token: Option<String>,
    headers: Vec<(String, String)>,
}

impl TestApp {
    /// The development ADMIN every plain `gql` call uses.
    pub fn admin(&self) -> Caller<'_> {
        self.as_role(Role::Admin)
    }

    /// A staff caller with `role`.
    pub fn as_role(&self, role: Role) -> Caller<'_> {
        self.caller(Some(self.token_for(role, None)))
    }

    /// A CUSTOMER caller for the customer `party_id`.
    pub fn as_customer(&self, party_id: &str) -> Caller<'_> {
        let party = party_id.parse().expect("a customer id");
        self.caller(Some(self.token_for(Role::Customer, Some(party))))
    }

    /// No token at all.
    pub fn anonymous(&self) -> Caller<'_> {
        self.caller(None)
    }

    /// Any bearer token (e.g. one from `login`).
    pub fn with_token(&self, token: &str) -> Caller<'_> {
        self.caller(Some(token.to_owned()))
    }

    fn caller(&self, token: Option<String>) -> Caller<'_> {
        Caller {
            app: self,
            token,
            headers: Vec::new(),
        }
    }
}

impl TestApp {
    /// What the domain runs as when the system (not a login) acts, on this
    /// app's clock.
    pub fn system_ctx(&self) -> domain::Ctx {
        domain::Ctx::system(std::sync::Arc::new(self.clock.clone()))
    }
}

impl Caller<'_> {
    /// The same caller sending an extra header on every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The same caller with an `Idempotency-Key`.
    pub fn with_idempotency_key(self, key: &str) -> Self {
        self.with_header("Idempotency-Key", key)
    }

    /// POST any document; the whole response body.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        post_json(
            &self.app.client,
            &self.app.base_url,
            self.token.as_deref(),
            &headers,
            &json!({ "query": query, "variables": variables }),
        )
        .await
    }

    /// Run `op`; the whole response body (for top-level errors).
    pub async fn run(&self, op: Op, variables: Value) -> Value {
        self.post(op.document, variables).await
    }

    /// Run `op`, which must answer without top-level errors; its field.
    pub async fn data(&self, op: Op, variables: Value) -> Value {
        let body = self.run(op, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected GraphQL errors from {}: {body:#}",
            op.field
        );
        body["data"][op.field].clone()
    }

    /// Run `op`, whose payload must carry no userErrors: the payload.
    pub async fn accepted(&self, op: Op, variables: Value) -> Value {
        let payload = self.data(op, variables).await;
        assert!(user_errors(&payload).is_empty(), "{payload}");
        payload
    }

    /// Run `op`, whose payload must carry exactly one userError: `code` at
    /// the input's `field`. The payload.
    pub async fn refused(&self, op: Op, variables: Value, field: &str, code: &str) -> Value {
        let payload = self.data(op, variables).await;
        assert_eq!(
            user_errors(&payload),
            [input_error(field, code)],
            "{payload}"
        );
        payload
    }

    /// `createCustomer` payload.
    pub async fn create_customer(&self, input: Value) -> Value {
        self.data(ops::CREATE_CUSTOMER, json!({ "input": input }))
            .await
    }

    /// Create a customer that must be accepted; its id.
    pub async fn new_customer(&self, input: Value) -> String {
        let payload = self.create_customer(input).await;
        assert_eq!(payload["userErrors"], json!([]), "{payload:#}");
        id_of(&payload["customer"])
    }

    /// `updateCustomer` payload.
    pub async fn update_customer(&self, input: Value) -> Value {
        self.data(ops::UPDATE_CUSTOMER, json!({ "input": input }))
            .await
    }

    /// One customer, or null.
    pub async fn customer(&self, id: &str) -> Value {
        self.data(ops::CUSTOMER, json!({ "id": id })).await
    }

    /// A page of customers (the connection).
    pub async fn customers(
        &self,
        first: Option<i64>,
        after: Option<&str>,
        search: Option<&str>,
    ) -> Value {
        self.data(
            ops::CUSTOMERS,
            json!({ "first": first, "after": after, "search": search }),
        )
        .await
    }

    /// `createUser` payload.
    pub async fn create_user(&self, input: Value) -> Value {
        self.data(ops::CREATE_USER, json!({ "input": input })).await
    }

    /// `disableUser` payload.
    pub async fn disable_user(&self, id: &str) -> Value {
        self.data(ops::DISABLE_USER, json!({ "id": id })).await
    }

    /// `login` payload.
    pub async fn login(&self, email: &str, password: &str) -> Value {
        self.data(ops::LOGIN, json!({ "email": email, "password": password }))
            .await
    }

    /// The caller as the API sees it.
    pub async fn me(&self) -> Value {
        self.data(ops::ME, json!({})).await
    }

    /// The first 100 audit entries of a record (the connection).
    pub async fn audit_trail(&self, subject_id: &str) -> Value {
        self.data(ops::AUDIT_TRAIL, json!({ "id": subject_id, "first": 100 }))
            .await
    }

    /// The business settings.
    pub async fn business_settings(&self) -> Value {
        self.data(ops::BUSINESS_SETTINGS, json!({})).await
    }

    /// `updateBusinessSettings` payload.
    pub async fn update_business_settings(&self, input: Value) -> Value {
        self.data(ops::UPDATE_BUSINESS_SETTINGS, json!({ "input": input }))
            .await
    }

    /// Change business settings from whatever version they are at now;
    /// the settings after.
    pub async fn change_business_settings(&self, mut input: Value) -> Value {
        let version = self.business_settings().await["version"].clone();
        input["expectedVersion"] = version;
        let changed = self.update_business_settings(input).await;
        assert!(user_errors(&changed).is_empty(), "{changed}");
        changed["settings"].clone()
    }

    /// Consent for `customer` to `purpose`, given `how`, which must be
    /// accepted: the consent's id.
    pub async fn give_consent(&self, customer: &str, purpose: &str, how: &str) -> String {
        let input = json!({ "customerId": customer, "purpose": purpose, "how": how });
        let given = self
            .accepted(ops::GIVE_CONSENT, json!({ "input": input }))
            .await;
        id_of(&given["consent"])
    }

    /// The first 100 dead jobs (the connection).
    pub async fn dead_jobs(&self) -> Value {
        self.data(ops::DEAD_JOBS, json!({ "first": 100 })).await
    }

    /// `retryDeadJob` payload.
    pub async fn retry_dead_job(&self, id: &str) -> Value {
        self.data(ops::RETRY_DEAD_JOB, json!({ "id": id })).await
    }
}

/// POST a JSON body to `{base_url}/graphql` (any server: the in-process
/// app or a spawned `api`); the response body as JSON.
pub async fn post_json(
    client: &reqwest::Client,
    base_url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: &Value,
) -> Value {
    let mut request = client.post(format!("{base_url}/graphql")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    request
        .send()
        .await
        .expect("request sent")
        .json()
        .await
        .expect("JSON response")
}

/// `base` (an object) with the fields of `extra` (an object) added, or
/// replacing its own.
pub fn with_fields(mut base: Value, extra: &Value) -> Value {
    let extra = extra
        .as_object()
        .unwrap_or_else(|| panic!("an object: {extra}"));
    base.as_object_mut()
        .unwrap_or_else(|| panic!("an object"))
        .extend(extra.clone());
    base
}

/// The `id` of a record as a string.
pub fn id_of(record: &Value) -> String {
    record["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a record with an id: {record}"))
        .to_owned()
}

/// The nodes of a connection.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("a connection: {connection}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// A payload's userErrors as (field path, code); an error without a field
/// has an empty path.
pub fn user_errors(payload: &Value) -> Vec<(Vec<String>, String)> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("a payload with userErrors: {payload}"))
        .iter()
        .map(|e| {
            let field = e["field"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .map(|s| s.as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            (field, e["code"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

/// The codes of a payload's userErrors, in order.
pub fn user_error_codes(payload: &Value) -> Vec<String> {
    user_errors(payload).into_iter().map(|(_, c)| c).collect()
}

/// `(["input", field], code)`, the shape of most expected userErrors.
pub fn input_error(field: &str, code: &str) -> (Vec<String>, String) {
    path_error(&["input", field], code)
}

/// `(["input", a, b, …], code)` for a dotted path `a.b.…` inside the input.
pub fn input_path_error(dotted: &str, code: &str) -> (Vec<String>, String) {
    let path: Vec<&str> = std::iter::once("input").chain(dotted.split('.')).collect();
    path_error(&path, code)
}

/// `(path, code)`: an expected userError at any field path.
pub fn path_error(path: &[&str], code: &str) -> (Vec<String>, String) {
    (
        path.iter().map(|p| (*p).to_owned()).collect(),
        code.to_owned(),
    )
}

/// A KPI rate as the API answers it: `{ rate, numerator, denominator }`.
pub fn kpi_rate(rate: f64, numerator: i64, denominator: i64) -> Value {
    json!({ "rate": rate, "numerator": numerator, "denominator": denominator })
}

/// The first top-level error's `extensions.code`.
pub fn error_code(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

fn uuid(id: &str) -> uuid::Uuid {
    uuid::Uuid::parse_str(id).unwrap_or_else(|e| panic!("{id} is not a UUID: {e}"))
}

impl TestApp {
    /// Audit entries of one record, oldest first, straight from the database.
    pub async fn audit_entries(&self, subject_id: &str) -> Vec<audit_entry::Model> {
        self.rows_about(
            audit_entry::Column::SubjectId,
            audit_entry::Column::Id,
            subject_id,
        )
        .await
    }

    /// The actions of one record's audit trail, oldest first.
    pub async fn audit_actions(&self, subject_id: &str) -> Vec<String> {
        self.audit_entries(subject_id)
            .await
            .into_iter()
            .map(|e| e.action)
            .collect()
    }

    /// Outbox rows of one record, oldest first, straight from the database.
    pub async fn outbox_rows(&self, subject_id: &str) -> Vec<outbox::Model> {
        self.rows_about(outbox::Column::SubjectId, outbox::Column::Id, subject_id)
            .await
    }

    /// Notifications of `kind` about one record (one per recipient).
    pub async fn notifications_of(
        &self,
        kind: entity::NotificationKind,
        subject_id: &str,
    ) -> Vec<notification::Model> {
        self.rows_about(
            notification::Column::SubjectId,
            notification::Column::Id,
            subject_id,
        )
        .await
        .into_iter()
        .filter(|n| n.kind == kind)
        .collect()
    }

    /// A caller with its own subject (a distinct person) and `role`.
    pub fn person(&self, subject: &str, role: Role) -> Caller<'_> {
        let token = api::auth::issue_token(
            &self.app.state.config.jwt_secret,
            subject,
            role,
            None,
            self.clock.now_utc(),
            chrono::Duration::days(365),
        );
        self.with_token(&token)
    }

    /// The notification about one record, if any.
    pub async fn notification_for(&self, subject_id: &str) -> Option<notification::Model> {
        let rows = self
            .rows_about(
                notification::Column::SubjectId,
                notification::Column::Id,
                subject_id,
            )
            .await;
        assert!(rows.len() <= 1, "one notification per record: {rows:?}");
        rows.into_iter().next()
    }

    /// Rows whose `subject` column is `subject_id`, ordered by `order`.
    async fn rows_about<C: ColumnTrait>(
        &self,
        subject: C,
        order: C,
        subject_id: &str,
    ) -> Vec<<C::EntityName as EntityTrait>::Model>
    where
        C::EntityName: EntityTrait<Column = C>,
    {
        <C::EntityName as EntityTrait>::find()
            .filter(subject.eq(uuid(subject_id)))
            .order_by_asc(order)
            .all(self.db())
            .await
            .expect("read rows")
    }

    /// GET a path of the app (e.g. `/healthz`).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .expect("request sent")
    }

    /// Make every insert into `table` fail inside the database with the
    /// message `secret sql detail` (SQLite or PostgreSQL trigger).
    pub async fn break_inserts_into(&self, table: &str) {
        let statements = match self.db().get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => vec![format!(
                "CREATE TRIGGER test_break_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'secret sql detail'); END"
            )],
            _ => vec![
                format!(
                    "CREATE FUNCTION test_break_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'secret sql detail'; END $$"
                ),
                format!(
                    "CREATE TRIGGER test_break_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_break_{table}()"
                ),
            ],
        };
        for sql in statements {
            self.db()
                .execute_unprepared(&sql)
                .await
                .expect("install the breaking trigger");
        }
    }
}

/// How long tests wait for the worker (to send an email, to drain the outbox).
const WORKER_PATIENCE: Duration = Duration::from_secs(60);

impl TestApp {
    /// `subject`, a distinct person of `role`, decides the approval `id`
    /// (`APPROVE` or `REJECT`, with an optional comment): the payload.
    pub async fn decide_approval(
        &self,
        subject: &str,
        role: Role,
        id: impl serde::Serialize,
        decision: &str,
        comment: Option<&str>,
    ) -> Value {
        let input = json!({ "id": id, "decision": decision, "comment": comment });
        self.person(subject, role)
            .data(ops::DECIDE, json!({ "input": input }))
            .await
    }

    /// `subject`, a distinct person of `role`, approves the approval `id`,
    /// which is APPROVED then.
    pub async fn approve(&self, subject: &str, role: Role, id: impl serde::Serialize) {
        let decided = self
            .decide_approval(subject, role, id, "APPROVE", None)
            .await;
        assert_eq!(decided["approval"]["status"], "APPROVED", "{decided}");
    }

    /// A customer with a name and an email address, created by ADMIN; its id.
    pub async fn customer_named(&self, name: &str, email: &str) -> String {
        self.admin()
            .new_customer(json!({ "name": name, "email": email }))
            .await
    }

    /// The first notification of `kind` about `subject_id` recorded SENT,
    /// once there is one.
    pub async fn sent_notification(
        &self,
        kind: entity::NotificationKind,
        subject_id: &str,
    ) -> notification::Model {
        wait_for_value(
            &format!("the {kind:?} email"),
            WORKER_PATIENCE,
            async || {
                self.notifications_of(kind, subject_id)
                    .await
                    .into_iter()
                    .find(|n| n.status == entity::NotificationStatus::Sent)
            },
        )
        .await
    }

    /// The notification of `kind` about `subject_id` to `recipient`, once it
    /// is recorded SENT.
    pub async fn sent_notification_to(
        &self,
        kind: entity::NotificationKind,
        subject_id: &str,
        recipient: &str,
    ) -> notification::Model {
        let what = format!("the {kind:?} email to {recipient}");
        wait_for_value(&what, WORKER_PATIENCE, async || {
            self.notifications_of(kind, subject_id)
                .await
                .into_iter()
                .find(|n| n.recipient == recipient && n.status == entity::NotificationStatus::Sent)
        })
        .await
    }

    /// Wait until the one notification of `kind` about `subject_id` (never a
    /// second) is SENT to `recipient`.
    pub async fn emailed_once_to(
        &self,
        kind: entity::NotificationKind,
        subject_id: &str,
        recipient: &str,
    ) {
        wait_for(
            &format!("the {kind:?} email"),
            WORKER_PATIENCE,
            async || {
                let rows = self.notifications_of(kind, subject_id).await;
                assert!(rows.len() <= 1, "one {kind:?} email: {rows:?}");
                rows.first().is_some_and(|n| {
                    n.status == entity::NotificationStatus::Sent && n.recipient == recipient
                })
            },
        )
        .await;
    }

    /// GET an absolute `url` that must answer: its body as text.
    pub async fn fetch_text(&self, url: &str) -> String {
        self.client
            .get(url)
            .send()
            .await
            .expect("request sent")
            .text()
            .await
            .expect("a text body")
    }

    /// Wait (as `what`) until the worker has processed every outbox row.
    pub async fn outbox_drained(&self, what: &str) {
        use sea_orm::PaginatorTrait;
        wait_for(what, WORKER_PATIENCE, async || {
            outbox::Entity::find()
                .filter(outbox::Column::ProcessedAt.is_null())
                .count(self.db())
                .await
                .expect("count unprocessed outbox rows")
                == 0
        })
        .await
    }

    /// Wait (as `what`) until the worker has processed the outbox row `row`.
    pub async fn outbox_processed(&self, what: &str, row: &outbox::Model) {
        wait_for(what, WORKER_PATIENCE, async || {
            outbox::Entity::find_by_id(row.id)
                .one(self.db())
                .await
                .expect("read the outbox row")
                .expect("the outbox row")
                .processed_at
                .is_some()
        })
        .await
    }

    /// Record an outbox event about `subject_id`, as the code that causes
    /// it would, for the worker to handle.
    pub async fn record_event(
        &self,
        topic: &str,
        subject_id: uuid::Uuid,
        payload: &str,
    ) -> outbox::Model {
        use sea_orm::{ActiveModelTrait, Set};
        let mut row = an_outbox_row(topic, payload);
        row.subject_id = Set(subject_id);
        row.insert(self.db())
            .await
            .expect("record the outbox event")
    }

    /// The email the SENT notification of `kind` about `subject_id` wrote,
    /// raw, once sent.
    pub async fn sent_email(&self, kind: entity::NotificationKind, subject_id: &str) -> Vec<u8> {
        let sent = self.sent_notification(kind, subject_id).await;
        self.email_with_id(&sent.message_id)
    }
}

/// The parts of an email tests read.
#[derive(Debug, Clone)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Whether it carries a `List-Unsubscribe` header (commercial email does).
    pub unsubscribe: bool,
}

impl Email {
    /// Parse a raw email.
    pub fn parse(raw: &[u8]) -> Email {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("an email");
        Email {
            subject: message.subject().unwrap_or_default().to_owned(),
            text: message.body_text(0).unwrap_or_default().into_owned(),
            html: message.body_html(0).unwrap_or_default().into_owned(),
            unsubscribe: message.header_raw("List-Unsubscribe").is_some(),
        }
    }
}

/// The string at `key` of every item of a JSON array, in order.
pub fn strings<'a>(items: &'a Value, key: &str) -> Vec<&'a str> {
    items
        .as_array()
        .unwrap_or_else(|| panic!("an array: {items}"))
        .iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("a string at {key}: {item}"))
        })
        .collect()
}

/// An outbox row as the kernel writes one (PENDING, no attempts, created
/// now); tests change the fields their case needs before inserting it.
pub fn an_outbox_row(topic: &str, payload: &str) -> outbox::ActiveModel {
    let subject_id = uuid::Uuid::now_v7();
    domain::kernel::write::pending_outbox_row(topic, subject_id, payload.to_owned())
}

/// Poll `ready` every 50 ms until it holds; panics after `timeout`.
pub async fn wait_for(what: &str, timeout: Duration, mut ready: impl AsyncFnMut() -> bool) {
    wait_for_value(what, timeout, async || ready().await.then_some(())).await
}

/// Poll `ready` every 50 ms until it gives a value; panics after `timeout`.
pub async fn wait_for_value<T>(
    what: &str,
    timeout: Duration,
    mut ready: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = ready().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
