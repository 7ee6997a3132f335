//! Money as the API shows it: a decimal string and a currency, never a float.

use async_graphql::Object;

/// An amount of Australian dollars.
pub struct Money(pub domain::rules::money::Money);

/// An amount of money: dollars and cents as a decimal string, and its currency.
#[Object]
impl Money {
    /// The amount in dollars with two decimals, e.g. `1250.00`.
    async fn amount(&self) -> String {
        self.0.to_string()
    }
    /// ISO 4217 currency code; always `AUD`.
    async fn currency(&self) -> &str {
        "AUD"
    }
}

impl Money {
    pub fn from_cents(cents: i64) -> Money {
        Money(domain::rules::money::Money::from_cents(cents))
    }
}

/// What `object!` shows as `Money`: integer cents (how columns keep money)
/// or an amount the domain computed.
pub trait IntoMoney {
    fn into_money(self) -> Money;
}

impl IntoMoney for i64 {
    fn into_money(self) -> Money {
        Money::from_cents(self)
    }
}

impl IntoMoney for domain::rules::money::Money {
    fn into_money(self) -> Money {
        Money(self)
    }
}
