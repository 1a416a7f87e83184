//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!`
//! reads `migrations/` while compiling, and cargo watches only the files it
//! knows of unless told.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
