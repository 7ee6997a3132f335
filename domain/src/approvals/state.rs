//! An approval request's life as a pure function over (state, event): who
//! may decide which step, the four-eyes rule, cancelling, and what the due
//! time does. The use cases load the state, apply one event and write what
//! the transition says, in one transaction.

use crate::kernel::Actor;
use entity::{ApprovalStatus, OnDue, Role, Verdict};
use uuid::Uuid;

/// What the rules need to know of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub status: ApprovalStatus,
    pub requester_id: String,
    /// The customer who owns the subject (may decide when the step's role is CUSTOMER).
    pub owner_party: Option<Uuid>,
    /// The role each step needs, in order.
    pub steps: Vec<Role>,
    /// Who gave each approval so far, in step order.
    pub approvers: Vec<String>,
    pub escalated_to: Option<Role>,
    /// A staff role that may record the decider's offline decision, with evidence.
    pub offline_role: Option<Role>,
}

/// What happens to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    Decide {
        actor: &'a Actor,
        verdict: Verdict,
        has_evidence: bool,
    },
    Cancel {
        actor: &'a Actor,
    },
    /// The due time passed.
    Due {
        on_due: OnDue,
        escalate_to: Option<Role>,
    },
}

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Record the decision as `step`; the request is then `status`.
    Decided {
        step: i32,
        status: ApprovalStatus,
    },
    Cancelled,
    /// `role` may now decide too, and is told.
    Escalated(Role),
    Expired,
}

/// Why an event changes nothing; each is its own error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The request is no longer pending.
    Closed,
    /// The requester may not decide its own request (ADMIN included).
    OwnRequest,
    /// One person gives at most one decision per request.
    AlreadyDecided,
    /// The caller's role may not decide this step.
    NotADecider,
    /// An offline decision recorded by staff needs evidence.
    EvidenceRequired,
    /// Only the requester or ADMIN may cancel.
    NotRequester,
    /// The due time already escalated the request.
    AlreadyEscalated,
}

impl State {
    /// The step the next decision fills (1-based), and the role it needs.
    pub fn next_step(&self) -> Option<(i32, Role)> {
        let index = self.approvers.len();
        self.steps.get(index).map(|role| (index as i32 + 1, *role))
    }

    /// May `actor` decide the next step, and is that an offline record?
    fn eligibility(&self, actor: &Actor, needed: Role) -> Option<bool> {
        let owns = |party: Option<Uuid>| party.is_some() && party == self.owner_party;
        let direct = actor.role == Role::Admin
            || self.escalated_to == Some(actor.role)
            || (actor.role == needed && (needed != Role::Customer || owns(actor.party)));
        if direct {
            Some(false)
        } else if self.offline_role == Some(actor.role) {
            Some(true)
        } else {
            None
        }
    }

    /// Can `actor` decide the request now (for "awaiting me" views)?
    pub fn awaits(&self, actor: &Actor) -> bool {
        self.status == ApprovalStatus::Pending
            && actor.id != self.requester_id
            && !self.approvers.contains(&actor.id)
            && self
                .next_step()
                .is_some_and(|(_, role)| self.eligibility(actor, role).is_some())
    }
}

impl State {
    /// Does a change of this request concern `actor` (for live updates)? Its
    /// requester, whoever may decide it now, whoever decided it, and, once it
    /// closed, whoever could have decided it.
    pub fn concerns(&self, actor: &Actor) -> bool {
        let could_decide = actor.role == Role::Admin
            || self.steps.contains(&actor.role)
            || self.escalated_to == Some(actor.role)
            || self.offline_role == Some(actor.role);
        self.requester_id == actor.id
            || self.approvers.contains(&actor.id)
            || self.awaits(actor)
            || (self.status != ApprovalStatus::Pending && could_decide)
    }
}

pub fn apply(state: &State, event: Event<'_>) -> Result<Transition, Refusal> {
    if state.status != ApprovalStatus::Pending {
        return Err(Refusal::Closed);
    }
    match event {
        Event::Decide {
            actor,
            verdict,
            has_evidence,
        } => {
            if actor.id == state.requester_id {
                return Err(Refusal::OwnRequest);
            }
            if state.approvers.contains(&actor.id) {
                return Err(Refusal::AlreadyDecided);
            }
            let (step, needed) = state.next_step().ok_or(Refusal::Closed)?;
            let offline = state
                .eligibility(actor, needed)
                .ok_or(Refusal::NotADecider)?;
            if offline && !has_evidence {
                return Err(Refusal::EvidenceRequired);
            }
            let status = match verdict {
                Verdict::Reject => ApprovalStatus::Rejected,
                Verdict::Approve if step as usize == state.steps.len() => ApprovalStatus::Approved,
                Verdict::Approve => ApprovalStatus::Pending,
            };
            Ok(Transition::Decided { step, status })
        }
        Event::Cancel { actor } => {
            if actor.id == state.requester_id || actor.role == Role::Admin {
                Ok(Transition::Cancelled)
            } else {
                Err(Refusal::NotRequester)
            }
        }
        Event::Due {
            on_due,
            escalate_to,
        } => match (on_due, escalate_to) {
            (OnDue::Escalate, Some(_)) if state.escalated_to.is_some() => {
                Err(Refusal::AlreadyEscalated)
            }
            (OnDue::Escalate, Some(role)) => Ok(Transition::Escalated(role)),
            _ => Ok(Transition::Expired),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: &str, role: Role) -> Actor {
        Actor {
            id: id.into(),
            role,
            party: None,
        }
    }

    fn pending(steps: &[Role]) -> State {
        State {
            status: ApprovalStatus::Pending,
            requester_id: "requester".into(),
            owner_party: None,
            steps: steps.to_vec(),
            approvers: vec![],
            escalated_to: None,
            offline_role: None,
        }
    }

    fn decide(state: &State, who: &Actor, verdict: Verdict) -> Result<Transition, Refusal> {
        apply(
            state,
            Event::Decide {
                actor: who,
                verdict,
                has_evidence: false,
            },
        )
    }

    #[test]
    fn one_step_approves_or_rejects_and_then_is_closed() {
        let state = pending(&[Role::Finance]);
        let finance = actor("f1", Role::Finance);
        assert_eq!(
            decide(&state, &finance, Verdict::Approve),
            Ok(Transition::Decided {
                step: 1,
                status: ApprovalStatus::Approved
            })
        );
        assert_eq!(
            decide(&state, &finance, Verdict::Reject),
            Ok(Transition::Decided {
                step: 1,
                status: ApprovalStatus::Rejected
            })
        );
        for closed in [
            ApprovalStatus::Approved,
            ApprovalStatus::Rejected,
            ApprovalStatus::Cancelled,
            ApprovalStatus::Expired,
        ] {
            let state = State {
                status: closed,
                ..pending(&[Role::Finance])
            };
            assert_eq!(
                decide(&state, &finance, Verdict::Approve),
                Err(Refusal::Closed)
            );
            assert_eq!(
                apply(&state, Event::Cancel { actor: &finance }),
                Err(Refusal::Closed)
            );
        }
    }

    #[test]
    fn four_eyes_holds_for_everyone_admin_included() {
        let state = pending(&[Role::Admin, Role::Admin]);
        let requester = actor("requester", Role::Admin);
        assert_eq!(
            decide(&state, &requester, Verdict::Approve),
            Err(Refusal::OwnRequest)
        );
        let first = actor("a1", Role::Admin);
        let after_first = State {
            approvers: vec!["a1".into()],
            ..state.clone()
        };
        assert_eq!(
            decide(&after_first, &first, Verdict::Approve),
            Err(Refusal::AlreadyDecided)
        );
        assert_eq!(
            decide(&after_first, &actor("a2", Role::Admin), Verdict::Approve),
            Ok(Transition::Decided {
                step: 2,
                status: ApprovalStatus::Approved
            })
        );
    }

    #[test]
    fn each_step_needs_its_role_or_admin_or_the_escalation_role() {
        let state = pending(&[Role::Finance, Role::Admin]);
        assert_eq!(
            decide(&state, &actor("x", Role::Fulfilment), Verdict::Approve),
            Err(Refusal::NotADecider)
        );
        assert_eq!(
            decide(&state, &actor("f", Role::Finance), Verdict::Approve),
            Ok(Transition::Decided {
                step: 1,
                status: ApprovalStatus::Pending
            })
        );
        let second = State {
            approvers: vec!["f".into()],
            ..state.clone()
        };
        assert_eq!(
            decide(&second, &actor("f2", Role::Finance), Verdict::Approve),
            Err(Refusal::NotADecider)
        );
        assert_eq!(
            decide(&second, &actor("boss", Role::Admin), Verdict::Approve),
            Ok(Transition::Decided {
                step: 2,
                status: ApprovalStatus::Approved
            })
        );
        let escalated = State {
            escalated_to: Some(Role::Fulfilment),
            ..state
        };
        assert!(decide(&escalated, &actor("x", Role::Fulfilment), Verdict::Reject).is_ok());
    }

    #[test]
    fn a_customer_decides_only_its_own_subject_and_staff_record_offline_decisions_with_evidence() {
        let owner = Uuid::now_v7();
        let state = State {
            owner_party: Some(owner),
            offline_role: Some(Role::ProjectManager),
            ..pending(&[Role::Customer])
        };
        let customer = |party| Actor {
            id: "c".into(),
            role: Role::Customer,
            party: Some(party),
        };
        assert!(decide(&state, &customer(owner), Verdict::Approve).is_ok());
        assert_eq!(
            decide(&state, &customer(Uuid::now_v7()), Verdict::Approve),
            Err(Refusal::NotADecider)
        );
        let pm = actor("pm", Role::ProjectManager);
        assert_eq!(
            decide(&state, &pm, Verdict::Approve),
            Err(Refusal::EvidenceRequired)
        );
        let with_evidence = Event::Decide {
            actor: &pm,
            verdict: Verdict::Approve,
            has_evidence: true,
        };
        assert!(apply(&state, with_evidence).is_ok());
    }

    #[test]
    fn only_the_requester_or_admin_cancels() {
        let state = pending(&[Role::Finance]);
        assert_eq!(
            apply(
                &state,
                Event::Cancel {
                    actor: &actor("requester", Role::Fulfilment)
                }
            ),
            Ok(Transition::Cancelled)
        );
        assert_eq!(
            apply(
                &state,
                Event::Cancel {
                    actor: &actor("boss", Role::Admin)
                }
            ),
            Ok(Transition::Cancelled)
        );
        assert_eq!(
            apply(
                &state,
                Event::Cancel {
                    actor: &actor("f", Role::Finance)
                }
            ),
            Err(Refusal::NotRequester)
        );
    }

    #[test]
    fn the_due_time_escalates_once_or_expires() {
        let state = pending(&[Role::Finance]);
        let escalate = Event::Due {
            on_due: OnDue::Escalate,
            escalate_to: Some(Role::Admin),
        };
        assert_eq!(
            apply(&state, escalate),
            Ok(Transition::Escalated(Role::Admin))
        );
        let escalated = State {
            escalated_to: Some(Role::Admin),
            ..state.clone()
        };
        assert_eq!(apply(&escalated, escalate), Err(Refusal::AlreadyEscalated));
        let expire = Event::Due {
            on_due: OnDue::Expire,
            escalate_to: None,
        };
        assert_eq!(apply(&state, expire), Ok(Transition::Expired));
    }

    #[test]
    fn a_change_concerns_the_requester_the_deciders_and_who_could_have_decided() {
        let state = pending(&[Role::Finance]);
        assert!(state.concerns(&actor("requester", Role::Fulfilment)));
        assert!(state.concerns(&actor("f", Role::Finance)));
        assert!(!state.concerns(&actor("w", Role::Fulfilment)));
        let approved = State {
            status: ApprovalStatus::Approved,
            approvers: vec!["f".into()],
            ..state
        };
        assert!(
            approved.concerns(&actor("f2", Role::Finance)),
            "could have decided"
        );
        assert!(!approved.concerns(&actor("w", Role::Fulfilment)));
    }

    #[test]
    fn awaiting_me_is_who_may_decide_the_next_step() {
        let state = State {
            approvers: vec!["f".into()],
            ..pending(&[Role::Finance, Role::Finance])
        };
        assert!(!state.awaits(&actor("f", Role::Finance)), "already decided");
        assert!(
            !state.awaits(&actor("requester", Role::Finance)),
            "own request"
        );
        assert!(state.awaits(&actor("f2", Role::Finance)));
        assert!(state.awaits(&actor("boss", Role::Admin)));
        assert!(!state.awaits(&actor("w", Role::Fulfilment)));
    }
}
