//! The `toolgate` binary's commands, and the all-in-one assembly that tests reuse.

pub mod all_in_one;
pub mod cli;
mod health;
mod logging;
mod policy_check;
pub mod settings;
mod shutdown;
