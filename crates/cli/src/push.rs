//! `cairn push`: an image (an installable, built or fetched first, or a store path) to a
//! registry, sending only the blobs it lacks. The protocol is `cairn_registry::push`'s; this
//! file reads the arguments and the credentials, finds what kind of image the output is,
//! shows progress, and prints the report.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context as _, bail};
use cairn_registry::{
    BlobOutcome, ConnectOptions, Credentials, ImageSource, PushEvent, PushOptions, PushReport,
    Reference, short_digest,
};
use cairn_store::{LocalStore, StorePath};

use crate::store::{human_size, plural, valid_path};
use crate::{ColorChoice, GlobalArgs, Outcome};

#[derive(Debug, clap::Args)]
pub(crate) struct PushArgs {
    /// The image: an installable such as `.#docker` (built or fetched first), a store path, or
    /// a link to one such as `./result`. Its output is a docker-archive
    /// (`dockerTools.buildLayeredImage`, `buildImage`), an OCI layout (`format = "oci"`), or an
    /// image description (`dockerTools.streamLayeredImage`).
    #[arg(value_name = "INSTALLABLE")]
    installable: String,

    /// Where to push: `docker://HOST[:PORT]/REPOSITORY[:TAG]` (`latest` when no tag is given),
    /// or `...@sha256:DIGEST`.
    #[arg(value_name = "REFERENCE")]
    reference: String,

    /// Check the registry's TLS certificate. `--tls-verify=false` skips the check and allows
    /// plain HTTP, which is always allowed for a registry on this machine (localhost,
    /// 127.0.0.0/8).
    #[arg(
        long,
        value_name = "BOOL",
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        require_equals = true,
        default_value_t = true,
        default_missing_value = "true"
    )]
    tls_verify: bool,

    /// The credentials to log in with [default: the registry's entry in an auth file:
    /// `$REGISTRY_AUTH_FILE`, containers' `auth.json`, `~/.docker/config.json`; else
    /// anonymous]
    #[arg(long, value_name = "USER:PASSWORD")]
    creds: Option<String>,

    /// Print the report as JSON on standard output.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(
    args: PushArgs,
    global: &GlobalArgs,
    color: ColorChoice,
) -> anyhow::Result<Outcome> {
    let reference = Reference::parse(&args.reference)?;
    let credentials = match &args.creds {
        Some(text) => Some(Credentials::parse(text)?),
        None => {
            let env = |name: &str| std::env::var(name).ok();
            let mut found = None;
            for file in cairn_registry::default_auth_files(env) {
                found =
                    Credentials::from_auth_file(&file, &reference.registry, &reference.repository)?;
                if found.is_some() {
                    break;
                }
            }
            found
        }
    };

    let store = global.open_store()?;
    let path = if cairn_flake::looks_like_installable(&args.installable) {
        let input = crate::eval::InputArgs::of_installable(&args.installable);
        match crate::build::realise_input(&store, &input, global, color)? {
            Some(paths) => match <[StorePath; 1]>::try_from(paths) {
                Ok([path]) => path,
                Err(paths) => bail!(
                    "`{}` has {} outputs, and one image is pushed at a time",
                    args.installable,
                    paths.len()
                ),
            },
            None => return Ok(Outcome::Rejected),
        }
    } else {
        valid_path(&store, &args.installable)?
    };
    store.add_temp_root(&path)?;
    let source = image_source(&store, &path, global)?;

    let progress = Upload::new(global);
    let events = |e: PushEvent<'_>| progress.event(e);
    let connect = ConnectOptions {
        tls_verify: args.tls_verify,
        credentials,
    };
    let options = PushOptions {
        locations: Some(crate::stdlib::cache_home().join("cairn/registry-blobs")),
        ..PushOptions::default()
    };
    let report = cairn_registry::push(&source, &reference, &connect, &options, &events);
    progress.finish();
    let report = report?;
    if args.json {
        println!("{}", report_json(&report));
    } else {
        print_report(&report);
    }
    Ok(Outcome::Success)
}

/// The image in the store path `path`, whatever its kind.
fn image_source(
    store: &LocalStore,
    path: &StorePath,
    global: &GlobalArgs,
) -> anyhow::Result<ImageSource> {
    let name = store.store_dir().print(path);
    let physical = store.physical(path);
    let mut first = [0u8; 1];
    let is_description = physical.is_file()
        && std::io::Read::read(
            &mut std::fs::File::open(&physical).with_context(|| format!("cannot read '{name}'"))?,
            &mut first,
        )? == 1
        && first[0] == b'{';
    if !is_description {
        return Ok(ImageSource::open(&physical)?);
    }
    let description = cairn_build::read_description(&physical)?;
    if global.chatty() {
        eprintln!(
            "compressing {} of '{name}'",
            plural(description.layers.len(), "layer", "layers")
        );
    }
    Ok(ImageSource::from_image(description.image(store)?))
}

/// The report as a person reads it: a line per blob, then the manifest and the total.
fn print_report(report: &PushReport) {
    for blob in &report.blobs {
        let outcome = match &blob.outcome {
            BlobOutcome::Pushed => format!("pushed   {} sent", human_size(blob.bytes_sent)),
            BlobOutcome::Skipped => "skipped".to_owned(),
            BlobOutcome::Mounted { from } => format!("mounted  from {from}"),
        };
        println!(
            "{:<7} {}  {:>10}  {outcome}",
            blob.kind.name(),
            short_digest(&blob.digest),
            human_size(blob.size),
        );
    }
    let count = |name: &str| {
        report
            .blobs
            .iter()
            .filter(|b| b.outcome.name() == name)
            .count()
    };
    println!(
        "manifest {} pushed to {}",
        report.manifest_digest, report.reference
    );
    println!(
        "sent {} ({} bytes): {} pushed, {} skipped, {} mounted",
        human_size(report.bytes_sent()),
        report.bytes_sent(),
        plural(count("pushed"), "blob", "blobs"),
        count("skipped"),
        count("mounted"),
    );
}

fn report_json(report: &PushReport) -> serde_json::Value {
    let blobs: Vec<serde_json::Value> = report
        .blobs
        .iter()
        .map(|b| {
            let mut v = serde_json::json!({
                "kind": b.kind.name(),
                "digest": b.digest.as_str(),
                "size": b.size,
                "status": b.outcome.name(),
                "bytesSent": b.bytes_sent,
            });
            if let BlobOutcome::Mounted { from } = &b.outcome {
                v["from"] = from.clone().into();
            }
            v
        })
        .collect();
    serde_json::json!({
        "reference": report.reference.to_string(),
        "manifest": {
            "digest": report.manifest_digest.as_str(),
            "mediaType": report.manifest_media_type,
            "size": report.manifest_size,
        },
        "blobs": blobs,
        "bytesSent": report.bytes_sent(),
    })
}

/// What a push shows while it runs: on a terminal, a bar of the bytes uploaded with the blobs
/// done; with `-v` elsewhere, a line per blob.
struct Upload {
    bar: Option<indicatif::ProgressBar>,
    verbose: bool,
    sent: AtomicU64,
}

impl Upload {
    fn new(global: &GlobalArgs) -> Upload {
        let bar = (global.chatty() && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{pos}/{len} blobs, {prefix} sent] {wide_msg}",
                )
                .expect("a valid template"),
            );
            bar.set_prefix(human_size(0));
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Upload {
            bar,
            verbose: global.verbosity() > 0,
            sent: AtomicU64::new(0),
        }
    }

    fn event(&self, e: PushEvent<'_>) {
        match e {
            PushEvent::Connected { blobs } => {
                if let Some(bar) = &self.bar {
                    bar.set_length(blobs as u64);
                    bar.set_message("asking the registry for each blob");
                }
            }
            PushEvent::Uploading(blob) => match &self.bar {
                Some(bar) => bar.set_message(format!(
                    "uploading {} {} ({})",
                    blob.kind.name(),
                    short_digest(&blob.digest),
                    human_size(blob.size)
                )),
                None if self.verbose => eprintln!(
                    "uploading {} {} ({})",
                    blob.kind.name(),
                    blob.digest,
                    human_size(blob.size)
                ),
                None => {}
            },
            PushEvent::Sent(_, bytes) => {
                let total = self.sent.fetch_add(bytes, Ordering::Relaxed) + bytes;
                if let Some(bar) = &self.bar {
                    bar.set_prefix(human_size(total));
                }
            }
            PushEvent::Done(report) => match &self.bar {
                Some(bar) => bar.inc(1),
                None if self.verbose => eprintln!(
                    "{} {} {}",
                    report.outcome.name(),
                    report.kind.name(),
                    report.digest
                ),
                None => {}
            },
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
