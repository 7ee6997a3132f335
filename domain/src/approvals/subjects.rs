//! The seam later flows plug into: when a request closes (APPROVED,
//! REJECTED, EXPIRED or CANCELLED) its kind's handler runs inside the
//! deciding transaction and only writes (state, outbox rows, timers); work
//! outside the database is an outbox job, idempotent by the approval id
//! (DESIGN "Approval handlers only write").

use crate::kernel::{DomainError, Write};
use entity::{ApprovalKind, approval_request};

/// Move the subject on after `request` closed, in the deciding write.
pub async fn on_closed(
    w: &mut Write<'_>,
    request: &approval_request::Model,
) -> Result<(), DomainError> {
    match request.kind {
        // A GENERAL request's outcome is the record itself: staff read it.
        ApprovalKind::General => Ok(()),
        // The order reserves its stock, or says why it could not.
        ApprovalKind::InventoryReservation => {
            crate::orders::on_reservation_closed(w, request).await
        }
        // The payment is captured (after commit) or fails.
        ApprovalKind::PaymentProcessing => crate::payments::on_approval_closed(w, request).await,
        // The refund is paid back (after commit) or ends without a note; a
        // claim's or return's own REFUND approval (money paid outside the
        // hub) gives it its adjustment note or sends it back.
        ApprovalKind::Refund if request.subject_type == crate::payments::refunds::SUBJECT_TYPE => {
            crate::payments::refunds::on_approval_closed(w, request).await
        }
        ApprovalKind::Refund => crate::aftersales::on_approval_closed(w, request).await,
        // The flows that raise these kinds add their handlers as they land;
        // until then nothing raises them, so there is nothing to move.
        // The purchase order is sent (its email goes after commit) or stays DRAFT.
        ApprovalKind::PurchaseOrder => crate::purchasing::on_approval_closed(w, request).await,
        // The deliverable is accepted, or rejected with feedback (a revision round).
        ApprovalKind::DeliverableAcceptance => {
            let calendar = crate::business_time::calendar::SharedCalendar::load(w.conn())
                .await?
                .current();
            crate::engagements::deliverables::on_approval_closed(w, &calendar, request).await
        }
        // The plan and the final invoice take the change in, or it is kept
        // rejected with the reason (or withdrawn).
        ApprovalKind::ScopeChange => {
            let calendar = crate::business_time::calendar::SharedCalendar::load(w.conn())
                .await?
                .current();
            crate::engagements::scope::on_approval_closed(w, &calendar, request).await
        }
    }
}
