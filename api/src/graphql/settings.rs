//! The business this deployment serves (one settings row).

use super::kit::object;
use super::kit::{ContextExt, Require, answer, patch, payload, record_object, respond};
use async_graphql::{Context, Enum, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use domain::kernel::Permission;
use domain::settings::SettingsUpdate;
use entity::business_settings;

/// When GST is attributed to a period (AU-RULES "Attribution basis").
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::GstBasis")]
pub enum GstBasis {
    /// The period of the invoice or adjustment note (the default).
    Accrual,
    /// The period the money is received or paid back (businesses under $10M turnover).
    Cash,
}

/// How GST is rounded on invoices with several taxable lines (ATO s9-90).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::settings::GstRounding")]
pub enum GstRounding {
    /// Round each line's GST, then add (taxable-supply rule).
    PerLine,
    /// Add the unrounded GST of all lines, round once (total-invoice rule).
    PerInvoice,
}

/// The one follow-up a delivered order gets.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::FollowUpKind")]
pub enum FollowUpKind {
    /// A feedback request with the satisfaction survey (transactional; the default).
    Feedback,
    /// A next-purchase discount (commercial: only to customers consenting to OFFERS).
    Discount,
    /// A review request (commercial: only to customers consenting to REVIEW_REQUESTS).
    Review,
}

record_object! { pub struct BusinessSettings(pub business_settings::Model); }

object! {
    /// Legal identity and defaults of the business.
    #[Object]
    impl BusinessSettings {
        /// Legal name, shown on tax invoices.
        legal_name: &str,
        /// ABN, 11 digits.
        abn: Option<&str>,
        /// Whether the business is registered for GST.
        gst_registered: bool,
        /// The GST rounding rule invoices use.
        gst_rounding: GstRounding,
        /// When GST is attributed to a period (the GST summary follows it).
        gst_basis: GstBasis,
        /// The one follow-up a delivered order gets.
        follow_up_kind: FollowUpKind,
        /// Days after delivery the follow-up goes out.
        follow_up_after_days: i32,
        /// Days after delivery a delivered order is closed by the daily run.
        close_after_days: i32,
        /// Days after closure a closed order is archived by the daily run.
        archive_after_days: i32,
        /// Business hours an overdue engagement stage waits before ADMIN is
        /// told.
        escalation_grace_hours: i32,
        /// A recorded engagement delay of this many business days or more
        /// escalates to ADMIN at once.
        significant_delay_days: i32,
        /// Days after delivery a change-of-mind return is accepted; 0 when the
        /// business does not accept them (faulty goods are claims, always accepted).
        change_of_mind_return_days: i32,
        /// Business days the business gives itself to remedy a minor failure
        /// before the customer may reject the goods.
        claim_remedy_business_days: i32,
        /// Where returned goods are sent (several lines), named in an approved
        /// return's default instructions; null until an ADMIN sets it.
        returns_address: Option<&str>,
        /// Sender of customer email.
        mail_from: &str,
        /// Base of links in customer email.
        public_base_url: &str,
        /// IANA timezone of business rules (due dates, SLAs).
        timezone: &str,
        /// What standard shipping charges, GST included.
        shipping_standard: Money = shipping_standard_cents,
        /// What express shipping charges, GST included.
        shipping_express: Money = shipping_express_cents,
        /// What overnight shipping charges, GST included.
        shipping_overnight: Money = shipping_overnight_cents,
        /// Incremented by every change; send it back as `expectedVersion`.
        version: i32,
        /// When the settings last changed (UTC).
        updated_at: DateTime<Utc>,
        /// Set when the current or the next year has no public holidays at all:
        /// deadlines there count holidays as business days until an ADMIN adds them.
        async fn holiday_warning(&self, ctx: &Context<'_>) -> Option<String> {
            let services = ctx.services();
            services.calendar.holiday_warning(services.clock.now())
        }
    }
}

/// Changes to the business settings; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateBusinessSettingsInput {
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
    /// Legal name.
    pub legal_name: Option<String>,
    /// ABN (spaces allowed), or null to clear it.
    pub abn: MaybeUndefined<String>,
    /// GST registration.
    pub gst_registered: Option<bool>,
    /// GST rounding rule.
    pub gst_rounding: Option<GstRounding>,
    /// GST attribution basis: ACCRUAL or CASH.
    pub gst_basis: Option<GstBasis>,
    /// Sender of customer email, e.g. `Shop <orders@shop.com.au>`.
    pub mail_from: Option<String>,
    /// Base of links in customer email (https://…).
    pub public_base_url: Option<String>,
    /// IANA timezone, e.g. Australia/Brisbane.
    pub timezone: Option<String>,
    /// What standard shipping charges, GST included, in dollars ("9.95"; "0" ships free).
    pub shipping_standard: Option<String>,
    /// What express shipping charges, GST included, in dollars.
    pub shipping_express: Option<String>,
    /// What overnight shipping charges, GST included, in dollars.
    pub shipping_overnight: Option<String>,
    /// The one follow-up a delivered order gets.
    pub follow_up_kind: Option<FollowUpKind>,
    /// Days after delivery the follow-up goes out (0 to 60).
    pub follow_up_after_days: Option<i32>,
    /// Days after delivery a delivered order closes (1 to 365).
    pub close_after_days: Option<i32>,
    /// Days after closure a closed order is archived (1 to 3650).
    pub archive_after_days: Option<i32>,
    /// Business hours an overdue engagement stage waits before ADMIN is
    /// told (1 to 400).
    pub escalation_grace_hours: Option<i32>,
    /// Business days of delay that escalate to ADMIN at once (1 to 250).
    pub significant_delay_days: Option<i32>,
    /// Days after delivery a change-of-mind return is accepted (0 to 365;
    /// 0: not accepted).
    pub change_of_mind_return_days: Option<i32>,
    /// Business days to remedy a minor failure before the customer may
    /// reject the goods (1 to 60).
    pub claim_remedy_business_days: Option<i32>,
    /// Where returned goods are sent (several lines, at most 500 characters);
    /// null or blank removes it.
    pub returns_address: MaybeUndefined<String>,
}

payload!(
    "Result of `updateBusinessSettings`.",
    UpdateBusinessSettingsPayload,
    settings: BusinessSettings
);

#[derive(Default)]
pub struct SettingsQuery;

#[Object]
impl SettingsQuery {
    /// The business this deployment serves (staff).
    #[graphql(guard = "Require::to(Permission::ReadSettings)")]
    async fn business_settings(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<BusinessSettings> {
        let found = domain::settings::read(&ctx.services().db, &ctx.domain_ctx()?).await;
        answer(ctx, found).map(BusinessSettings)
    }
}

#[derive(Default)]
pub struct SettingsMutation;

#[Object]
impl SettingsMutation {
    /// Change the business settings (ADMIN).
    #[graphql(guard = "Require::to(Permission::ManageSettings)")]
    async fn update_business_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: UpdateBusinessSettingsInput,
    ) -> async_graphql::Result<UpdateBusinessSettingsPayload> {
        let update = SettingsUpdate {
            expected_version: input.expected_version,
            legal_name: input.legal_name,
            abn: patch(input.abn),
            gst_registered: input.gst_registered,
            gst_rounding: input.gst_rounding.map(Into::into),
            gst_basis: input.gst_basis.map(Into::into),
            mail_from: input.mail_from,
            public_base_url: input.public_base_url,
            timezone: input.timezone,
            shipping_standard: input.shipping_standard,
            shipping_express: input.shipping_express,
            shipping_overnight: input.shipping_overnight,
            follow_up_kind: input.follow_up_kind.map(Into::into),
            follow_up_after_days: input.follow_up_after_days,
            close_after_days: input.close_after_days,
            archive_after_days: input.archive_after_days,
            escalation_grace_hours: input.escalation_grace_hours,
            significant_delay_days: input.significant_delay_days,
            change_of_mind_return_days: input.change_of_mind_return_days,
            claim_remedy_business_days: input.claim_remedy_business_days,
            returns_address: patch(input.returns_address),
        };
        let result =
            domain::settings::update(&ctx.services().db, &ctx.domain_ctx()?, &update).await;
        respond(ctx, result).await
    }
}
