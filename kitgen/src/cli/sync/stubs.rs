//! Stubs for methods a service trait has and its impls lack, inserted into
//! the impl's source text so that everything else in the file stays as the
//! user wrote it, byte for byte.

use std::collections::HashSet;

use proc_macro2::LineColumn;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

use crate::frontend::rust::recognise;

/// A service trait found in the crate's sources.
#[derive(Clone, Debug)]
pub(crate) struct KnownTrait {
    /// The trait's name.
    pub name: String,
    /// The module that declares it, as a path from the crate root:
    /// `crate`, `crate::generated::ordersvc`.
    pub module: String,
    /// Its required methods.
    pub methods: Vec<syn::TraitItemFn>,
    /// The names of all its methods, those with default bodies too.
    pub all_methods: Vec<String>,
}

/// The service traits a file declares: those under `#[kit::service]`, and
/// in a generated file every trait.
pub(crate) fn traits_in(file: &syn::File, module: &str, generated: bool) -> Vec<KnownTrait> {
    struct Finder {
        module: Vec<String>,
        generated: bool,
        found: Vec<KnownTrait>,
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
            self.module.push(item.ident.to_string());
            syn::visit::visit_item_mod(self, item);
            self.module.pop();
        }

        fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
            if self.generated || item.attrs.iter().any(recognise::is_service_attr) {
                self.found.push(KnownTrait {
                    name: item.ident.to_string(),
                    module: self.module.join("::"),
                    all_methods: item
                        .items
                        .iter()
                        .filter_map(|item| match item {
                            syn::TraitItem::Fn(method) => Some(method.sig.ident.to_string()),
                            _ => None,
                        })
                        .collect(),
                    methods: item
                        .items
                        .iter()
                        .filter_map(|item| match item {
                            syn::TraitItem::Fn(method) if method.default.is_none() => {
                                Some(method.clone())
                            }
                            _ => None,
                        })
                        .collect(),
                });
            }
        }
    }
    let mut finder = Finder {
        module: vec![module.to_owned()],
        generated,
        found: Vec::new(),
    };
    finder.visit_file(file);
    finder.found
}

/// A stub added to an impl.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Added {
    /// The trait.
    pub trait_name: String,
    /// The type the impl is for, as written.
    pub self_type: String,
    /// The method.
    pub method: String,
    /// The line of the stub's `fn`, counted from 1.
    pub line: usize,
}

/// A method of an impl that its trait no longer has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Extra {
    /// The trait.
    pub trait_name: String,
    /// The method.
    pub method: String,
    /// Its line, counted from 1.
    pub line: usize,
}

/// What syncing one file found and did.
#[derive(Debug, Default)]
pub(crate) struct FileSync {
    /// The file's new text, when stubs were added.
    pub new_source: Option<String>,
    /// The stubs added.
    pub added: Vec<Added>,
    /// Methods the traits no longer have.
    pub extra: Vec<Extra>,
    /// The traits this file implements.
    pub implemented: Vec<String>,
}

/// Adds to every impl of a known trait in `source` a stub for each method
/// it lacks. The stubs fail with `Unimplemented`, naming the method.
pub(crate) fn sync_file(source: &str, traits: &[KnownTrait]) -> syn::Result<FileSync> {
    let file = syn::parse_file(source)?;
    let in_scope = names_in_scope(&file);
    let mut impls = Vec::new();
    collect_impls(&file.items, &mut impls);
    let mut result = FileSync::default();
    // (byte offset, text), applied back to front.
    let mut insertions: Vec<(usize, String)> = Vec::new();
    for item in impls {
        let Some((_, trait_path, _)) = &item.trait_ else {
            continue;
        };
        let Some(name) = trait_path
            .segments
            .last()
            .map(|last| last.ident.to_string())
        else {
            continue;
        };
        let Some(known) = traits.iter().find(|known| known.name == name) else {
            continue;
        };
        result.implemented.push(name.clone());
        let present: HashSet<String> = item
            .items
            .iter()
            .filter_map(|item| match item {
                syn::ImplItem::Fn(method) => Some(method.sig.ident.to_string()),
                _ => None,
            })
            .collect();
        let wanted: HashSet<&String> = known.all_methods.iter().collect();
        for method in &item.items {
            if let syn::ImplItem::Fn(method) = method
                && !wanted.contains(&method.sig.ident.to_string())
            {
                result.extra.push(Extra {
                    trait_name: name.clone(),
                    method: method.sig.ident.to_string(),
                    line: method.sig.ident.span().start().line,
                });
            }
        }
        let missing: Vec<&syn::TraitItemFn> = known
            .methods
            .iter()
            .filter(|method| !present.contains(&method.sig.ident.to_string()))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let self_type = super::type_name(&item.self_ty);
        let indent = indentation(source, item.impl_token.span.start());
        let stubs: Vec<String> = missing
            .iter()
            .map(|method| stub_text(&stub(method, known, &in_scope), &indent))
            .collect();
        let close = item.brace_token.span.close().start();
        let (offset, text) = insertion(source, close, &indent, &stubs);
        insertions.push((offset, text));
        for method in missing {
            result.added.push(Added {
                trait_name: name.clone(),
                self_type: self_type.clone(),
                method: method.sig.ident.to_string(),
                line: 0,
            });
        }
    }
    if insertions.is_empty() {
        return Ok(result);
    }
    insertions.sort_by_key(|(offset, _)| std::cmp::Reverse(*offset));
    let mut text = source.to_owned();
    for (offset, insert) in insertions {
        text.insert_str(offset, &insert);
    }
    // The lines of the stubs, found again in the new text.
    let new_file = syn::parse_file(&text)?;
    let mut new_impls = Vec::new();
    collect_impls(&new_file.items, &mut new_impls);
    for added in &mut result.added {
        added.line = new_impls
            .iter()
            .filter(|item| {
                item.trait_
                    .as_ref()
                    .and_then(|(_, path, _)| path.segments.last())
                    .is_some_and(|last| last.ident == added.trait_name)
                    && super::type_name(&item.self_ty) == added.self_type
            })
            .flat_map(|item| &item.items)
            .find_map(|item| match item {
                syn::ImplItem::Fn(method) if method.sig.ident == added.method => {
                    Some(method.sig.fn_token.span.start().line)
                }
                _ => None,
            })
            .unwrap_or(0);
    }
    result.new_source = Some(text);
    Ok(result)
}

fn collect_impls<'a>(items: &'a [syn::Item], impls: &mut Vec<&'a syn::ItemImpl>) {
    for item in items {
        match item {
            syn::Item::Impl(item) => impls.push(item),
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect_impls(items, impls);
                }
            }
            _ => {}
        }
    }
}

/// Names a file can use unqualified: what it imports and declares. `None`
/// when it has a glob import, which may bring anything.
fn names_in_scope(file: &syn::File) -> Option<HashSet<String>> {
    fn walk(tree: &syn::UseTree, names: &mut HashSet<String>) -> bool {
        match tree {
            syn::UseTree::Path(path) => walk(&path.tree, names),
            syn::UseTree::Name(name) => {
                names.insert(name.ident.to_string());
                true
            }
            syn::UseTree::Rename(rename) => {
                names.insert(rename.rename.to_string());
                true
            }
            syn::UseTree::Glob(_) => false,
            syn::UseTree::Group(group) => group.items.iter().all(|tree| walk(tree, names)),
        }
    }
    let mut names = HashSet::new();
    for item in &file.items {
        let declared = match item {
            syn::Item::Use(item) => {
                if !walk(&item.tree, &mut names) {
                    return None;
                }
                continue;
            }
            syn::Item::Struct(item) => &item.ident,
            syn::Item::Enum(item) => &item.ident,
            syn::Item::Type(item) => &item.ident,
            syn::Item::Trait(item) => &item.ident,
            syn::Item::Union(item) => &item.ident,
            _ => continue,
        };
        names.insert(declared.to_string());
    }
    Some(names)
}

/// Types every module can name.
const PRELUDE: [&str; 23] = [
    "Self", "String", "Vec", "Option", "Result", "Box", "bool", "char", "str", "u8", "u16", "u32",
    "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

/// The stub of `method`: its signature as an `async fn`, with paths as a
/// user writes them, parameters prefixed `_`, and a body that fails.
fn stub(
    method: &syn::TraitItemFn,
    known: &KnownTrait,
    in_scope: &Option<HashSet<String>>,
) -> syn::ImplItemFn {
    let mut sig = method.sig.clone();
    // `fn m(..) -> impl Future<Output = T> + Send` is `async fn m(..) -> T`.
    if sig.asyncness.is_none()
        && let syn::ReturnType::Type(_, ty) = &sig.output
        && let Some(output) = future_output(ty)
    {
        sig.asyncness = Some(Default::default());
        sig.output = syn::ReturnType::Type(Default::default(), Box::new(output));
    }
    for input in &mut sig.inputs {
        let syn::FnArg::Typed(typed) = input else {
            continue;
        };
        // `#[kit(redact)]` and the like mean nothing outside the trait.
        typed.attrs.clear();
        if let syn::Pat::Ident(pat) = &mut *typed.pat
            && !pat.ident.unraw().to_string().starts_with('_')
        {
            pat.ident = syn::Ident::new(&format!("_{}", pat.ident.unraw()), pat.ident.span());
            pat.mutability = None;
        }
    }
    let mut paths = UserPaths {
        module: &known.module,
        in_scope,
    };
    paths.visit_signature_mut(&mut sig);
    let message = format!("`{}::{}` is not implemented yet", known.name, sig.ident);
    let returns_kit_error = match &sig.output {
        syn::ReturnType::Type(_, ty) => result_error(ty).is_some_and(|error| {
            let text = error.to_token_stream().to_string().replace(' ', "");
            text == "kit::Error" || text == "::kit::Error"
        }),
        syn::ReturnType::Default => false,
    };
    let body: syn::Block = if returns_kit_error {
        syn::parse_quote!({ Err(kit::Error::unimplemented(#message)) })
    } else {
        syn::parse_quote!({ Err(kit::Error::unimplemented(#message).into()) })
    };
    syn::ImplItemFn {
        attrs: Vec::new(),
        vis: syn::Visibility::Inherited,
        defaultness: None,
        sig,
        block: body,
    }
}

/// `T` of `impl Future<Output = T> + ...`.
fn future_output(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::ImplTrait(ty) = ty else {
        return None;
    };
    ty.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            syn::GenericArgument::AssocType(assoc) if assoc.ident == "Output" => {
                Some(assoc.ty.clone())
            }
            _ => None,
        })
    })
}

/// `E` of `Result<T, E>`.
fn result_error(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args
        .iter()
        .filter_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .nth(1)
}

/// Rewrites the paths of a signature the way a user writes them.
struct UserPaths<'a> {
    /// Where the trait lives, for types the file does not import.
    module: &'a str,
    /// What the file can name unqualified; `None` if it has a glob import.
    in_scope: &'a Option<HashSet<String>>,
}

impl VisitMut for UserPaths<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        syn::visit_mut::visit_path_mut(self, path);
        let idents: Vec<String> = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        let last = idents.last().cloned().unwrap_or_default();
        if path.leading_colon.is_some() {
            let first = idents.first().map(String::as_str).unwrap_or_default();
            if matches!(first, "core" | "std" | "alloc")
                || idents.iter().any(|ident| ident == "alloc")
            {
                // `::core::result::Result` is `Result`; `...::alloc::string::String` is `String`.
                if PRELUDE.contains(&last.as_str()) {
                    let segment = path.segments.pop().map(syn::punctuated::Pair::into_value);
                    if let Some(segment) = segment {
                        *path = syn::Path::from(segment);
                    }
                }
            } else if first == "kit" {
                path.leading_colon = None;
            }
            return;
        }
        if path.segments.len() != 1 || PRELUDE.contains(&last.as_str()) {
            return;
        }
        let Some(in_scope) = self.in_scope else {
            return;
        };
        if in_scope.contains(&last) {
            return;
        }
        let qualified = format!("{}::{}", self.module, path.to_token_stream());
        if let Ok(new) = syn::parse_str::<syn::Path>(&qualified) {
            *path = new;
        }
    }
}

/// The stub as text, indented for an impl that starts at `indent`:
/// formatted by rustfmt as `cargo fmt` would, or by prettyplease when
/// rustfmt is not installed.
fn stub_text(stub: &syn::ImplItemFn, indent: &str) -> String {
    let file: syn::File = syn::parse_quote!(impl Stub { #stub });
    let text = prettyplease::unparse(&file);
    let text = crate::cli::rustfmt(&text).unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let inner = &lines[1..lines.len().saturating_sub(1)];
    inner
        .iter()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("{indent}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The leading whitespace of the line at `at`.
fn indentation(source: &str, at: LineColumn) -> String {
    source
        .lines()
        .nth(at.line.saturating_sub(1))
        .map(|line| line.chars().take_while(|c| c.is_whitespace()).collect())
        .unwrap_or_default()
}

/// Where and what to insert so that `stubs` end the impl whose closing
/// brace is at `close`.
fn insertion(source: &str, close: LineColumn, indent: &str, stubs: &[String]) -> (usize, String) {
    let line_start = byte_offset(
        source,
        LineColumn {
            line: close.line,
            column: 0,
        },
    );
    let brace = byte_offset(source, close);
    let before_brace = &source[line_start..brace];
    let body = stubs.join("\n\n");
    if before_brace.trim().is_empty() {
        // `}` alone on its line: the stubs go on the lines before it, after
        // a blank line unless the impl is empty.
        let empty_impl = source[..line_start].trim_end().ends_with('{');
        let gap = if empty_impl { "" } else { "\n" };
        (line_start, format!("{gap}{body}\n"))
    } else {
        // `impl T for X {}` on one line.
        (brace, format!("\n{body}\n{indent}"))
    }
}

/// The byte offset of a line and (character) column.
pub(super) fn byte_offset(source: &str, at: LineColumn) -> usize {
    let mut offset = 0;
    for (index, line) in source.split_inclusive('\n').enumerate() {
        if index + 1 == at.line {
            return offset
                + line
                    .char_indices()
                    .nth(at.column)
                    .map_or(line.len(), |(byte, _)| byte);
        }
        offset += line.len();
    }
    source.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRAIT: &str = r#"
        #[kit::service]
        pub trait Shop: Send + Sync + 'static {
            /// Sells.
            #[kit(http(post = "/sell"))]
            async fn sell(&self, ctx: &kit::Context, item: Item) -> Result<Receipt, ShopError>;
            async fn open(&self, ctx: &kit::Context) -> Result<(), kit::Error>;
            fn provided(&self) -> u32 { 1 }
        }
    "#;

    fn shop() -> Vec<KnownTrait> {
        traits_in(&syn::parse_file(TRAIT).unwrap(), "crate::api", false)
    }

    fn sync(source: &str) -> FileSync {
        sync_file(source, &shop()).unwrap()
    }

    #[test]
    fn service_traits_are_found_with_their_required_methods() {
        let traits = shop();
        assert_eq!(traits.len(), 1);
        assert_eq!(traits[0].module, "crate::api");
        let names: Vec<String> = traits[0]
            .methods
            .iter()
            .map(|method| method.sig.ident.to_string())
            .collect();
        assert_eq!(names, ["sell", "open"]);
        let plain = syn::parse_file("pub trait Other { fn f(&self); }").unwrap();
        assert!(traits_in(&plain, "crate", false).is_empty());
        assert_eq!(traits_in(&plain, "crate", true).len(), 1);
    }

    #[test]
    fn missing_methods_are_appended_and_nothing_else_changes() {
        let source = "use crate::api::{Item, Receipt, Shop, ShopError};\n\n// The shop.\npub struct Mine;\n\nimpl Shop for Mine {\n    async fn open(&self, _ctx: &kit::Context) -> Result<(), kit::Error> {\n        Ok(()) // open at once\n    }\n}\n\nfn after() {}\n";
        let synced = sync(source);
        let new = synced.new_source.unwrap();
        let expected_stub = "\n    async fn sell(&self, _ctx: &kit::Context, _item: Item) -> Result<Receipt, ShopError> {\n        Err(kit::Error::unimplemented(\"`Shop::sell` is not implemented yet\").into())\n    }\n";
        let (before, after) = source.split_at(source.find("}\n\nfn after").unwrap());
        assert_eq!(new, format!("{before}{expected_stub}{after}"));
        assert_eq!(
            synced.added,
            [Added {
                trait_name: "Shop".to_owned(),
                self_type: "Mine".to_owned(),
                method: "sell".to_owned(),
                line: 11,
            }]
        );
        // A second run finds nothing to do.
        assert!(sync(&new).new_source.is_none());
    }

    #[test]
    fn types_the_file_cannot_name_are_qualified_with_the_traits_module() {
        let source = "use crate::api::Shop;\nstruct Mine;\nimpl Shop for Mine {\n    async fn sell(&self, _ctx: &kit::Context, _item: crate::api::Item) -> Result<crate::api::Receipt, crate::api::ShopError> { todo!() }\n}\n";
        let new = sync(source).new_source.unwrap();
        // The error is a kit::Error already: no `.into()`.
        let open = &new[new.find("async fn open").unwrap()..];
        assert!(open.contains("Err(kit::Error::unimplemented("), "{new}");
        assert!(!open.contains(".into()"), "{new}");

        let only_trait = "use crate::api::Shop;\nstruct Mine;\nimpl Shop for Mine {}\n";
        let new = sync(only_trait).new_source.unwrap();
        assert!(new.contains("_item: crate::api::Item"), "{new}");
        assert!(
            new.contains("Result<crate::api::Receipt, crate::api::ShopError>"),
            "{new}"
        );
        assert!(syn::parse_file(&new).is_ok());

        // A glob import may bring anything: names stay as they are.
        let glob = "use crate::api::*;\nstruct Mine;\nimpl Shop for Mine {}\n";
        let new = sync(glob).new_source.unwrap();
        assert!(new.contains("_item: Item"), "{new}");
    }

    #[test]
    fn impls_in_inline_modules_keep_their_indentation() {
        let source = "mod inner {\n    use crate::api::*;\n    struct Mine;\n    impl Shop for Mine {\n        async fn open(&self, _ctx: &kit::Context) -> Result<(), kit::Error> { Ok(()) }\n    }\n}\n";
        let new = sync(source).new_source.unwrap();
        assert!(
            new.contains("\n\n        async fn sell(\n")
                || new.contains("\n\n        async fn sell(&self"),
            "{new}"
        );
        assert!(new.ends_with("    }\n    }\n}\n"), "{new}");
    }

    #[test]
    fn generated_future_signatures_become_async_fns_with_plain_paths() {
        let generated = syn::parse_file(
            "pub trait Svc: ::core::marker::Send { fn get(&self, ctx: &::kit::Context, request: GetRequest) -> impl ::core::future::Future<Output = ::core::result::Result<GetResponse, ::kit::Error>> + ::core::marker::Send; }",
        )
        .unwrap();
        let traits = traits_in(&generated, "crate::generated::svc", true);
        let source = "use crate::generated::svc::*;\nstruct Mine;\nimpl Svc for Mine {}\n";
        let new = sync_file(source, &traits).unwrap().new_source.unwrap();
        assert!(
            new.contains("async fn get(\n        &self,\n        _ctx: &kit::Context,\n        _request: GetRequest,\n    ) -> Result<GetResponse, kit::Error> {"),
            "{new}"
        );
    }

    #[test]
    fn stubs_drop_kit_attributes_and_keep_raw_names_usable() {
        let traits = traits_in(
            &syn::parse_file(
                "#[kit::service]\ntrait Login {\n    async fn login(&self, r#type: f64, #[kit(redact)] password: String) -> Result<(), kit::Error>;\n    async fn ping(&self) -> Result<(), kit::Error> { Ok(()) }\n}\n",
            )
            .unwrap(),
            "crate",
            false,
        );
        let source = "struct Mine;\nimpl Login for Mine {\n    async fn ping(&self) -> Result<(), kit::Error> { Ok(()) }\n}\n";
        let synced = sync_file(source, &traits).unwrap();
        assert!(
            synced.extra.is_empty(),
            "ping overrides a provided method: {:?}",
            synced.extra
        );
        let new = synced.new_source.unwrap();
        assert!(new.contains("_type: f64"), "{new}");
        assert!(new.contains("_password: String"), "{new}");
        assert!(!new.contains("#[kit"), "{new}");
    }

    #[test]
    fn methods_the_trait_lost_are_reported_not_removed() {
        let source = "struct Mine;\nimpl Shop for Mine {\n    async fn sell(&self, _: &kit::Context, _: Item) -> Result<Receipt, ShopError> { todo!() }\n    async fn open(&self, _: &kit::Context) -> Result<(), kit::Error> { Ok(()) }\n    async fn close(&self) {}\n}\n";
        let synced = sync(source);
        assert!(synced.new_source.is_none());
        assert_eq!(
            synced.extra,
            [Extra {
                trait_name: "Shop".to_owned(),
                method: "close".to_owned(),
                line: 5,
            }]
        );
    }
}
