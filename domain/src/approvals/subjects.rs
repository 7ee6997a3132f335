//! The seam later flows plug into: when a request closes (APPROVED,
//! REJECTED, EXPIRED or CANCELLED) its kind's handler runs inside the
//! deciding transaction and only writes (state, outbox rows, timers); work
//! outside the database is an outbox job, idempotent by the approval id
//! (DESIGN "Approval handlers only write").

use crate::kernel::DomainError;
use entity::{ApprovalKind, approval_request};
use sea_orm::DatabaseTransaction;

/// Move the subject on after `request` closed.
pub async fn on_closed(
    _txn: &DatabaseTransaction,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    match request.kind {
        // A GENERAL request's outcome is the record itself: staff read it.
        ApprovalKind::General => Ok(()),
        // The flows that raise these kinds add their handlers as they land
        // (orders reserve stock, payments capture, …); until then nothing
        // raises them, so there is nothing to move.
        ApprovalKind::InventoryReservation
        | ApprovalKind::PaymentProcessing
        | ApprovalKind::Refund
        | ApprovalKind::PurchaseOrder
        | ApprovalKind::ScopeChange
        | ApprovalKind::DeliverableAcceptance => Ok(()),
    }
}
