//! JSON-RPC 2.0 envelopes, kept raw.
//!
//! [`Payload::parse`] reads one HTTP body (a message or a batch) and borrows every part of it from
//! the input; nothing is re-serialised unless a builder in [`build`] is asked to write a new message.

pub mod build;
pub mod codes;
mod envelope;
pub(crate) mod raw;
pub(crate) mod write;

pub use build::{error_response, result_response};
pub use codes::*;
pub use envelope::{Message, MessageKind, Payload, ResponseKind, parse};
