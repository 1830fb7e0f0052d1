//! Compiles `grammar/nix.lalrpop` (at the workspace root) into the parser tables.

fn main() {
    let grammar = std::path::Path::new("../../grammar/nix.lalrpop");
    println!("cargo:rerun-if-changed={}", grammar.display());
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    lalrpop::Configuration::new()
        .set_out_dir(out_dir)
        .emit_rerun_directives(true)
        .process_file(grammar)
        .expect("the grammar compiles");
}
