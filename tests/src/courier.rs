//! A fake courier on loopback speaking the HTTP contract of
//! docs/courier-api.md: it issues labels (one per reference), answers
//! tracking calls with what the test told it, checks the API key, and can
//! be taken down (503), made to fail (500) or to hang past the client's
//! timeout, to test an outage.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The key the fake courier expects.
pub const API_KEY: &str = "fake-courier-key";

/// How the fake courier misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Every call answers 503 (down for maintenance).
    Down,
    /// Every call answers 500.
    Failing,
    /// Every call gets no answer for longer than the client waits.
    Hanging,
}

/// How long a hanging call waits before answering: far past the 2 s client
/// timeout `config` sets.
const HANG: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Books {
    /// reference → tracking number
    labels: HashMap<String, String>,
    /// tracking number → (checkpoints, estimate)
    tracking: HashMap<String, (Vec<Value>, Option<NaiveDate>)>,
    /// The tracking numbers of each tracking call, in order.
    calls: Vec<Vec<String>>,
    fault: Fault,
}

#[derive(Clone)]
pub struct FakeCourier {
    pub base_url: String,
    books: Arc<Mutex<Books>>,
}

impl FakeCourier {
    pub async fn start() -> FakeCourier {
        let books = Arc::new(Mutex::new(Books::default()));
        let app = Router::new()
            .route("/v1/labels", post(label))
            .route("/v1/tracking", post(track))
            .route_layer(middleware::from_fn_with_state(books.clone(), turned_away))
            .with_state(books.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeCourier {
            base_url: format!("http://{addr}"),
            books,
        }
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        open(&self.books)
    }

    /// The configuration that points courier `code` (A–E) here.
    pub fn config(&self, code: &str) -> Vec<(String, String)> {
        vec![
            (format!("COURIER_{code}_URL"), self.base_url.clone()),
            (format!("COURIER_{code}_API_KEY"), API_KEY.to_owned()),
            (format!("COURIER_{code}_TIMEOUT_MS"), "2000".to_owned()),
        ]
    }

    /// The courier reports a new checkpoint for a package (and, when given,
    /// a new estimated delivery).
    pub fn report(
        &self,
        tracking_number: &str,
        at: DateTime<Utc>,
        status: &str,
        sub_status: Option<&str>,
        raw_code: &str,
        estimate: Option<NaiveDate>,
    ) {
        let mut books = self.books();
        let entry = books
            .tracking
            .entry(tracking_number.to_owned())
            .or_default();
        entry.0.push(json!({
            "occurred_at": at.to_rfc3339(),
            "status": status,
            "sub_status": sub_status,
            "location": "Alexandria NSW",
            "message": format!("{status} ({raw_code})"),
            "raw_code": raw_code,
        }));
        if estimate.is_some() {
            entry.1 = estimate;
        }
    }

    /// Take the courier down (every call answers 503) or bring it back.
    pub fn set_down(&self, down: bool) {
        self.set_fault(if down { Fault::Down } else { Fault::None });
    }

    /// Make every call fail this way from now on (`Fault::None`: answer).
    pub fn set_fault(&self, fault: Fault) {
        self.books().fault = fault;
    }

    /// The tracking numbers asked in each tracking call so far.
    pub fn tracking_calls(&self) -> Vec<Vec<String>> {
        self.books().calls.clone()
    }

    /// Labels issued so far.
    pub fn labels_issued(&self) -> usize {
        self.books().labels.len()
    }
}

type SharedBooks = Arc<Mutex<Books>>;

/// The books, whatever a panicking holder left them as.
fn open(books: &SharedBooks) -> MutexGuard<'_, Books> {
    books.lock().unwrap_or_else(|e| e.into_inner())
}

/// A failure to answer with instead of the real answer, if the courier is
/// set to fail; a hanging call has waited (without the books) first.
async fn fault(books: &SharedBooks) -> Option<Response> {
    let fault = open(books).fault;
    match fault {
        Fault::None => None,
        Fault::Down => {
            Some((StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response())
        }
        Fault::Failing => {
            Some((StatusCode::INTERNAL_SERVER_ERROR, "internal server error").into_response())
        }
        Fault::Hanging => {
            tokio::time::sleep(HANG).await;
            Some((StatusCode::GATEWAY_TIMEOUT, "gave up").into_response())
        }
    }
}

fn refused(headers: &HeaderMap) -> Option<Response> {
    let expected = format!("Bearer {API_KEY}");
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (given != expected).then(|| (StatusCode::UNAUTHORIZED, "bad key").into_response())
}

/// Every call passes here first: it gets the fault configured now, else
/// the refusal of a wrong API key, else its answer.
async fn turned_away(State(books): State<SharedBooks>, request: Request, next: Next) -> Response {
    if let Some(failure) = fault(&books).await {
        return failure;
    }
    if let Some(refusal) = refused(request.headers()) {
        return refusal;
    }
    next.run(request).await
}

async fn label(State(books): State<SharedBooks>, Json(body): Json<Value>) -> Response {
    let mut books = open(&books);
    let Some(reference) = body["reference"].as_str().map(str::to_owned) else {
        return (StatusCode::BAD_REQUEST, "reference is required").into_response();
    };
    if body["to"]["postcode"]
        .as_str()
        .unwrap_or_default()
        .is_empty()
    {
        return (StatusCode::UNPROCESSABLE_ENTITY, "no postcode").into_response();
    }
    let next = books.labels.len() + 1;
    let number = books
        .labels
        .entry(reference.clone())
        .or_insert_with(|| format!("FC{next:09}AU"))
        .clone();
    (
        StatusCode::CREATED,
        Json(json!({
            "tracking_number": number,
            "label_reference": format!("LBL-{reference}"),
            "estimated_delivery": null,
        })),
    )
        .into_response()
}

async fn track(State(books): State<SharedBooks>, Json(body): Json<Value>) -> Response {
    let mut books = open(&books);
    let asked: Vec<String> = body["packages"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["tracking_number"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    books.calls.push(asked.clone());
    let shipments: Vec<Value> = asked
        .iter()
        .filter_map(|n| {
            let (checkpoints, estimate) = books.tracking.get(n)?;
            Some(json!({
                "tracking_number": n,
                "estimated_delivery": estimate.map(|d| d.to_string()),
                "checkpoints": checkpoints,
            }))
        })
        .collect();
    Json(json!({ "shipments": shipments })).into_response()
}
