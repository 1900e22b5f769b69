//! Operations: account settings and webhooks, admin events, audit export, and the background jobs,
//! against the real SQLite store in a temp folder (router tests with `oneshot`, plus a real webhook
//! receiver on loopback).

mod admin_events;
mod export;
mod helpers;
mod jobs;
mod receiver;
mod settings;
mod webhooks;
