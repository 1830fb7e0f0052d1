//! Times each phase of parsing one file (lexing, parsing to a green tree, the static checks,
//! freeing), with the allocator the `cairn` binary uses:
//! `cargo run --release -p cairn-syntax --example phases -- FILE`.

use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: phases FILE");
        std::process::exit(2);
    };
    let src = std::fs::read_to_string(&path).expect("a readable file");
    let t = Instant::now();
    let (tokens, _) = cairn_syntax::lexer::tokenize(&src);
    println!("lex    {:>8.1?} ({} tokens)", t.elapsed(), tokens.len());
    let t = Instant::now();
    let parse = cairn_syntax::parse(&src);
    println!("parse  {:>8.1?} (lexing included)", t.elapsed());
    let t = Instant::now();
    let errors = cairn_syntax::check(&parse.tree(), &|_| true);
    println!("check  {:>8.1?} ({} errors)", t.elapsed(), errors.len());
    let t = Instant::now();
    drop(parse);
    println!("free   {:>8.1?}", t.elapsed());
}
