//! What users read and copy (the README, the examples, the scaffold's
//! templates) names only public paths: `kit::__private` is for generated
//! code and changes without notice.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, found);
        } else {
            found.push(path);
        }
    }
}

#[test]
fn the_readme_examples_and_templates_use_no_private_paths() {
    let root = repo();
    let mut read = vec![root.join("README.md")];
    files(&root.join("examples"), &mut read);
    files(&root.join("kitgen/templates"), &mut read);
    let offenders: Vec<String> = read
        .iter()
        .filter(|path| {
            std::fs::read_to_string(path).is_ok_and(|text| text.contains("kit::__private"))
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(read.len() > 10, "found only {read:?}");
    assert!(offenders.is_empty(), "private paths in {offenders:?}");
}
