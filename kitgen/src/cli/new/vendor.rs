//! `kitgen new --vendor-kit`: the kit runtime, and the kitgen crates it
//! depends on, packaged from a checkout as `cargo package` would for a
//! registry, and unpacked into the new crate's `vendor/`, where its
//! Cargo.toml's `[patch.crates-io]` finds them.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Report;

/// The crates the runtime needs, itself last.
const CRATES: [&str; 4] = ["kitgen-schema", "kitgen", "kitgen-macros", "kitgen-runtime"];

/// The kit crates, packaged into a temporary directory (removed on drop).
pub(super) struct Packaged {
    dir: PathBuf,
}

/// Packages the crates of the checkout whose runtime is at `runtime`:
/// before anything of the new crate is written, so that a failure writes
/// nothing.
pub(super) fn package(runtime: &Path) -> Result<Packaged, Report> {
    let packaged = Packaged {
        dir: std::env::temp_dir().join(format!("kitgen-vendor-{}", std::process::id())),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut package = Command::new(cargo);
    package
        .current_dir(runtime.join(".."))
        .args(["package", "--no-verify", "--allow-dirty", "--quiet"])
        .arg("--target-dir")
        .arg(&packaged.dir);
    for name in CRATES {
        package.args(["-p", name]);
    }
    run(&mut package, "cargo package")?;
    Ok(packaged)
}

impl Packaged {
    /// Unpacks the crates into `dir/vendor/`, replacing every version of
    /// them a previous run put there.
    pub(super) fn unpack_into(&self, dir: &Path) -> Result<(), Report> {
        let vendor = dir.join("vendor");
        let cannot = |error: std::io::Error| {
            Report::message(format!(
                "cannot unpack the kit crates into {}: {error}",
                vendor.display()
            ))
        };
        std::fs::create_dir_all(&vendor).map_err(cannot)?;
        for entry in std::fs::read_dir(&vendor).map_err(cannot)? {
            let entry = entry.map_err(cannot)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = CRATES.iter().any(|krate| {
                name.strip_prefix(krate)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
            });
            if ours {
                std::fs::remove_dir_all(entry.path()).map_err(cannot)?;
            }
        }
        for name in CRATES {
            let file = self
                .dir
                .join("package")
                .join(format!("{name}-{}.crate", env!("CARGO_PKG_VERSION")));
            let mut tar = Command::new("tar");
            tar.arg("-xzf").arg(&file).arg("-C").arg(&vendor);
            run(&mut tar, "tar")?;
        }
        Ok(())
    }
}

impl Drop for Packaged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `command`, failing with what it printed.
fn run(command: &mut Command, what: &str) -> Result<(), Report> {
    let output = command
        .output()
        .map_err(|error| Report::message(format!("cannot run {what}: {error}")))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Report::message(format!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}
