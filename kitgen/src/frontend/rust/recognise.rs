//! Recognising kitgen's items in a parsed file, the way the compiler would
//! route them to kitgen's macros: service traits, and enums and structs
//! that derive kitgen's traits. `expand_file`, `kitgen proto` and
//! `kitgen sync` all find items through these.

use syn::Item;

/// `#[kit::service]` or `#[service]`.
pub(crate) fn is_service_attr(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    let segments: Vec<String> = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    segments == ["kit", "service"] || segments == ["service"]
}

/// The attributes of an enum or struct; none for other items.
pub(crate) fn item_attrs(item: &Item) -> &[syn::Attribute] {
    match item {
        Item::Enum(item) => &item.attrs,
        Item::Struct(item) => &item.attrs,
        _ => &[],
    }
}

/// Whether a `#[derive(…)]` lists `kit::{name}`, or `{name}` alone when
/// `imported` (see [`imported_from_kit`]) says that it comes from `kit`.
pub(crate) fn derives(attrs: &[syn::Attribute], name: &str, imported: &[String]) -> bool {
    let bare_is_kit = imported
        .iter()
        .any(|imported| imported == name || imported == "*");
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .any(|attr| {
            let mut found = false;
            let _ = attr.parse_nested_meta(|meta| {
                let segments: Vec<String> = meta
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                found |= segments == ["kit", name] || (bare_is_kit && segments == [name]);
                Ok(())
            });
            found
        })
}

/// The names `use kit::…` items bring into scope among `items` (`*` for a
/// glob), so that `#[derive(Message)]` after `use kit::Message` counts.
pub(crate) fn imported_from_kit(items: &[Item]) -> Vec<String> {
    fn walk(tree: &syn::UseTree, under_kit: bool, names: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(path) if !under_kit => walk(&path.tree, path.ident == "kit", names),
            syn::UseTree::Path(path) => walk(&path.tree, true, names),
            syn::UseTree::Name(name) if under_kit => names.push(name.ident.to_string()),
            syn::UseTree::Rename(rename) if under_kit && rename.ident != "kit" => {
                names.push(rename.rename.to_string());
            }
            syn::UseTree::Glob(_) if under_kit => names.push("*".to_owned()),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    walk(tree, under_kit, names);
                }
            }
            _ => {}
        }
    }
    let mut names = Vec::new();
    for item in items {
        if let Item::Use(item) = item {
            walk(&item.tree, false, &mut names);
        }
    }
    names
}
