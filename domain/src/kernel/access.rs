//! Who may do what, and what they may see: the one table of permissions
//! (the API's guards and the use cases both ask it) and the one ownership
//! rule every query applies.

use super::context::{Actor, Ctx, Role};
use super::error::DomainError;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read customers; customers see only their own record.
    ReadCustomers,
    /// Create and change customers.
    ManageCustomers,
    /// Read audit trails; customers see only their own record's.
    ReadAudit,
    /// Create and disable logins.
    ManageUsers,
    /// List and retry dead jobs.
    ManageJobs,
    /// Change the business settings.
    ManageSettings,
    /// Read the business settings and calendar (staff).
    ReadSettings,
    /// See and cancel planned timers.
    ManageTimers,
    /// Raise an approval request by hand (staff).
    RequestApprovals,
    /// See approvals (customers only their own subjects') and decide or
    /// cancel them as the approval rules allow.
    UseApprovals,
    /// Read the catalogue (everyone signed in).
    ReadCatalogue,
    /// See stock levels and locations (staff).
    ReadStock,
    /// Create and change products and locations, and adjust stock.
    ManageCatalogue,
    /// Place orders (customers for themselves) and read those one may see.
    PlaceOrders,
    /// Move orders on: reservation, cancelling (staff).
    ManageOrders,
    /// Read invoices: staff all, customers their own.
    ReadInvoices,
    /// Issue invoices by hand and read the GST summary (FINANCE, ADMIN).
    ManageFinance,
    /// Pick, pack, label and hand packages to couriers (FULFILMENT, ADMIN).
    Fulfil,
    /// Suppliers, purchase orders and goods receipts (FULFILMENT, FINANCE, ADMIN).
    Purchase,
    /// Set up, start, pause and cancel engagements (PROJECT_MANAGER, ADMIN).
    ManageEngagements,
    /// Work an engagement's stages: outputs, decisions, leaving a stage (the
    /// delivery roles; each step also needs the stage's owner role).
    WorkEngagements,
    /// Open support tickets and reply to them: customers their own, staff
    /// any (and triage, assign, resolve).
    UseTickets,
    /// Change SLA policies (ADMIN).
    ManageSlaPolicies,
    /// Keep product safety records, start and run recalls, record injury
    /// reports and their ACCC submissions (COMPLIANCE, ADMIN).
    ManageSafety,
    /// Read product safety records, traceability, recalls and injury
    /// reports (staff; a customer reads its own recall notices elsewhere).
    ReadSafety,
    /// Lodge consumer-guarantee claims and ask for returns: customers on
    /// their own orders and engagements, staff on any.
    LodgeClaims,
    /// Assess claims, choose the business's remedies, decide, receive and
    /// inspect returns (ADMIN, FULFILMENT, COMPLIANCE; PROJECT_MANAGER for
    /// engagements' services).
    ManageClaims,
    /// Webhook subscriptions, their deliveries, replays and test events
    /// (ADMIN).
    ManageWebhooks,
}

impl Permission {
    /// The one check use cases make: `Forbidden` unless the actor's role allows it.
    pub fn require(self, ctx: &Ctx) -> Result<(), DomainError> {
        if self.allows(ctx.actor.role) {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }

    pub fn allows(self, role: Role) -> bool {
        match self {
            Permission::ReadCustomers
            | Permission::ReadAudit
            | Permission::UseApprovals
            | Permission::ReadCatalogue
            | Permission::PlaceOrders
            | Permission::ReadInvoices => true,
            Permission::ManageCustomers => role.is_staff(),
            Permission::ManageUsers
            | Permission::ManageJobs
            | Permission::ManageSettings
            | Permission::ManageTimers => role == Role::Admin,
            Permission::ReadSettings
            | Permission::RequestApprovals
            | Permission::ReadStock
            | Permission::ManageOrders => role.is_staff(),
            Permission::ManageCatalogue | Permission::Fulfil => {
                matches!(role, Role::Admin | Role::Fulfilment)
            }
            Permission::ManageFinance => matches!(role, Role::Admin | Role::Finance),
            Permission::Purchase => {
                matches!(role, Role::Admin | Role::Fulfilment | Role::Finance)
            }
            Permission::ManageEngagements => matches!(role, Role::Admin | Role::ProjectManager),
            Permission::UseTickets => true,
            Permission::ManageSlaPolicies | Permission::ManageWebhooks => role == Role::Admin,
            Permission::ManageSafety => matches!(role, Role::Admin | Role::Compliance),
            Permission::ReadSafety => role.is_staff(),
            Permission::LodgeClaims => true,
            Permission::ManageClaims => matches!(
                role,
                Role::Admin | Role::Fulfilment | Role::Compliance | Role::ProjectManager
            ),
            Permission::WorkEngagements => matches!(
                role,
                Role::Admin | Role::ProjectManager | Role::DeliveryTeam | Role::QaLead
            ),
        }
    }
}

/// Which parties' records a caller may see. Staff see everything; a
/// customer sees its own party's records; a customer token without a party
/// sees nothing. Another customer's record looks missing, never forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Party(Uuid),
    Nothing,
}

impl Scope {
    /// The records `ctx`'s caller may see (the one ownership rule).
    pub fn of_ctx(ctx: &Ctx) -> Scope {
        Scope::of(&ctx.actor)
    }

    pub fn of(actor: &Actor) -> Scope {
        match (actor.role, actor.party) {
            (Role::Customer, Some(party)) => Scope::Party(party),
            (Role::Customer, None) => Scope::Nothing,
            _ => Scope::All,
        }
    }

    /// May the caller see a record owned by `party`?
    pub fn permits(self, party: Uuid) -> bool {
        match self {
            Scope::All => true,
            Scope::Party(own) => own == party,
            Scope::Nothing => false,
        }
    }

    /// May the caller see a record owned by `owner` (`None`: a record no
    /// customer owns, which only staff see)?
    pub fn sees(self, owner: Option<Uuid>) -> bool {
        match self {
            Scope::All => true,
            scope => owner.is_some_and(|p| scope.permits(p)),
        }
    }

    /// Limit `query` to what the caller may see, `party_column` naming the
    /// owning party; `None` when the caller may see nothing at all.
    pub fn restrict<E: EntityTrait>(
        self,
        query: Select<E>,
        party_column: E::Column,
    ) -> Option<Select<E>> {
        match self {
            Scope::All => Some(query),
            Scope::Party(own) => Some(query.filter(party_column.eq(own))),
            Scope::Nothing => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_see_all_customers_their_own_party_and_partyless_tokens_nothing() {
        let party = Uuid::now_v7();
        let actor = |role, party| Actor {
            id: "x".into(),
            role,
            party,
        };
        assert_eq!(Scope::of(&actor(Role::Finance, None)), Scope::All);
        let own = Scope::of(&actor(Role::Customer, Some(party)));
        assert!(own.permits(party));
        assert!(!own.permits(Uuid::now_v7()));
        assert!(!Scope::of(&actor(Role::Customer, None)).permits(party));
    }

    #[test]
    fn unowned_records_are_for_staff_only() {
        let party = Uuid::now_v7();
        assert!(Scope::All.sees(None));
        assert!(Scope::All.sees(Some(party)));
        assert!(Scope::Party(party).sees(Some(party)));
        assert!(!Scope::Party(party).sees(Some(Uuid::now_v7())));
        assert!(!Scope::Party(party).sees(None));
        assert!(!Scope::Nothing.sees(Some(party)));
        assert!(!Scope::Nothing.sees(None));
    }

    #[test]
    fn customers_cannot_manage_and_only_admin_manages_users() {
        assert!(!Permission::ManageCustomers.allows(Role::Customer));
        assert!(Permission::ManageCustomers.allows(Role::Fulfilment));
        assert!(Permission::ReadCustomers.allows(Role::Customer));
        for role in Role::ALL {
            assert_eq!(Permission::ManageUsers.allows(role), role == Role::Admin);
        }
    }
}
