//! Customers: the slice every later area copies.

use super::errors::{ApiError, UserError, split_domain_error};
use super::types::{encode_cursor, page_request, parse_id};
use super::{ContextExt, Require};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{
    Context, ErrorExtensions, ID, InputObject, MaybeUndefined, Object, SimpleObject,
};
use chrono::{DateTime, Utc};
use domain::access::Permission;
use domain::customers::{self, CustomerInput, CustomerUpdateInput, Patch};
use entity::party;

/// A customer of the business (a party of kind CUSTOMER).
pub struct Customer(pub party::Model);

#[Object]
impl Customer {
    /// Stable identifier.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Person or organisation name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Email address, if known.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Phone number in E.164 form (e.g. +61412345678).
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Australian Business Number, 11 digits.
    async fn abn(&self) -> Option<&str> {
        self.0.abn.as_deref()
    }
    /// Incremented by every change; send it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the customer was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the customer last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A new customer.
#[derive(InputObject)]
pub struct CreateCustomerInput {
    /// Person or organisation name (required, at most 200 characters).
    pub name: String,
    /// Email address; customers with one get a welcome email.
    pub email: Option<String>,
    /// Australian phone number in any common form; stored as E.164.
    pub phone: Option<String>,
    /// ABN, spaces allowed; checked against the ABN checksum.
    pub abn: Option<String>,
}

/// Changes to a customer. Omitted fields stay; `null` clears an optional field.
#[derive(InputObject)]
pub struct UpdateCustomerInput {
    /// The customer to change.
    pub id: ID,
    /// The `version` the change is based on; a stale one gets CONFLICT.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New email, or null to clear it.
    pub email: MaybeUndefined<String>,
    /// New phone, or null to clear it.
    pub phone: MaybeUndefined<String>,
    /// New ABN, or null to clear it.
    pub abn: MaybeUndefined<String>,
}

/// Result of `createCustomer`.
#[derive(SimpleObject)]
pub struct CreateCustomerPayload {
    /// The new customer, when created.
    pub customer: Option<Customer>,
    /// Why the input was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

/// Result of `updateCustomer`.
#[derive(SimpleObject)]
pub struct UpdateCustomerPayload {
    /// The changed customer, when changed.
    pub customer: Option<Customer>,
    /// Why the change was refused; empty on success.
    pub user_errors: Vec<UserError>,
}

fn patch(value: MaybeUndefined<String>) -> Patch<String> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v),
    }
}

#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// One customer by id; null when missing or not visible to the caller.
    #[graphql(guard = "Require::to(Permission::ReadCustomers)")]
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Customer>> {
        let id = parse_id(&id, "id")?;
        let found = customers::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id)
            .await
            .map_err(|e| ApiError::internal(&ctx.request().request_id, &e).extend())?;
        Ok(found.map(Customer))
    }

    /// Customers, oldest first. `search` matches name or email, case-insensitively.
    /// Customers see only themselves.
    #[graphql(guard = "Require::to(Permission::ReadCustomers)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
        #[graphql(desc = "Text to find in name or email.")] search: Option<String>,
    ) -> async_graphql::Result<Connection<String, Customer>> {
        let page = page_request(first, after)?;
        let found = customers::list(
            &ctx.services().db,
            &ctx.domain_ctx()?,
            search.as_deref(),
            page,
        )
        .await
        .map_err(|e| ApiError::internal(&ctx.request().request_id, &e).extend())?;
        let mut connection = Connection::new(found.has_previous_page, found.has_next_page);
        connection.edges.extend(
            found
                .items
                .into_iter()
                .map(|(id, m)| Edge::new(encode_cursor(id), Customer(m))),
        );
        Ok(connection)
    }
}

#[derive(Default)]
pub struct CustomerMutation;

#[Object]
impl CustomerMutation {
    /// Create a customer. Writes the customer, its audit entry and the
    /// `customer.created` event together, or nothing. Honours `Idempotency-Key`.
    #[graphql(guard = "Require::to(Permission::ManageCustomers)")]
    async fn create_customer(
        &self,
        ctx: &Context<'_>,
        input: CreateCustomerInput,
    ) -> async_graphql::Result<CreateCustomerPayload> {
        let raw = CustomerInput {
            name: input.name,
            email: input.email,
            phone: input.phone,
            abn: input.abn,
        };
        let services = ctx.services();
        let domain_ctx = ctx.domain_ctx()?;
        let result = match &ctx.request().idempotency_key {
            Some(key) => {
                customers::create_idempotent(
                    &services.db,
                    &domain_ctx,
                    &raw,
                    key,
                    services.config.idempotency_ttl,
                )
                .await
            }
            None => customers::create(&services.db, &domain_ctx, &raw).await,
        };
        match result {
            Ok(m) => {
                services.broker.publish(m.id).await;
                Ok(CreateCustomerPayload {
                    customer: Some(Customer(m)),
                    user_errors: vec![],
                })
            }
            Err(e) => Ok(CreateCustomerPayload {
                customer: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            }),
        }
    }

    /// Change a customer if `expectedVersion` is current.
    #[graphql(guard = "Require::to(Permission::ManageCustomers)")]
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        input: UpdateCustomerInput,
    ) -> async_graphql::Result<UpdateCustomerPayload> {
        let Ok(id) = uuid::Uuid::parse_str(input.id.as_str()) else {
            return Ok(UpdateCustomerPayload {
                customer: None,
                user_errors: vec![UserError {
                    field: Some(vec!["input".into(), "id".into()]),
                    code: super::UserErrorCode::InvalidId,
                    message: "id is not a valid ID".into(),
                }],
            });
        };
        let raw = CustomerUpdateInput {
            id,
            expected_version: input.expected_version,
            name: input.name,
            email: patch(input.email),
            phone: patch(input.phone),
            abn: patch(input.abn),
        };
        let services = ctx.services();
        match customers::update(&services.db, &ctx.domain_ctx()?, &raw).await {
            Ok(m) => {
                services.broker.publish(m.id).await;
                Ok(UpdateCustomerPayload {
                    customer: Some(Customer(m)),
                    user_errors: vec![],
                })
            }
            Err(e) => Ok(UpdateCustomerPayload {
                customer: None,
                user_errors: split_domain_error(e, &ctx.request().request_id)?,
            }),
        }
    }
}
