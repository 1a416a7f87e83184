//! The `.proto` frontend: protox compiles the files (no system `protoc`),
//! and each service becomes a [`Service`] of the same model a trait
//! builds, with existing messages and `google.api.http` rules.
//!
//! Every problem goes to the same [`Diagnostics`] as a trait's, at its
//! `file:line:col`; nothing panics on user input. The services it builds
//! then go through the same check pass.

mod http_rule;

use std::path::{Path, PathBuf};

use heck::{ToSnakeCase, ToUpperCamelCase};
use miette::Diagnostic;
use protox::file::{
    ChainFileResolver, File, FileResolver, GoogleFileResolver, IncludeFileResolver,
};
use protox::prost_reflect::{DescriptorPool, FileDescriptor, MessageDescriptor, MethodDescriptor};

use crate::diagnostics::Diagnostics;
use crate::model::{
    ContextParam, EmbeddedDescriptors, FilePosition, HttpBinding, Idempotency, Messages, Method,
    Origin, Param, Service, Streams,
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
/// well-known files). `None` when they do not compile, and `cx` says why.
pub fn compile(cx: &Diagnostics, files: &[PathBuf], includes: &[PathBuf]) -> Option<Compiled> {
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
        // protox asserts, in debug builds, what its lexer does not check:
        // `0109` (a bad octal literal) panics there. A panic is reported as
        // the file's error, like any other: nothing panics on user input.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            compiler.open_file(file).map(drop)
        }));
        let opened = match opened {
            Ok(opened) => opened,
            Err(_) => {
                let at = FilePosition {
                    file: Some(file.display().to_string()),
                    line: 0,
                    column: 0,
                };
                cx.error(
                    &Origin::File(at),
                    "protox could not parse this file (it stopped on an assertion): look for a malformed literal, such as an octal number with an 8 or a 9",
                );
                return None;
            }
        };
        if let Err(error) = opened {
            report(cx, &error, file);
            return None;
        }
        if let Some(name) = compiler.files().last().map(|file| file.name().to_owned()) {
            names.push(name);
        }
    }
    Some(Compiled {
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

/// Reports a protox error (and the errors related to it), each where it is.
fn report(cx: &Diagnostics, error: &protox::Error, opened: &Path) {
    let push = |diagnostic: &dyn Diagnostic, message: String| {
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
        let at = match place {
            Some((file, line, column)) => FilePosition {
                file: file.or_else(|| error.file().map(str::to_owned)),
                line,
                column,
            },
            None => FilePosition {
                file: error
                    .file()
                    .map(str::to_owned)
                    .or_else(|| Some(opened.display().to_string())),
                line: 0,
                column: 0,
            },
        };
        cx.error(&Origin::File(at), message);
    };
    let mut any = false;
    for diagnostic in error.related().into_iter().flatten() {
        push(diagnostic, diagnostic.to_string());
        any = true;
    }
    if !any {
        push(error, error.to_string());
    }
}

/// The services of the files asked for, each with its methods, messages
/// and HTTP rules; what cannot be served is reported to `cx`.
/// `descriptors` says where generated code will find the encoded
/// descriptor set.
pub fn services(
    cx: &Diagnostics,
    compiled: &Compiled,
    descriptors: &EmbeddedDescriptors,
) -> Vec<Service> {
    let mut services = Vec::new();
    for name in &compiled.files {
        let Some(file) = compiled.pool.get_file_by_name(name) else {
            continue;
        };
        if file.services().len() == 0 {
            let at = FilePosition {
                file: Some(name.clone()),
                line: 1,
                column: 1,
            };
            cx.error(
                &Origin::File(at),
                format!("{name} defines no service; kitgen generates code for services"),
            );
            continue;
        }
        for service in file.services() {
            let mut names = http_rule::RouteNames::default();
            let methods = service
                .methods()
                .filter_map(|method| {
                    build_method(&compiled.pool, &method, &mut names)
                        .map_err(|message| cx.error(&origin(&file, method.path()), message))
                        .ok()
                })
                .collect();
            let at = origin(&file, service.path());
            let Ok(name) = syn::parse_str::<syn::Ident>(service.name()) else {
                cx.error(
                    &at,
                    format!("the service name `{}` is a Rust keyword", service.name()),
                );
                continue;
            };
            services.push(Service {
                name,
                origin: at,
                vis: syn::parse_quote!(pub),
                package: file.package_name().to_owned(),
                docs: comments(&file, service.path()),
                methods,
                descriptors: Some(descriptors.clone()),
            });
        }
    }
    services
}

/// The method, or what keeps it from being served.
fn build_method(
    pool: &DescriptorPool,
    method: &MethodDescriptor,
    names: &mut http_rule::RouteNames,
) -> Result<Method, String> {
    let file = method.parent_file();
    let streams = Streams {
        requests: method.is_client_streaming(),
        responses: method.is_server_streaming(),
    };
    let package = file.package_name();
    let request = message_type(package, &method.input())?;
    let response = message_type(package, &method.output())?;
    let rules = http_rule::rules(pool, method, names)?;
    let first = rules
        .first()
        .ok_or_else(|| "a method needs an HTTP rule".to_owned())?;
    let name = rust_ident(&method.name().to_snake_case());
    let context_type: syn::Type = syn::parse_quote!(&::kit::Context);
    let output: syn::Type = if streams.responses {
        syn::parse_quote!(::core::result::Result<::kit::Stream<#response, ::kit::Error>, ::kit::Error>)
    } else {
        syn::parse_quote!(::core::result::Result<#response, ::kit::Error>)
    };
    Ok(Method {
        http: HttpBinding {
            method: first.method,
            path: first.path.clone(),
            body: None,
            explicit: true,
        },
        name: name.clone(),
        origin: origin(&file, method.path()),
        rpc_name: method.name().to_owned(),
        docs: comments(&file, method.path()),
        messages: Messages::Existing {
            request: method.input().full_name().to_owned(),
            response: method.output().full_name().to_owned(),
        },
        context: Some(ContextParam {
            name: syn::parse_quote!(ctx),
            ty: context_type,
        }),
        params: vec![Param {
            name: if streams.requests {
                syn::parse_quote!(requests)
            } else {
                syn::parse_quote!(request)
            },
            ty: request,
            redact: false,
            required: false,
        }],
        output,
        ok: response,
        error: syn::parse_quote!(::kit::Error),
        rules,
        idempotency: idempotency(method),
        streams,
    })
}

/// A method's `idempotency_level`.
fn idempotency(method: &MethodDescriptor) -> Idempotency {
    use prost_types::method_options::IdempotencyLevel;
    let level = method
        .method_descriptor_proto()
        .options
        .as_ref()
        .and_then(|options| options.idempotency_level);
    match level {
        Some(level) if level == IdempotencyLevel::NoSideEffects as i32 => {
            Idempotency::NoSideEffects
        }
        Some(level) if level == IdempotencyLevel::Idempotent as i32 => Idempotency::Idempotent,
        _ => Idempotency::Unknown,
    }
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

/// Where the element with `path` in `file` is.
fn origin(file: &FileDescriptor, path: &[i32]) -> Origin {
    let (line, column) = location(file, path)
        .map(|span| (span[0] as usize + 1, span[1] as usize + 1))
        .unwrap_or((0, 0));
    Origin::File(FilePosition {
        file: Some(file.name().to_owned()),
        line,
        column,
    })
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
