//! Router tests: the real SQLite store in a temp folder, in-process events, a fake upstream catalog.

mod auth;
mod grants;
mod helpers;
mod isolation;
mod limits;
mod policies;
mod servers;
mod upstream_urls;
