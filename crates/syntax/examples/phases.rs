use std::time::Instant;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read_to_string(path).unwrap();
    let t = Instant::now();
    let (toks, _) = cairn_syntax::lexer::tokenize(&src);
    eprintln!("lex {:?} ({} tokens)", t.elapsed(), toks.len());
    let t = Instant::now();
    let p = cairn_syntax::parse(&src);
    eprintln!("parse {:?}", t.elapsed());
    let t = Instant::now();
    let e = cairn_syntax::check(&p.tree(), &|_| true);
    eprintln!("check {:?} {}", t.elapsed(), e.len());
    let t = Instant::now();
    drop(p);
    eprintln!("drop {:?}", t.elapsed());
}
