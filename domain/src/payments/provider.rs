//! Payment providers behind one trait: the flow asks a provider to capture
//! (idempotent by the payment's id), and after a call whose answer was lost
//! asks it what happened before trying again. Real providers plug in here.
//!
//! `SimulatedCards` is the default: deterministic outcomes chosen by test
//! card numbers, as Stripe's test cards are, with its own ledger of charges
//! kept in the database outside our transactions (as a remote provider
//! keeps its own), one charge per idempotency key.

use crate::rules::money::Money;
use chrono::Utc;
use entity::provider_charge;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// What to charge.
#[derive(Debug, Clone)]
pub struct CaptureRequest {
    /// The payment's id: the provider charges once per key.
    pub key: Uuid,
    pub amount: Money,
    pub card: String,
}

/// What a provider answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureOutcome {
    Succeeded { reference: String },
    Declined { reason: String },
}

/// What to pay back.
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// The refund's id: the provider refunds once per key.
    pub key: Uuid,
    /// The payment whose charge is refunded.
    pub charge_key: Uuid,
    pub amount: Money,
}

/// What a provider answered to a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    Refunded { reference: String },
    Refused { reason: String },
}

/// A call that did not get an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The call timed out: the charge may or may not have happened.
    #[error("the payment provider did not answer in time")]
    Timeout,
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Charge once per `request.key`; a repeated key answers the first outcome.
    async fn capture(&self, request: &CaptureRequest) -> Result<CaptureOutcome, ProviderError>;
    /// What became of the charge with `key`, if the provider has one.
    async fn status(&self, key: Uuid) -> Result<Option<CaptureOutcome>, ProviderError>;
    /// Pay back part or all of a charge, once per `request.key`.
    async fn refund(&self, request: &RefundRequest) -> Result<RefundOutcome, ProviderError>;
    /// What became of the refund with `key`, if the provider has one.
    async fn refund_status(&self, key: Uuid) -> Result<Option<RefundOutcome>, ProviderError>;
}

/// Stripe-style test cards and what the simulated provider does with them.
pub mod test_cards {
    /// Charged.
    pub const SUCCESS: &str = "4242424242424242";
    /// Declined: card_declined.
    pub const DECLINED: &str = "4000000000000002";
    /// Declined: insufficient_funds.
    pub const INSUFFICIENT_FUNDS: &str = "4000000000009995";
    /// Charged, but the answer is lost: the call times out.
    pub const TIMEOUT: &str = "4000000000000119";
}

/// What the simulated wallet charges once its payer approved (the payer's
/// account, not a card number).
pub const WALLET: &str = "wallet";

/// What the simulated provider does with a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simulated {
    Charge,
    Decline(&'static str),
    ChargeThenTimeOut,
}

/// The simulated outcome of a card number (digits only).
pub fn simulated(card: &str) -> Simulated {
    match card {
        test_cards::SUCCESS | WALLET => Simulated::Charge,
        test_cards::INSUFFICIENT_FUNDS => Simulated::Decline("insufficient funds"),
        test_cards::TIMEOUT => Simulated::ChargeThenTimeOut,
        test_cards::DECLINED => Simulated::Decline("card declined"),
        _ => Simulated::Decline("card not recognised by the test provider"),
    }
}

pub struct SimulatedCards {
    db: DatabaseConnection,
}

impl SimulatedCards {
    pub const NAME: &'static str = "simulated-card";

    pub fn new(db: DatabaseConnection) -> SimulatedCards {
        SimulatedCards { db }
    }

    fn outcome(charge: &provider_charge::Model) -> CaptureOutcome {
        if charge.outcome == "SUCCEEDED" {
            CaptureOutcome::Succeeded {
                reference: format!("ch_{}", charge.id.simple()),
            }
        } else {
            CaptureOutcome::Declined {
                reason: charge.decline_reason.clone().unwrap_or_default(),
            }
        }
    }

    async fn find(&self, key: Uuid) -> Result<Option<provider_charge::Model>, ProviderError> {
        provider_charge::Entity::find()
            .filter(provider_charge::Column::IdempotencyKey.eq(key.to_string()))
            .one(&self.db)
            .await
            .map_err(|e| ProviderError::Unavailable(e.to_string()))
    }
}

#[async_trait::async_trait]
impl PaymentProvider for SimulatedCards {
    async fn capture(&self, request: &CaptureRequest) -> Result<CaptureOutcome, ProviderError> {
        if let Some(first) = self.find(request.key).await? {
            return Ok(Self::outcome(&first));
        }
        let behaviour = simulated(&request.card);
        let (outcome, reason) = match behaviour {
            Simulated::Charge | Simulated::ChargeThenTimeOut => ("SUCCEEDED", None),
            Simulated::Decline(reason) => ("DECLINED", Some(reason.to_owned())),
        };
        let row = provider_charge::ActiveModel {
            id: Set(Uuid::now_v7()),
            provider: Set(Self::NAME.into()),
            idempotency_key: Set(request.key.to_string()),
            amount_cents: Set(request.amount.cents()),
            outcome: Set(outcome.into()),
            decline_reason: Set(reason),
            refunds_charge: Set(None),
            created_at: Set(Utc::now()),
        };
        // Two calls racing with one key: the unique key keeps one charge.
        let charge = match row.insert(&self.db).await {
            Ok(charge) => charge,
            Err(_) => self
                .find(request.key)
                .await?
                .ok_or_else(|| ProviderError::Unavailable("charge not recorded".into()))?,
        };
        if behaviour == Simulated::ChargeThenTimeOut {
            return Err(ProviderError::Timeout);
        }
        Ok(Self::outcome(&charge))
    }

    async fn status(&self, key: Uuid) -> Result<Option<CaptureOutcome>, ProviderError> {
        Ok(self.find(key).await?.as_ref().map(Self::outcome))
    }

    async fn refund(&self, request: &RefundRequest) -> Result<RefundOutcome, ProviderError> {
        if let Some(first) = self.find(request.key).await? {
            return Ok(Self::refund_outcome(&first));
        }
        let charged = self
            .find(request.charge_key)
            .await?
            .filter(|c| c.outcome == "SUCCEEDED");
        let refused = match &charged {
            None => Some("there is no charge to refund".to_owned()),
            Some(charge) => {
                let refunded = self.refunded(request.charge_key).await?;
                (refunded + request.amount.cents() > charge.amount_cents)
                    .then(|| "the refund is more than the charge".to_owned())
            }
        };
        let row = provider_charge::ActiveModel {
            id: Set(Uuid::now_v7()),
            provider: Set(Self::NAME.into()),
            idempotency_key: Set(request.key.to_string()),
            amount_cents: Set(-request.amount.cents()),
            outcome: Set(if refused.is_some() {
                "REFUSED"
            } else {
                "REFUNDED"
            }
            .into()),
            decline_reason: Set(refused),
            refunds_charge: Set(Some(request.charge_key.to_string())),
            created_at: Set(Utc::now()),
        };
        let stored = match row.insert(&self.db).await {
            Ok(stored) => stored,
            Err(_) => self
                .find(request.key)
                .await?
                .ok_or_else(|| ProviderError::Unavailable("refund not recorded".into()))?,
        };
        Ok(Self::refund_outcome(&stored))
    }

    async fn refund_status(&self, key: Uuid) -> Result<Option<RefundOutcome>, ProviderError> {
        Ok(self.find(key).await?.as_ref().map(Self::refund_outcome))
    }
}

impl SimulatedCards {
    fn refund_outcome(row: &provider_charge::Model) -> RefundOutcome {
        if row.outcome == "REFUNDED" {
            RefundOutcome::Refunded {
                reference: format!("re_{}", row.id.simple()),
            }
        } else {
            RefundOutcome::Refused {
                reason: row.decline_reason.clone().unwrap_or_default(),
            }
        }
    }

    /// Cents already refunded on a charge.
    async fn refunded(&self, charge_key: Uuid) -> Result<i64, ProviderError> {
        let rows = provider_charge::Entity::find()
            .filter(provider_charge::Column::Outcome.eq("REFUNDED"))
            .filter(provider_charge::Column::RefundsCharge.eq(charge_key.to_string()))
            .all(&self.db)
            .await
            .map_err(|e| ProviderError::Unavailable(e.to_string()))?;
        Ok(rows.iter().map(|r| -r.amount_cents).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_choose_the_outcome() {
        assert_eq!(simulated(test_cards::SUCCESS), Simulated::Charge);
        assert_eq!(
            simulated(test_cards::DECLINED),
            Simulated::Decline("card declined")
        );
        assert_eq!(
            simulated(test_cards::INSUFFICIENT_FUNDS),
            Simulated::Decline("insufficient funds")
        );
        assert_eq!(simulated(test_cards::TIMEOUT), Simulated::ChargeThenTimeOut);
        assert!(matches!(
            simulated("5555555555554444"),
            Simulated::Decline(_)
        ));
    }
}
