//! Fuzz target for `cairn_syntax::parse`: on any UTF-8 input the parser must not panic, the tree's
//! text must equal the input exactly (losslessness), and `debug_tree` and the static checks must
//! also run to completion on whatever tree comes out.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let parse = cairn_syntax::parse(src);
    let node = parse.syntax_node();
    assert_eq!(node.to_string(), src, "tree text differs from the input");
    let _ = parse.errors();
    let _ = cairn_syntax::debug_tree(&node);
    let _ = cairn_syntax::check(&parse.tree(), &|_name: &str| true);
});
