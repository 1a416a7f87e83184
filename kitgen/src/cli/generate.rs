//! `kitgen generate`: code for a `.proto` or a Rust file, written to files.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Cli, GenerateArgs, Report};
use crate::generate::{self, GeneratedFile, OutputMode, Written};

/// Generates, then writes what changed.
pub(super) fn run(cli: &Cli, args: &GenerateArgs, out: &mut dyn Write) -> Result<(), Report> {
    write(cli, args, &command(args), out)
}

/// Generates with `command` in the files' headers, then writes what
/// changed.
pub(super) fn write(
    cli: &Cli,
    args: &GenerateArgs,
    command: &str,
    out: &mut dyn Write,
) -> Result<(), Report> {
    let files = render(args, command)?;
    let in_the_way: Vec<String> = files
        .iter()
        .map(|file| args.out_dir.join(&file.path))
        .filter(|target| !args.force && is_foreign(target))
        .map(|target| target.display().to_string())
        .collect();
    if !in_the_way.is_empty() {
        return Err(Report::message(format!(
            "{} exists and was not written by kitgen",
            in_the_way.join(", ")
        ))
        .with_hint("move it away, pick another directory with -o, or pass --force to replace it"));
    }
    let written = generate::write_files(&args.out_dir, &files)
        .map_err(|error| Report::message(error.to_string()))?;
    let changed = written
        .iter()
        .filter(|(_, written)| *written == Written::Changed)
        .count();
    for (path, written) in &written {
        match written {
            Written::Changed if !cli.quiet => {
                let _ = writeln!(out, "wrote {}", path.display());
            }
            Written::Unchanged if cli.verbose => {
                let _ = writeln!(out, "unchanged {}", path.display());
            }
            _ => {}
        }
    }
    if !cli.quiet && changed == 0 {
        let _ = writeln!(out, "{} is up to date", args.out_dir.display());
    }
    Ok(())
}

/// Every file the command would write, in memory, with `command` in their
/// headers.
pub(super) fn render(args: &GenerateArgs, command: &str) -> Result<Vec<GeneratedFile>, Report> {
    let header = generate::header(command);
    let is_proto = args
        .file
        .extension()
        .is_some_and(|extension| extension == "proto");
    if is_proto {
        let includes = proto_search_path(&args.file, &args.includes);
        return generate::from_proto(
            std::slice::from_ref(&args.file),
            &includes,
            OutputMode::Source,
            &header,
        )
        .map_err(Report::from_errors);
    }
    let source = std::fs::read_to_string(&args.file).map_err(|error| {
        Report::message(format!("cannot read {}: {error}", args.file.display()))
    })?;
    generate::from_rust(&args.file, &source, &header)
        .map_err(|error| Report::from_syn(&args.file, &source, error))
}

/// Where a .proto's imports are looked for: its own directory, then
/// `includes`.
pub(super) fn proto_search_path(file: &Path, includes: &[PathBuf]) -> Vec<PathBuf> {
    let own = file
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    std::iter::once(own)
        .chain(includes.iter().cloned())
        .collect()
}

/// The command line that makes these files, as the header records it.
pub(super) fn command(args: &GenerateArgs) -> String {
    let mut words = vec![
        "kitgen".to_owned(),
        "generate".to_owned(),
        args.file.display().to_string(),
    ];
    for include in &args.includes {
        words.push("-I".to_owned());
        words.push(include.display().to_string());
    }
    words.push("-o".to_owned());
    words.push(args.out_dir.display().to_string());
    shlex::try_join(words.iter().map(String::as_str)).unwrap_or_else(|_| words.join(" "))
}

/// Whether `path` exists and is not a file kitgen generated.
fn is_foreign(path: &Path) -> bool {
    if !path.exists() {
        return false;
    }
    if path.extension().is_some_and(|extension| extension == "bin") {
        // The descriptor set has no header; it belongs with the .rs files.
        return false;
    }
    let first_line = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.lines().next().map(str::to_owned))
        .unwrap_or_default();
    generate::recorded_command(&first_line).is_none()
}
