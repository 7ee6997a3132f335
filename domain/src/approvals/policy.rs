//! Amount bands: how many approvals of which roles a request needs under a
//! policy. Pure.

use crate::rules::money::Money;
use entity::Role;
use serde::{Deserialize, Serialize};

/// The terms of one policy that decide a request's steps (a request keeps
/// them as they were when it was made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bands {
    pub decider_role: Role,
    /// Below this (cents), approved at once by `system`; `None`: never automatically.
    pub auto_approve_below_cents: Option<i64>,
    /// Up to this (cents), one approver; above it, two; `None`: one always.
    pub single_approver_up_to_cents: Option<i64>,
    /// The second approver's role (the decider's own when `None`).
    pub second_approver_role: Option<Role>,
}

/// What a request needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// Approved on creation, recorded as a decision by `system`.
    AutoApprove,
    /// One approval per role, in order, each by a different person.
    Steps(Vec<Role>),
}

impl Bands {
    /// The steps a request for `amount` needs. A request without an amount
    /// needs one approver.
    pub fn requirement(&self, amount: Option<Money>) -> Requirement {
        let Some(amount) = amount else {
            return Requirement::Steps(vec![self.decider_role]);
        };
        let cents = amount.cents();
        if self
            .auto_approve_below_cents
            .is_some_and(|below| cents < below)
        {
            return Requirement::AutoApprove;
        }
        match self.single_approver_up_to_cents {
            Some(limit) if cents > limit => Requirement::Steps(vec![
                self.decider_role,
                self.second_approver_role.unwrap_or(self.decider_role),
            ]),
            _ => Requirement::Steps(vec![self.decider_role]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bands() -> Bands {
        Bands {
            decider_role: Role::Finance,
            auto_approve_below_cents: Some(20_000),
            single_approver_up_to_cents: Some(1_000_000),
            second_approver_role: Some(Role::Admin),
        }
    }

    #[test]
    fn each_amount_band_needs_what_the_policy_says() {
        let cases = [
            (Some(0), Requirement::AutoApprove),
            (Some(19_999), Requirement::AutoApprove),
            (Some(20_000), Requirement::Steps(vec![Role::Finance])),
            (Some(1_000_000), Requirement::Steps(vec![Role::Finance])),
            (
                Some(1_000_001),
                Requirement::Steps(vec![Role::Finance, Role::Admin]),
            ),
            (None, Requirement::Steps(vec![Role::Finance])),
        ];
        for (cents, expected) in cases {
            let amount = cents.map(Money::from_cents);
            assert_eq!(bands().requirement(amount), expected, "{cents:?}");
        }
    }

    #[test]
    fn without_bands_one_approver_decides_and_the_second_defaults_to_the_decider_role() {
        let never_auto = Bands {
            decider_role: Role::Admin,
            auto_approve_below_cents: None,
            single_approver_up_to_cents: None,
            second_approver_role: None,
        };
        assert_eq!(
            never_auto.requirement(Some(Money::from_cents(0))),
            Requirement::Steps(vec![Role::Admin])
        );
        let two_of_a_kind = Bands {
            single_approver_up_to_cents: Some(100),
            ..never_auto
        };
        assert_eq!(
            two_of_a_kind.requirement(Some(Money::from_cents(101))),
            Requirement::Steps(vec![Role::Admin, Role::Admin])
        );
    }
}
