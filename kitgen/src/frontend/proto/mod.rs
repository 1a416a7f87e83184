//! The `.proto` frontend: protox compiles the files (no system `protoc`),
//! and each service becomes a [`Service`] of the same model a trait
//! builds, with existing messages and `google.api.http` rules.
//!
//! Every problem is reported as `file:line:col: message`; nothing panics on
//! user input.

mod http_rule;

use std::fmt;
use std::path::{Path, PathBuf};

use heck::{ToSnakeCase, ToUpperCamelCase};
use miette::Diagnostic;
use protox::file::{
    ChainFileResolver, File, FileResolver, GoogleFileResolver, IncludeFileResolver,
};
use protox::prost_reflect::{DescriptorPool, FileDescriptor, MessageDescriptor, MethodDescriptor};

use crate::model::{
    ContextParam, EmbeddedDescriptors, HttpBinding, Messages, Method, Param, PathTemplate, Service,
};

/// Files kitgen brings along, so that `.proto` files can import them without
/// a copy: `google/api/annotations.proto` and `google/api/http.proto`.
pub const BUNDLED_FILES: [(&str, &str); 2] = [
    (
        "google/api/annotations.proto",
        include_str!("../../../proto/google/api/annotations.proto"),
    ),
    (
        "google/api/http.proto",
        include_str!("../../../proto/google/api/http.proto"),
    ),
];

/// A problem in a `.proto` file, where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtoError {
    /// The file, as it was imported (`orders.proto`), if known.
    pub file: Option<String>,
    /// 1-based line, or 0 when unknown.
    pub line: usize,
    /// 1-based column, or 0 when unknown.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) if self.line > 0 => {
                write!(f, "{file}:{}:{}: {}", self.line, self.column, self.message)
            }
            Some(file) => write!(f, "{file}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ProtoError {}

/// `.proto` files compiled with their imports.
#[derive(Debug)]
pub struct Compiled {
    /// Every file, resolved.
    pub pool: DescriptorPool,
    /// Every file, with source info (for comments) and imports.
    pub descriptors: prost_types::FileDescriptorSet,
    /// The names of the files asked for, as protox resolved them.
    pub files: Vec<String>,
}

/// Compiles `files`, finding imports in `includes` (and the bundled and
/// well-known files).
pub fn compile(files: &[PathBuf], includes: &[PathBuf]) -> Result<Compiled, Vec<ProtoError>> {
    let mut resolver = ChainFileResolver::new();
    for include in includes {
        resolver.add(IncludeFileResolver::new(include.clone()));
    }
    resolver.add(Bundled);
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(true);
    let mut names = Vec::new();
    for file in files {
        if let Err(error) = compiler.open_file(file) {
            return Err(locate(&error, file));
        }
        if let Some(name) = compiler.files().last().map(|file| file.name().to_owned()) {
            names.push(name);
        }
    }
    Ok(Compiled {
        pool: compiler.descriptor_pool(),
        descriptors: compiler.file_descriptor_set(),
        files: names,
    })
}

/// Resolves the bundled `google/api` files.
struct Bundled;

impl FileResolver for Bundled {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match BUNDLED_FILES.iter().find(|(file, _)| *file == name) {
            Some((name, source)) => File::from_source(name, source),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// Turns a protox error (and the errors related to it) into located errors.
fn locate(error: &protox::Error, opened: &Path) -> Vec<ProtoError> {
    let mut located = Vec::new();
    let mut push = |diagnostic: &dyn Diagnostic, message: String| {
        let source = diagnostic.source_code().or_else(|| error.source_code());
        let place = source.and_then(|source| {
            let label = diagnostic.labels()?.next()?;
            let contents = source.read_span(label.inner(), 0, 0).ok()?;
            Some((
                contents.name().map(str::to_owned),
                contents.line() + 1,
                contents.column() + 1,
            ))
        });
        located.push(match place {
            Some((file, line, column)) => ProtoError {
                file: file.or_else(|| error.file().map(str::to_owned)),
                line,
                column,
                message,
            },
            None => ProtoError {
                file: error
                    .file()
                    .map(str::to_owned)
                    .or_else(|| Some(opened.display().to_string())),
                line: 0,
                column: 0,
                message,
            },
        });
    };
    let mut any = false;
    for diagnostic in error.related().into_iter().flatten() {
        push(diagnostic, diagnostic.to_string());
        any = true;
    }
    if !any {
        push(error, error.to_string());
    }
    located
}

/// The services of the files asked for, each with its methods, messages
/// and HTTP rules. `descriptors` says where generated code will find the
/// encoded descriptor set.
pub fn services(
    compiled: &Compiled,
    descriptors: &EmbeddedDescriptors,
) -> Result<Vec<Service>, Vec<ProtoError>> {
    let mut errors = Vec::new();
    let mut services = Vec::new();
    for name in &compiled.files {
        let Some(file) = compiled.pool.get_file_by_name(name) else {
            continue;
        };
        if file.services().len() == 0 {
            errors.push(ProtoError {
                file: Some(name.clone()),
                line: 1,
                column: 1,
                message: format!("{name} defines no service; kitgen generates code for services"),
            });
            continue;
        }
        for service in file.services() {
            let mut methods = Vec::new();
            for method in service.methods() {
                match build_method(&compiled.pool, &method) {
                    Ok(method) => methods.push(method),
                    Err(error) => errors.push(error),
                }
            }
            let located = |message: String| at(&file, service.path(), message);
            let Ok(name) = syn::parse_str::<syn::Ident>(service.name()) else {
                errors.push(located(format!(
                    "the service name `{}` is a Rust keyword",
                    service.name()
                )));
                continue;
            };
            if let Err((rpc, clash)) = http_rule::check_routes(&methods) {
                let path = service
                    .methods()
                    .find(|method| method.name() == rpc)
                    .map(|method| method.path().to_vec())
                    .unwrap_or_else(|| service.path().to_vec());
                errors.push(at(&file, &path, clash));
            }
            services.push(Service {
                name,
                vis: syn::parse_quote!(pub),
                package: file.package_name().to_owned(),
                docs: comments(&file, service.path()),
                methods,
                descriptors: Some(descriptors.clone()),
            });
        }
    }
    if errors.is_empty() {
        Ok(services)
    } else {
        Err(errors)
    }
}

fn build_method(pool: &DescriptorPool, method: &MethodDescriptor) -> Result<Method, ProtoError> {
    let file = method.parent_file();
    let located = |message: String| at(&file, method.path(), message);
    if method.is_client_streaming() || method.is_server_streaming() {
        return Err(located(format!(
            "the method `{}` streams, and kitgen serves unary methods only",
            method.name()
        )));
    }
    let package = file.package_name();
    let request = message_type(package, &method.input()).map_err(&located)?;
    let response = message_type(package, &method.output()).map_err(&located)?;
    let rules = http_rule::rules(pool, method).map_err(&located)?;
    let first = rules
        .first()
        .ok_or_else(|| located("a method needs an HTTP rule".to_owned()))?;
    let path =
        PathTemplate::parse(&first.path, proc_macro2::Span::call_site()).map_err(&located)?;
    let name = rust_ident(&method.name().to_snake_case());
    let context_type: syn::Type = syn::parse_quote!(&::kit::Context);
    let output: syn::Type = syn::parse_quote!(::core::result::Result<#response, ::kit::Error>);
    Ok(Method {
        http: HttpBinding {
            method: first.method,
            path,
            body: None,
            explicit: true,
            span: proc_macro2::Span::call_site(),
        },
        name: name.clone(),
        rpc_name: method.name().to_owned(),
        docs: comments(&file, method.path()),
        messages: Messages::Existing,
        context: Some(ContextParam {
            name: syn::parse_quote!(ctx),
            ty: context_type,
        }),
        params: vec![Param {
            name: syn::parse_quote!(request),
            ty: request,
            redact: false,
        }],
        output,
        ok: response,
        error: syn::parse_quote!(::kit::Error),
        rules,
        idempotent: is_idempotent(method),
    })
}

/// Whether a method's `idempotency_level` is `NO_SIDE_EFFECTS` or
/// `IDEMPOTENT`.
fn is_idempotent(method: &MethodDescriptor) -> bool {
    use prost_types::method_options::IdempotencyLevel;
    method
        .method_descriptor_proto()
        .options
        .as_ref()
        .and_then(|options| options.idempotency_level)
        .is_some_and(|level| {
            level == IdempotencyLevel::NoSideEffects as i32
                || level == IdempotencyLevel::Idempotent as i32
        })
}

/// The Rust type prost generates for a message, seen from the package's
/// module: `SumRequest`, `outer::Inner`, or a well-known type.
fn message_type(package: &str, message: &MessageDescriptor) -> Result<syn::Type, String> {
    let full_name = message.full_name();
    if let Some(name) = full_name.strip_prefix("google.protobuf.") {
        let ident = rust_ident(&name.to_upper_camel_case());
        return Ok(syn::parse_quote!(::kit::proto::wkt::#ident));
    }
    if message.package_name() != package {
        return Err(format!(
            "`{full_name}` is from package `{}`; kitgen needs a method's request and response \
             messages in the service's own package `{package}` (or from google.protobuf)",
            message.package_name()
        ));
    }
    let relative = full_name
        .strip_prefix(package)
        .map(|rest| rest.trim_start_matches('.'))
        .unwrap_or(full_name);
    let mut segments: Vec<&str> = relative.split('.').collect();
    let last = segments.pop().unwrap_or_default();
    let mut path = String::new();
    for segment in segments {
        path.push_str(&segment.to_snake_case());
        path.push_str("::");
    }
    path.push_str(&last.to_upper_camel_case());
    syn::parse_str(&path).map_err(|error| format!("cannot name `{full_name}` in Rust: {error}"))
}

/// An identifier, raw when it is a keyword.
fn rust_ident(name: &str) -> syn::Ident {
    syn::parse_str::<syn::Ident>(name)
        .unwrap_or_else(|_| syn::Ident::new_raw(name, proc_macro2::Span::call_site()))
}

/// A located error at the element with `path` in `file`.
fn at(file: &FileDescriptor, path: &[i32], message: String) -> ProtoError {
    let (line, column) = location(file, path)
        .map(|span| (span[0] as usize + 1, span[1] as usize + 1))
        .unwrap_or((0, 0));
    ProtoError {
        file: Some(file.name().to_owned()),
        line,
        column,
        message,
    }
}

fn location<'a>(file: &'a FileDescriptor, path: &[i32]) -> Option<&'a [i32]> {
    file.file_descriptor_proto()
        .source_code_info
        .as_ref()?
        .location
        .iter()
        .find(|location| location.path == path)
        .map(|location| location.span.as_slice())
}

/// The leading comment of the element with `path`, as doc lines.
fn comments(file: &FileDescriptor, path: &[i32]) -> Vec<String> {
    let Some(info) = file.file_descriptor_proto().source_code_info.as_ref() else {
        return Vec::new();
    };
    info.location
        .iter()
        .find(|location| location.path == path)
        .and_then(|location| location.leading_comments.as_deref())
        .map(|text| {
            text.trim_end_matches('\n')
                .lines()
                .map(|line| line.trim_end().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
