//! Who may do what: the one table of permissions. The API's guards and the
//! use cases both ask it, so a rule changes in one place.

use crate::context::Role;

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
    /// Read the business settings (staff).
    ReadSettings,
}

impl Permission {
    /// The one check use cases make: `Forbidden` unless the actor's role allows it.
    pub fn require(self, ctx: &crate::context::Ctx) -> Result<(), crate::error::DomainError> {
        if self.allows(ctx.actor.role) {
            Ok(())
        } else {
            Err(crate::error::DomainError::Forbidden)
        }
    }

    pub fn allows(self, role: Role) -> bool {
        match self {
            Permission::ReadCustomers | Permission::ReadAudit => true,
            Permission::ManageCustomers => role.is_staff(),
            Permission::ManageUsers | Permission::ManageJobs | Permission::ManageSettings => {
                role == Role::Admin
            }
            Permission::ReadSettings => role.is_staff(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
