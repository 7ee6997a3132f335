//! Consumer-guarantee remedies (Australian Consumer Law, Sch 2 Part 5-4): given a
//! failure, the remedies the law allows and who chooses between them. There is no
//! answer to a valid claim without a refund somewhere on its path: "no refunds" is
//! unlawful (only "no refunds for change of mind" is allowed), and a missing receipt
//! never refuses a claim when other proof of purchase exists.

use super::error::{ValueError, ValueErrorCode};
use serde::{Deserialize, Serialize};

/// The mandatory warranty-against-defects text for invoices and delivery emails.
pub const WARRANTY_AGAINST_DEFECTS: &str = "Our goods come with guarantees that cannot be \
excluded under the Australian Consumer Law. You are entitled to a replacement or refund for a \
major failure and compensation for any other reasonably foreseeable loss or damage. You are \
also entitled to have the goods repaired or replaced if the goods fail to be of acceptable \
quality and the failure does not amount to a major failure.";

pub use entity::{Chooser, FailureSeverity, Guarantee, MajorFailureReason, Remedy, SupplyKind};

/// Which kind of supply a guarantee belongs to.
pub const fn supply_of(guarantee: Guarantee) -> SupplyKind {
    match guarantee {
        Guarantee::DueCareAndSkill
        | Guarantee::ServiceFitForPurpose
        | Guarantee::ReasonableTime => SupplyKind::Services,
        _ => SupplyKind::Goods,
    }
}

/// Major when any reason applies, minor otherwise.
pub fn classify(reasons: &[MajorFailureReason]) -> FailureSeverity {
    if reasons.is_empty() {
        FailureSeverity::Minor
    } else {
        FailureSeverity::Major
    }
}

/// A failure to meet a consumer guarantee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Failure {
    pub supply: SupplyKind,
    pub severity: FailureSeverity,
    /// For a minor failure: the supplier refused, or did not remedy it within a
    /// reasonable time, which hands the choice to the customer.
    pub supplier_failed_to_remedy: bool,
}

impl Failure {
    /// A failure of a specific guarantee; refuses a guarantee of the other supply kind.
    pub fn of_guarantee(
        guarantee: Guarantee,
        supply: SupplyKind,
        severity: FailureSeverity,
    ) -> Result<Failure, ValueError> {
        if supply_of(guarantee) != supply {
            return Err(ValueError::new(
                ValueErrorCode::OutOfRange,
                format!("the {guarantee:?} guarantee does not apply to {supply:?}"),
            ));
        }
        Ok(Failure {
            supply,
            severity,
            supplier_failed_to_remedy: false,
        })
    }
}

/// Whether the customer gets money back for the supply itself.
pub const fn is_refund(remedy: Remedy) -> bool {
    matches!(remedy, Remedy::Refund | Remedy::CancelWithRefund)
}

/// What the law allows for a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remedies {
    pub chooser: Chooser,
    pub options: Vec<Remedy>,
    /// If the supplier does not deliver its chosen remedy within a reasonable time,
    /// the customer chooses among these (empty when the customer already chooses).
    pub if_not_remedied: Vec<Remedy>,
    /// Compensation for any other reasonably foreseeable loss or damage: always owed
    /// on top of the remedy.
    pub compensation_for_foreseeable_loss: bool,
}

impl Remedies {
    /// A refund is among the options or the fallback: true for every failure.
    pub fn refund_reachable(&self) -> bool {
        self.options
            .iter()
            .chain(&self.if_not_remedied)
            .any(|r| is_refund(*r))
    }
}

/// The remedies for a failure. Major: the customer chooses (goods: refund,
/// replacement, or keep with compensation; services: cancel with refund or
/// compensation). Minor: the supplier chooses (goods: repair, replacement or refund;
/// services: fix it); if it fails to act in reasonable time the customer may reject
/// or cancel for a refund, or have it fixed elsewhere at the supplier's cost.
pub fn remedies_for(failure: Failure) -> Remedies {
    use Remedy::*;
    let customer_rejects = |supply| match supply {
        SupplyKind::Goods => vec![Refund, Replacement, RemedyElsewhereAtSupplierCost],
        SupplyKind::Services => vec![CancelWithRefund, RemedyElsewhereAtSupplierCost],
    };
    let (chooser, options, if_not_remedied) = match (failure.severity, failure.supply) {
        (FailureSeverity::Major, SupplyKind::Goods) => (
            Chooser::Customer,
            vec![Refund, Replacement, KeepWithCompensation],
            vec![],
        ),
        (FailureSeverity::Major, SupplyKind::Services) => (
            Chooser::Customer,
            vec![CancelWithRefund, CompensationForReducedValue],
            vec![],
        ),
        (FailureSeverity::Minor, supply) if failure.supplier_failed_to_remedy => {
            (Chooser::Customer, customer_rejects(supply), vec![])
        }
        (FailureSeverity::Minor, SupplyKind::Goods) => (
            Chooser::Supplier,
            vec![Repair, Replacement, Refund],
            customer_rejects(SupplyKind::Goods),
        ),
        (FailureSeverity::Minor, SupplyKind::Services) => (
            Chooser::Supplier,
            vec![ResupplyService],
            customer_rejects(SupplyKind::Services),
        ),
    };
    Remedies {
        chooser,
        options,
        if_not_remedied,
        compensation_for_foreseeable_loss: true,
    }
}

/// What the customer shows to prove the purchase; any of them will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProofOfPurchase {
    Receipt,
    TaxInvoice,
    /// Our own order record, found by order number, email or phone.
    OrderRecord,
    BankOrCardStatement,
    WarrantyCard,
    /// Other evidence, e.g. a serial or lay-by number.
    Other,
    None,
}

/// Why the customer wants a remedy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimReason {
    Failure(Failure),
    /// Not a guarantee failure; the law requires nothing (store policy may offer).
    ChangeOfMind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Claim {
    pub reason: ClaimReason,
    pub proof: ProofOfPurchase,
}

/// The answer to a claim. None of the variants is a refusal of a valid claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimAssessment {
    /// A guarantee failure with proof of purchase: these remedies apply.
    Remedies(Remedies),
    /// No proof of any kind yet: ask for some (a receipt is not required).
    ProofOfPurchaseNeeded,
    /// Change of mind: outside the consumer guarantees.
    ChangeOfMind,
}

/// Assesses a claim. Any proof of purchase is enough; a missing receipt alone is
/// never a reason to refuse.
pub fn assess_claim(claim: Claim) -> ClaimAssessment {
    match claim.reason {
        ClaimReason::ChangeOfMind => ClaimAssessment::ChangeOfMind,
        ClaimReason::Failure(_) if claim.proof == ProofOfPurchase::None => {
            ClaimAssessment::ProofOfPurchaseNeeded
        }
        ClaimReason::Failure(f) => ClaimAssessment::Remedies(remedies_for(f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUPPLIES: [SupplyKind; 2] = [SupplyKind::Goods, SupplyKind::Services];
    const SEVERITIES: [FailureSeverity; 2] = [FailureSeverity::Major, FailureSeverity::Minor];
    const PROOFS: [ProofOfPurchase; 7] = [
        ProofOfPurchase::Receipt,
        ProofOfPurchase::TaxInvoice,
        ProofOfPurchase::OrderRecord,
        ProofOfPurchase::BankOrCardStatement,
        ProofOfPurchase::WarrantyCard,
        ProofOfPurchase::Other,
        ProofOfPurchase::None,
    ];

    fn failure(supply: SupplyKind, severity: FailureSeverity, failed: bool) -> Failure {
        Failure {
            supply,
            severity,
            supplier_failed_to_remedy: failed,
        }
    }

    /// Who chooses, among what, and what follows if the supplier does not
    /// remedy: (supply, severity, supplier failed, chooser, options, then).
    #[test]
    fn remedies_by_supply_and_severity() {
        use FailureSeverity::{Major, Minor};
        use Remedy::*;
        use SupplyKind::{Goods, Services};
        type Case = (
            SupplyKind,
            FailureSeverity,
            bool,
            Chooser,
            &'static [Remedy],
            &'static [Remedy],
        );
        let cases: [Case; 5] = [
            (
                Goods,
                Major,
                false,
                Chooser::Customer,
                &[Refund, Replacement, KeepWithCompensation],
                &[],
            ),
            (
                Goods,
                Minor,
                false,
                Chooser::Supplier,
                &[Repair, Replacement, Refund],
                &[Refund, Replacement, RemedyElsewhereAtSupplierCost],
            ),
            (
                Goods,
                Minor,
                true,
                Chooser::Customer,
                &[Refund, Replacement, RemedyElsewhereAtSupplierCost],
                &[],
            ),
            (
                Services,
                Major,
                false,
                Chooser::Customer,
                &[CancelWithRefund, CompensationForReducedValue],
                &[],
            ),
            (
                Services,
                Minor,
                false,
                Chooser::Supplier,
                &[ResupplyService],
                &[CancelWithRefund, RemedyElsewhereAtSupplierCost],
            ),
        ];
        for (supply, severity, failed, chooser, options, then) in cases {
            let r = remedies_for(failure(supply, severity, failed));
            let case = format!("{supply:?} {severity:?} failed={failed}");
            assert_eq!(r.chooser, chooser, "{case}");
            assert_eq!(r.options, options, "{case}");
            assert_eq!(r.if_not_remedied, then, "{case}");
            assert!(r.compensation_for_foreseeable_loss, "{case}");
        }
    }

    #[test]
    fn no_valid_claim_is_answered_without_a_refund() {
        for supply in SUPPLIES {
            for severity in SEVERITIES {
                for failed in [false, true] {
                    let f = failure(supply, severity, failed);
                    let r = remedies_for(f);
                    assert!(r.refund_reachable(), "{f:?}");
                    assert!(!r.options.is_empty());
                    assert!(r.compensation_for_foreseeable_loss);
                    // Major failures, and minor ones the supplier did not fix, are the
                    // customer's choice.
                    let customer = severity == FailureSeverity::Major || failed;
                    assert_eq!(r.chooser == Chooser::Customer, customer, "{f:?}");
                    for proof in PROOFS {
                        let a = assess_claim(Claim {
                            reason: ClaimReason::Failure(f),
                            proof,
                        });
                        match a {
                            ClaimAssessment::Remedies(rem) => {
                                assert_ne!(proof, ProofOfPurchase::None);
                                assert!(rem.refund_reachable());
                            }
                            ClaimAssessment::ProofOfPurchaseNeeded => {
                                assert_eq!(proof, ProofOfPurchase::None);
                            }
                            ClaimAssessment::ChangeOfMind => {
                                panic!("failure treated as change of mind")
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn no_receipt_is_not_a_refusal() {
        let f = failure(SupplyKind::Goods, FailureSeverity::Major, false);
        let a = assess_claim(Claim {
            reason: ClaimReason::Failure(f),
            proof: ProofOfPurchase::BankOrCardStatement,
        });
        assert_eq!(a, ClaimAssessment::Remedies(remedies_for(f)));
        let a = assess_claim(Claim {
            reason: ClaimReason::ChangeOfMind,
            proof: ProofOfPurchase::Receipt,
        });
        assert_eq!(a, ClaimAssessment::ChangeOfMind);
    }

    #[test]
    fn classification_and_guarantees() {
        assert_eq!(classify(&[]), FailureSeverity::Minor);
        assert_eq!(
            classify(&[MajorFailureReason::Unsafe]),
            FailureSeverity::Major
        );
        assert!(
            Failure::of_guarantee(
                Guarantee::AcceptableQuality,
                SupplyKind::Goods,
                FailureSeverity::Minor
            )
            .is_ok()
        );
        assert_eq!(
            Failure::of_guarantee(
                Guarantee::DueCareAndSkill,
                SupplyKind::Goods,
                FailureSeverity::Major
            )
            .unwrap_err()
            .code,
            ValueErrorCode::OutOfRange
        );
        assert_eq!(supply_of(Guarantee::ReasonableTime), SupplyKind::Services);
        assert_eq!(supply_of(Guarantee::Title), SupplyKind::Goods);
    }

    #[test]
    fn warranty_text_is_the_mandatory_wording() {
        assert!(WARRANTY_AGAINST_DEFECTS.starts_with(
            "Our goods come with guarantees that cannot be excluded under the Australian Consumer Law."
        ));
        assert!(WARRANTY_AGAINST_DEFECTS.contains(
            "You are entitled to a replacement or refund for a major failure and compensation for any other reasonably foreseeable loss or damage."
        ));
        assert!(
            WARRANTY_AGAINST_DEFECTS.ends_with("the failure does not amount to a major failure.")
        );
        assert!(!WARRANTY_AGAINST_DEFECTS.contains("  "));
    }
}
