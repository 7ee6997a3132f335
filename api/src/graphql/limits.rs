//! Limits that count what a document costs before it runs: every selected
//! field (aliases, `__typename` and fields inside fragments included, counted
//! where the fragment is spread), and connections at their page size.
//! Parsed documents are cached by their text, so a repeated query is parsed
//! once.

use async_graphql::extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Request, ServerError, ServerResult};
use std::sync::Arc;

/// Marks a request that may only read (a GET); the mark cannot be removed by
/// the client, only added.
const READ_ONLY: &str = "hub.readOnly";

/// Only queries may run for this request (GraphQL over HTTP's GET rule).
pub fn mark_read_only(request: &mut Request) {
    request
        .extensions
        .insert(READ_ONLY.to_owned(), async_graphql::Value::Boolean(true));
}

/// Whether the operation the request names (or its only one) is a mutation.
pub fn is_mutation(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    use async_graphql::parser::types::{DocumentOperations, OperationType};
    let ty = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) => ops.values().next().map(|op| op.node.ty),
    };
    ty == Some(OperationType::Mutation)
}

fn refusal(code: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// The page size a connection is charged for when `first` is not given.
const DEFAULT_PAGE: usize = 20;

/// Complexity of a connection field: each of its `first` nodes costs what one
/// node's selection costs, so aliased lists cannot fan out cheaply.
pub fn connection_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let page = first.map_or(DEFAULT_PAGE, |n| usize::try_from(n).unwrap_or(0));
    1 + page.max(1) * child_complexity.max(1)
}

/// Refuses documents selecting more than `max_fields` fields in total, and
/// keeps up to `cache` parsed documents.
pub struct DocumentLimits {
    pub max_fields: usize,
    pub cache: usize,
}

impl ExtensionFactory for DocumentLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DocumentLimitsExtension {
            max_fields: self.max_fields,
            parsed: SHARED_CACHE
                .get_or_init(|| LruCacheStorage::new(self.cache.max(1)))
                .clone(),
        })
    }
}

/// One cache per process: every schema instance shares it.
static SHARED_CACHE: std::sync::OnceLock<LruCacheStorage> = std::sync::OnceLock::new();

struct DocumentLimitsExtension {
    max_fields: usize,
    parsed: LruCacheStorage,
}

#[async_trait::async_trait]
impl Extension for DocumentLimitsExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // A persisted query arrives parsed, with no text.
        let text = (!request.query.is_empty()).then(|| request.query.clone());
        let cached = match &text {
            Some(text) => self.parsed.get(text.clone()).await,
            None => None,
        };
        let hit = cached.is_some();
        if let Some(document) = cached {
            request.set_parsed_query(document);
        }
        let read_only = request.extensions.remove(READ_ONLY).is_some();
        let operation_name = request.operation_name.clone();
        let document = request.parsed_query()?;
        if read_only && is_mutation(document, operation_name.as_deref()) {
            let message = "mutations must be sent with POST".to_owned();
            return Err(refusal("BAD_REQUEST", message));
        }
        let fields = count_fields(document, self.max_fields);
        if fields > self.max_fields {
            let message = format!("the document selects more than {} fields", self.max_fields);
            return Err(refusal("LIMIT_EXCEEDED", message));
        }
        if let (Some(text), false) = (text, hit) {
            let document = document.clone();
            self.parsed.set(text, document).await;
        }
        next.run(ctx, request).await
    }
}

/// Fields the document's operations select, fragments expanded where they
/// are spread; counting stops once past `stop_after`.
fn count_fields(document: &ExecutableDocument, stop_after: usize) -> usize {
    let mut total = 0;
    for (_, operation) in document.operations.iter() {
        total += count_in(document, &operation.node.selection_set.node, stop_after, 0);
        if total > stop_after {
            break;
        }
    }
    total
}

fn count_in(
    document: &ExecutableDocument,
    set: &SelectionSet,
    stop_after: usize,
    depth: usize,
) -> usize {
    // Fragment cycles are invalid (validation refuses them); stop early here.
    if depth > 64 {
        return stop_after + 1;
    }
    let mut total = 0;
    for selection in &set.items {
        total += match &selection.node {
            Selection::Field(field) => {
                1 + count_in(
                    document,
                    &field.node.selection_set.node,
                    stop_after,
                    depth + 1,
                )
            }
            Selection::InlineFragment(fragment) => count_in(
                document,
                &fragment.node.selection_set.node,
                stop_after,
                depth + 1,
            ),
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |f| {
                    count_in(document, &f.node.selection_set.node, stop_after, depth + 1)
                }),
        };
        if total > stop_after {
            break;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(query: &str) -> usize {
        count_fields(
            &async_graphql::parser::parse_query(query).unwrap(),
            usize::MAX,
        )
    }

    #[test]
    fn aliases_typename_and_spread_fragments_all_count() {
        assert_eq!(fields("{ a: __typename b: __typename }"), 2);
        assert_eq!(fields("{ x { y z } }"), 3);
        assert_eq!(
            fields("{ a: x { ...F } b: x { ...F } } fragment F on X { y z }"),
            6
        );
        assert_eq!(fields("{ x { ... on X { y } } }"), 2);
    }

    #[test]
    fn connections_are_charged_per_node() {
        assert_eq!(connection_cost(Some(100), 3), 301);
        assert_eq!(connection_cost(None, 3), 61);
        assert_eq!(connection_cost(Some(0), 0), 2);
    }
}
