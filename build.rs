// `sqlx::migrate!` embeds the migrations when the crate is compiled, and
// cargo does not know it reads them: without this, a migration added to a
// tree already built was left out until something else changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
