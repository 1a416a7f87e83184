//! `.proto` from source: the schema of each `#[kit::service]` in a Rust
//! file, without compiling it.
//!
//! The compiled service describes itself at run time through the `kit`
//! runtime (`proto_schema()`); this module reaches the same
//! [`kitgen_schema::File`] from the source alone, by mapping Rust types the
//! way the runtime's `Field` impls do and by reading the file's
//! `#[derive(kit::Message)]` types. Type aliases in the file (`type Id =
//! i64;`) are followed, as the compiler follows them. A test holds the two
//! to the same output.

use std::collections::HashMap;

use heck::ToShoutySnakeCase;
use kitgen_schema::{self as schema, FieldType, Scalar, Type, http};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::{GenericArgument, Item, PathArguments};

use crate::diagnostics::Diagnostics;
use crate::frontend::rust::recognise;
use crate::frontend::rust::{parse_message, parse_service};
use crate::model::names;
use crate::model::{Encoding, ErrorEnum, Idempotency, Location, MessageKind, MessageType, Service};

/// The schema of every service in `file`, in order. Problems (an invalid
/// service, a type with no protobuf mapping, a message type that is not in
/// the file) come back as one error per problem, each with its span.
pub fn schemas(file: &syn::File) -> syn::Result<Vec<schema::File>> {
    let cx = Diagnostics::new();
    let mut found = Found::default();
    collect(&cx, &file.items, &mut found);
    let files = found
        .services
        .iter()
        .map(|service| ServiceSchema::new(&cx, service, &found).build())
        .collect();
    cx.finish()?;
    Ok(files)
}

/// Every trait service in `file` with its HTTP/JSON API, as the generated
/// `openapi()` describes it at run time: the schema of its messages, its
/// routes, and its error enums' variants (those declared in the file; an
/// error type from elsewhere contributes none).
pub fn apis(file: &syn::File) -> syn::Result<Vec<(schema::File, schema::http::Api)>> {
    let cx = Diagnostics::new();
    let mut found = Found::default();
    collect(&cx, &file.items, &mut found);
    let apis = found
        .services
        .iter()
        .map(|service| {
            let schema = ServiceSchema::new(&cx, service, &found).build();
            (schema, api(service, &found.errors))
        })
        .collect();
    cx.finish()?;
    Ok(apis)
}

/// A service's HTTP/JSON API.
fn api(service: &Service, errors: &HashMap<String, ErrorEnum>) -> schema::http::Api {
    http_api(service, |ty| error_variants(ty, errors))
}

/// The HTTP/JSON API of [`Service::api_routes`], the business errors of
/// a trait method's error type as `errors` finds them.
pub fn http_api(
    service: &Service,
    errors: impl Fn(&syn::Type) -> Vec<http::ErrorVariant>,
) -> http::Api {
    let routes = service
        .api_routes()
        .into_iter()
        .map(|route| http::Route {
            method: route.method,
            docs: route.docs.to_vec(),
            verb: route.verb.to_owned(),
            path: route.path,
            request: route.request,
            params: route
                .params
                .into_iter()
                .map(|param| http::Param {
                    name: param.name,
                    field: param.field,
                    location: param.location.into(),
                    required: param.required,
                })
                .collect(),
            response: route.response,
            response_is_value: route.response_is_value,
            server_streaming: route.server_streaming,
            errors: route.error.map(&errors).unwrap_or_default(),
        })
        .collect();
    http::Api {
        title: format!("{}.{}", service.package, service.name.unraw()),
        docs: service.docs.clone(),
        json: json_style(service),
        routes,
    }
}

/// How the service's messages are written as JSON: by serde's derive
/// for a trait's, by pbjson (protobuf's mapping) for a `.proto`'s.
fn json_style(service: &Service) -> http::JsonStyle {
    match service.descriptors {
        Some(_) => http::JsonStyle::Proto3,
        None => http::JsonStyle::Serde,
    }
}

impl From<Location> for http::Location {
    fn from(location: Location) -> Self {
        match location {
            Location::Path => http::Location::Path,
            Location::Query => http::Location::Query,
            Location::BodyField => http::Location::BodyField,
            Location::Body => http::Location::Body,
        }
    }
}

/// The variants of the error type `ty`, when the file declares it.
fn error_variants(
    ty: &syn::Type,
    errors: &HashMap<String, ErrorEnum>,
) -> Vec<schema::http::ErrorVariant> {
    let syn::Type::Path(path) = ty else {
        return Vec::new();
    };
    let Some(error) = path
        .path
        .segments
        .last()
        .and_then(|last| errors.get(&last.ident.unraw().to_string()))
    else {
        return Vec::new();
    };
    error
        .variants
        .iter()
        .map(|variant| {
            let code = variant.code.to_string().to_shouty_snake_case();
            let status = variant
                .http
                .as_ref()
                .and_then(|status| status.base10_parse().ok())
                .unwrap_or_else(|| schema::http::default_status(&code));
            schema::http::ErrorVariant {
                name: variant.name.unraw().to_string(),
                docs: variant.docs.clone(),
                code,
                status,
                details: match &variant.fields {
                    syn::Fields::Named(fields) => fields
                        .named
                        .iter()
                        .filter_map(|field| field.ident.as_ref())
                        .map(|field| field.unraw().to_string())
                        .collect(),
                    _ => Vec::new(),
                },
            }
        })
        .collect()
}

/// What a file declares that its schema needs.
#[derive(Default)]
struct Found {
    services: Vec<Service>,
    /// `#[derive(kit::Error)]` enums, by name.
    errors: HashMap<String, ErrorEnum>,
    /// `#[derive(kit::Message)]` types, by name.
    types: HashMap<String, MessageType>,
    /// `type Name = Type;` aliases without generics, by name.
    aliases: HashMap<String, syn::Type>,
}

fn collect(cx: &Diagnostics, items: &[Item], found: &mut Found) {
    let imported = recognise::imported_from_kit(items);
    for item in items {
        match item {
            Item::Trait(item) if item.attrs.iter().any(recognise::is_service_attr) => {
                let args = item
                    .attrs
                    .iter()
                    .find(|attr| recognise::is_service_attr(attr))
                    .and_then(|attr| match &attr.meta {
                        syn::Meta::List(list) => Some(list.tokens.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                let service = parse_service(cx, args, item);
                crate::check::check(cx, &service);
                found.services.push(service);
            }
            Item::Struct(_) | Item::Enum(_)
                if recognise::derives(recognise::item_attrs(item), "Message", &imported) =>
            {
                let Ok(input) = syn::parse2::<syn::DeriveInput>(item.to_token_stream()) else {
                    continue;
                };
                if let Some(message) = parse_message(cx, &input) {
                    let name = message.name.unraw().to_string();
                    match found.types.entry(name) {
                        std::collections::hash_map::Entry::Occupied(entry) => cx.error_spanned_by(
                            &message.name,
                            format!(
                                "another type in this file is named `{}`: protobuf names \
                                 types by their name alone, so rename one of them",
                                entry.key()
                            ),
                        ),
                        std::collections::hash_map::Entry::Vacant(entry) => {
                            entry.insert(message);
                        }
                    }
                }
            }
            Item::Enum(_)
                if recognise::derives(recognise::item_attrs(item), "Error", &imported) =>
            {
                let Ok(input) = syn::parse2::<syn::DeriveInput>(item.to_token_stream()) else {
                    continue;
                };
                if let Some(error) = crate::frontend::rust::parse_error(cx, &input) {
                    found.errors.insert(error.name.unraw().to_string(), error);
                }
            }
            Item::Type(alias) if alias.generics.params.is_empty() => {
                found
                    .aliases
                    .insert(alias.ident.unraw().to_string(), (*alias.ty).clone());
            }
            Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect(cx, items, found);
                }
            }
            _ => {}
        }
    }
}

/// Builds one service's file the way the runtime's registry does: methods
/// in order, each request then response, then every type they use, depth
/// first, each once.
struct ServiceSchema<'a> {
    cx: &'a Diagnostics,
    service: &'a Service,
    types: &'a HashMap<String, MessageType>,
    aliases: &'a HashMap<String, syn::Type>,
    file: schema::File,
    seen: Vec<String>,
    generated: Vec<String>,
}

impl<'a> ServiceSchema<'a> {
    fn new(cx: &'a Diagnostics, service: &'a Service, found: &'a Found) -> Self {
        let trait_name = service.name.unraw().to_string();
        ServiceSchema {
            cx,
            service,
            types: &found.types,
            aliases: &found.aliases,
            file: schema::File {
                package: service.package.clone(),
                origin: format!("the Rust trait `{trait_name}`"),
                ..schema::File::default()
            },
            seen: Vec::new(),
            generated: Vec::new(),
        }
    }

    fn build(mut self) -> schema::File {
        self.generated = self
            .service
            .methods
            .iter()
            .flat_map(|method| {
                [
                    names::request_struct(method),
                    names::response_struct(method),
                ]
            })
            .map(|name| name.to_string())
            .collect();
        let mut methods = Vec::new();
        for method in &self.service.methods {
            let input = names::request_struct(method).to_string();
            let output = names::response_struct(method).to_string();
            let fields = method
                .params
                .iter()
                .enumerate()
                .map(|(index, param)| (param.name.unraw().to_string(), &param.ty, index))
                .collect::<Vec<_>>();
            self.generated_message(&input, &fields);
            let value = [("value".to_owned(), &method.ok, 0)];
            let is_unit = matches!(&method.ok, syn::Type::Tuple(tuple) if tuple.elems.is_empty());
            self.generated_message(&output, if is_unit { &[] } else { &value });
            methods.push(schema::Method {
                name: names::method_camel(method),
                docs: method.docs.clone(),
                input,
                output,
                client_streaming: method.streams.requests,
                server_streaming: method.streams.responses,
                idempotency: match method.idempotency {
                    Idempotency::Unknown => schema::Idempotency::Unknown,
                    Idempotency::NoSideEffects => schema::Idempotency::NoSideEffects,
                    Idempotency::Idempotent => schema::Idempotency::Idempotent,
                },
            });
        }
        self.file.services.push(schema::Service {
            name: self.service.name.unraw().to_string(),
            docs: self.service.docs.clone(),
            methods,
        });
        self.file
    }

    /// A request or response message: fields numbered in order, no docs.
    fn generated_message(&mut self, name: &str, fields: &[(String, &syn::Type, usize)]) {
        self.seen.push(name.to_owned());
        let slot = self.reserve(name);
        let fields = fields
            .iter()
            .filter_map(|(field, ty, index)| {
                let ty = self.field_type(ty, Encoding::Plain)?;
                Some(schema::Field {
                    name: field.clone(),
                    number: u32::try_from(index + 1).unwrap_or(u32::MAX),
                    docs: Vec::new(),
                    ty,
                })
            })
            .collect();
        self.file.messages[slot].fields = fields;
    }

    fn reserve(&mut self, name: &str) -> usize {
        self.file.messages.push(schema::Message {
            name: name.to_owned(),
            docs: Vec::new(),
            fields: Vec::new(),
        });
        self.file.messages.len() - 1
    }

    /// A user type by name, registered on first use.
    fn named(&mut self, ty: &syn::Type, name: &str) -> Option<Type> {
        if self.generated.iter().any(|generated| generated == name) {
            self.cx.error_spanned_by(
                ty,
                format!("`{name}` is also the name of a message kitgen generates; rename the type"),
            );
            return None;
        }
        let Some(message) = self.types.get(name) else {
            self.cx.error_spanned_by(
                ty,
                format!(
                    "`{name}` needs `#[derive(kit::Message)]` in this file: `kitgen proto` reads one \
                     file, and maps only the types it defines"
                ),
            );
            return None;
        };
        let reference = match &message.kind {
            MessageKind::Struct(_) => Type::Message(name.to_owned()),
            MessageKind::Enum(_) => Type::Enum(name.to_owned()),
        };
        if self.seen.iter().any(|seen| seen == name) {
            return Some(reference);
        }
        self.seen.push(name.to_owned());
        match &message.kind {
            MessageKind::Struct(fields) => {
                let slot = self.reserve(name);
                let fields = fields
                    .iter()
                    .filter_map(|field| {
                        Some(schema::Field {
                            name: field.name.unraw().to_string(),
                            number: field.tag,
                            docs: field.docs.clone(),
                            ty: self.field_type(&field.ty, field.encoding)?,
                        })
                    })
                    .collect();
                self.file.messages[slot].docs = message.docs.clone();
                self.file.messages[slot].fields = fields;
            }
            MessageKind::Enum(values) => {
                let prefix = name.to_shouty_snake_case();
                self.file.enums.push(schema::Enum {
                    name: name.to_owned(),
                    docs: message.docs.clone(),
                    values: values
                        .iter()
                        .map(|value| schema::EnumValue {
                            name: format!(
                                "{prefix}_{}",
                                value.name.unraw().to_string().to_shouty_snake_case()
                            ),
                            number: value.number,
                            docs: value.docs.clone(),
                        })
                        .collect(),
                });
            }
        }
        Some(reference)
    }

    /// The type `ty` names once aliases are followed.
    fn resolve<'t>(&self, mut ty: &'t syn::Type) -> &'t syn::Type
    where
        'a: 't,
    {
        // A cycle of aliases does not compile; stop rather than loop.
        for _ in 0..=self.aliases.len() {
            let target = plain_name(ty).and_then(|name| self.aliases.get(&name));
            match target {
                Some(target) => ty = target,
                None => break,
            }
        }
        ty
    }

    /// A field's label and type, as the runtime's `Field` impls map it.
    fn field_type(&mut self, ty: &syn::Type, encoding: Encoding) -> Option<FieldType> {
        let ty = self.resolve(ty);
        if let Some((container, args)) = generic(ty)
            && !(container == "Vec" && is_u8(args.first().copied()))
        {
            return match (container.as_str(), args.as_slice()) {
                ("Vec", [element]) => {
                    Some(FieldType::Repeated(self.value_type(element, encoding)?))
                }
                ("Option", [inner]) => Some(FieldType::Optional(self.value_type(inner, encoding)?)),
                ("HashMap" | "BTreeMap", [key, value]) if encoding == Encoding::Plain => {
                    // `u8` is a field of its own only: `Vec<u8>` is `bytes`.
                    if let Some(u8) = [key, value]
                        .into_iter()
                        .find(|ty| is_u8(Some(self.resolve(ty))))
                    {
                        return self.unsupported(u8, "a map of `u8` has no mapping; use `u32`");
                    }
                    let key = match self.value_type(key, Encoding::Plain)? {
                        Type::Scalar(scalar) if scalar.is_map_key() => scalar,
                        _ => {
                            return self
                                .unsupported(key, "a map key is an integer, `bool` or `String`");
                        }
                    };
                    Some(FieldType::Map(
                        key,
                        self.value_type(value, Encoding::Plain)?,
                    ))
                }
                _ => self.unsupported(ty, "no protobuf mapping"),
            };
        }
        Some(FieldType::Singular(self.value_type(ty, encoding)?))
    }

    /// A single value's type.
    fn value_type(&mut self, ty: &syn::Type, encoding: Encoding) -> Option<Type> {
        let ty = self.resolve(ty);
        if let syn::Type::Tuple(tuple) = ty
            && tuple.elems.is_empty()
            && encoding == Encoding::Plain
        {
            return Some(self.empty(ty));
        }
        if let Some((container, args)) = generic(ty) {
            if container == "Vec" && is_u8(args.first().copied()) && encoding == Encoding::Plain {
                return Some(Type::Scalar(Scalar::Bytes));
            }
            return self.unsupported(ty, "containers do not nest in protobuf");
        }
        let Some(name) = last_ident(ty) else {
            return self.unsupported(ty, "no protobuf mapping");
        };
        let scalar = match (name.as_str(), encoding) {
            ("bool", Encoding::Plain) => Scalar::Bool,
            ("i32", Encoding::Plain) => Scalar::Int32,
            ("i64", Encoding::Plain) => Scalar::Int64,
            ("u32", Encoding::Plain) => Scalar::Uint32,
            ("u64", Encoding::Plain) => Scalar::Uint64,
            // No protobuf scalar this narrow or this wide: carried as the
            // next one up, and range-checked on decode.
            ("usize", Encoding::Plain) => Scalar::Uint64,
            ("isize", Encoding::Plain) => Scalar::Int64,
            ("u8" | "u16", Encoding::Plain) => Scalar::Uint32,
            ("i8" | "i16", Encoding::Plain) => Scalar::Int32,
            ("char", Encoding::Plain) => Scalar::String,
            ("f32", Encoding::Plain) => Scalar::Float,
            ("f64", Encoding::Plain) => Scalar::Double,
            ("String", Encoding::Plain) => Scalar::String,
            ("Bytes", Encoding::Plain) => Scalar::Bytes,
            ("i32", Encoding::Sint) => Scalar::Sint32,
            ("i64", Encoding::Sint) => Scalar::Sint64,
            ("i32", Encoding::Fixed) => Scalar::Sfixed32,
            ("i64", Encoding::Fixed) => Scalar::Sfixed64,
            ("u32", Encoding::Fixed) => Scalar::Fixed32,
            ("u64", Encoding::Fixed) => Scalar::Fixed64,
            (_, Encoding::Plain) => return self.named(ty, &name),
            _ => return self.unsupported(ty, "`sint` and `fixed` apply to i32, i64, u32 and u64"),
        };
        Some(Type::Scalar(scalar))
    }

    /// `()`: the `Empty` message, as the runtime names it.
    fn empty(&mut self, ty: &syn::Type) -> Type {
        const EMPTY: &str = "Empty";
        if self.types.contains_key(EMPTY) {
            self.cx.error_spanned_by(
                ty,
                "`()` is the message `Empty`, and this file defines its own `Empty`; rename it",
            );
        }
        if !self.seen.iter().any(|seen| seen == EMPTY) {
            self.seen.push(EMPTY.to_owned());
            let slot = self.reserve(EMPTY);
            self.file.messages[slot].docs = vec![" The Rust unit type, `()`.".to_owned()];
        }
        Type::Message(EMPTY.to_owned())
    }

    fn unsupported<T>(&self, ty: &syn::Type, why: &str) -> Option<T> {
        let shown = ty.to_token_stream().to_string().replace(' ', "");
        self.cx
            .error_spanned_by(ty, format!("`{shown}` has no protobuf mapping: {why}"));
        None
    }
}

/// `Name<A, B>` → ("Name", [A, B]).
fn generic(ty: &syn::Type) -> Option<(String, Vec<&syn::Type>)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let types = args
        .args
        .iter()
        .filter_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect();
    Some((last.ident.to_string(), types))
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|segment| segment.ident.unraw().to_string()),
        syn::Type::Group(group) => last_ident(&group.elem),
        syn::Type::Paren(paren) => last_ident(&paren.elem),
        _ => None,
    }
}

/// The name of a path type without generic arguments, which could be an
/// alias: `Id`, `crate::Id`.
fn plain_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    (path.qself.is_none() && last.arguments.is_none()).then(|| last.ident.unraw().to_string())
}

fn is_u8(ty: Option<&syn::Type>) -> bool {
    ty.and_then(last_ident).is_some_and(|name| name == "u8")
}
