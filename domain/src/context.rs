//! Who is acting, and the clock they act at.

use crate::clock::Clock;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use uuid::Uuid;

/// The roles a login can have; each user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    ProjectManager,
    DeliveryTeam,
    QaLead,
    Fulfilment,
    Finance,
    Compliance,
    Customer,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::ProjectManager,
        Role::DeliveryTeam,
        Role::QaLead,
        Role::Fulfilment,
        Role::Finance,
        Role::Compliance,
        Role::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::ProjectManager => "PROJECT_MANAGER",
            Role::DeliveryTeam => "DELIVERY_TEAM",
            Role::QaLead => "QA_LEAD",
            Role::Fulfilment => "FULFILMENT",
            Role::Finance => "FINANCE",
            Role::Compliance => "COMPLIANCE",
            Role::Customer => "CUSTOMER",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role '{s}'"))
    }
}

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

    /// The only party a customer may see; `None` for staff, who see all.
    pub fn visible_party(&self) -> Option<Option<Uuid>> {
        (self.role == Role::Customer).then_some(self.party)
    }
}

/// Everything a use case needs besides the database: who and when.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub clock: Arc<dyn Clock>,
}
