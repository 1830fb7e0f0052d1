//! `cairn host-tools pin | show`: the pins of the host toolchains (`busybox`, `go`, `cacert`)
//! that the standard library imports, in a JSON file (`host-tools.json` by default):
//!
//! ```json
//! { "version": 1, "tools": { "go": { "narHash": "sha256-...", "version": "1.23.9" } } }
//! ```

use std::path::{Path, PathBuf};

use cairn_eval::HostToolRequest;
use cairn_glue::host_tools::{HOST_TOOLS, find, import_host_tool};
use serde_json::{Map, Value, json};

use crate::{GlobalArgs, Outcome};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum HostToolsCommand {
    /// Import host tools into the store and record their NAR hashes in the pin file.
    ///
    /// Without TOOL, every tool is pinned. Tools not named keep their pins. The file is
    /// what `import <cairn> { hostTools = ./host-tools.json; }` reads; a build whose host tool
    /// no longer matches its pin stops and names this command.
    #[command(after_help = "Examples:\n  \
        cairn host-tools pin                       pin busybox, go and cacert\n  \
        cairn host-tools pin go                    pin the Go toolchain again after an upgrade\n  \
        cairn host-tools pin --file ci/tools.json  another file")]
    Pin {
        /// The pin file.
        #[arg(long, short, default_value = "host-tools.json")]
        file: PathBuf,
        /// The tools to pin: busybox, go, cacert.
        #[arg(value_name = "TOOL")]
        tools: Vec<String>,
    },
    /// Show each tool's pin and whether the host's tool matches it.
    #[command(after_help = "Examples:\n  \
        cairn host-tools show\n  \
        cairn host-tools show --file ci/tools.json")]
    Show {
        /// The pin file.
        #[arg(long, short, default_value = "host-tools.json")]
        file: PathBuf,
    },
}

pub(crate) fn run(cmd: HostToolsCommand, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    match cmd {
        HostToolsCommand::Pin { file, tools } => pin(&file, &tools, global),
        HostToolsCommand::Show { file } => show(&file),
    }
}

fn check_names(tools: &[String]) -> anyhow::Result<()> {
    for tool in tools {
        if !HOST_TOOLS.contains(&tool.as_str()) {
            anyhow::bail!(
                "unknown host tool '{tool}' (known: {})",
                HOST_TOOLS.join(", ")
            );
        }
    }
    Ok(())
}

/// The `tools` object of a pin file; empty when the file does not exist.
fn read_pins(file: &Path) -> anyhow::Result<Map<String, Value>> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
        Err(e) => anyhow::bail!("cannot read {}: {e}", file.display()),
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not a pin file: {e}", file.display()))?;
    match value.get("tools") {
        Some(Value::Object(tools)) => Ok(tools.clone()),
        _ => anyhow::bail!(
            "{} is not a pin file: it has no \"tools\" object",
            file.display()
        ),
    }
}

fn pin(file: &Path, tools: &[String], global: &GlobalArgs) -> anyhow::Result<Outcome> {
    check_names(tools)?;
    let mut pins = read_pins(file)?;
    let store = global.open_store()?;
    let names: Vec<&str> = if tools.is_empty() {
        HOST_TOOLS.to_vec()
    } else {
        tools.iter().map(String::as_str).collect()
    };
    let mut failed = false;
    for tool in names {
        let request = HostToolRequest {
            tool,
            ..HostToolRequest::default()
        };
        match import_host_tool(Some(&store), true, store.store_dir(), &request) {
            Ok(info) => {
                eprintln!("{} {}", describe(tool, &info.version), info.nar_hash);
                eprintln!("  {}", info.path);
                pins.insert(
                    tool.to_string(),
                    json!({ "narHash": info.nar_hash, "version": info.version }),
                );
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    let text = serde_json::to_string_pretty(&json!({ "version": 1, "tools": pins }))? + "\n";
    std::fs::write(file, text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
    Ok(if failed {
        Outcome::Rejected
    } else {
        Outcome::Success
    })
}

fn show(file: &Path) -> anyhow::Result<Outcome> {
    let pins = read_pins(file)?;
    let mut all_match = true;
    for tool in HOST_TOOLS {
        let pinned = pins
            .get(tool)
            .and_then(|p| p.get("narHash"))
            .and_then(Value::as_str);
        let host = find(tool).and_then(|f| Ok((f.nar_hash()?.to_sri(), f.version.clone())));
        let state = match (&host, pinned) {
            (Err(e), _) => {
                all_match = false;
                format!("not found on this machine: {e}")
            }
            (Ok((hash, version)), None) => {
                all_match = false;
                format!(
                    "not pinned; the host has {} {hash}",
                    describe(tool, version)
                )
            }
            (Ok((hash, _)), Some(pin)) if hash == pin => "matches the host".to_string(),
            (Ok((hash, version)), Some(_)) => {
                all_match = false;
                format!("differs: the host has {} {hash}", describe(tool, version))
            }
        };
        println!("{tool:8} {:52} {state}", pinned.unwrap_or("-"));
    }
    Ok(if all_match {
        Outcome::Success
    } else {
        Outcome::Rejected
    })
}

fn describe(tool: &str, version: &str) -> String {
    if version.is_empty() {
        tool.to_string()
    } else {
        format!("{tool} {version}")
    }
}
