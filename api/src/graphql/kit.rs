//! The api kit every area's GraphQL module uses: reaching services and the
//! caller, payloads (`ok` / `refused`), one mapping of domain errors,
//! connections, ids and cursors, Idempotency-Key, and publishing committed
//! changes to live subscribers.

use super::errors::{ApiError, UserError, split_domain_error};
use super::{RequestCtx, Services};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ErrorExtensions, ID, MaybeUndefined, OutputType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::kernel::paging::MAX_PAGE_SIZE;
use domain::kernel::{IdempotencyKey, Page, PageRequest, Patch, Permission};
use domain::{Committed, Ctx, DomainError, ErrorCode};
use uuid::Uuid;

/// Resolver access to services, the caller and the request.
pub(crate) trait ContextExt {
    fn services(&self) -> &Services;
    fn request(&self) -> &RequestCtx;
    /// The signed-in caller as the domain sees it (UNAUTHENTICATED otherwise).
    fn domain_ctx(&self) -> async_graphql::Result<Ctx>;
    /// The request's Idempotency-Key, scoped to this mutation field (by its
    /// alias), so two aliased creates in one request never share a key.
    fn idempotency_key(&self) -> Option<IdempotencyKey>;
}

impl ContextExt for Context<'_> {
    fn services(&self) -> &Services {
        self.data_unchecked::<Services>()
    }

    fn request(&self) -> &RequestCtx {
        self.data_unchecked::<RequestCtx>()
    }

    fn domain_ctx(&self) -> async_graphql::Result<Ctx> {
        let actor = self
            .request()
            .actor
            .clone()
            .ok_or_else(|| ApiError::Unauthenticated.extend())?;
        Ok(Ctx {
            actor,
            clock: self.services().clock.clone(),
        })
    }

    fn idempotency_key(&self) -> Option<IdempotencyKey> {
        let key = self.request().idempotency_key.clone()?;
        Some(IdempotencyKey {
            key,
            operation: self.path_node.map(|p| p.to_string()).unwrap_or_default(),
            ttl: self.services().config.idempotency_ttl,
        })
    }
}

/// A mutation's answer: the changed record, or why the input was refused.
pub trait Payload: Sized {
    type Node;
    fn ok(node: Self::Node) -> Self;
    fn refused(errors: Vec<UserError>) -> Self;
}

/// Declare a mutation payload: `payload!(Doc, CreateCustomerPayload, customer: Customer)`.
macro_rules! payload {
    ($doc:literal, $name:ident, $field:ident : $node:ty) => {
        #[doc = $doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            /// The record after the change; null when the input was refused.
            pub $field: Option<$node>,
            /// Why the input was refused; empty on success.
            pub user_errors: Vec<$crate::graphql::UserError>,
        }

        impl $crate::graphql::kit::Payload for $name {
            type Node = $node;
            fn ok(node: $node) -> Self {
                Self {
                    $field: Some(node),
                    user_errors: vec![],
                }
            }
            fn refused(user_errors: Vec<$crate::graphql::UserError>) -> Self {
                Self {
                    $field: None,
                    user_errors,
                }
            }
        }
    };
}
pub(crate) use payload;

/// A payload's two records after the change (see [`pair_payload`]), each
/// wrapped for GraphQL.
pub struct Pair<A, B>(pub A, pub B);

impl<A: From<MA>, B: From<MB>, MA, MB> From<(MA, MB)> for Pair<A, B> {
    fn from((a, b): (MA, MB)) -> Self {
        Pair(a.into(), b.into())
    }
}

/// Declare a mutation payload with two records, each with its description
/// (the payload's node is a [`Pair`] of them):
///
/// ```ignore
/// pair_payload! {
///     /// Result of `requestScopeChange`.
///     RequestScopeChangePayload {
///         /// The engagement after the change; null when the input was refused.
///         engagement: Engagement,
///         /// The scope change requested; null when the input was refused.
///         scope_change: ScopeChange,
///     }
/// }
/// ```
macro_rules! pair_payload {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(#[$first_meta:meta])* $first:ident : $first_ty:ty,
            $(#[$second_meta:meta])* $second:ident : $second_ty:ty $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            $(#[$first_meta])*
            pub $first: Option<$first_ty>,
            $(#[$second_meta])*
            pub $second: Option<$second_ty>,
            /// Why the input was refused; empty on success.
            pub user_errors: Vec<$crate::graphql::UserError>,
        }

        impl $crate::graphql::kit::Payload for $name {
            type Node = $crate::graphql::kit::Pair<$first_ty, $second_ty>;
            fn ok(node: Self::Node) -> Self {
                Self {
                    $first: Some(node.0),
                    $second: Some(node.1),
                    user_errors: vec![],
                }
            }
            fn refused(user_errors: Vec<$crate::graphql::UserError>) -> Self {
                Self {
                    $first: None,
                    $second: None,
                    user_errors,
                }
            }
        }
    };
}
pub(crate) use pair_payload;

/// A GraphQL object over one record: the newtype and the `From` that
/// payloads and connections build it with:
/// `record_object!(pub struct Customer(pub party::Model);)`.
macro_rules! record_object {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($field_vis:vis $model:ty);) => {
        $(#[$meta])*
        $vis struct $name($field_vis $model);

        impl From<$model> for $name {
            fn from(m: $model) -> Self {
                $name(m)
            }
        }
    };
}
pub(crate) use record_object;

/// An `#[Object]` impl in which a getter that only shows one value of
/// `self.0` is written `name: Type,` (the column `name`) or
/// `name: Type = path.to.value,` (its doc comment and attributes kept);
/// every other resolver is written in full, and fields keep their order.
/// The type says how the value is shown, the one way the API shows it:
/// `ID`/`Option<ID>` from uuids, `&str`/`Option<&str>` from strings,
/// `Date`/`Option<Date>` from dates, `Money`/`Option<Money>` from cents or a
/// domain amount, and any other type through `Into` (itself, or a mirrored
/// enum).
macro_rules! object {
    // The header's tokens (`#[Object]` above all) are passed on as written:
    // async-graphql names what it generates (`child_complexity`) with the
    // attribute's span, which must be the caller's for their complexity
    // expressions to see it.
    (@head [$($head:tt)*] $impl:ident $name:ident { $($body:tt)* }) => {
        $crate::graphql::kit::object!(@item [$($head)* $impl $name] [] $($body)*);
    };
    (@head [$($head:tt)*] $t:tt $($rest:tt)*) => {
        $crate::graphql::kit::object!(@head [$($head)* $t] $($rest)*);
    };
    (@item [$($head:tt)*] [$($done:tt)*]) => {
        $($head)* { $($done)* }
    };
    // A resolver written in full.
    (@item $head:tt [$($done:tt)*]
        $(#[$m:meta])* $v:vis $async:ident $fn:ident $f:ident $args:tt -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::graphql::kit::object!(@item $head
            [$($done)* $(#[$m])* $v $async $fn $f $args -> $ret $body] $($rest)*);
    };
    // A getter: gather its type's tokens up to `,` or `= path,`.
    (@item $head:tt $done:tt $(#[$m:meta])* $v:vis $f:ident: $($rest:tt)*) => {
        $crate::graphql::kit::object!(@type $head $done [$(#[$m])* $v $f] $f [] $($rest)*);
    };
    (@type $head:tt $done:tt $sig:tt $f:ident $ty:tt = $($p:ident).+, $($rest:tt)*) => {
        $crate::graphql::kit::object!(@getter $head $done $sig $ty [$($p).+] $($rest)*);
    };
    (@type $head:tt $done:tt $sig:tt $f:ident $ty:tt, $($rest:tt)*) => {
        $crate::graphql::kit::object!(@getter $head $done $sig $ty [$f] $($rest)*);
    };
    (@type $head:tt $done:tt $sig:tt $f:ident [$($ty:tt)*] $t:tt $($rest:tt)*) => {
        $crate::graphql::kit::object!(@type $head $done $sig $f [$($ty)* $t] $($rest)*);
    };
    (@getter $head:tt [$($done:tt)*] [$(#[$m:meta])* $v:vis $f:ident] [$($ty:tt)*]
        [$($p:ident).+] $($rest:tt)*
    ) => {
        $crate::graphql::kit::object!(@item $head [$($done)* $(#[$m])* $v async fn $f(&self)
            -> $crate::graphql::kit::object!(@ret $($ty)*) {
                $crate::graphql::kit::object!(@show [$($ty)*] self.0.$($p).+)
            }] $($rest)*);
    };
    (@ret ID) => { async_graphql::ID };
    (@ret Option<ID>) => { Option<async_graphql::ID> };
    (@ret Date) => { $crate::graphql::date::Date };
    (@ret Option<Date>) => { Option<$crate::graphql::date::Date> };
    (@ret Money) => { $crate::graphql::money::Money };
    (@ret Option<Money>) => { Option<$crate::graphql::money::Money> };
    (@ret $t:ty) => { $t };
    (@show [ID] $e:expr) => { async_graphql::ID($e.to_string()) };
    (@show [Option<ID>] $e:expr) => { $e.map(|id| async_graphql::ID(id.to_string())) };
    (@show [&str] $e:expr) => { &$e };
    (@show [Option<&str>] $e:expr) => { $e.as_deref() };
    (@show [Date] $e:expr) => { $crate::graphql::date::Date($e) };
    (@show [Option<Date>] $e:expr) => { $e.map($crate::graphql::date::Date) };
    (@show [Money] $e:expr) => { $crate::graphql::money::IntoMoney::into_money($e) };
    (@show [Option<Money>] $e:expr) => { $e.map($crate::graphql::money::IntoMoney::into_money) };
    (@show [Option<$t:ty>] $e:expr) => { $e.map(Into::into) };
    (@show [$t:ty] $e:expr) => { $e.into() };
    (@item $($rest:tt)*) => {
        compile_error!("object!: expected `name: Type,`, `name: Type = path,` or `async fn`")
    };
    (@type $($rest:tt)*) => {
        compile_error!("object!: a getter ends with `,`")
    };
    // The entry: everything else is the caller's `#[Object] impl`.
    ($($body:tt)*) => {
        $crate::graphql::kit::object!(@head [] $($body)*);
    };
}
pub(crate) use object;

/// Answer a mutation: on commit, tell live subscribers of every touched
/// record and return the record; expected refusals become userErrors, the
/// rest top-level errors.
pub async fn respond<P, M>(
    ctx: &Context<'_>,
    result: Result<Committed<M>, DomainError>,
) -> async_graphql::Result<P>
where
    P: Payload,
    P::Node: From<M>,
{
    match result {
        Ok(committed) => {
            for id in &committed.touched {
                ctx.services().broker.publish(*id).await;
            }
            Ok(P::ok(committed.value.into()))
        }
        Err(e) => Ok(P::refused(split_domain_error(
            e,
            &ctx.request().request_id,
        )?)),
    }
}

/// Answer a query: any failure is a top-level error (queries have no
/// userErrors; a refusal there is a bad request).
pub fn answer<T, E: Into<DomainError>>(
    ctx: &Context<'_>,
    result: Result<T, E>,
) -> async_graphql::Result<T> {
    result.map_err(
        |e| match split_domain_error(e.into(), &ctx.request().request_id) {
            Err(transport) => transport,
            Ok(user_errors) => ApiError::BadRequest(
                user_errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .extend(),
        },
    )
}

/// A Relay connection of one page, each record wrapped for GraphQL.
pub fn connection<M, N: OutputType>(page: Page<M>, wrap: impl Fn(M) -> N) -> Connection<String, N> {
    let mut connection = Connection::new(page.has_previous_page, page.has_next_page);
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|(id, m)| Edge::new(encode_cursor(id), wrap(m))),
    );
    connection
}

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(cursor: &str) -> Option<Uuid> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    Uuid::from_slice(&bytes).ok()
}

/// The one policy for malformed ids: an id inside a mutation's `input` is
/// bad input like any other (userError INVALID_ID on its field); an id
/// argument of a query, which has no userErrors, is a BAD_REQUEST.
pub fn input_id(id: &ID, field: &str) -> Result<Uuid, DomainError> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        DomainError::rejected(
            &[field],
            ErrorCode::InvalidId,
            format!("{field} is not a valid ID"),
        )
    })
}

/// An optional id inside a mutation's `input` (see [`input_id`]).
pub fn optional_input_id(id: Option<&ID>, field: &str) -> Result<Option<Uuid>, DomainError> {
    id.map(|id| input_id(id, field)).transpose()
}

/// An id argument of a query (see [`input_id`]).
pub fn arg_id(id: &ID, argument: &str) -> async_graphql::Result<Uuid> {
    Uuid::parse_str(id.as_str())
        .map_err(|_| ApiError::BadRequest(format!("{argument} is not a valid ID")).extend())
}

/// An optional id argument of a query (see [`input_id`]).
pub fn arg_id_opt(id: Option<&ID>, argument: &str) -> async_graphql::Result<Option<Uuid>> {
    id.map(|id| arg_id(id, argument)).transpose()
}

/// An optional input field: omitted keeps, null clears, a value sets.
pub fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Keep,
        MaybeUndefined::Null => Patch::Clear,
        MaybeUndefined::Value(v) => Patch::Set(v),
    }
}

/// Check `first`/`after` (Relay) and make a page request.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageRequest> {
    let first = first.unwrap_or(20);
    if first < 0 || first as u32 > MAX_PAGE_SIZE {
        return Err(
            ApiError::BadRequest(format!("first must be between 0 and {MAX_PAGE_SIZE}")).extend(),
        );
    }
    let after = after
        .map(|c| {
            decode_cursor(&c)
                .ok_or_else(|| ApiError::BadRequest("after is not a valid cursor".into()).extend())
        })
        .transpose()?;
    Ok(PageRequest {
        first: first as u32,
        after,
    })
}

/// Field guard: who may use a field or mutation. Without a token the caller
/// gets UNAUTHENTICATED; with a role the permission does not allow, FORBIDDEN.
pub struct Require(Option<Permission>);

impl Require {
    /// Any signed-in caller (ownership is then checked by the use case).
    pub fn signed_in() -> Self {
        Require(None)
    }

    pub fn to(permission: Permission) -> Self {
        Require(Some(permission))
    }
}

impl async_graphql::Guard for Require {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let Some(actor) = &ctx.request().actor else {
            return Err(ApiError::Unauthenticated.extend());
        };
        match self.0 {
            Some(permission) if !permission.allows(actor.role) => Err(ApiError::Forbidden.extend()),
            _ => Ok(()),
        }
    }
}

/// A subscription to one record (`id`, the field's argument): the record as
/// the caller sees it now, then each newer version (see [`follow_record`]),
/// each wrapped for GraphQL. `find(db, caller, id)` reads it with the
/// caller's visibility; one the caller may not see looks like one that
/// never changes.
pub async fn record_updates<T, N, F, Fut>(
    ctx: &Context<'_>,
    id: &ID,
    find: F,
    version: fn(&T) -> i32,
    wrap: fn(T) -> N,
    what: &'static str,
) -> async_graphql::Result<impl futures::Stream<Item = N> + use<T, N, F, Fut>>
where
    F: Fn(sea_orm::DatabaseConnection, Ctx, Uuid) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Option<T>, sea_orm::DbErr>> + Send,
    T: Send + 'static,
{
    use futures::StreamExt;
    let id = arg_id(id, "id")?;
    let domain_ctx = ctx.domain_ctx()?;
    let services = ctx.services().clone();
    // Subscribe before reading, so a change in between is not missed.
    let events = services.broker.subscribe();
    let current = find(services.db.clone(), domain_ctx.clone(), id).await;
    let Some(current) = answer(ctx, current)? else {
        return Ok(futures::stream::pending().left_stream());
    };
    let read = move || find(services.db.clone(), domain_ctx.clone(), id);
    Ok(follow_record(events, id, current, version, read, what)
        .map(wrap)
        .right_stream())
}

/// Follow one record for a subscription: `current` first, then each newer
/// version (by `version`) as the broker announces changes to `id` (or asks
/// everyone to re-check), read again through `read`, which applies the
/// caller's visibility. Subscribe to `events` before reading `current`, so
/// no change falls in between.
pub fn follow_record<T, R, Fut>(
    mut events: tokio::sync::broadcast::Receiver<worker::broker::TimelineGrew>,
    id: Uuid,
    current: T,
    version: fn(&T) -> i32,
    read: R,
    what: &'static str,
) -> impl futures::Stream<Item = T>
where
    R: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, sea_orm::DbErr>>,
{
    use tokio::sync::broadcast::error::RecvError;
    async_stream::stream! {
        let mut last_version = version(&current);
        yield current;
        loop {
            match events.recv().await {
                Ok(event) if event.subject_id.is_some_and(|s| s != id) => continue,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            }
            match read().await {
                // Several events may announce one change: send each version once.
                Ok(Some(found)) if version(&found) > last_version => {
                    last_version = version(&found);
                    yield found;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %e, what, "reading an updated record failed");
                    break;
                }
            }
        }
    }
}
