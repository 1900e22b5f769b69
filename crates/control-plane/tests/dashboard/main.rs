//! Router tests for the dashboard pages: the real SQLite store in a temp folder, a cookie-keeping
//! "browser", a fake upstream catalog.

mod approvals_activity;
mod auth;
mod csrf;
mod errors;
mod grants;
mod helpers;
mod isolation;
mod servers;
mod settings;
