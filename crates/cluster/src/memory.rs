//! In-process implementations for the all-in-one mode.
