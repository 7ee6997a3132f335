//! A webhook receiver for the tests: axum on 127.0.0.1:0 recording every
//! delivery (headers, exact body, the app clock at arrival) and answering
//! as told: fail the next N with a status, or always, then succeed.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use domain::ManualClock;
use domain::rules::webhooks::Secret;
use std::sync::{Arc, Mutex};

/// One delivery as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub webhook_id: String,
    pub timestamp: i64,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    /// The app clock at arrival (unix seconds).
    pub arrived_at: i64,
    /// What the receiver answered.
    pub answered: u16,
}

impl Received {
    /// Whether the signature verifies with `secret` (as shown, `whsec_…`)
    /// as a receiver would at arrival.
    pub fn verifies_with(&self, secret: &str) -> bool {
        let secret = Secret::parse(secret).expect("a shown secret parses");
        secret.verify(
            &self.webhook_id,
            self.timestamp,
            self.body.as_bytes(),
            &self.signature,
            self.arrived_at,
        )
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Script {
    failures_left: usize,
    always: bool,
    status: u16,
    received: Vec<Received>,
}

struct Shared {
    clock: ManualClock,
    script: Mutex<Script>,
}

/// The running receiver (stops with the test).
pub struct Receiver {
    pub url: String,
    shared: Arc<Shared>,
}

impl Receiver {
    pub async fn start(clock: &ManualClock) -> Receiver {
        let shared = Arc::new(Shared {
            clock: clock.clone(),
            script: Mutex::new(Script::default()),
        });
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, shared }
    }

    /// Answer the next `n` deliveries with `status`, then 200.
    pub fn fail_next(&self, n: usize, status: u16) {
        let mut s = self.shared.script.lock().unwrap();
        (s.failures_left, s.always, s.status) = (n, false, status);
    }

    /// Answer every delivery with `status` until told otherwise.
    pub fn always_fail(&self, status: u16) {
        let mut s = self.shared.script.lock().unwrap();
        (s.always, s.status) = (true, status);
    }

    /// Answer 200 from now on.
    pub fn succeed(&self) {
        let mut s = self.shared.script.lock().unwrap();
        (s.failures_left, s.always) = (0, false);
    }

    /// Every delivery so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.script.lock().unwrap().received.clone()
    }
}

async fn hook(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut script = shared.script.lock().unwrap();
    let answered = if script.always {
        script.status
    } else if script.failures_left > 0 {
        script.failures_left -= 1;
        script.status
    } else {
        200
    };
    script.received.push(Received {
        webhook_id: header("webhook-id"),
        timestamp: header("webhook-timestamp").parse().unwrap_or_default(),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body,
        arrived_at: shared.clock.now_utc().timestamp(),
        answered,
    });
    let status = StatusCode::from_u16(answered).unwrap_or(StatusCode::OK);
    (status, format!("answered {answered}"))
}
