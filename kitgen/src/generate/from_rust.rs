//! A Rust file to Rust: the expansion of its `#[kit::service]` traits and
//! kit derives, exactly as the compiler sees it, to check in.

use std::path::Path;

use super::{GeneratedFile, format};

/// The expansion of `source` (the file at `path`) as one file named like
/// it. The errors are the macro's, with their spans.
pub fn from_rust(path: &Path, source: &str, header: &str) -> syn::Result<Vec<GeneratedFile>> {
    let file = syn::parse_file(source)?;
    let expanded = crate::expand_file(&file)?;
    check_expansion(&expanded)?;
    let name = path
        .file_name()
        .map(Path::new)
        .unwrap_or(Path::new("generated.rs"));
    Ok(vec![GeneratedFile {
        path: name.to_owned(),
        contents: format(header, &expanded).into_bytes(),
    }])
}

/// The macro reports problems as `compile_error!`s in its output; a file
/// must not carry them, so they come back as errors, from nested modules
/// too.
fn check_expansion(file: &syn::File) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    collect_errors(&file.items, &mut errors)?;
    errors.map_or(Ok(()), Err)
}

fn collect_errors(items: &[syn::Item], errors: &mut Option<syn::Error>) -> syn::Result<()> {
    for item in items {
        let mac = match item {
            syn::Item::Macro(item) => &item.mac,
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect_errors(items, errors)?;
                }
                continue;
            }
            _ => continue,
        };
        // `syn::Error::into_compile_error` writes `::core::compile_error!`,
        // spanned at the error.
        let Some(last) = mac.path.segments.last() else {
            continue;
        };
        if last.ident == "compile_error" {
            let message: syn::LitStr = mac.parse_body()?;
            let error = syn::Error::new(last.ident.span(), message.value());
            match errors {
                Some(errors) => errors.combine(error),
                None => *errors = Some(error),
            }
        }
    }
    Ok(())
}
