//! Writes a docker-archive of an arbitrary folder, each of whose entries stands for a store path
//! without references, and reports how long it took: a benchmark on real files.
//!
//! `cargo run --release -p cairn-image --example write_archive -- DIR OUT [MAX_LAYERS]`

use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

use cairn_image::{ImageSpec, StorePathEntry, plan_layers, write_docker_archive};

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: write_archive DIR OUT [MAX_LAYERS]");
        std::process::exit(2);
    };
    let max_layers = args
        .next()
        .and_then(|m| m.to_str()?.parse().ok())
        .unwrap_or(100);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("a readable folder")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    names.sort();
    let closure: Vec<StorePathEntry> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let clean: String = name
                .to_string_lossy()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "+-._".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            StorePathEntry {
                logical: format!("/nix/store/{i:032}-{clean}"),
                physical: std::path::Path::new(&dir).join(name),
                references: Vec::new(),
            }
        })
        .collect();
    let start = Instant::now();
    let layers = plan_layers(&closure, &[], max_layers);
    let planned = start.elapsed();
    let file = BufWriter::new(File::create(&out).expect("a writable output"));
    let info = write_docker_archive(
        &ImageSpec::new("bench", "latest"),
        &closure,
        &layers,
        None,
        file,
    )
    .unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    });
    let total = start.elapsed();
    let compressed: u64 = info.layers.iter().map(|l| l.size).sum();
    println!(
        "{} paths, {} layers, {} compressed bytes, planned in {:?}, written in {:?}, config {}",
        closure.len(),
        info.layers.len(),
        compressed,
        planned,
        total,
        info.config_digest
    );
}
