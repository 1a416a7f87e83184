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
/// must not carry them, so they come back as errors.
fn check_expansion(file: &syn::File) -> syn::Result<()> {
    let mut errors: Option<syn::Error> = None;
    for item in &file.items {
        if let syn::Item::Macro(item) = item
            && item.mac.path.is_ident("compile_error")
        {
            let message: syn::LitStr = item.mac.parse_body()?;
            let error = syn::Error::new(
                item.mac
                    .path
                    .get_ident()
                    .map_or_else(proc_macro2::Span::call_site, |ident| ident.span()),
                message.value(),
            );
            match &mut errors {
                Some(errors) => errors.combine(error),
                None => errors = Some(error),
            }
        }
    }
    errors.map_or(Ok(()), Err)
}
