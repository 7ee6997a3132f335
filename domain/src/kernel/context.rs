//! Who is acting, and the clock they act at.

use super::clock::Clock;
pub use entity::Role;
use std::sync::Arc;
use uuid::Uuid;

/// The caller of a use case. Customers carry the party they may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub role: Role,
    pub party: Option<Uuid>,
}

impl Actor {
    /// The actor development requests run as until a login says otherwise.
    pub fn development() -> Self {
        Actor {
            id: "development".into(),
            role: Role::Admin,
            party: None,
        }
    }

    /// Background work (relay, jobs) acts as the system.
    pub fn system() -> Self {
        Actor {
            id: "system".into(),
            role: Role::Admin,
            party: None,
        }
    }
}

/// Everything a use case needs besides the database: who and when.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub clock: Arc<dyn Clock>,
}

impl Ctx {
    /// Background work at `clock`.
    pub fn system(clock: Arc<dyn Clock>) -> Self {
        Ctx {
            actor: Actor::system(),
            clock,
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
