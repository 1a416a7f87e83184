//! Message types: the structs and enums that `#[derive(kit::Message)]`
//! makes protobuf messages and enums.

use syn::{Attribute, Ident, Type};

/// A struct or C-like enum with a protobuf form.
#[derive(Clone, Debug)]
pub struct MessageType {
    /// The Rust name, which is also the protobuf name.
    pub name: Ident,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// `#[serde(…)]` attributes on the type, passed on to serde.
    pub serde_attrs: Vec<Attribute>,
    /// Fields or values.
    pub kind: MessageKind,
}

/// What a message type holds.
#[derive(Clone, Debug)]
pub enum MessageKind {
    /// A struct: a message with fields (none for a unit struct).
    Struct(Vec<MessageField>),
    /// A C-like enum: a protobuf enum.
    Enum(Vec<EnumValue>),
}

/// A field of a message.
#[derive(Clone, Debug)]
pub struct MessageField {
    /// The Rust name, which is also the protobuf name.
    pub name: Ident,
    /// The Rust type.
    pub ty: Type,
    /// The field number.
    pub tag: u32,
    /// How integers are encoded.
    pub encoding: Encoding,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// `#[serde(…)]` attributes, passed on to serde.
    pub serde_attrs: Vec<Attribute>,
    /// `#[kit(required)]`: JSON without the field is refused, where
    /// otherwise an absent field is its type's default, as in proto3.
    pub required: bool,
}

/// How a field's integers are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// The type's default: varints for integers.
    Plain,
    /// ZigZag varints: `sint32`, `sint64`.
    Sint,
    /// Fixed width: `fixed32`, `fixed64`, `sfixed32`, `sfixed64`.
    Fixed,
}

/// One value of a C-like enum.
#[derive(Clone, Debug)]
pub struct EnumValue {
    /// The Rust variant.
    pub name: Ident,
    /// The protobuf number: the discriminant, or the position.
    pub number: i32,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// `#[serde(…)]` attributes, passed on to serde.
    pub serde_attrs: Vec<Attribute>,
}

/// The highest field number protobuf allows.
pub const MAX_TAG: u32 = (1 << 29) - 1;

/// Field numbers protobuf reserves for its own use.
pub const RESERVED_TAGS: std::ops::RangeInclusive<u32> = 19_000..=19_999;
