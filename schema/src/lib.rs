//! The protobuf schema of a kitgen service, as plain data, with two
//! renderings: `.proto` text ([`File::to_proto`]) and a descriptor
//! ([`File::to_descriptor`]) for gRPC reflection.
//!
//! Two producers build it: the `kit` runtime, from the types a compiled
//! service uses, and the `kitgen proto` command, from source. Both render
//! through this crate, so the two cannot drift apart in form.

mod descriptor;
pub mod http;
pub mod openapi;
mod text;

use std::fmt;

/// One `.proto` file: a package, its services and the types they use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    /// The package, such as `ordersvc` or `acme.orders.v1`.
    pub package: String,
    /// Where the file came from, for its header comment: `the Rust trait OrderService`.
    pub origin: String,
    /// Services, in order.
    pub services: Vec<Service>,
    /// Messages, in the order they were added.
    pub messages: Vec<Message>,
    /// Enums, in the order they were added.
    pub enums: Vec<Enum>,
}

/// A gRPC service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// Its name: `OrderService`.
    pub name: String,
    /// Comment lines.
    pub docs: Vec<String>,
    /// Its methods.
    pub methods: Vec<Method>,
}

/// A unary RPC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method {
    /// Its name: `GetById`.
    pub name: String,
    /// Comment lines.
    pub docs: Vec<String>,
    /// The request message's name.
    pub input: String,
    /// The response message's name.
    pub output: String,
    /// Whether the caller sends a stream of requests.
    pub client_streaming: bool,
    /// Whether the method answers with a stream of responses.
    pub server_streaming: bool,
    /// What calling it twice does: its `idempotency_level` option.
    pub idempotency: Idempotency,
}

/// A method's `idempotency_level`: whether clients may retry it, and call
/// it with HTTP `GET` (Connect does, for `NoSideEffects`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Idempotency {
    /// Nothing said: `IDEMPOTENCY_UNKNOWN`, the default.
    #[default]
    Unknown,
    /// `NO_SIDE_EFFECTS`: a read.
    NoSideEffects,
    /// `IDEMPOTENT`: a write that may be repeated.
    Idempotent,
}

impl Idempotency {
    /// The name in `.proto` text, or `None` for the default.
    pub fn proto_name(self) -> Option<&'static str> {
        match self {
            Idempotency::Unknown => None,
            Idempotency::NoSideEffects => Some("NO_SIDE_EFFECTS"),
            Idempotency::Idempotent => Some("IDEMPOTENT"),
        }
    }

    /// The value in a descriptor, or `None` for the default.
    pub fn descriptor_value(self) -> Option<i32> {
        match self {
            Idempotency::Unknown => None,
            Idempotency::NoSideEffects => Some(1),
            Idempotency::Idempotent => Some(2),
        }
    }

    /// The level a descriptor's value names; unknown values are
    /// [`Idempotency::Unknown`].
    pub fn from_descriptor_value(value: Option<i32>) -> Self {
        [Idempotency::NoSideEffects, Idempotency::Idempotent]
            .into_iter()
            .find(|level| value.is_some() && level.descriptor_value() == value)
            .unwrap_or_default()
    }
}

impl Method {
    /// The same method with `idempotency`.
    #[must_use]
    pub fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = idempotency;
        self
    }

    /// The same method with a stream of requests, of responses, or both.
    #[must_use]
    pub fn streams(mut self, requests: bool, responses: bool) -> Self {
        self.client_streaming = requests;
        self.server_streaming = responses;
        self
    }
}

/// A message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Its name: `Order`.
    pub name: String,
    /// Comment lines.
    pub docs: Vec<String>,
    /// Its fields, in order.
    pub fields: Vec<Field>,
}

/// A field of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its name: `customer_id`.
    pub name: String,
    /// Its number (tag).
    pub number: u32,
    /// Comment lines.
    pub docs: Vec<String>,
    /// Its label and type.
    pub ty: FieldType,
}

/// A field's label and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// A singular field, with implicit presence for scalars.
    Singular(Type),
    /// `optional`: explicit presence.
    Optional(Type),
    /// `repeated`.
    Repeated(Type),
    /// `map<key, value>`.
    Map(Scalar, Type),
}

impl FieldType {
    /// The type of its values (a map's values).
    pub fn value(&self) -> &Type {
        match self {
            FieldType::Singular(ty)
            | FieldType::Optional(ty)
            | FieldType::Repeated(ty)
            | FieldType::Map(_, ty) => ty,
        }
    }
}

/// A field's value type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// A scalar.
    Scalar(Scalar),
    /// A message of the same file, by name.
    Message(String),
    /// An enum of the same file, by name.
    Enum(String),
}

/// The scalar types of protobuf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    /// `double`.
    Double,
    /// `float`.
    Float,
    /// `int32`.
    Int32,
    /// `int64`.
    Int64,
    /// `uint32`.
    Uint32,
    /// `uint64`.
    Uint64,
    /// `sint32`.
    Sint32,
    /// `sint64`.
    Sint64,
    /// `fixed32`.
    Fixed32,
    /// `fixed64`.
    Fixed64,
    /// `sfixed32`.
    Sfixed32,
    /// `sfixed64`.
    Sfixed64,
    /// `bool`.
    Bool,
    /// `string`.
    String,
    /// `bytes`.
    Bytes,
}

impl Scalar {
    /// The name in `.proto` text.
    pub fn as_str(self) -> &'static str {
        match self {
            Scalar::Double => "double",
            Scalar::Float => "float",
            Scalar::Int32 => "int32",
            Scalar::Int64 => "int64",
            Scalar::Uint32 => "uint32",
            Scalar::Uint64 => "uint64",
            Scalar::Sint32 => "sint32",
            Scalar::Sint64 => "sint64",
            Scalar::Fixed32 => "fixed32",
            Scalar::Fixed64 => "fixed64",
            Scalar::Sfixed32 => "sfixed32",
            Scalar::Sfixed64 => "sfixed64",
            Scalar::Bool => "bool",
            Scalar::String => "string",
            Scalar::Bytes => "bytes",
        }
    }

    /// Whether the type may be a map key (integral types, `bool`, `string`).
    pub fn is_map_key(self) -> bool {
        !matches!(self, Scalar::Double | Scalar::Float | Scalar::Bytes)
    }
}

/// An enum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enum {
    /// Its name: `Status`.
    pub name: String,
    /// Comment lines.
    pub docs: Vec<String>,
    /// Its values; the first is 0.
    pub values: Vec<EnumValue>,
}

/// One value of an enum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumValue {
    /// Its name, prefixed with the enum's as the style guide asks:
    /// `STATUS_PENDING`.
    pub name: String,
    /// Its number.
    pub number: i32,
    /// Comment lines.
    pub docs: Vec<String>,
}

/// A problem that keeps a file from being valid protobuf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SchemaError {}

impl File {
    /// The message named `name`.
    pub fn message(&self, name: &str) -> Option<&Message> {
        self.messages.iter().find(|message| message.name == name)
    }

    /// Whether a type named `name` (message or enum) is in the file.
    pub fn has_type(&self, name: &str) -> bool {
        self.message(name).is_some() || self.enums.iter().any(|e| e.name == name)
    }

    /// Adds `other`, a file of the same package, to this one: its services,
    /// and the messages and enums this file does not have yet. A type that
    /// both define differently is an error.
    pub fn merge(&mut self, other: File) -> Result<(), SchemaError> {
        for message in other.messages {
            match self.message(&message.name) {
                Some(known) if *known != message => {
                    return Err(SchemaError(format!(
                        "two services of package `{}` define `{}` differently",
                        self.package, message.name
                    )));
                }
                Some(_) => {}
                None => self.messages.push(message),
            }
        }
        for enumeration in other.enums {
            match self
                .enums
                .iter()
                .find(|known| known.name == enumeration.name)
            {
                Some(known) if *known != enumeration => {
                    return Err(SchemaError(format!(
                        "two services of package `{}` define `{}` differently",
                        self.package, enumeration.name
                    )));
                }
                Some(_) => {}
                None => self.enums.push(enumeration),
            }
        }
        self.services.extend(other.services);
        Ok(())
    }

    /// Checks what rendering relies on: every name used is defined once,
    /// and field numbers are unique within a message.
    pub fn validate(&self) -> Result<(), SchemaError> {
        let mut names: Vec<&str> = Vec::new();
        for name in self
            .messages
            .iter()
            .map(|m| m.name.as_str())
            .chain(self.enums.iter().map(|e| e.name.as_str()))
            .chain(self.services.iter().map(|s| s.name.as_str()))
        {
            if names.contains(&name) {
                return Err(SchemaError(format!(
                    "two types in package `{}` are named `{name}`",
                    self.package
                )));
            }
            names.push(name);
        }
        for message in &self.messages {
            let mut numbers = Vec::new();
            for field in &message.fields {
                if numbers.contains(&field.number) {
                    return Err(SchemaError(format!(
                        "message `{}` uses field number {} twice",
                        message.name, field.number
                    )));
                }
                numbers.push(field.number);
                if let Type::Message(name) | Type::Enum(name) = field.ty.value()
                    && !self.has_type(name)
                {
                    return Err(SchemaError(format!(
                        "field `{}.{}` uses `{name}`, which the file does not define",
                        message.name, field.name
                    )));
                }
            }
        }
        for method in self.services.iter().flat_map(|s| &s.methods) {
            for name in [&method.input, &method.output] {
                if self.message(name).is_none() {
                    return Err(SchemaError(format!(
                        "method `{}` uses `{name}`, which the file does not define",
                        method.name
                    )));
                }
            }
        }
        Ok(())
    }
}
