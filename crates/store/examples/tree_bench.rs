//! Times `hash_path` or `copy_path` on a tree, to compare with `nix hash path` and
//! `nix-store --add`: `cargo run --release -p cairn-store --example tree_bench -- hash|copy DIR [RUNS]`.
//! `copy` writes to a temporary directory next to DIR and removes it after each run.

use std::path::Path;
use std::time::Instant;

use cairn_store::HashAlgo;
use cairn_store::dump::{copy_path, hash_path, make_writable_and_remove};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, dir) = match args.as_slice() {
        [_, mode, dir, ..] => (mode.as_str(), Path::new(dir)),
        _ => {
            eprintln!("usage: tree_bench hash|copy DIR [RUNS]");
            std::process::exit(2);
        }
    };
    let runs: usize = args
        .get(3)
        .map_or(5, |r| r.parse().expect("a number of runs"));
    let dest = dir.with_extension("copy-bench");
    let mut times = Vec::new();
    for _ in 0..runs {
        make_writable_and_remove(&dest).unwrap();
        let start = Instant::now();
        let (hash, size) = match mode {
            "hash" => hash_path(HashAlgo::Sha256, dir, &mut |_| true),
            "copy" => copy_path(dir, &dest, &mut |_| true, HashAlgo::Sha256),
            _ => panic!("unknown mode {mode}"),
        }
        .unwrap();
        let t = start.elapsed().as_secs_f64();
        times.push(t);
        println!("{mode}: {t:.3} s  {} ({size} bytes)", hash.to_sri());
    }
    make_writable_and_remove(&dest).unwrap();
    times.sort_by(f64::total_cmp);
    println!("median: {:.3} s", times[times.len() / 2]);
}
