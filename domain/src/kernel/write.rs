//! The write path every use case shares: the permission check, one write
//! transaction, audit entries, outbox events, versioned updates and
//! idempotent creates. Committing returns the ids whose live subscribers
//! must hear of the change.
//!
//! A use case reads:
//! ```text
//! let mut w = Write::begin(db, ctx, Permission::ManageCustomers).await?;
//! let row = w.insert(model).await?;
//! w.audit(SUBJECT, row.id, "customer.created", None, Some(&row)).await?;
//! w.commit(row).await
//! ```
//! Dropping a `Write` without committing rolls everything back.

use super::access::Permission;
use super::context::{Actor, Ctx};
use super::db::begin_write;
use super::error::DomainError;
use super::idempotency::{self, Claim, IdempotencyKey};
use entity::{OutboxStatus, audit_entry, outbox};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A committed change: its result and the records it touched (for live
/// subscribers).
#[derive(Debug, Clone)]
pub struct Committed<T> {
    pub value: T,
    pub touched: Vec<Uuid>,
}

impl<T> Committed<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Committed<U> {
        Committed {
            value: f(self.value),
            touched: self.touched,
        }
    }
}

/// A table whose rows carry an optimistic-locking `version`.
pub trait Versioned: EntityTrait {
    fn version_column() -> Self::Column;
}

/// A versioned table whose rows also record when they last changed: the
/// start of a change to row `id` at `now` (everything else unchanged).
pub trait Stamped: Versioned {
    fn changing(id: Uuid, now: chrono::DateTime<chrono::Utc>) -> Self::ActiveModel;
}

/// `Versioned` and `Stamped` for entity modules whose rows have `id`,
/// `version` and `updated_at`: `stamped!(payment, refund)`.
#[macro_export]
macro_rules! stamped {
    ($($table:ident),* $(,)?) => {$(
        impl $crate::kernel::Versioned for entity::$table::Entity {
            fn version_column() -> entity::$table::Column {
                entity::$table::Column::Version
            }
        }

        impl $crate::kernel::Stamped for entity::$table::Entity {
            fn changing(
                id: uuid::Uuid,
                now: chrono::DateTime<chrono::Utc>,
            ) -> entity::$table::ActiveModel {
                entity::$table::ActiveModel {
                    id: sea_orm::Unchanged(id),
                    updated_at: sea_orm::Set(now),
                    ..Default::default()
                }
            }
        }
    )*};
}

/// One open write: a transaction plus what it has touched.
pub struct Write<'a> {
    txn: DatabaseTransaction,
    ctx: &'a Ctx,
    touched: Vec<Uuid>,
    idempotency: Option<(String, String)>,
}

impl<'a> Write<'a> {
    /// Check `permission`, then open the write transaction (IMMEDIATE on SQLite).
    pub async fn begin(
        db: &DatabaseConnection,
        ctx: &'a Ctx,
        permission: Permission,
    ) -> Result<Write<'a>, DomainError> {
        permission.require(ctx)?;
        Ok(Write {
            txn: begin_write(db).await?,
            ctx,
            touched: Vec::new(),
            idempotency: None,
        })
    }

    /// The transaction, for reads and writes the kernel has no verb for.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    pub fn ctx(&self) -> &Ctx {
        self.ctx
    }

    /// The app clock's now (business time).
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.ctx.now()
    }

    /// Honour an `Idempotency-Key`: `Some` with the first call's response when
    /// this key and input were seen before (answer with it and write nothing);
    /// `None` to go on, and `commit` then stores this call's response.
    pub async fn replay<T: DeserializeOwned>(
        &mut self,
        key: Option<&IdempotencyKey>,
        input: &impl Serialize,
    ) -> Result<Option<Committed<T>>, DomainError> {
        let Some(key) = key else {
            return Ok(None);
        };
        match idempotency::claim(&self.txn, self.ctx, key, input).await? {
            Claim::Replay(response) => {
                let value = serde_json::from_str(&response).map_err(DomainError::internal)?;
                Ok(Some(Committed {
                    value,
                    touched: Vec::new(),
                }))
            }
            Claim::Fresh { scope, key } => {
                self.idempotency = Some((scope, key));
                Ok(None)
            }
        }
    }

    /// Insert a row.
    pub async fn insert<A>(
        &mut self,
        model: A,
    ) -> Result<<A::Entity as EntityTrait>::Model, DomainError>
    where
        A: ActiveModelTrait + ActiveModelBehavior + Send,
        <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    {
        Ok(model.insert(&self.txn).await?)
    }

    /// Update a row if its version is still `expected` (the kernel sets the
    /// next version); a stale version is CONFLICT and changes nothing.
    pub async fn update_versioned<E>(
        &mut self,
        mut changed: E::ActiveModel,
        expected: i32,
    ) -> Result<E::Model, DomainError>
    where
        E: Versioned,
        E::Model: IntoActiveModel<E::ActiveModel>,
        E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    {
        changed.set(E::version_column(), (expected + 1).into());
        match E::update(changed)
            .validate()?
            .filter(E::version_column().eq(expected))
            .exec(&self.txn)
            .await
        {
            Err(DbErr::RecordNotUpdated) => Err(DomainError::conflict()),
            other => Ok(other?),
        }
    }

    /// Change some fields of row `id` (stamping `updated_at`) if its version is
    /// still `expected` (see [`Write::update_versioned`]).
    pub async fn change<E>(
        &mut self,
        id: Uuid,
        expected: i32,
        change: impl FnOnce(&mut E::ActiveModel),
    ) -> Result<E::Model, DomainError>
    where
        E: Stamped,
        E::Model: IntoActiveModel<E::ActiveModel>,
        E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    {
        let mut changed = E::changing(id, self.now());
        change(&mut changed);
        self.update_versioned::<E>(changed, expected).await
    }

    /// Append an audit entry (`before`/`after` are snapshots of the record)
    /// and note the record for live subscribers.
    pub async fn audit<S: Serialize>(
        &mut self,
        subject_type: &str,
        subject_id: Uuid,
        action: &str,
        before: Option<&S>,
        after: Option<&S>,
    ) -> Result<(), DomainError> {
        let actor = self.ctx.actor.clone();
        self.audit_as(&actor, subject_type, subject_id, action, before, after)
            .await
    }

    /// Audit the change of one record (`before` → `after`) and commit,
    /// answering `after`: how most single-record writes end.
    pub async fn commit_audited<S: Serialize>(
        mut self,
        subject_type: &str,
        subject_id: Uuid,
        action: &str,
        before: Option<&S>,
        after: S,
    ) -> Result<Committed<S>, DomainError> {
        self.audit(subject_type, subject_id, action, before, Some(&after))
            .await?;
        self.commit(after).await
    }

    /// Append an audit entry made by `actor` rather than the caller: an
    /// automatic step inside someone's write (the system issuing an invoice
    /// when a reservation is approved).
    pub async fn audit_as<S: Serialize>(
        &mut self,
        actor: &Actor,
        subject_type: &str,
        subject_id: Uuid,
        action: &str,
        before: Option<&S>,
        after: Option<&S>,
    ) -> Result<(), DomainError> {
        let ctx = Ctx {
            actor: actor.clone(),
            clock: self.ctx.clock.clone(),
        };
        append_audit(
            &self.txn,
            &ctx,
            subject_type,
            subject_id,
            action,
            before,
            after,
        )
        .await?;
        self.touch(subject_id);
        Ok(())
    }

    /// Tell live subscribers of `id` too, without an audit entry of its own
    /// (e.g. the channel every process follows to reload holidays).
    pub fn touch(&mut self, id: Uuid) {
        if !self.touched.contains(&id) {
            self.touched.push(id);
        }
    }

    /// Record the work this change causes, delivered after commit.
    pub async fn emit<P: Serialize>(
        &mut self,
        topic: &str,
        subject_id: Uuid,
        payload: &P,
    ) -> Result<(), DomainError> {
        record_outbox(&self.txn, topic, subject_id, payload).await?;
        Ok(())
    }

    /// Commit (storing `value` as the idempotent response when a key was
    /// claimed) and return it with the touched records.
    pub async fn commit<T: Serialize>(self, value: T) -> Result<Committed<T>, DomainError> {
        if let Some((scope, key)) = &self.idempotency {
            let response = serde_json::to_string(&value).map_err(DomainError::internal)?;
            idempotency::complete(&self.txn, scope, key, &response).await?;
        }
        self.txn.commit().await?;
        Ok(Committed {
            value,
            touched: self.touched,
        })
    }
}

/// Append one entry. `before`/`after` are snapshots of the record.
async fn append_audit<C: ConnectionTrait, S: Serialize>(
    conn: &C,
    ctx: &Ctx,
    subject_type: &str,
    subject_id: Uuid,
    action: &str,
    before: Option<&S>,
    after: Option<&S>,
) -> Result<audit_entry::Model, sea_orm::DbErr> {
    let to_json = |s: Option<&S>| {
        s.map(|v| serde_json::to_string(v).expect("audit snapshots are plain data"))
    };
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        action: Set(action.to_owned()),
        actor_id: Set(ctx.actor.id.clone()),
        actor_role: Set(ctx.actor.role.as_str().to_owned()),
        occurred_at: Set(ctx.now()),
        before: Set(to_json(before)),
        after: Set(to_json(after)),
    }
    .insert(conn)
    .await
}

/// Record one outbox row (relayed to the queue after commit).
async fn record_outbox<C: ConnectionTrait, P: Serialize>(
    conn: &C,
    topic: &str,
    subject_id: Uuid,
    payload: &P,
) -> Result<outbox::Model, sea_orm::DbErr> {
    let payload = serde_json::to_string(payload).expect("outbox payloads are plain data");
    pending_outbox_row(topic, subject_id, payload)
        .insert(conn)
        .await
}

/// A new outbox row as `emit` records it: PENDING, no attempts yet.
pub fn pending_outbox_row(topic: &str, subject_id: Uuid, payload: String) -> outbox::ActiveModel {
    outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        topic: Set(topic.to_owned()),
        subject_id: Set(subject_id),
        payload: Set(payload),
        status: Set(OutboxStatus::Pending),
        attempts: Set(0),
        lease_owner: Set(None),
        lease_until: Set(None),
        // Relay scheduling and lag run on wall time, not the business clock.
        created_at: Set(chrono::Utc::now()),
        relayed_at: Set(None),
        processed_at: Set(None),
        last_error: Set(None),
    }
}
