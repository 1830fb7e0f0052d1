//! Parser throughput on generated nixpkgs-like code: lexing alone, and the full parse to a rowan
//! tree. Figures against Nix come from `../shared/bench/parse`; this measures the library alone.

use std::fmt::Write;

// The allocator of the `cairn` binary, so the figures are the ones users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// A deterministic package set of about `packages` callPackage-style functions.
fn corpus(packages: usize) -> String {
    let mut s = String::from("{ lib, fetchurl, stdenv }:\nrec {\n");
    for i in 0..packages {
        let _ = write!(
            s,
            r#"  pkg{i} = {{ lib, stdenv, fetchurl, zlib, openssl ? null, withDocs ? false }}:
    stdenv.mkDerivation rec {{
      pname = "pkg-{i}";
      version = "1.{i}.0";
      src = fetchurl {{
        url = "https://example.org/${{pname}}-${{version}}.tar.gz";
        sha256 = "0000000000000000000000000000000000000000000000000000";
      }};
      buildInputs = [ zlib ] ++ lib.optional (openssl != null) openssl;
      postPatch = ''
        substituteInPlace Makefile --replace '/usr' "$out" # ''${{x}}
      '';
      doCheck = !stdenv.isDarwin && withDocs;
      meta = with lib; {{ license = licenses.mit; platforms = platforms.all; priority = {i} * 2 + 1; }};
    }};
"#
        );
    }
    s.push_str("}\n");
    s
}

#[divan::bench]
fn lex(bencher: divan::Bencher) {
    let src = corpus(2000);
    bencher
        .counter(divan::counter::BytesCount::of_str(&src))
        .bench(|| {
            cairn_syntax::lexer::tokenize(divan::black_box(&src))
                .0
                .len()
        });
}

#[divan::bench]
fn parse(bencher: divan::Bencher) {
    let src = corpus(2000);
    bencher
        .counter(divan::counter::BytesCount::of_str(&src))
        .bench(|| cairn_syntax::parse(divan::black_box(&src)).errors().len());
}
