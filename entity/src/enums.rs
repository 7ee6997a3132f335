//! String-backed enums of status, kind and role columns. The database keeps
//! the SCREAMING_CASE string (no native enum types, so SQLite and PostgreSQL
//! agree); Rust code and state machines see a closed set.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a string-backed column enum: `Variant = "DB_VALUE"` for each
/// variant, the string being what the database keeps (serde names the
/// variants in SCREAMING_SNAKE_CASE).
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $value:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[sea_orm(string_value = $value)]
                $variant,
            )+
        }
    };
}

string_enum! {
    /// The roles a login can have; each user has exactly one.
    pub enum Role {
        Admin = "ADMIN",
        ProjectManager = "PROJECT_MANAGER",
        DeliveryTeam = "DELIVERY_TEAM",
        QaLead = "QA_LEAD",
        Fulfilment = "FULFILMENT",
        Finance = "FINANCE",
        Compliance = "COMPLIANCE",
        Customer = "CUSTOMER",
    }
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

string_enum! {
    /// What a party is to the business.
    pub enum PartyKind {
        Customer = "CUSTOMER",
        Supplier = "SUPPLIER",
        Courier = "COURIER",
    }
}

string_enum! {
    /// Which email a notification is.
    pub enum NotificationKind {
        Welcome = "WELCOME",
        /// To a decider: an approval awaits them (its follow-up time came).
        ApprovalReminder = "APPROVAL_REMINDER",
        /// To the escalation role: an approval passed its due time undecided.
        ApprovalEscalated = "APPROVAL_ESCALATED",
        /// To the customer: their order was placed.
        OrderConfirmation = "ORDER_CONFIRMATION",
        /// To the customer: their order may arrive late.
        OrderAtRisk = "ORDER_AT_RISK",
        /// To the customer: their order will arrive late.
        OrderLate = "ORDER_LATE",
        /// The tax invoice of an order, with a link to its HTML copy.
        InvoiceIssued = "INVOICE_ISSUED",
        /// To the customer: the receipt of a payment.
        PaymentReceipt = "PAYMENT_RECEIPT",
        /// To the customer: a package was handed to the courier (tracking link,
        /// estimated delivery).
        ShipmentShipped = "SHIPMENT_SHIPPED",
        /// To the customer: a package is out for delivery today.
        ShipmentOutForDelivery = "SHIPMENT_OUT_FOR_DELIVERY",
        /// To the customer: the courier could not deliver a package.
        ShipmentAttemptFailed = "SHIPMENT_ATTEMPT_FAILED",
        /// To the customer: a package ran into a problem (address, damage, loss).
        ShipmentException = "SHIPMENT_EXCEPTION",
        /// To the customer: a package's estimated delivery moved later.
        ShipmentDelayed = "SHIPMENT_DELAYED",
        /// To the customer: a package was delivered (with the warranty text).
        ShipmentDelivered = "SHIPMENT_DELIVERED",
        /// To the customer, after delivery: how did we do (transactional; its
        /// link opens the order's satisfaction survey).
        DeliveryFeedback = "DELIVERY_FEEDBACK",
        /// To a consenting customer, after delivery: a discount on the next
        /// purchase (commercial).
        NextPurchaseOffer = "NEXT_PURCHASE_OFFER",
        /// To a consenting customer, after delivery: please review what you
        /// bought (commercial).
        ReviewRequest = "REVIEW_REQUEST",
        /// To a supplier: an approved purchase order (HTML + text).
        PurchaseOrder = "PURCHASE_ORDER",
        /// To a supplier: a purchase order it was sent is called off (do not
        /// supply it), with why.
        PurchaseOrderCancelled = "PURCHASE_ORDER_CANCELLED",
        /// To the customer: the backordered goods arrived and are being
        /// reserved for their order.
        BackorderArrived = "BACKORDER_ARRIVED",
        /// To a consenting customer: an asset's warranty ends soon, with how to
        /// renew or extend it (commercial: RENEWALS consent, unsubscribe link).
        WarrantyRenewal = "WARRANTY_RENEWAL",
        /// To the service team: a customer's asset's warranty ends soon (call
        /// them about renewal).
        WarrantyEnding = "WARRANTY_ENDING",
        /// To the service team: an order's goods are on the customer's site and
        /// its on-site services can be booked.
        ServiceOnSite = "SERVICE_ON_SITE",
        /// To the customer: a stage of their engagement started.
        EngagementStageStarted = "ENGAGEMENT_STAGE_STARTED",
        /// To the owners of an engagement's current stage: it is overdue.
        EngagementStageOverdue = "ENGAGEMENT_STAGE_OVERDUE",
        /// To the customer: a deliverable awaits their acceptance.
        DeliverableAwaitingAcceptance = "DELIVERABLE_AWAITING_ACCEPTANCE",
        /// To the customer: a scope change request was approved or rejected.
        ScopeChangeDecided = "SCOPE_CHANGE_DECIDED",
        /// To the customer: their engagement is delayed, with the new dates.
        EngagementDelayed = "ENGAGEMENT_DELAYED",
        /// To ADMIN: an engagement stayed overdue past the grace period, or a
        /// significant delay was recorded.
        EngagementEscalated = "ENGAGEMENT_ESCALATED",
        /// To the customer contact, at closure: how likely are you to recommend
        /// us (transactional; its link opens the NPS survey).
        EngagementNpsSurvey = "ENGAGEMENT_NPS_SURVEY",
        /// To the customer: their support ticket was opened (its number and
        /// when a first response is due).
        TicketOpened = "TICKET_OPENED",
        /// To the customer: staff replied on their ticket.
        TicketReply = "TICKET_REPLY",
        /// To the customer: their ticket was resolved (a reply reopens it).
        TicketResolved = "TICKET_RESOLVED",
        /// To the assignee: a ticket's SLA target is about to be breached.
        TicketSlaWarning = "TICKET_SLA_WARNING",
        /// To the policy's escalation role: a ticket's SLA target was breached.
        TicketSlaBreached = "TICKET_SLA_BREACHED",
        /// To a customer who bought an affected batch: the recall notice.
        RecallNotice = "RECALL_NOTICE",
        /// To COMPLIANCE: a recall's ACCC notification is due soon.
        RecallAcccReminder = "RECALL_ACCC_REMINDER",
        /// To ADMIN: a recall's ACCC notification is overdue.
        RecallAcccOverdue = "RECALL_ACCC_OVERDUE",
        /// To COMPLIANCE: a mandatory injury report is due soon.
        InjuryReportReminder = "INJURY_REPORT_REMINDER",
        /// To ADMIN: a mandatory injury report is overdue.
        InjuryReportOverdue = "INJURY_REPORT_OVERDUE",
        /// To the buyer: a step of their consumer-guarantee claim (subject: the
        /// step, so a step repeated is told again).
        ClaimUpdate = "CLAIM_UPDATE",
        /// To the buyer: a step of their return (subject: the step).
        ReturnUpdate = "RETURN_UPDATE",
        /// To ADMIN: a webhook subscription kept failing and was disabled
        /// (subject: the delivery whose failure disabled it).
        WebhookSubscriptionDisabled = "WEBHOOK_SUBSCRIPTION_DISABLED",
    }
}

string_enum! {
    /// Where a notification is in its delivery.
    pub enum NotificationStatus {
        Pending = "PENDING",
        Sending = "SENDING",
        Sent = "SENT",
        Dead = "DEAD",
    }
}

string_enum! {
    /// Where an outbox row is on its way to the queue.
    pub enum OutboxStatus {
        Pending = "PENDING",
        Relayed = "RELAYED",
        /// Its job failed on every allowed attempt: a dead letter until ADMIN retries it.
        Dead = "DEAD",
    }
}

string_enum! {
    /// Where a timer is in its life.
    pub enum TimerStatus {
        /// Waiting for its due time.
        Planned = "PLANNED",
        /// Fired once (its outbox row carries the work).
        Fired = "FIRED",
        /// Re-planned: a newer generation replaced it; it never fires.
        Superseded = "SUPERSEDED",
        /// Cancelled by its area or an ADMIN; it never fires.
        Cancelled = "CANCELLED",
    }
}

string_enum! {
    /// What an approval gates.
    pub enum ApprovalKind {
        InventoryReservation = "INVENTORY_RESERVATION",
        PaymentProcessing = "PAYMENT_PROCESSING",
        Refund = "REFUND",
        PurchaseOrder = "PURCHASE_ORDER",
        ScopeChange = "SCOPE_CHANGE",
        DeliverableAcceptance = "DELIVERABLE_ACCEPTANCE",
        General = "GENERAL",
    }
}

string_enum! {
    /// Where an approval request is.
    pub enum ApprovalStatus {
        Pending = "PENDING",
        Approved = "APPROVED",
        Rejected = "REJECTED",
        Cancelled = "CANCELLED",
        Expired = "EXPIRED",
    }
}

string_enum! {
    /// One decider's answer.
    pub enum Verdict {
        Approve = "APPROVE",
        Reject = "REJECT",
    }
}

string_enum! {
    /// What an approval's due time does when it is still undecided.
    pub enum OnDue {
        /// The policy's escalation role may decide too, and is told.
        Escalate = "ESCALATE",
        /// The request closes as EXPIRED.
        Expire = "EXPIRE",
    }
}

string_enum! {
    /// What a product is: goods need stock; services do not.
    pub enum ProductKind {
        Goods = "GOODS",
        /// Installation, setup: never reserved, picked or packed.
        Service = "SERVICE",
    }
}

string_enum! {
    /// Where a stock location (or an address) is.
    pub enum Region {
        Australia = "AUSTRALIA",
        NorthAmerica = "NORTH_AMERICA",
        Europe = "EUROPE",
        Malaysia = "MALAYSIA",
    }
}

string_enum! {
    /// What a stock location is for.
    pub enum LocationKind {
        /// Stock that can be sold.
        Warehouse = "WAREHOUSE",
        /// Held stock: never available.
        Quarantine = "QUARANTINE",
    }
}

string_enum! {
    /// Why stock on hand changed.
    pub enum MovementKind {
        Receipt = "RECEIPT",
        /// A stocktake correction.
        Count = "COUNT",
        Damage = "DAMAGE",
        Return = "RETURN",
        /// Any other correction.
        Adjustment = "ADJUSTMENT",
        /// Units handed to a courier in a package.
        Shipment = "SHIPMENT",
        /// Quarantined units released after a passed re-inspection: out of the
        /// quarantine location and into a warehouse (one movement each side).
        Release = "RELEASE",
        /// Quarantined units sent back to their supplier.
        SupplierReturn = "SUPPLIER_RETURN",
    }
}

string_enum! {
    /// Where an order is (hold and archive are flags, not states).
    pub enum OrderStatus {
        Placed = "PLACED",
        AwaitingReservation = "AWAITING_RESERVATION",
        PartiallyReserved = "PARTIALLY_RESERVED",
        Reserved = "RESERVED",
        Backordered = "BACKORDERED",
        ReservationRejected = "RESERVATION_REJECTED",
        Invoiced = "INVOICED",
        AwaitingPayment = "AWAITING_PAYMENT",
        Paid = "PAID",
        Packing = "PACKING",
        PartiallyShipped = "PARTIALLY_SHIPPED",
        Shipped = "SHIPPED",
        Delivered = "DELIVERED",
        Closed = "CLOSED",
        Cancelled = "CANCELLED",
    }
}

string_enum! {
    /// How fast an order ships.
    pub enum ShippingSpeed {
        Standard = "STANDARD",
        Express = "EXPRESS",
        Overnight = "OVERNIGHT",
    }
}

string_enum! {
    /// Where an order came in.
    pub enum Channel {
        Web = "WEB",
        Mobile = "MOBILE",
        Phone = "PHONE",
        Email = "EMAIL",
        Store = "STORE",
    }
}

string_enum! {
    /// Whether an order will arrive by its required delivery date.
    pub enum LateRisk {
        OnTrack = "ON_TRACK",
        /// It must ship by the next business day to arrive in time.
        AtRisk = "AT_RISK",
        /// It cannot arrive by the required date any more.
        Late = "LATE",
    }
}

string_enum! {
    /// How GST is rounded on invoices with several taxable lines (ATO s9-90).
    pub enum GstRounding {
        PerLine = "PER_LINE",
        PerInvoice = "PER_INVOICE",
    }
}

string_enum! {
    /// What an invoice line bills.
    pub enum InvoiceLineKind {
        /// Goods or a service.
        Item = "ITEM",
        /// The delivery charge (its own supply).
        Shipping = "SHIPPING",
    }
}

string_enum! {
    /// How a payment is made.
    pub enum PaymentMethod {
        /// A card, charged through the card provider.
        Card = "CARD",
        /// A bank transfer: paid when FINANCE records the remittance.
        BankTransfer = "BANK_TRANSFER",
        /// A PayPal-style wallet: the payer approves at the provider, then it
        /// is charged.
        Paypal = "PAYPAL",
    }
}

string_enum! {
    /// Where a payment is.
    pub enum PaymentStatus {
        /// Its PAYMENT_PROCESSING approval is pending.
        AwaitingApproval = "AWAITING_APPROVAL",
        /// Approved; the capture runs after commit.
        Capturing = "CAPTURING",
        /// A bank transfer waiting for its remittance.
        AwaitingRemittance = "AWAITING_REMITTANCE",
        /// A wallet payment waiting for the payer to approve it at the provider.
        AwaitingPayer = "AWAITING_PAYER",
        /// Paid.
        Succeeded = "SUCCEEDED",
        /// Declined, rejected or abandoned (see the reason).
        Failed = "FAILED",
    }
}

string_enum! {
    /// Where a refund is.
    pub enum RefundStatus {
        /// Its REFUND approval is pending.
        AwaitingApproval = "AWAITING_APPROVAL",
        /// Approved; the provider pays it back after commit.
        Refunding = "REFUNDING",
        /// Paid back, with its adjustment note.
        Succeeded = "SUCCEEDED",
        /// Rejected or refused by the provider (no note).
        Failed = "FAILED",
    }
}

string_enum! {
    /// When GST is attributed to a period (AU-RULES "Attribution basis").
    pub enum GstBasis {
        /// The period of the invoice (or note).
        Accrual = "ACCRUAL",
        /// The period in which the money is received (or paid back).
        Cash = "CASH",
    }
}

string_enum! {
    /// Where an engagement is.
    pub enum EngagementStatus {
        /// Set up, not started.
        Planned = "PLANNED",
        /// Work runs in its current stage.
        Active = "ACTIVE",
        /// Paused, with a reason.
        OnHold = "ON_HOLD",
        /// Its last stage was left.
        Closed = "CLOSED",
        /// Called off, with a reason.
        Cancelled = "CANCELLED",
    }
}

string_enum! {
    /// Where a risk in an engagement's register is.
    pub enum RiskStatus {
        /// Identified, nothing done yet.
        Open = "OPEN",
        /// Its mitigation is under way.
        Mitigating = "MITIGATING",
        /// No longer a risk.
        Closed = "CLOSED",
    }
}

string_enum! {
    /// How badly an engagement issue hurts.
    pub enum IssueSeverity {
        /// A nuisance; work goes on.
        Low = "LOW",
        /// Slows work down.
        Medium = "MEDIUM",
        /// Blocks part of the work.
        High = "HIGH",
        /// Blocks the engagement.
        Critical = "CRITICAL",
    }
}

string_enum! {
    /// Where an engagement issue is.
    pub enum IssueStatus {
        /// Being worked on.
        Open = "OPEN",
        /// Resolved, with its resolution.
        Resolved = "RESOLVED",
    }
}

string_enum! {
    /// Where a scope change request is.
    pub enum ScopeChangeStatus {
        /// Its SCOPE_CHANGE approval is open.
        Pending = "PENDING",
        /// Approved: the plan and the final invoice include it.
        Approved = "APPROVED",
        /// Rejected, with the reason (kept).
        Rejected = "REJECTED",
        /// Its approval expired or was cancelled before a decision.
        Withdrawn = "WITHDRAWN",
    }
}

string_enum! {
    /// Why an engagement was escalated to ADMIN.
    pub enum EscalationCause {
        /// A stage stayed overdue past the grace period.
        OverdueStage = "OVERDUE_STAGE",
        /// A delay of the significant-delay threshold or more was recorded.
        SignificantDelay = "SIGNIFICANT_DELAY",
    }
}

string_enum! {
    /// How urgent a support ticket is.
    pub enum TicketPriority {
        /// Business stopped: around the clock.
        Critical = "CRITICAL",
        /// Badly affected.
        High = "HIGH",
        /// Affected; work goes on.
        Medium = "MEDIUM",
        /// A question or a nuisance.
        Low = "LOW",
    }
}

string_enum! {
    /// Where a support ticket is.
    pub enum TicketStatus {
        /// Opened, not yet answered by staff.
        New = "NEW",
        /// Being worked on.
        Open = "OPEN",
        /// Waiting for the customer (the clock may pause).
        WaitingOnCustomer = "WAITING_ON_CUSTOMER",
        /// Waiting for a supplier or other party (the clock may pause).
        WaitingOnThirdParty = "WAITING_ON_THIRD_PARTY",
        /// Resolved; reopens if the customer replies in time.
        Resolved = "RESOLVED",
        /// Closed for good.
        Closed = "CLOSED",
    }
}

string_enum! {
    /// The clock an SLA policy counts in.
    pub enum SlaCalendar {
        /// Around the clock, every day.
        Always = "ALWAYS",
        /// The business's hours on business days (public holidays excluded).
        BusinessHours = "BUSINESS_HOURS",
    }
}

string_enum! {
    /// What a step of a ticket's history was.
    pub enum TicketEventKind {
        /// The ticket was opened.
        Created = "CREATED",
        /// Its status changed.
        Status = "STATUS",
        /// Its priority changed (its targets count from the change on).
        Priority = "PRIORITY",
        /// Staff replied to the customer.
        StaffReply = "STAFF_REPLY",
        /// The customer replied.
        CustomerReply = "CUSTOMER_REPLY",
    }
}

string_enum! {
    /// Whether a product is banned from sale (ACL bans).
    pub enum BanKind {
        /// Not banned.
        NotBanned = "NONE",
        /// An interim ban (up to 60 days, with an end date).
        Interim = "INTERIM",
        /// A permanent ban.
        Permanent = "PERMANENT",
    }
}

string_enum! {
    /// Whether a batch may be sold.
    pub enum BatchStatus {
        /// May be ordered, reserved and packed.
        Active = "ACTIVE",
        /// Recalled: cannot be ordered, reserved or packed.
        Recalled = "RECALLED",
    }
}

string_enum! {
    /// Where a recall is.
    pub enum RecallStatus {
        /// Under way: its batches are blocked and its customers told.
        Active = "ACTIVE",
        /// Finished (its batches stay blocked).
        Closed = "CLOSED",
    }
}

string_enum! {
    /// Where one customer's recall notice is.
    pub enum RecallNoticeStatus {
        /// Found through order history; the notice is being sent.
        Pending = "PENDING",
        /// The recall notice was sent.
        Notified = "NOTIFIED",
        /// The customer answered.
        Responded = "RESPONDED",
        /// The customer received the remedy.
        Remedied = "REMEDIED",
        /// No email address, or the notice bounced.
        Unreachable = "UNREACHABLE",
    }
}

string_enum! {
    /// How serious an incident reported to the ACCC is.
    pub enum InjurySeverity {
        /// A death.
        Death = "DEATH",
        /// A serious injury.
        SeriousInjury = "SERIOUS_INJURY",
        /// A serious illness.
        Illness = "ILLNESS",
    }
}

string_enum! {
    /// Where a mandatory injury report is.
    pub enum InjuryReportStatus {
        /// Recorded; not yet submitted to the ACCC.
        Open = "OPEN",
        /// Submitted to the ACCC (its reference recorded).
        Submitted = "SUBMITTED",
    }
}

string_enum! {
    /// Which SLA target of a ticket.
    pub enum SlaTargetKind {
        /// The first staff reply.
        FirstResponse = "FIRST_RESPONSE",
        /// The next staff reply after the last one.
        NextUpdate = "NEXT_UPDATE",
        /// The ticket resolved.
        Resolution = "RESOLUTION",
    }
}

string_enum! {
    /// What an SLA alarm told: a breach is near, or it happened.
    pub enum SlaAlarmKind {
        /// The assignee is warned the policy's warning lead before the due time.
        Warning = "WARNING",
        /// The policy's role is told the target was breached.
        Breach = "BREACH",
    }
}

string_enum! {
    /// Where a deliverable is between its versions, review and acceptance.
    pub enum DeliverableStatus {
        /// Named, no version yet.
        Draft = "DRAFT",
        /// Its latest version awaits quality review.
        Submitted = "SUBMITTED",
        /// Its latest version failed review: a new version is needed.
        ReviewFailed = "REVIEW_FAILED",
        /// Its latest version passed review.
        Reviewed = "REVIEWED",
        /// The customer is asked to accept it.
        AwaitingAcceptance = "AWAITING_ACCEPTANCE",
        /// The customer accepted its reviewed version.
        Accepted = "ACCEPTED",
        /// The customer rejected it with feedback: a new version is needed.
        Rejected = "REJECTED",
    }
}

string_enum! {
    /// How one acceptance round ended.
    pub enum AcceptanceOutcome {
        /// Awaiting the customer.
        Pending = "PENDING",
        Accepted = "ACCEPTED",
        /// Rejected with feedback (a revision round follows).
        Rejected = "REJECTED",
        /// Its approval expired or was cancelled: it may be asked again.
        Lapsed = "LAPSED",
    }
}

string_enum! {
    /// Whether a process template version may be used.
    pub enum TemplateStatus {
        /// Being prepared; no engagement follows it yet.
        Draft = "DRAFT",
        /// New engagements follow the latest published version.
        Published = "PUBLISHED",
    }
}

string_enum! {
    /// Where a webhook delivery is.
    pub enum WebhookDeliveryStatus {
        /// Due at `next_attempt_at` (first attempt or a retry).
        Pending = "PENDING",
        /// The target answered 2xx.
        Succeeded = "SUCCEEDED",
        /// The target gave a final answer (4xx other than 408/429, a redirect)
        /// or may not be called.
        Failed = "FAILED",
        /// Every attempt failed with a retryable answer.
        Dead = "DEAD",
    }
}

string_enum! {
    /// An event integrators can subscribe to; the stored value is its wire name.
    pub enum WebhookEventType {
        OrderPlaced = "order.placed",
        OrderReserved = "order.reserved",
        InvoiceIssued = "invoice.issued",
        PaymentCaptured = "payment.captured",
        OrderShipped = "order.shipped",
        ShipmentUpdated = "shipment.updated",
        OrderDelivered = "order.delivered",
        ApprovalRequested = "approval.requested",
        ApprovalDecided = "approval.decided",
        EngagementStageChanged = "engagement.stage_changed",
        RecallStarted = "recall.started",
        TicketBreached = "ticket.breached",
        ClaimLodged = "claim.lodged",
        ClaimUpdated = "claim.updated",
        ReturnRequested = "return.requested",
        ReturnUpdated = "return.updated",
        /// A test delivery ADMIN asked for (`sendTestWebhook`).
        Test = "webhook.test",
    }
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

string_enum! {
    /// Where a package is in the warehouse's hands.
    pub enum ShipmentStage {
        /// Packed, waiting for its label.
        Packed = "PACKED",
        /// Labelled by its courier, waiting for pickup.
        Labelled = "LABELLED",
        /// Handed to the courier; tracked until delivered or expired.
        PickedUp = "PICKED_UP",
    }
}

string_enum! {
    /// A courier's tracking status, normalised to AfterShip's nine.
    pub enum TrackingStatus {
        Pending = "PENDING",
        InfoReceived = "INFO_RECEIVED",
        InTransit = "IN_TRANSIT",
        OutForDelivery = "OUT_FOR_DELIVERY",
        AttemptFail = "ATTEMPT_FAIL",
        AvailableForPickup = "AVAILABLE_FOR_PICKUP",
        Delivered = "DELIVERED",
        Exception = "EXCEPTION",
        Expired = "EXPIRED",
    }
}

string_enum! {
    /// The detail under a tracking status.
    pub enum TrackingSubStatus {
        /// Delivered and signed for.
        SignedFor = "SIGNED_FOR",
        /// Delivered and left in a safe place (authority to leave).
        LeftSafe = "LEFT_SAFE",
        /// Delivered to a neighbour or a collection point and collected.
        Collected = "COLLECTED",
        /// Nobody was there to receive it.
        NoOneHome = "NO_ONE_HOME",
        /// The address could not be found or is incomplete.
        BadAddress = "BAD_ADDRESS",
        /// Damaged in transit.
        Damaged = "DAMAGED",
        /// Lost by the courier.
        Lost = "LOST",
        /// On its way back to the sender.
        Returning = "RETURNING",
        /// Held up (weather, volume, customs).
        Delayed = "DELAYED",
    }
}

string_enum! {
    /// The five configured couriers.
    pub enum CourierCode {
        A = "A",
        B = "B",
        C = "C",
        D = "D",
        E = "E",
    }
}

string_enum! {
    /// What a customer agreed to receive commercial email about (Spam Act).
    pub enum ConsentPurpose {
        /// Offers and discounts.
        Offers = "OFFERS",
        /// Requests to review what was bought.
        ReviewRequests = "REVIEW_REQUESTS",
        /// Renewal and extension offers for what was bought (warranty renewals).
        Renewals = "RENEWALS",
    }
}

string_enum! {
    /// Whether a consent stands.
    pub enum ConsentStatus {
        Given = "GIVEN",
        Withdrawn = "WITHDRAWN",
    }
}

string_enum! {
    /// What became of one commercial email.
    pub enum SendOutcome {
        /// Planned and sent.
        Sent = "SENT",
        /// Not sent: the customer never consented to the purpose.
        NoConsent = "NO_CONSENT",
        /// Not sent: the customer withdrew consent (unsubscribed).
        Unsubscribed = "UNSUBSCRIBED",
        /// Not sent: the address bounces.
        Bouncing = "BOUNCING",
        /// Not sent: a guest order, with nobody to have consented.
        NoCustomer = "NO_CUSTOMER",
    }
}

string_enum! {
    /// The one follow-up a delivered order gets.
    pub enum FollowUpKind {
        /// A feedback request with the satisfaction survey (transactional).
        Feedback = "FEEDBACK",
        /// A next-purchase discount (commercial: consent to OFFERS).
        Discount = "DISCOUNT",
        /// A review request (commercial: consent to REVIEW_REQUESTS).
        Review = "REVIEW",
    }
}

string_enum! {
    /// Where a replenishment task is.
    pub enum ReplenishmentStatus {
        Open = "OPEN",
        Done = "DONE",
    }
}

string_enum! {
    /// Where a purchase order is.
    pub enum PurchaseOrderStatus {
        /// Being prepared; sending raises its PURCHASE_ORDER approval.
        Draft = "DRAFT",
        /// Approved and emailed to the supplier.
        Sent = "SENT",
        /// Some of it was received.
        PartiallyReceived = "PARTIALLY_RECEIVED",
        /// All of it was received.
        Received = "RECEIVED",
        /// Finished with (nothing more will come).
        Closed = "CLOSED",
        /// Called off before anything was received.
        Cancelled = "CANCELLED",
    }
}

// ---- Consumer guarantees (ACL), claims and returns ----------------

string_enum! {
    /// Whether a supply is goods or services (the guarantees differ).
    pub enum SupplyKind {
        Goods = "GOODS",
        Services = "SERVICES",
    }
}

string_enum! {
    /// The consumer guarantee that failed (ACL Sch 2 Part 3-2 Div 1).
    pub enum Guarantee {
        AcceptableQuality = "ACCEPTABLE_QUALITY",
        FitForDisclosedPurpose = "FIT_FOR_DISCLOSED_PURPOSE",
        MatchesDescription = "MATCHES_DESCRIPTION",
        MatchesSample = "MATCHES_SAMPLE",
        Title = "TITLE",
        ExpressWarranty = "EXPRESS_WARRANTY",
        RepairsAndSpareParts = "REPAIRS_AND_SPARE_PARTS",
        DueCareAndSkill = "DUE_CARE_AND_SKILL",
        ServiceFitForPurpose = "SERVICE_FIT_FOR_PURPOSE",
        ReasonableTime = "REASONABLE_TIME",
    }
}

string_enum! {
    /// Why a failure is major: any one makes it major (ACL s260, s268).
    pub enum MajorFailureReason {
        /// A reasonable consumer fully aware of it would not have bought it.
        WouldNotHaveBought = "WOULD_NOT_HAVE_BOUGHT",
        SignificantlyDifferentFromDescription = "SIGNIFICANTLY_DIFFERENT_FROM_DESCRIPTION",
        SubstantiallyUnfitAndNotEasilyFixed = "SUBSTANTIALLY_UNFIT_AND_NOT_EASILY_FIXED",
        Unsafe = "UNSAFE",
    }
}

string_enum! {
    /// How serious a guarantee failure is.
    pub enum FailureSeverity {
        Major = "MAJOR",
        Minor = "MINOR",
    }
}

string_enum! {
    /// A remedy the law allows for a guarantee failure.
    pub enum Remedy {
        /// Goods returned (rejected), money back.
        Refund = "REFUND",
        /// Goods returned, identical goods supplied.
        Replacement = "REPLACEMENT",
        /// The goods are fixed.
        Repair = "REPAIR",
        /// The customer keeps the goods and is compensated for their drop in value.
        KeepWithCompensation = "KEEP_WITH_COMPENSATION",
        /// The service is fixed or supplied again.
        ResupplyService = "RESUPPLY_SERVICE",
        /// The service contract is cancelled and the unused part refunded.
        CancelWithRefund = "CANCEL_WITH_REFUND",
        /// The customer keeps the service and is compensated for its drop in value.
        CompensationForReducedValue = "COMPENSATION_FOR_REDUCED_VALUE",
        /// Someone else fixes it and the supplier pays the reasonable cost.
        RemedyElsewhereAtSupplierCost = "REMEDY_ELSEWHERE_AT_SUPPLIER_COST",
    }
}

string_enum! {
    /// Who picks among the remedies.
    pub enum Chooser {
        Customer = "CUSTOMER",
        Supplier = "SUPPLIER",
    }
}

string_enum! {
    /// Where a consumer-guarantee claim is.
    pub enum ClaimStatus {
        /// Lodged; staff assess it.
        Lodged = "LODGED",
        /// Assessed as a failure; the chooser picks a remedy.
        AwaitingRemedy = "AWAITING_REMEDY",
        /// A remedy was chosen and is under way (a refund, a replacement order, a repair).
        RemedyInProgress = "REMEDY_IN_PROGRESS",
        /// The remedy was delivered.
        Remedied = "REMEDIED",
        /// Assessed: no guarantee failed (with the reason).
        NotFailed = "NOT_FAILED",
        /// The customer withdrew it.
        Withdrawn = "WITHDRAWN",
    }
}

string_enum! {
    /// Why goods come back.
    pub enum ReturnReason {
        /// We sent the wrong item (a processing error).
        WrongItem = "WRONG_ITEM",
        /// It arrived damaged (a processing error).
        DamagedInTransit = "DAMAGED_IN_TRANSIT",
        /// It is faulty.
        Faulty = "FAULTY",
        /// The customer changed their mind (only where the business's policy accepts it).
        ChangeOfMind = "CHANGE_OF_MIND",
    }
}

string_enum! {
    /// What a return ends in.
    pub enum ReturnResolution {
        Refund = "REFUND",
        Replacement = "REPLACEMENT",
    }
}

string_enum! {
    /// Where a return is.
    pub enum ReturnStatus {
        /// Asked for; staff decide.
        Requested = "REQUESTED",
        /// Approved: the customer sends the goods back as instructed.
        Approved = "APPROVED",
        /// Refused, with the reason.
        Rejected = "REJECTED",
        /// The goods came back and were inspected.
        Received = "RECEIVED",
        /// The refund awaits its approval or the provider.
        Refunding = "REFUNDING",
        /// The replacement order is under way.
        Replacing = "REPLACING",
        /// Refunded or replaced.
        Completed = "COMPLETED",
        /// Withdrawn before the goods came back.
        Cancelled = "CANCELLED",
    }
}

string_enum! {
    /// Where returned units went after inspection.
    pub enum ReturnDisposition {
        /// Back into a warehouse, sellable.
        Restock = "RESTOCK",
        /// Held in quarantine (damaged or faulty).
        Quarantine = "QUARANTINE",
    }
}
