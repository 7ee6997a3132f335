//! Work a change causes, recorded in the change's own transaction. A relay
//! delivers it to the job queue after commit (at least once).

use crate::context::Ctx;
use entity::outbox;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Serialize;
use uuid::Uuid;

pub const STATUS_PENDING: &str = "PENDING";
pub const STATUS_RELAYED: &str = "RELAYED";

/// Topics: one constant each, so producers and the relay agree.
pub mod topic {
    pub const CUSTOMER_CREATED: &str = "customer.created";
}

pub async fn record<C: ConnectionTrait, P: Serialize>(
    conn: &C,
    ctx: &Ctx,
    topic: &str,
    subject_id: Uuid,
    payload: &P,
) -> Result<outbox::Model, sea_orm::DbErr> {
    outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        topic: Set(topic.to_owned()),
        subject_id: Set(subject_id),
        payload: Set(serde_json::to_string(payload).expect("outbox payloads are plain data")),
        status: Set(STATUS_PENDING.to_owned()),
        attempts: Set(0),
        lease_owner: Set(None),
        lease_until: Set(None),
        created_at: Set(ctx.clock.now()),
        relayed_at: Set(None),
    }
    .insert(conn)
    .await
}
