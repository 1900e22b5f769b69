//! The `toolgate` binary's commands, and the all-in-one assembly that tests reuse.

pub mod all_in_one;
mod bench;
pub mod cli;
mod cluster_mode;
mod health;
mod logging;
pub mod metrics;
mod policy_check;
mod server;
pub mod settings;
mod shutdown;
