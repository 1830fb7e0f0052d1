//! `cairn image`: write the image of an image description (the output of
//! `dockerTools.streamLayeredImage`) to standard output or to a file or folder, without storing
//! it.
//!
//! The bytes are those `dockerTools.buildLayeredImage` stores for the same arguments: both are
//! written from the same description, by the same code of `cairn-image`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{anyhow, bail};
use cairn_build::{ImageFormat, WriteImageError};
use cairn_image::ImageDescription;
use cairn_store::LocalStore;

use crate::{GlobalArgs, Outcome};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ImageCommand {
    /// Write the image of a description to standard output, as a docker-archive.
    ///
    /// PATH is the output of `dockerTools.streamLayeredImage` (or a link to it, such as
    /// `./result`). The archive is what `docker load` and `podman load` read, byte for byte
    /// the archive `dockerTools.buildLayeredImage` builds from the same arguments; it is never
    /// stored.
    #[command(after_help = "Examples:\n  \
        cairn image stream ./result | docker load\n  \
        cairn image stream ./result | podman load\n  \
        cairn image stream ./result > image.tar")]
    Stream {
        /// The image description, or a link to it.
        #[arg(value_name = "PATH")]
        path: String,
    },

    /// Write the image of a description to a file (docker-archive) or a folder (OCI layout).
    ///
    /// An OCI layout folder must not exist or be empty; its one image is tagged with the
    /// image's tag (`skopeo copy oci:DEST:TAG ...`, `umoci unpack --image DEST:TAG ...`).
    #[command(after_help = "Examples:\n  \
        cairn image export ./result image.tar\n  \
        cairn image export --format oci ./result ./image-oci")]
    Export {
        /// The format to write.
        #[arg(long, value_enum, default_value_t = ExportFormat::DockerArchive)]
        format: ExportFormat,
        /// The image description, or a link to it.
        #[arg(value_name = "PATH")]
        path: String,
        /// The file or folder to write.
        #[arg(value_name = "DEST")]
        dest: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    /// A `docker load` archive (a tar file).
    DockerArchive,
    /// An OCI image layout (a folder).
    Oci,
}

pub(crate) fn run(cmd: ImageCommand, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    match cmd {
        ImageCommand::Stream { path } => {
            let mut out = std::io::stdout().lock();
            if out.is_terminal() {
                bail!(
                    "standard output is a terminal, and the image is binary\n\
                     hint: pipe it to a program (`cairn image stream {path} | docker load`) or \
                     to a file"
                );
            }
            let image = read_description(&store, &path)?.image(&store)?;
            image.write_docker_archive(&mut out)?;
            out.flush()?;
        }
        ImageCommand::Export { format, path, dest } => {
            let description = read_description(&store, &path)?;
            let format = match format {
                ExportFormat::DockerArchive => ImageFormat::DockerArchive,
                ExportFormat::Oci => ImageFormat::Oci,
            };
            cairn_build::write_described_image(&store, &description, format, &dest)?;
        }
    }
    Ok(Outcome::Success)
}

/// The description the user named, kept from garbage collection while the image is written.
fn read_description(store: &LocalStore, arg: &str) -> anyhow::Result<ImageDescription> {
    let path = store.parse_user_path(arg)?;
    let name = store.store_dir().print(&path);
    store.add_temp_root(&path)?;
    if !store.is_valid(&path)? {
        bail!("path '{name}' is not valid");
    }
    let not_a_description = |reason: &str| {
        anyhow!(
            "'{name}' is not an image description: {reason}\n\
             hint: give the output of `dockerTools.streamLayeredImage`"
        )
    };
    let physical = store.physical(&path);
    if !physical.is_file() {
        return Err(not_a_description("it is not a file"));
    }
    cairn_build::read_description(&physical).map_err(|e| match e {
        WriteImageError::NotADescription { reason, .. } => not_a_description(&reason),
        other => other.into(),
    })
}
