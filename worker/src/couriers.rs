//! Couriers as configured: each of the five is the simulated courier unless
//! `COURIER_X_URL` points it at an HTTP endpoint speaking the JSON contract
//! of docs/courier-api.md. The api (labels) and the worker (tracking polls)
//! build the same set from the same configuration.

use config::{Config, CourierEndpoint};
use domain::fulfilment::couriers::{
    CourierAdapter, CourierError, Couriers, Label, LabelRequest, SimulatedCourier, TrackQuery,
    Tracking, defaults,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The couriers this configuration names.
pub fn configured(config: &Config) -> Couriers {
    Couriers::new(
        defaults()
            .into_iter()
            .map(|mut courier| {
                if let Some((_, pattern)) = config
                    .courier_tracking_urls
                    .iter()
                    .find(|(code, _)| *code == courier.code)
                {
                    courier.tracking_url_pattern = pattern.clone();
                }
                let adapter: Arc<dyn CourierAdapter> = match config
                    .courier_endpoints
                    .iter()
                    .find(|e| e.code == courier.code)
                {
                    Some(endpoint) => Arc::new(HttpCourier::new(endpoint.clone())),
                    None => Arc::new(SimulatedCourier::new(courier.code)),
                };
                (courier, adapter)
            })
            .collect(),
    )
}

/// A courier behind the documented JSON contract.
pub struct HttpCourier {
    endpoint: CourierEndpoint,
    client: reqwest::Client,
}

#[derive(Serialize)]
struct TrackBody<'a> {
    packages: &'a [TrackQuery],
}

#[derive(Deserialize)]
struct TrackAnswer {
    shipments: Vec<Tracking>,
}

impl HttpCourier {
    pub fn new(endpoint: CourierEndpoint) -> HttpCourier {
        let client = reqwest::Client::builder()
            .timeout(endpoint.timeout)
            .build()
            .unwrap_or_default();
        HttpCourier { endpoint, client }
    }

    async fn post<B: Serialize, A: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<A, CourierError> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.endpoint.base_url))
            .json(body);
        if let Some(key) = &self.endpoint.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                CourierError::Timeout
            } else {
                CourierError::Unavailable(e.without_url().to_string())
            }
        })?;
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(CourierError::Unavailable(format!("answered {status}")));
        }
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            let text: String = text.chars().take(300).collect();
            return Err(CourierError::Refused(format!("{status}: {text}")));
        }
        response.json::<A>().await.map_err(|e| {
            CourierError::Unavailable(format!("unreadable answer ({})", e.without_url()))
        })
    }
}

#[async_trait::async_trait]
impl CourierAdapter for HttpCourier {
    async fn create_label(&self, request: &LabelRequest) -> Result<Label, CourierError> {
        self.post("/v1/labels", request).await
    }

    async fn track(
        &self,
        packages: &[TrackQuery],
        _now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Tracking>, CourierError> {
        if packages.is_empty() {
            return Ok(Vec::new());
        }
        let answer: TrackAnswer = self.post("/v1/tracking", &TrackBody { packages }).await?;
        Ok(answer.shipments)
    }
}
