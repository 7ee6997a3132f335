//! The business this deployment serves (one settings row).

use super::errors::{ApiError, UserError, split_domain_error};
use super::{ContextExt, Require};
use async_graphql::{
    Context, Enum, ErrorExtensions, InputObject, MaybeUndefined, Object, SimpleObject,
};
use chrono::{DateTime, Utc};
use domain::access::Permission;
use domain::customers::Patch;
use domain::settings::SettingsUpdate;
use entity::business_settings;

/// How GST is rounded on invoices with several taxable lines (ATO s9-90).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum GstRounding {
    /// Round each line's GST, then add (taxable-supply rule).
    PerLine,
    /// Add the unrounded GST of all lines, round once (total-invoice rule).
    PerInvoice,
}

impl GstRounding {
    fn as_str(self) -> &'static str {
        match self {
            GstRounding::PerLine => "PER_LINE",
            GstRounding::PerInvoice => "PER_INVOICE",
        }
    }
}

/// Legal identity and defaults of the business.
pub struct BusinessSettings(pub business_settings::Model);

#[Object]
impl BusinessSettings {
    /// Legal name, shown on tax invoices.
    async fn legal_name(&self) -> &str {
        &self.0.legal_name
    }
    /// ABN, 11 digits.
    async fn abn(&self) -> Option<&str> {
        self.0.abn.as_deref()
    }
    /// Whether the business is registered for GST.
    async fn gst_registered(&self) -> bool {
        self.0.gst_registered
    }
    /// The GST rounding rule invoices use.
    async fn gst_rounding(&self) -> GstRounding {
        if self.0.gst_rounding == "PER_INVOICE" {
            GstRounding::PerInvoice
        } else {
            GstRounding::PerLine
        }
    }
    /// Sender of customer email.
    async fn mail_from(&self) -> &str {
        &self.0.mail_from
    }
    /// Base of links in customer email.
    async fn public_base_url(&self) -> &str {
        &self.0.public_base_url
    }
    /// IANA timezone of business rules (due dates, SLAs).
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }
    /// Incremented by every change; send it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the settings last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
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
    /// Sender of customer email, e.g. `Shop <orders@shop.com.au>`.
    pub mail_from: Option<String>,
    /// Base of links in customer email (https://…).
    pub public_base_url: Option<String>,
    /// IANA timezone, e.g. Australia/Brisbane.
    pub timezone: Option<String>,
}

/// Result of `updateBusinessSettings`.
#[derive(SimpleObject)]
pub struct UpdateBusinessSettingsPayload {
    /// The settings after the change.
    pub settings: Option<BusinessSettings>,
    /// Why the change was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

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
        domain::settings::current(&ctx.services().db)
            .await
            .map(BusinessSettings)
            .map_err(|e| ApiError::internal(&ctx.request().request_id, &e).extend())
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
        input: UpdateBusinessSettingsInput,
    ) -> async_graphql::Result<UpdateBusinessSettingsPayload> {
        let update = SettingsUpdate {
            expected_version: input.expected_version,
            legal_name: input.legal_name,
            abn: match input.abn {
                MaybeUndefined::Undefined => Patch::Keep,
                MaybeUndefined::Null => Patch::Clear,
                MaybeUndefined::Value(v) => Patch::Set(v),
            },
            gst_registered: input.gst_registered,
            gst_rounding: input.gst_rounding.map(|r| r.as_str().to_owned()),
            mail_from: input.mail_from,
            public_base_url: input.public_base_url,
            timezone: input.timezone,
        };
        match domain::settings::update(&ctx.services().db, &ctx.domain_ctx()?, &update).await {
            Ok(m) => Ok(UpdateBusinessSettingsPayload {
                settings: Some(BusinessSettings(m)),
                user_errors: vec![],
            }),
            Err(e) => Ok(UpdateBusinessSettingsPayload {
                settings: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            }),
        }
    }
}
