//! `cairn log`: the log of a derivation's last build.

use std::io::Write;

use crate::{GlobalArgs, Outcome};

#[derive(Debug, clap::Args)]
pub(crate) struct LogArgs {
    /// A `.drv` path, an output path, or a link to one (such as `./result`).
    #[arg(value_name = "PATH")]
    path: String,
}

pub(crate) fn run(args: LogArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let path = store.parse_user_path(&args.path)?;
    let drv = if path.is_derivation() {
        path
    } else {
        match store.path_info(&path)? {
            Some(info) => match info.deriver {
                Some(d) => d,
                None => anyhow::bail!(
                    "'{}' was not built here, so it has no log",
                    store.store_dir().print(&path)
                ),
            },
            None => anyhow::bail!(
                "'{}' is not valid (it may have been collected); give the path of its .drv",
                store.store_dir().print(&path)
            ),
        }
    };
    match cairn_build::read_log(&store, &drv) {
        Some(log) => {
            let mut out = std::io::stdout().lock();
            out.write_all(&log)?;
            out.flush()?;
            Ok(Outcome::Success)
        }
        None => anyhow::bail!(
            "no build log of '{}' is available",
            store.store_dir().print(&drv)
        ),
    }
}
