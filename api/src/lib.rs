//! The HTTP/GraphQL surface: translates requests into `domain` calls. Holds no
//! business rules.
// The merged GraphQL roots nest one level per area.
#![recursion_limit = "256"]

pub mod app;
pub mod auth;
pub mod caller;
/// Live updates between processes (shared with the worker).
pub use worker::broker;
pub mod demo;
pub mod graphql;
pub mod http;
pub mod links;
pub mod pages;
pub mod state;
pub mod ws;

pub use app::{AppState, RunningApp, prepare, start};
