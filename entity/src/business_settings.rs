use crate::enums::{FollowUpKind, GstBasis, GstRounding};
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// The one business this deployment serves (a single row, id 1).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "business_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub legal_name: String,
    pub abn: Option<String>,
    pub gst_registered: bool,
    pub gst_rounding: GstRounding,
    pub mail_from: String,
    pub public_base_url: String,
    /// IANA zone for business rules, e.g. Australia/Sydney.
    pub timezone: String,
    pub support_hours_open: String,
    pub support_hours_close: String,
    /// What each shipping speed charges, GST included.
    pub shipping_standard_cents: i64,
    pub shipping_express_cents: i64,
    pub shipping_overnight_cents: i64,
    /// How long a reservation holds stock for an unpaid order.
    pub reservation_hold_hours: i64,
    /// When GST is attributed to a period: accrual (default) or cash.
    pub gst_basis: GstBasis,
    /// The one follow-up a delivered order gets.
    pub follow_up_kind: FollowUpKind,
    /// Days after delivery the follow-up is sent.
    pub follow_up_after_days: i32,
    /// Days after delivery a delivered order without an open claim is closed.
    pub close_after_days: i32,
    /// Days after closure a closed order is archived.
    pub archive_after_days: i32,
    /// Business hours an overdue engagement stage waits before ADMIN is told.
    pub escalation_grace_hours: i32,
    /// A recorded engagement delay of this many business days or more
    /// escalates to ADMIN at once.
    pub significant_delay_days: i32,
    /// Days after delivery a change-of-mind return is accepted (0: the
    /// business does not accept them; the law does not require it).
    pub change_of_mind_return_days: i32,
    /// Business days the business gives itself to remedy a minor failure
    /// before the customer may reject the goods.
    pub claim_remedy_business_days: i32,
    /// Where returned goods are sent (several lines); named in a return's
    /// default instructions.
    pub returns_address: Option<String>,
    pub version: i32,
    pub updated_at: DateTimeUtc,
}

no_relations!();
