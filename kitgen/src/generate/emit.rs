//! Writing files, the one way `kitgen new`, `generate`, `sync`, `proto -o`
//! and build scripts do it: everything is rendered in memory first, files
//! that already hold the contents are left alone, and each file that
//! changes is written to a temporary file beside it and renamed into place,
//! so that an interrupted run leaves every file either as it was or as it
//! should be, never half-written.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// What writing one file did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The file was new or different, and now holds the contents.
    Changed,
    /// The file already held exactly the contents.
    Unchanged,
}

/// A file that could not be written.
#[derive(Debug)]
pub struct WriteError {
    /// The file, or the directory it goes in.
    pub path: PathBuf,
    /// Why.
    pub error: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write {}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// The files among `files` that exist with other contents: what writing
/// them would replace.
pub fn replaced<C: AsRef<[u8]>>(files: &[(PathBuf, C)]) -> Vec<&Path> {
    files
        .iter()
        .filter(|(path, contents)| path.exists() && !holds(path, contents.as_ref()))
        .map(|(path, _)| path.as_path())
        .collect()
}

/// Writes each of `files` whose contents differ from what is on disk,
/// creating directories as needed, each atomically.
pub fn write_all<C: AsRef<[u8]>>(
    files: &[(PathBuf, C)],
) -> Result<Vec<(PathBuf, Written)>, WriteError> {
    let mut written = Vec::with_capacity(files.len());
    for (path, contents) in files {
        let contents = contents.as_ref();
        if holds(path, contents) {
            written.push((path.clone(), Written::Unchanged));
            continue;
        }
        write_atomically(path, contents)?;
        written.push((path.clone(), Written::Changed));
    }
    Ok(written)
}

fn holds(path: &Path, contents: &[u8]) -> bool {
    std::fs::read(path).is_ok_and(|existing| existing == contents)
}

/// Writes `contents` to a temporary file in `path`'s directory, then
/// renames it over `path`.
fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |error| WriteError { path, error }
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(failed(dir))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = dir.join(format!(".{name}.kitgen-{}.tmp", std::process::id()));
    let result = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(contents)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(failed(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kitgen-emit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_what_changed_and_leaves_the_rest_and_no_temporary_files() {
        let dir = scratch("write");
        let files = [
            (dir.join("a/b/new.rs"), "new"),
            (dir.join("same.rs"), "same"),
            (dir.join("other.rs"), "other"),
        ];
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("same.rs"), "same").unwrap();
        std::fs::write(dir.join("other.rs"), "was").unwrap();

        assert_eq!(replaced(&files), [dir.join("other.rs")]);
        let written = write_all(&files).unwrap();
        assert_eq!(
            written
                .iter()
                .map(|(_, written)| *written)
                .collect::<Vec<_>>(),
            [Written::Changed, Written::Unchanged, Written::Changed]
        );
        for (path, contents) in &files {
            assert_eq!(std::fs::read_to_string(path).unwrap(), *contents);
        }
        assert!(replaced(&files).is_empty());
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a", "other.rs", "same.rs"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_that_cannot_be_written_is_named_and_leaves_no_temporary_file() {
        let dir = scratch("fail");
        std::fs::create_dir_all(dir.join("taken")).unwrap();
        // A directory where the file should go: the rename fails.
        let error = write_all(&[(dir.join("taken"), "text")]).unwrap_err();
        assert_eq!(error.path, dir.join("taken"));
        assert!(error.to_string().starts_with("cannot write "), "{error}");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "only the directory is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
