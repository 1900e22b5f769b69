//! `sqlx::migrate!` embeds the migrations at build time; rebuild when one is added or changed.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations/sqlite");
    println!("cargo:rerun-if-changed=../../migrations/postgres");
}
