//! Behaviour of the public API: evaluation semantics, validation pointers, properties.

mod examples;
mod limits;
mod operators;
mod precedence;
mod properties;
mod regex_sharing;
mod support;
mod validation;
mod validation_limits;
