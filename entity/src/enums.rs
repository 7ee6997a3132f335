//! String-backed enums of status, kind and role columns. The database keeps
//! the SCREAMING_CASE string (no native enum types, so SQLite and PostgreSQL
//! agree); Rust code and state machines see a closed set.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The roles a login can have; each user has exactly one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "PROJECT_MANAGER")]
    ProjectManager,
    #[sea_orm(string_value = "DELIVERY_TEAM")]
    DeliveryTeam,
    #[sea_orm(string_value = "QA_LEAD")]
    QaLead,
    #[sea_orm(string_value = "FULFILMENT")]
    Fulfilment,
    #[sea_orm(string_value = "FINANCE")]
    Finance,
    #[sea_orm(string_value = "COMPLIANCE")]
    Compliance,
    #[sea_orm(string_value = "CUSTOMER")]
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

/// What a party is to the business.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartyKind {
    #[sea_orm(string_value = "CUSTOMER")]
    Customer,
    #[sea_orm(string_value = "SUPPLIER")]
    Supplier,
    #[sea_orm(string_value = "COURIER")]
    Courier,
}

/// Which email a notification is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    #[sea_orm(string_value = "WELCOME")]
    Welcome,
    /// To a decider: an approval awaits them (its follow-up time came).
    #[sea_orm(string_value = "APPROVAL_REMINDER")]
    ApprovalReminder,
    /// To the escalation role: an approval passed its due time undecided.
    #[sea_orm(string_value = "APPROVAL_ESCALATED")]
    ApprovalEscalated,
    /// To the customer: their order was placed.
    #[sea_orm(string_value = "ORDER_CONFIRMATION")]
    OrderConfirmation,
    /// To the customer: their order may arrive late.
    #[sea_orm(string_value = "ORDER_AT_RISK")]
    OrderAtRisk,
    /// To the customer: their order will arrive late.
    #[sea_orm(string_value = "ORDER_LATE")]
    OrderLate,
    /// The tax invoice of an order, with a link to its HTML copy.
    #[sea_orm(string_value = "INVOICE_ISSUED")]
    InvoiceIssued,
    /// To the customer: the receipt of a payment.
    #[sea_orm(string_value = "PAYMENT_RECEIPT")]
    PaymentReceipt,
    /// To the customer: a package was handed to the courier (tracking link,
    /// estimated delivery).
    #[sea_orm(string_value = "SHIPMENT_SHIPPED")]
    ShipmentShipped,
    /// To the customer: a package is out for delivery today.
    #[sea_orm(string_value = "SHIPMENT_OUT_FOR_DELIVERY")]
    ShipmentOutForDelivery,
    /// To the customer: the courier could not deliver a package.
    #[sea_orm(string_value = "SHIPMENT_ATTEMPT_FAILED")]
    ShipmentAttemptFailed,
    /// To the customer: a package ran into a problem (address, damage, loss).
    #[sea_orm(string_value = "SHIPMENT_EXCEPTION")]
    ShipmentException,
    /// To the customer: a package's estimated delivery moved later.
    #[sea_orm(string_value = "SHIPMENT_DELAYED")]
    ShipmentDelayed,
    /// To the customer: a package was delivered (with the warranty text).
    #[sea_orm(string_value = "SHIPMENT_DELIVERED")]
    ShipmentDelivered,
    /// To the customer, after delivery: how did we do (transactional; its
    /// link opens the order's satisfaction survey).
    #[sea_orm(string_value = "DELIVERY_FEEDBACK")]
    DeliveryFeedback,
    /// To a consenting customer, after delivery: a discount on the next
    /// purchase (commercial).
    #[sea_orm(string_value = "NEXT_PURCHASE_OFFER")]
    NextPurchaseOffer,
    /// To a consenting customer, after delivery: please review what you
    /// bought (commercial).
    #[sea_orm(string_value = "REVIEW_REQUEST")]
    ReviewRequest,
    /// To a supplier: an approved purchase order (HTML + text).
    #[sea_orm(string_value = "PURCHASE_ORDER")]
    PurchaseOrder,
    /// To the customer: the backordered goods arrived and are being
    /// reserved for their order.
    #[sea_orm(string_value = "BACKORDER_ARRIVED")]
    BackorderArrived,
    /// To a consenting customer: an asset's warranty ends soon, with how to
    /// renew or extend it (commercial: RENEWALS consent, unsubscribe link).
    #[sea_orm(string_value = "WARRANTY_RENEWAL")]
    WarrantyRenewal,
    /// To the service team: a customer's asset's warranty ends soon (call
    /// them about renewal).
    #[sea_orm(string_value = "WARRANTY_ENDING")]
    WarrantyEnding,
    /// To the service team: an order's goods are on the customer's site and
    /// its on-site services can be booked.
    #[sea_orm(string_value = "SERVICE_ON_SITE")]
    ServiceOnSite,
    /// To the customer: a stage of their engagement started.
    #[sea_orm(string_value = "ENGAGEMENT_STAGE_STARTED")]
    EngagementStageStarted,
    /// To the owners of an engagement's current stage: it is overdue.
    #[sea_orm(string_value = "ENGAGEMENT_STAGE_OVERDUE")]
    EngagementStageOverdue,
    /// To the customer: a deliverable awaits their acceptance.
    #[sea_orm(string_value = "DELIVERABLE_AWAITING_ACCEPTANCE")]
    DeliverableAwaitingAcceptance,
    /// To the customer: a scope change request was approved or rejected.
    #[sea_orm(string_value = "SCOPE_CHANGE_DECIDED")]
    ScopeChangeDecided,
    /// To the customer: their engagement is delayed, with the new dates.
    #[sea_orm(string_value = "ENGAGEMENT_DELAYED")]
    EngagementDelayed,
    /// To ADMIN: an engagement stayed overdue past the grace period, or a
    /// significant delay was recorded.
    #[sea_orm(string_value = "ENGAGEMENT_ESCALATED")]
    EngagementEscalated,
    /// To the customer contact, at closure: how likely are you to recommend
    /// us (transactional; its link opens the NPS survey).
    #[sea_orm(string_value = "ENGAGEMENT_NPS_SURVEY")]
    EngagementNpsSurvey,
    /// To the customer: their support ticket was opened (its number and
    /// when a first response is due).
    #[sea_orm(string_value = "TICKET_OPENED")]
    TicketOpened,
    /// To the customer: staff replied on their ticket.
    #[sea_orm(string_value = "TICKET_REPLY")]
    TicketReply,
    /// To the customer: their ticket was resolved (a reply reopens it).
    #[sea_orm(string_value = "TICKET_RESOLVED")]
    TicketResolved,
    /// To the assignee: a ticket's SLA target is about to be breached.
    #[sea_orm(string_value = "TICKET_SLA_WARNING")]
    TicketSlaWarning,
    /// To the policy's escalation role: a ticket's SLA target was breached.
    #[sea_orm(string_value = "TICKET_SLA_BREACHED")]
    TicketSlaBreached,
    /// To a customer who bought an affected batch: the recall notice.
    #[sea_orm(string_value = "RECALL_NOTICE")]
    RecallNotice,
    /// To COMPLIANCE: a recall's ACCC notification is due soon.
    #[sea_orm(string_value = "RECALL_ACCC_REMINDER")]
    RecallAcccReminder,
    /// To ADMIN: a recall's ACCC notification is overdue.
    #[sea_orm(string_value = "RECALL_ACCC_OVERDUE")]
    RecallAcccOverdue,
    /// To COMPLIANCE: a mandatory injury report is due soon.
    #[sea_orm(string_value = "INJURY_REPORT_REMINDER")]
    InjuryReportReminder,
    /// To ADMIN: a mandatory injury report is overdue.
    #[sea_orm(string_value = "INJURY_REPORT_OVERDUE")]
    InjuryReportOverdue,
    /// To the buyer: a step of their consumer-guarantee claim (subject: the
    /// step, so a step repeated is told again).
    #[sea_orm(string_value = "CLAIM_UPDATE")]
    ClaimUpdate,
    /// To the buyer: a step of their return (subject: the step).
    #[sea_orm(string_value = "RETURN_UPDATE")]
    ReturnUpdate,
    /// To ADMIN: a webhook subscription kept failing and was disabled
    /// (subject: the delivery whose failure disabled it).
    #[sea_orm(string_value = "WEBHOOK_SUBSCRIPTION_DISABLED")]
    WebhookSubscriptionDisabled,
}

/// Where a notification is in its delivery.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "SENDING")]
    Sending,
    #[sea_orm(string_value = "SENT")]
    Sent,
    #[sea_orm(string_value = "DEAD")]
    Dead,
}

/// Where an outbox row is on its way to the queue.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboxStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "RELAYED")]
    Relayed,
    /// Its job failed on every allowed attempt: a dead letter until ADMIN retries it.
    #[sea_orm(string_value = "DEAD")]
    Dead,
}

/// Where a timer is in its life.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimerStatus {
    /// Waiting for its due time.
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    /// Fired once (its outbox row carries the work).
    #[sea_orm(string_value = "FIRED")]
    Fired,
    /// Re-planned: a newer generation replaced it; it never fires.
    #[sea_orm(string_value = "SUPERSEDED")]
    Superseded,
    /// Cancelled by its area or an ADMIN; it never fires.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// What an approval gates.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalKind {
    #[sea_orm(string_value = "INVENTORY_RESERVATION")]
    InventoryReservation,
    #[sea_orm(string_value = "PAYMENT_PROCESSING")]
    PaymentProcessing,
    #[sea_orm(string_value = "REFUND")]
    Refund,
    #[sea_orm(string_value = "PURCHASE_ORDER")]
    PurchaseOrder,
    #[sea_orm(string_value = "SCOPE_CHANGE")]
    ScopeChange,
    #[sea_orm(string_value = "DELIVERABLE_ACCEPTANCE")]
    DeliverableAcceptance,
    #[sea_orm(string_value = "GENERAL")]
    General,
}

/// Where an approval request is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
}

/// One decider's answer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    #[sea_orm(string_value = "APPROVE")]
    Approve,
    #[sea_orm(string_value = "REJECT")]
    Reject,
}

/// What an approval's due time does when it is still undecided.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OnDue {
    /// The policy's escalation role may decide too, and is told.
    #[sea_orm(string_value = "ESCALATE")]
    Escalate,
    /// The request closes as EXPIRED.
    #[sea_orm(string_value = "EXPIRE")]
    Expire,
}

/// What a product is: goods need stock; services do not.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductKind {
    #[sea_orm(string_value = "GOODS")]
    Goods,
    /// Installation, setup: never reserved, picked or packed.
    #[sea_orm(string_value = "SERVICE")]
    Service,
}

/// Where a stock location (or an address) is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Region {
    #[sea_orm(string_value = "AUSTRALIA")]
    Australia,
    #[sea_orm(string_value = "NORTH_AMERICA")]
    NorthAmerica,
    #[sea_orm(string_value = "EUROPE")]
    Europe,
    #[sea_orm(string_value = "MALAYSIA")]
    Malaysia,
}

/// What a stock location is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LocationKind {
    /// Stock that can be sold.
    #[sea_orm(string_value = "WAREHOUSE")]
    Warehouse,
    /// Held stock: never available.
    #[sea_orm(string_value = "QUARANTINE")]
    Quarantine,
}

/// Why stock on hand changed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MovementKind {
    #[sea_orm(string_value = "RECEIPT")]
    Receipt,
    /// A stocktake correction.
    #[sea_orm(string_value = "COUNT")]
    Count,
    #[sea_orm(string_value = "DAMAGE")]
    Damage,
    #[sea_orm(string_value = "RETURN")]
    Return,
    /// Any other correction.
    #[sea_orm(string_value = "ADJUSTMENT")]
    Adjustment,
    /// Units handed to a courier in a package.
    #[sea_orm(string_value = "SHIPMENT")]
    Shipment,
    /// Quarantined units released after a passed re-inspection: out of the
    /// quarantine location and into a warehouse (one movement each side).
    #[sea_orm(string_value = "RELEASE")]
    Release,
    /// Quarantined units sent back to their supplier.
    #[sea_orm(string_value = "SUPPLIER_RETURN")]
    SupplierReturn,
}

/// Where an order is (hold and archive are flags, not states).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    #[sea_orm(string_value = "PLACED")]
    Placed,
    #[sea_orm(string_value = "AWAITING_RESERVATION")]
    AwaitingReservation,
    #[sea_orm(string_value = "PARTIALLY_RESERVED")]
    PartiallyReserved,
    #[sea_orm(string_value = "RESERVED")]
    Reserved,
    #[sea_orm(string_value = "BACKORDERED")]
    Backordered,
    #[sea_orm(string_value = "RESERVATION_REJECTED")]
    ReservationRejected,
    #[sea_orm(string_value = "INVOICED")]
    Invoiced,
    #[sea_orm(string_value = "AWAITING_PAYMENT")]
    AwaitingPayment,
    #[sea_orm(string_value = "PAID")]
    Paid,
    #[sea_orm(string_value = "PACKING")]
    Packing,
    #[sea_orm(string_value = "PARTIALLY_SHIPPED")]
    PartiallyShipped,
    #[sea_orm(string_value = "SHIPPED")]
    Shipped,
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// How fast an order ships.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShippingSpeed {
    #[sea_orm(string_value = "STANDARD")]
    Standard,
    #[sea_orm(string_value = "EXPRESS")]
    Express,
    #[sea_orm(string_value = "OVERNIGHT")]
    Overnight,
}

/// Where an order came in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    #[sea_orm(string_value = "WEB")]
    Web,
    #[sea_orm(string_value = "MOBILE")]
    Mobile,
    #[sea_orm(string_value = "PHONE")]
    Phone,
    #[sea_orm(string_value = "EMAIL")]
    Email,
    #[sea_orm(string_value = "STORE")]
    Store,
}

/// Whether an order will arrive by its required delivery date.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LateRisk {
    #[sea_orm(string_value = "ON_TRACK")]
    OnTrack,
    /// It must ship by the next business day to arrive in time.
    #[sea_orm(string_value = "AT_RISK")]
    AtRisk,
    /// It cannot arrive by the required date any more.
    #[sea_orm(string_value = "LATE")]
    Late,
}

/// How GST is rounded on invoices with several taxable lines (ATO s9-90).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GstRounding {
    #[sea_orm(string_value = "PER_LINE")]
    PerLine,
    #[sea_orm(string_value = "PER_INVOICE")]
    PerInvoice,
}

/// What an invoice line bills.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceLineKind {
    /// Goods or a service.
    #[sea_orm(string_value = "ITEM")]
    Item,
    /// The delivery charge (its own supply).
    #[sea_orm(string_value = "SHIPPING")]
    Shipping,
}

/// How a payment is made.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentMethod {
    /// A card, charged through the card provider.
    #[sea_orm(string_value = "CARD")]
    Card,
    /// A bank transfer: paid when FINANCE records the remittance.
    #[sea_orm(string_value = "BANK_TRANSFER")]
    BankTransfer,
    /// A PayPal-style wallet: the payer approves at the provider, then it
    /// is charged.
    #[sea_orm(string_value = "PAYPAL")]
    Paypal,
}

/// Where a payment is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    /// Its PAYMENT_PROCESSING approval is pending.
    #[sea_orm(string_value = "AWAITING_APPROVAL")]
    AwaitingApproval,
    /// Approved; the capture runs after commit.
    #[sea_orm(string_value = "CAPTURING")]
    Capturing,
    /// A bank transfer waiting for its remittance.
    #[sea_orm(string_value = "AWAITING_REMITTANCE")]
    AwaitingRemittance,
    /// A wallet payment waiting for the payer to approve it at the provider.
    #[sea_orm(string_value = "AWAITING_PAYER")]
    AwaitingPayer,
    /// Paid.
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    /// Declined, rejected or abandoned (see the reason).
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// Where a refund is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    /// Its REFUND approval is pending.
    #[sea_orm(string_value = "AWAITING_APPROVAL")]
    AwaitingApproval,
    /// Approved; the provider pays it back after commit.
    #[sea_orm(string_value = "REFUNDING")]
    Refunding,
    /// Paid back, with its adjustment note.
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    /// Rejected or refused by the provider (no note).
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// When GST is attributed to a period (AU-RULES "Attribution basis").
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GstBasis {
    /// The period of the invoice (or note).
    #[sea_orm(string_value = "ACCRUAL")]
    Accrual,
    /// The period in which the money is received (or paid back).
    #[sea_orm(string_value = "CASH")]
    Cash,
}

/// Where an engagement is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EngagementStatus {
    /// Set up, not started.
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    /// Work runs in its current stage.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Paused, with a reason.
    #[sea_orm(string_value = "ON_HOLD")]
    OnHold,
    /// Its last stage was left.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// Called off, with a reason.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// Where a risk in an engagement's register is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskStatus {
    /// Identified, nothing done yet.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Its mitigation is under way.
    #[sea_orm(string_value = "MITIGATING")]
    Mitigating,
    /// No longer a risk.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// How badly an engagement issue hurts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueSeverity {
    /// A nuisance; work goes on.
    #[sea_orm(string_value = "LOW")]
    Low,
    /// Slows work down.
    #[sea_orm(string_value = "MEDIUM")]
    Medium,
    /// Blocks part of the work.
    #[sea_orm(string_value = "HIGH")]
    High,
    /// Blocks the engagement.
    #[sea_orm(string_value = "CRITICAL")]
    Critical,
}

/// Where an engagement issue is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IssueStatus {
    /// Being worked on.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Resolved, with its resolution.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
}

/// Where a scope change request is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScopeChangeStatus {
    /// Its SCOPE_CHANGE approval is open.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Approved: the plan and the final invoice include it.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// Rejected, with the reason (kept).
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// Its approval expired or was cancelled before a decision.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// Why an engagement was escalated to ADMIN.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EscalationCause {
    /// A stage stayed overdue past the grace period.
    #[sea_orm(string_value = "OVERDUE_STAGE")]
    OverdueStage,
    /// A delay of the significant-delay threshold or more was recorded.
    #[sea_orm(string_value = "SIGNIFICANT_DELAY")]
    SignificantDelay,
}

/// How urgent a support ticket is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketPriority {
    /// Business stopped: around the clock.
    #[sea_orm(string_value = "CRITICAL")]
    Critical,
    /// Badly affected.
    #[sea_orm(string_value = "HIGH")]
    High,
    /// Affected; work goes on.
    #[sea_orm(string_value = "MEDIUM")]
    Medium,
    /// A question or a nuisance.
    #[sea_orm(string_value = "LOW")]
    Low,
}

/// Where a support ticket is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    /// Opened, not yet answered by staff.
    #[sea_orm(string_value = "NEW")]
    New,
    /// Being worked on.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Waiting for the customer (the clock may pause).
    #[sea_orm(string_value = "WAITING_ON_CUSTOMER")]
    WaitingOnCustomer,
    /// Waiting for a supplier or other party (the clock may pause).
    #[sea_orm(string_value = "WAITING_ON_THIRD_PARTY")]
    WaitingOnThirdParty,
    /// Resolved; reopens if the customer replies in time.
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    /// Closed for good.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// The clock an SLA policy counts in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlaCalendar {
    /// Around the clock, every day.
    #[sea_orm(string_value = "ALWAYS")]
    Always,
    /// The business's hours on business days (public holidays excluded).
    #[sea_orm(string_value = "BUSINESS_HOURS")]
    BusinessHours,
}

/// What a step of a ticket's history was.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketEventKind {
    /// The ticket was opened.
    #[sea_orm(string_value = "CREATED")]
    Created,
    /// Its status changed.
    #[sea_orm(string_value = "STATUS")]
    Status,
    /// Its priority changed (its targets count from the change on).
    #[sea_orm(string_value = "PRIORITY")]
    Priority,
    /// Staff replied to the customer.
    #[sea_orm(string_value = "STAFF_REPLY")]
    StaffReply,
    /// The customer replied.
    #[sea_orm(string_value = "CUSTOMER_REPLY")]
    CustomerReply,
}

/// Whether a product is banned from sale (ACL bans).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BanKind {
    /// Not banned.
    #[sea_orm(string_value = "NONE")]
    NotBanned,
    /// An interim ban (up to 60 days, with an end date).
    #[sea_orm(string_value = "INTERIM")]
    Interim,
    /// A permanent ban.
    #[sea_orm(string_value = "PERMANENT")]
    Permanent,
}

/// Whether a batch may be sold.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BatchStatus {
    /// May be ordered, reserved and packed.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Recalled: cannot be ordered, reserved or packed.
    #[sea_orm(string_value = "RECALLED")]
    Recalled,
}

/// Where a recall is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecallStatus {
    /// Under way: its batches are blocked and its customers told.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Finished (its batches stay blocked).
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// Where one customer's recall notice is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecallNoticeStatus {
    /// Found through order history; the notice is being sent.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The recall notice was sent.
    #[sea_orm(string_value = "NOTIFIED")]
    Notified,
    /// The customer answered.
    #[sea_orm(string_value = "RESPONDED")]
    Responded,
    /// The customer received the remedy.
    #[sea_orm(string_value = "REMEDIED")]
    Remedied,
    /// No email address, or the notice bounced.
    #[sea_orm(string_value = "UNREACHABLE")]
    Unreachable,
}

/// How serious an incident reported to the ACCC is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InjurySeverity {
    /// A death.
    #[sea_orm(string_value = "DEATH")]
    Death,
    /// A serious injury.
    #[sea_orm(string_value = "SERIOUS_INJURY")]
    SeriousInjury,
    /// A serious illness.
    #[sea_orm(string_value = "ILLNESS")]
    Illness,
}

/// Where a mandatory injury report is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InjuryReportStatus {
    /// Recorded; not yet submitted to the ACCC.
    #[sea_orm(string_value = "OPEN")]
    Open,
    /// Submitted to the ACCC (its reference recorded).
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
}

/// Which SLA target of a ticket.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlaTargetKind {
    /// The first staff reply.
    #[sea_orm(string_value = "FIRST_RESPONSE")]
    FirstResponse,
    /// The next staff reply after the last one.
    #[sea_orm(string_value = "NEXT_UPDATE")]
    NextUpdate,
    /// The ticket resolved.
    #[sea_orm(string_value = "RESOLUTION")]
    Resolution,
}

/// What an SLA alarm told: a breach is near, or it happened.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SlaAlarmKind {
    /// The assignee is warned the policy's warning lead before the due time.
    #[sea_orm(string_value = "WARNING")]
    Warning,
    /// The policy's role is told the target was breached.
    #[sea_orm(string_value = "BREACH")]
    Breach,
}

/// Where a deliverable is between its versions, review and acceptance.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliverableStatus {
    /// Named, no version yet.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// Its latest version awaits quality review.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    /// Its latest version failed review: a new version is needed.
    #[sea_orm(string_value = "REVIEW_FAILED")]
    ReviewFailed,
    /// Its latest version passed review.
    #[sea_orm(string_value = "REVIEWED")]
    Reviewed,
    /// The customer is asked to accept it.
    #[sea_orm(string_value = "AWAITING_ACCEPTANCE")]
    AwaitingAcceptance,
    /// The customer accepted its reviewed version.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// The customer rejected it with feedback: a new version is needed.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

/// How one acceptance round ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AcceptanceOutcome {
    /// Awaiting the customer.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// Rejected with feedback (a revision round follows).
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// Its approval expired or was cancelled: it may be asked again.
    #[sea_orm(string_value = "LAPSED")]
    Lapsed,
}

/// Whether a process template version may be used.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TemplateStatus {
    /// Being prepared; no engagement follows it yet.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// New engagements follow the latest published version.
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
}

/// Where a webhook delivery is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookDeliveryStatus {
    /// Due at `next_attempt_at` (first attempt or a retry).
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The target answered 2xx.
    #[sea_orm(string_value = "SUCCEEDED")]
    Succeeded,
    /// The target gave a final answer (4xx other than 408/429, a redirect)
    /// or may not be called.
    #[sea_orm(string_value = "FAILED")]
    Failed,
    /// Every attempt failed with a retryable answer.
    #[sea_orm(string_value = "DEAD")]
    Dead,
}

/// An event integrators can subscribe to; the stored value is its wire name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WebhookEventType {
    #[sea_orm(string_value = "order.placed")]
    OrderPlaced,
    #[sea_orm(string_value = "order.reserved")]
    OrderReserved,
    #[sea_orm(string_value = "invoice.issued")]
    InvoiceIssued,
    #[sea_orm(string_value = "payment.captured")]
    PaymentCaptured,
    #[sea_orm(string_value = "order.shipped")]
    OrderShipped,
    #[sea_orm(string_value = "shipment.updated")]
    ShipmentUpdated,
    #[sea_orm(string_value = "order.delivered")]
    OrderDelivered,
    #[sea_orm(string_value = "approval.requested")]
    ApprovalRequested,
    #[sea_orm(string_value = "approval.decided")]
    ApprovalDecided,
    #[sea_orm(string_value = "engagement.stage_changed")]
    EngagementStageChanged,
    #[sea_orm(string_value = "recall.started")]
    RecallStarted,
    #[sea_orm(string_value = "ticket.breached")]
    TicketBreached,
    /// A test delivery ADMIN asked for (`sendTestWebhook`).
    #[sea_orm(string_value = "webhook.test")]
    Test,
}

/// Each enum shows as the string the database keeps.
macro_rules! display_as_stored {
    ($($enum:ty),*) => {$(
        impl fmt::Display for $enum {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_value())
            }
        }
    )*};
}
display_as_stored!(
    WebhookDeliveryStatus,
    WebhookEventType,
    SupplyKind,
    Guarantee,
    MajorFailureReason,
    FailureSeverity,
    Remedy,
    Chooser,
    ClaimStatus,
    ReturnReason,
    ReturnResolution,
    ReturnStatus,
    ReturnDisposition,
    BanKind,
    BatchStatus,
    RecallStatus,
    RecallNoticeStatus,
    InjurySeverity,
    InjuryReportStatus,
    SlaTargetKind,
    SlaAlarmKind,
    DeliverableStatus,
    TicketPriority,
    TicketStatus,
    SlaCalendar,
    TicketEventKind,
    RiskStatus,
    IssueSeverity,
    IssueStatus,
    ScopeChangeStatus,
    EscalationCause,
    EngagementStatus,
    TemplateStatus,
    PartyKind,
    NotificationKind,
    NotificationStatus,
    OutboxStatus,
    TimerStatus,
    ApprovalKind,
    ApprovalStatus,
    Verdict,
    OnDue,
    ProductKind,
    Region,
    LocationKind,
    MovementKind,
    OrderStatus,
    ShippingSpeed,
    Channel,
    LateRisk,
    GstRounding,
    InvoiceLineKind,
    PaymentMethod,
    PaymentStatus,
    RefundStatus,
    GstBasis
);

/// Where a package is in the warehouse's hands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShipmentStage {
    /// Packed, waiting for its label.
    #[sea_orm(string_value = "PACKED")]
    Packed,
    /// Labelled by its courier, waiting for pickup.
    #[sea_orm(string_value = "LABELLED")]
    Labelled,
    /// Handed to the courier; tracked until delivered or expired.
    #[sea_orm(string_value = "PICKED_UP")]
    PickedUp,
}

/// A courier's tracking status, normalised to AfterShip's nine.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrackingStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "INFO_RECEIVED")]
    InfoReceived,
    #[sea_orm(string_value = "IN_TRANSIT")]
    InTransit,
    #[sea_orm(string_value = "OUT_FOR_DELIVERY")]
    OutForDelivery,
    #[sea_orm(string_value = "ATTEMPT_FAIL")]
    AttemptFail,
    #[sea_orm(string_value = "AVAILABLE_FOR_PICKUP")]
    AvailableForPickup,
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    #[sea_orm(string_value = "EXCEPTION")]
    Exception,
    #[sea_orm(string_value = "EXPIRED")]
    Expired,
}

/// The detail under a tracking status.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TrackingSubStatus {
    /// Delivered and signed for.
    #[sea_orm(string_value = "SIGNED_FOR")]
    SignedFor,
    /// Delivered and left in a safe place (authority to leave).
    #[sea_orm(string_value = "LEFT_SAFE")]
    LeftSafe,
    /// Delivered to a neighbour or a collection point and collected.
    #[sea_orm(string_value = "COLLECTED")]
    Collected,
    /// Nobody was there to receive it.
    #[sea_orm(string_value = "NO_ONE_HOME")]
    NoOneHome,
    /// The address could not be found or is incomplete.
    #[sea_orm(string_value = "BAD_ADDRESS")]
    BadAddress,
    /// Damaged in transit.
    #[sea_orm(string_value = "DAMAGED")]
    Damaged,
    /// Lost by the courier.
    #[sea_orm(string_value = "LOST")]
    Lost,
    /// On its way back to the sender.
    #[sea_orm(string_value = "RETURNING")]
    Returning,
    /// Held up (weather, volume, customs).
    #[sea_orm(string_value = "DELAYED")]
    Delayed,
}

/// The five configured couriers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum CourierCode {
    #[sea_orm(string_value = "A")]
    A,
    #[sea_orm(string_value = "B")]
    B,
    #[sea_orm(string_value = "C")]
    C,
    #[sea_orm(string_value = "D")]
    D,
    #[sea_orm(string_value = "E")]
    E,
}

/// What a customer agreed to receive commercial email about (Spam Act).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsentPurpose {
    /// Offers and discounts.
    #[sea_orm(string_value = "OFFERS")]
    Offers,
    /// Requests to review what was bought.
    #[sea_orm(string_value = "REVIEW_REQUESTS")]
    ReviewRequests,
    /// Renewal and extension offers for what was bought (warranty renewals).
    #[sea_orm(string_value = "RENEWALS")]
    Renewals,
}

/// Whether a consent stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsentStatus {
    #[sea_orm(string_value = "GIVEN")]
    Given,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// What became of one commercial email.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SendOutcome {
    /// Planned and sent.
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Not sent: the customer never consented to the purpose.
    #[sea_orm(string_value = "NO_CONSENT")]
    NoConsent,
    /// Not sent: the customer withdrew consent (unsubscribed).
    #[sea_orm(string_value = "UNSUBSCRIBED")]
    Unsubscribed,
    /// Not sent: the address bounces.
    #[sea_orm(string_value = "BOUNCING")]
    Bouncing,
    /// Not sent: a guest order, with nobody to have consented.
    #[sea_orm(string_value = "NO_CUSTOMER")]
    NoCustomer,
}

/// The one follow-up a delivered order gets.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FollowUpKind {
    /// A feedback request with the satisfaction survey (transactional).
    #[sea_orm(string_value = "FEEDBACK")]
    Feedback,
    /// A next-purchase discount (commercial: consent to OFFERS).
    #[sea_orm(string_value = "DISCOUNT")]
    Discount,
    /// A review request (commercial: consent to REVIEW_REQUESTS).
    #[sea_orm(string_value = "REVIEW")]
    Review,
}

/// Where a replenishment task is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReplenishmentStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "DONE")]
    Done,
}

/// Where a purchase order is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PurchaseOrderStatus {
    /// Being prepared; sending raises its PURCHASE_ORDER approval.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// Approved and emailed to the supplier.
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Some of it was received.
    #[sea_orm(string_value = "PARTIALLY_RECEIVED")]
    PartiallyReceived,
    /// All of it was received.
    #[sea_orm(string_value = "RECEIVED")]
    Received,
    /// Finished with (nothing more will come).
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// Called off before anything was received.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

// ---- Consumer guarantees (ACL), claims and returns ----------------

/// Whether a supply is goods or services (the guarantees differ).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SupplyKind {
    #[sea_orm(string_value = "GOODS")]
    Goods,
    #[sea_orm(string_value = "SERVICES")]
    Services,
}

/// The consumer guarantee that failed (ACL Sch 2 Part 3-2 Div 1).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Guarantee {
    #[sea_orm(string_value = "ACCEPTABLE_QUALITY")]
    AcceptableQuality,
    #[sea_orm(string_value = "FIT_FOR_DISCLOSED_PURPOSE")]
    FitForDisclosedPurpose,
    #[sea_orm(string_value = "MATCHES_DESCRIPTION")]
    MatchesDescription,
    #[sea_orm(string_value = "MATCHES_SAMPLE")]
    MatchesSample,
    #[sea_orm(string_value = "TITLE")]
    Title,
    #[sea_orm(string_value = "EXPRESS_WARRANTY")]
    ExpressWarranty,
    #[sea_orm(string_value = "REPAIRS_AND_SPARE_PARTS")]
    RepairsAndSpareParts,
    #[sea_orm(string_value = "DUE_CARE_AND_SKILL")]
    DueCareAndSkill,
    #[sea_orm(string_value = "SERVICE_FIT_FOR_PURPOSE")]
    ServiceFitForPurpose,
    #[sea_orm(string_value = "REASONABLE_TIME")]
    ReasonableTime,
}

/// Why a failure is major: any one makes it major (ACL s260, s268).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MajorFailureReason {
    /// A reasonable consumer fully aware of it would not have bought it.
    #[sea_orm(string_value = "WOULD_NOT_HAVE_BOUGHT")]
    WouldNotHaveBought,
    #[sea_orm(string_value = "SIGNIFICANTLY_DIFFERENT_FROM_DESCRIPTION")]
    SignificantlyDifferentFromDescription,
    #[sea_orm(string_value = "SUBSTANTIALLY_UNFIT_AND_NOT_EASILY_FIXED")]
    SubstantiallyUnfitAndNotEasilyFixed,
    #[sea_orm(string_value = "UNSAFE")]
    Unsafe,
}

/// How serious a guarantee failure is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailureSeverity {
    #[sea_orm(string_value = "MAJOR")]
    Major,
    #[sea_orm(string_value = "MINOR")]
    Minor,
}

/// A remedy the law allows for a guarantee failure.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Remedy {
    /// Goods returned (rejected), money back.
    #[sea_orm(string_value = "REFUND")]
    Refund,
    /// Goods returned, identical goods supplied.
    #[sea_orm(string_value = "REPLACEMENT")]
    Replacement,
    /// The goods are fixed.
    #[sea_orm(string_value = "REPAIR")]
    Repair,
    /// The customer keeps the goods and is compensated for their drop in value.
    #[sea_orm(string_value = "KEEP_WITH_COMPENSATION")]
    KeepWithCompensation,
    /// The service is fixed or supplied again.
    #[sea_orm(string_value = "RESUPPLY_SERVICE")]
    ResupplyService,
    /// The service contract is cancelled and the unused part refunded.
    #[sea_orm(string_value = "CANCEL_WITH_REFUND")]
    CancelWithRefund,
    /// The customer keeps the service and is compensated for its drop in value.
    #[sea_orm(string_value = "COMPENSATION_FOR_REDUCED_VALUE")]
    CompensationForReducedValue,
    /// Someone else fixes it and the supplier pays the reasonable cost.
    #[sea_orm(string_value = "REMEDY_ELSEWHERE_AT_SUPPLIER_COST")]
    RemedyElsewhereAtSupplierCost,
}

/// Who picks among the remedies.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Chooser {
    #[sea_orm(string_value = "CUSTOMER")]
    Customer,
    #[sea_orm(string_value = "SUPPLIER")]
    Supplier,
}

/// Where a consumer-guarantee claim is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimStatus {
    /// Lodged; staff assess it.
    #[sea_orm(string_value = "LODGED")]
    Lodged,
    /// Assessed as a failure; the chooser picks a remedy.
    #[sea_orm(string_value = "AWAITING_REMEDY")]
    AwaitingRemedy,
    /// A remedy was chosen and is under way (a refund, a replacement order, a repair).
    #[sea_orm(string_value = "REMEDY_IN_PROGRESS")]
    RemedyInProgress,
    /// The remedy was delivered.
    #[sea_orm(string_value = "REMEDIED")]
    Remedied,
    /// Assessed: no guarantee failed (with the reason).
    #[sea_orm(string_value = "NOT_FAILED")]
    NotFailed,
    /// The customer withdrew it.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// Why goods come back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnReason {
    /// We sent the wrong item (a processing error).
    #[sea_orm(string_value = "WRONG_ITEM")]
    WrongItem,
    /// It arrived damaged (a processing error).
    #[sea_orm(string_value = "DAMAGED_IN_TRANSIT")]
    DamagedInTransit,
    /// It is faulty.
    #[sea_orm(string_value = "FAULTY")]
    Faulty,
    /// The customer changed their mind (only where the business's policy accepts it).
    #[sea_orm(string_value = "CHANGE_OF_MIND")]
    ChangeOfMind,
}

/// What a return ends in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnResolution {
    #[sea_orm(string_value = "REFUND")]
    Refund,
    #[sea_orm(string_value = "REPLACEMENT")]
    Replacement,
}

/// Where a return is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnStatus {
    /// Asked for; staff decide.
    #[sea_orm(string_value = "REQUESTED")]
    Requested,
    /// Approved: the customer sends the goods back as instructed.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// Refused, with the reason.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// The goods came back and were inspected.
    #[sea_orm(string_value = "RECEIVED")]
    Received,
    /// The refund awaits its approval or the provider.
    #[sea_orm(string_value = "REFUNDING")]
    Refunding,
    /// The replacement order is under way.
    #[sea_orm(string_value = "REPLACING")]
    Replacing,
    /// Refunded or replaced.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// Withdrawn before the goods came back.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// Where returned units went after inspection.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnDisposition {
    /// Back into a warehouse, sellable.
    #[sea_orm(string_value = "RESTOCK")]
    Restock,
    /// Held in quarantine (damaged or faulty).
    #[sea_orm(string_value = "QUARANTINE")]
    Quarantine,
}
