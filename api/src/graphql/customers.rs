//! Customers: the slice every later area copies (types, inputs, payloads,
//! then resolvers that only translate).

use super::kit::object;
use super::kit::{
    ContextExt, Require, answer, arg_id, connection, input_id, page_request, patch, payload,
    record_object, respond,
};
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::{DateTime, Utc};
use domain::customers::{self, CustomerInput, CustomerUpdateInput};
use domain::kernel::Permission;
use entity::party;

record_object! { pub struct Customer(pub party::Model); }

object! {
    /// A customer of the business (a party of kind CUSTOMER).
    #[Object]
    impl Customer {
        /// Stable identifier.
        pub(crate) id: ID,
        /// Person or organisation name.
        name: &str,
        /// Email address, if known.
        email: Option<&str>,
        /// Phone number in E.164 form (e.g. +61412345678).
        phone: Option<&str>,
        /// Australian Business Number, 11 digits.
        abn: Option<&str>,
        /// Incremented by every change; send it back as `expectedVersion`.
        version: i32,
        /// When the customer was created (UTC).
        created_at: DateTime<Utc>,
        /// When the customer last changed (UTC).
        updated_at: DateTime<Utc>,
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

payload!(
    "Result of `createCustomer`.",
    CreateCustomerPayload,
    customer: Customer
);
payload!(
    "Result of `updateCustomer`.",
    UpdateCustomerPayload,
    customer: Customer
);

#[derive(Default)]
pub struct CustomerQuery;

#[Object]
impl CustomerQuery {
    /// One customer by id; null when missing or not visible to the caller.
    #[graphql(guard = "Require::to(Permission::ReadCustomers)")]
    async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id.")] id: ID,
    ) -> async_graphql::Result<Option<Customer>> {
        let id = arg_id(&id, "id")?;
        let found = customers::find_visible(&ctx.services().db, &ctx.domain_ctx()?, id).await;
        Ok(answer(ctx, found)?.map(Customer))
    }

    /// Customers, oldest first. `search` matches name or email, case-insensitively.
    /// Customers see only themselves.
    #[graphql(
        guard = "Require::to(Permission::ReadCustomers)",
        complexity = "super::limits::connection_cost(first, child_complexity)"
    )]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, at most 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last edge already seen.")] after: Option<String>,
        #[graphql(desc = "Text to find in name or email.")] search: Option<String>,
    ) -> async_graphql::Result<Connection<String, Customer>> {
        let page = page_request(first, after)?;
        let ctx_domain = ctx.domain_ctx()?;
        let found = customers::list(&ctx.services().db, &ctx_domain, search.as_deref(), page).await;
        Ok(connection(answer(ctx, found)?, Customer))
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
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: CreateCustomerInput,
    ) -> async_graphql::Result<CreateCustomerPayload> {
        let raw = CustomerInput {
            name: input.name,
            email: input.email,
            phone: input.phone,
            abn: input.abn,
        };
        let key = ctx.idempotency_key();
        let result =
            customers::create(&ctx.services().db, &ctx.domain_ctx()?, &raw, key.as_ref()).await;
        respond(ctx, result).await
    }

    /// Change a customer if `expectedVersion` is current.
    #[graphql(guard = "Require::to(Permission::ManageCustomers)")]
    async fn update_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The operation's input (each field is described on its type).")]
        input: UpdateCustomerInput,
    ) -> async_graphql::Result<UpdateCustomerPayload> {
        let domain_ctx = ctx.domain_ctx()?;
        let result = async {
            let raw = CustomerUpdateInput {
                id: input_id(&input.id, "id")?,
                expected_version: input.expected_version,
                name: input.name,
                email: patch(input.email),
                phone: patch(input.phone),
                abn: patch(input.abn),
            };
            customers::update(&ctx.services().db, &domain_ctx, &raw).await
        }
        .await;
        respond(ctx, result).await
    }
}
