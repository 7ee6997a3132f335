//! The HTTP/GraphQL surface: translates requests into `domain` calls. Holds no
//! business rules.

pub mod app;
pub mod auth;
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
