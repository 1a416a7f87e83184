//! `kitgen new --vendor-kit`: the kit runtime, and the kitgen crates it
//! depends on, packaged from a checkout as `cargo package` would for a
//! registry, and unpacked into the new crate's `vendor/`, where its
//! Cargo.toml's `[patch.crates-io]` finds them.

use std::path::Path;
use std::process::Command;

use super::Report;

/// The crates the runtime needs, itself last.
const CRATES: [&str; 4] = ["kitgen-schema", "kitgen", "kitgen-macros", "kitgen-runtime"];

/// Packages the crates of the checkout whose runtime is at `runtime`, and
/// unpacks them into `dir/vendor/`, replacing what a previous run put
/// there.
pub(super) fn vendor_kit(runtime: &Path, dir: &Path) -> Result<(), Report> {
    let checkout = runtime.join("..");
    let packaged = std::env::temp_dir().join(format!("kitgen-vendor-{}", std::process::id()));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut package = Command::new(cargo);
    package
        .current_dir(&checkout)
        .args(["package", "--no-verify", "--allow-dirty", "--quiet"])
        .arg("--target-dir")
        .arg(&packaged);
    for name in CRATES {
        package.args(["-p", name]);
    }
    run(&mut package, "cargo package")?;
    let vendor = dir.join("vendor");
    let unpacked = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(&vendor)?;
        for name in CRATES {
            let crate_dir = format!("{name}-{}", env!("CARGO_PKG_VERSION"));
            let target = vendor.join(&crate_dir);
            if target.exists() {
                std::fs::remove_dir_all(&target)?;
            }
            let file = packaged.join("package").join(format!("{crate_dir}.crate"));
            let mut tar = Command::new("tar");
            tar.arg("-xzf").arg(&file).arg("-C").arg(&vendor);
            run(&mut tar, "tar")
                .map_err(|report| std::io::Error::other(report.first_message().to_owned()))?;
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&packaged);
    unpacked.map_err(|error| {
        Report::message(format!(
            "cannot unpack the kit crates into {}: {error}",
            vendor.display()
        ))
    })
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
