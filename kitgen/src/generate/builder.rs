//! `kitgen::Builder`: the `.proto` pipeline for build scripts.

use std::path::{Path, PathBuf};

use super::{OutputMode, from_proto, write_files};

/// Generates code from `.proto` files into `OUT_DIR`, in a build script:
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     kitgen::Builder::new().compile(&["proto/orders.proto"], &["proto"])?;
///     Ok(())
/// }
/// ```
///
/// and then, in the crate, `include!(concat!(env!("OUT_DIR"), "/mod.rs"));`
/// to get one module per protobuf package.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    out_dir: Option<PathBuf>,
}

impl Builder {
    /// A builder that writes to `OUT_DIR`.
    pub fn new() -> Self {
        Builder::default()
    }

    /// Writes somewhere else than `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Compiles `files`, finding imports under `includes`, and writes the
    /// generated code. Asks cargo to rerun the build script when a file
    /// changes. The error lists every problem as `file:line:col: message`.
    pub fn compile(
        &self,
        files: &[impl AsRef<Path>],
        includes: &[impl AsRef<Path>],
    ) -> Result<(), BuildError> {
        let files: Vec<PathBuf> = files.iter().map(|file| file.as_ref().to_owned()).collect();
        let includes: Vec<PathBuf> = includes.iter().map(|dir| dir.as_ref().to_owned()).collect();
        for file in &files {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        for include in &includes {
            println!("cargo:rerun-if-changed={}", include.display());
        }
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    BuildError(
                        "OUT_DIR is not set: run this from a build script, or set out_dir"
                            .to_owned(),
                    )
                })?,
        };
        let generated = from_proto(&files, &includes, OutputMode::OutDir).map_err(|errors| {
            BuildError(
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        write_files(&out_dir, &generated).map_err(|error| {
            BuildError(format!("cannot write to {}: {error}", out_dir.display()))
        })?;
        Ok(())
    }
}

/// Why a build script could not generate code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError(pub String);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}
