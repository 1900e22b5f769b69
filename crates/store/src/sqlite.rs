//! SQLite implementation of [`crate::Store`] (all-in-one mode).
