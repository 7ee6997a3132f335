//! Keyset pagination over UUIDv7 ids (which sort by creation time).

use super::access::Scope;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

pub const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub first: u32,
    pub after: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(Uuid, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// Build a page from a query that fetched `first + 1` rows: the extra row
    /// only tells whether there is a next page.
    pub fn from_overfetch(mut rows: Vec<T>, req: PageRequest, id: impl Fn(&T) -> Uuid) -> Self {
        let has_next_page = rows.len() > req.first as usize;
        rows.truncate(req.first as usize);
        Page {
            items: rows.into_iter().map(|r| (id(&r), r)).collect(),
            has_next_page,
            has_previous_page: req.after.is_some(),
        }
    }
}

/// One page of `query`, oldest first by `id` (a UUIDv7 column): the rows
/// after the cursor, plus one more to tell whether a next page exists.
pub async fn fetch_page<E, C>(
    conn: &C,
    query: Select<E>,
    id: E::Column,
    page: PageRequest,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    fetch_page_sorted(conn, query, id, page, false, id_of).await
}

/// [`fetch_page`], newest first when `newest_first` (the cursor then walks
/// back in time).
pub async fn fetch_page_sorted<E, C>(
    conn: &C,
    query: Select<E>,
    id: E::Column,
    page: PageRequest,
    newest_first: bool,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut query = if newest_first {
        query.order_by_desc(id)
    } else {
        query.order_by_asc(id)
    };
    if let Some(after) = page.after {
        query = query.filter(if newest_first {
            id.lt(after)
        } else {
            id.gt(after)
        });
    }
    let rows = query.limit(page.first as u64 + 1).all(conn).await?;
    Ok(Page::from_overfetch(rows, page, id_of))
}

/// [`fetch_page`] of what `scope` lets the caller see of `query`,
/// `party_column` naming the owning party: an empty page for a caller who
/// may see nothing at all.
pub async fn fetch_scoped_page<E, C>(
    conn: &C,
    scope: Scope,
    query: Select<E>,
    party_column: E::Column,
    id: E::Column,
    page: PageRequest,
    id_of: impl Fn(&E::Model) -> Uuid,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    match scope.restrict(query, party_column) {
        Some(query) => fetch_page(conn, query, id, page, id_of).await,
        None => Ok(Page::empty(page)),
    }
}

/// `column` (lower-cased search text) contains `term`, case-insensitively,
/// with LIKE's wildcards taken literally; `None` for a blank term.
pub fn text_contains<C: ColumnTrait>(
    column: C,
    term: Option<&str>,
) -> Option<sea_orm::sea_query::SimpleExpr> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::{Expr, LikeExpr};
    let term = term.map(str::trim).filter(|s| !s.is_empty())?;
    let escaped = term
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Some(Expr::col(column).like(LikeExpr::new(format!("%{escaped}%")).escape('\\')))
}

impl<T> Page<T> {
    /// The ids of the page's items, in order (to load what belongs to them
    /// in one query).
    pub fn ids(&self) -> Vec<Uuid> {
        self.items.iter().map(|(id, _)| *id).collect()
    }

    /// The same page with each item made into another (joined with what was
    /// loaded for it, or shown another way).
    pub fn map<U>(self, mut f: impl FnMut(Uuid, T) -> U) -> Page<U> {
        Page {
            items: self
                .items
                .into_iter()
                .map(|(id, item)| (id, f(id, item)))
                .collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }

    /// A page with nothing on it (e.g. for a caller who may see nothing).
    pub fn empty(req: PageRequest) -> Self {
        Page {
            items: vec![],
            has_next_page: false,
            has_previous_page: req.after.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overfetch_row_sets_has_next_page_and_is_dropped() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let page = Page::from_overfetch(
            ids.clone(),
            PageRequest {
                first: 2,
                after: None,
            },
            |u| *u,
        );
        assert!(page.has_next_page);
        assert_eq!(page.items.len(), 2);
        let page = Page::from_overfetch(
            ids,
            PageRequest {
                first: 3,
                after: None,
            },
            |u| *u,
        );
        assert!(!page.has_next_page);
    }
}
