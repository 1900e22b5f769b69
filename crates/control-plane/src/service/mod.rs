//! The control plane's domain logic, shared by the JSON API (`crate::api`) and the dashboard pages
//! (`crate::dashboard`). Handlers on both sides parse their input, call one function here and map the
//! result; errors are [`crate::error::ApiError`] (the pages turn `validation_failed` into messages at
//! the fields, using the same field paths the API reports).

pub mod accounts;
pub mod admin;
pub mod approvals;
pub mod audit;
pub mod grants;
pub mod lookup;
pub mod policies;
pub mod servers;
pub mod settings;
pub mod webhooks;
