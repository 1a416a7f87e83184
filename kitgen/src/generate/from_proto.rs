//! `.proto` files to Rust: prost's messages, pbjson's proto3 JSON, and
//! kitgen's service trait, endpoints and transports, one file per package.

use std::collections::HashMap;
use std::path::PathBuf;

use heck::ToSnakeCase;
use prost::Message as _;
use quote::quote;
use syn::visit_mut::VisitMut;

use super::{GeneratedFile, format};
use crate::diagnostics::{Diagnostics, Errors};
use crate::frontend::proto::{self, Compiled};
use crate::model::{EmbeddedDescriptors, Service};

/// The file the encoded descriptor set goes in, next to the code.
const DESCRIPTORS: &str = "file_descriptor_set.bin";

/// Where the generated files will live, which decides how they refer to
/// each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// Checked in next to the user's code (`kitgen generate -o DIR`):
    /// relative `include!`s.
    Source,
    /// In a build script's `OUT_DIR`: `include!`s through `env!("OUT_DIR")`.
    OutDir,
}

/// Generates the Rust for `files` (imports found in `includes`): one
/// `<package>.rs` per package, `mod.rs` that nests them in modules, and the
/// encoded descriptor set that reflection serves.
///
/// `header` is the generated files' first line (see [`super::header`]).
pub fn from_proto(
    files: &[PathBuf],
    includes: &[PathBuf],
    mode: OutputMode,
    header: &str,
) -> Result<Vec<GeneratedFile>, Errors> {
    let embedded = EmbeddedDescriptors {
        file_name: DESCRIPTORS.to_owned(),
        in_out_dir: mode == OutputMode::OutDir,
    };
    let (compiled, services) = read_services(files, includes, &embedded)?;

    let own_files: Vec<&prost_types::FileDescriptorProto> = compiled
        .descriptors
        .file
        .iter()
        .filter(|file| !file.package().starts_with("google."))
        .collect();
    let mut prost = prost_build::Config::new();
    // Well-known types come from pbjson-types, which has their proto3 JSON
    // forms; prost's own mapping (prost-types, `()` for Empty) has none.
    prost
        .prost_path("::kit::__private::prost")
        .compile_well_known_types()
        .extern_path(".google.protobuf", "::kit::proto::wkt");
    let requests = own_files
        .iter()
        .map(|file| {
            (
                prost_build::Module::from_protobuf_package_name(file.package()),
                (*file).clone(),
            )
        })
        .collect();
    let messages = prost
        .generate(requests)
        .map_err(|error| Errors::message(format!("prost-build: {error}")))?;

    // With source info: its comments describe the messages in the OpenAPI
    // document and to reflection clients.
    let encoded = compiled.descriptors.encode_to_vec();
    let mut packages: Vec<String> = own_files
        .iter()
        .map(|file| file.package().to_owned())
        .collect();
    packages.sort();
    packages.dedup();
    let prefixes: Vec<String> = packages
        .iter()
        .map(|package| format!(".{package}"))
        .collect();
    let json = pbjson_build::Builder::new()
        .register_descriptors(&encoded)
        .map_err(|error| Errors::message(format!("pbjson-build: {error}")))?
        .extern_path(".google.protobuf", "::kit::proto::wkt")
        .emit_fields()
        .generate(&prefixes, |_| Ok(Vec::<u8>::new()))
        .map_err(|error| Errors::message(format!("pbjson-build: {error}")))?;
    let json: HashMap<String, Vec<u8>> = json
        .into_iter()
        .map(|(package, code)| (package.to_string(), code))
        .collect();

    let mut generated = Vec::new();
    for package in &packages {
        let module = prost_build::Module::from_protobuf_package_name(package);
        let mut code = messages.get(&module).cloned().unwrap_or_default();
        if let Some(serde) = json.get(package) {
            code.push('\n');
            code.push_str(&String::from_utf8_lossy(serde));
        }
        let mut file: syn::File = syn::parse_str(&code).map_err(|error| {
            Errors::message(format!(
                "the code generated for `{package}` does not parse: {error}"
            ))
        })?;
        KitPaths.visit_file_mut(&mut file);
        for service in services
            .iter()
            .filter(|service| &service.package == package)
        {
            let tokens = crate::codegen::service_trait(service);
            let module = crate::codegen::service_module(service);
            let items: syn::File = syn::parse2(quote!(#tokens #module)).map_err(|error| {
                Errors::message(format!(
                    "kitgen's code for `{}` does not parse: {error}",
                    service.name
                ))
            })?;
            file.items.extend(items.items);
        }
        generated.push(GeneratedFile {
            path: PathBuf::from(format!("{package}.rs")),
            contents: format(header, &file).into_bytes(),
        });
    }
    generated.push(GeneratedFile {
        path: PathBuf::from(DESCRIPTORS),
        contents: encoded,
    });
    generated.push(GeneratedFile {
        path: PathBuf::from("mod.rs"),
        contents: modules(&packages, mode, header).into_bytes(),
    });
    Ok(generated)
}

/// Compiles `files` and reads their services through the `.proto` frontend
/// and the check pass: every problem of either, or services ready for the
/// generators.
pub fn read_services(
    files: &[PathBuf],
    includes: &[PathBuf],
    embedded: &EmbeddedDescriptors,
) -> Result<(Compiled, Vec<Service>), Errors> {
    let cx = Diagnostics::new();
    let read = proto::compile(&cx, files, includes).map(|compiled| {
        let services = proto::services(&cx, &compiled, embedded);
        for service in &services {
            crate::check::check(&cx, service);
        }
        (compiled, services)
    });
    cx.finish()?;
    // `compile` reports why whenever it returns `None`.
    read.ok_or_else(|| Errors::message("the .proto files do not compile"))
}

/// The Rust path, under the generated `mod.rs`, of a package's module:
/// `acme::catalog::v1` for `acme.catalog.v1`.
pub fn package_module(package: &str) -> String {
    package
        .split('.')
        .map(|part| part.to_snake_case())
        .collect::<Vec<_>>()
        .join("::")
}

/// `mod.rs`: one module per package, nested by its dots, each including
/// its file.
fn modules(packages: &[String], mode: OutputMode, header: &str) -> String {
    #[derive(Default)]
    struct Tree {
        file: Option<String>,
        children: Vec<(String, Tree)>,
    }
    let mut root = Tree::default();
    for package in packages {
        let mut node = &mut root;
        for part in package.split('.') {
            let name = part.to_snake_case();
            let index = match node.children.iter().position(|(child, _)| *child == name) {
                Some(index) => index,
                None => {
                    node.children.push((name, Tree::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[index].1;
        }
        node.file = Some(format!("{package}.rs"));
    }
    fn render(tree: &Tree, mode: OutputMode, indent: usize, out: &mut String) {
        let pad = "    ".repeat(indent);
        if let Some(file) = &tree.file {
            match mode {
                OutputMode::Source => out.push_str(&format!("{pad}include!(\"{file}\");\n")),
                OutputMode::OutDir => out.push_str(&format!(
                    "{pad}include!(concat!(env!(\"OUT_DIR\"), \"/{file}\"));\n"
                )),
            }
        }
        for (name, child) in &tree.children {
            // Generated code documents what the .proto documents, and prost's
            // output is not clippy's business.
            out.push_str(&format!(
                "{pad}#[allow(missing_docs, unreachable_pub, clippy::all)]\n{pad}pub mod {name} {{\n"
            ));
            render(child, mode, indent + 1, out);
            out.push_str(&format!("{pad}}}\n"));
        }
    }
    let mut out = format!("{header}\n\n");
    render(&root, mode, 0, &mut out);
    out
}

/// Sends pbjson's `serde::` and `pbjson::` paths through `::kit::__private`,
/// so that the user's crate needs only `kit`.
struct KitPaths;

impl VisitMut for KitPaths {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if let Some(first) = path.segments.first()
            && (first.ident == "serde" || first.ident == "pbjson")
        {
            let segments = &path.segments;
            *path = syn::parse_quote!(::kit::__private::#segments);
        }
        syn::visit_mut::visit_path_mut(self, path);
    }

    fn visit_item_use_mut(&mut self, item: &mut syn::ItemUse) {
        if let syn::UseTree::Path(path) = &item.tree
            && (path.ident == "serde" || path.ident == "pbjson")
        {
            let tree = item.tree.clone();
            item.tree = syn::parse_quote!(kit::__private::#tree);
            item.leading_colon = Some(Default::default());
        }
    }
}
