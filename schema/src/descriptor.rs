//! Descriptors: written for gRPC reflection, and read back from a compiled
//! `.proto`'s descriptor set to describe its messages' JSON.

use prost::Message as _;
use prost_types::field_descriptor_proto::{Label, Type as DescriptorType};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, EnumValueDescriptorProto, FieldDescriptorProto,
    FileDescriptorProto, FileDescriptorSet, MessageOptions, MethodDescriptorProto,
    OneofDescriptorProto, ServiceDescriptorProto,
};

use crate::{
    Enum, EnumValue, Field, FieldType, File, Idempotency, Message, Method, Scalar, SchemaError,
    Service, Type,
};

impl File {
    /// The file's name in descriptors: the package with `/` for `.`, and
    /// `.proto`, as protoc would name it (`acme/orders/v1.proto`).
    pub fn file_name(&self) -> String {
        if self.package.is_empty() {
            "service.proto".to_owned()
        } else {
            format!("{}.proto", self.package.replace('.', "/"))
        }
    }

    /// The file as a descriptor, with fully qualified type names, map entry
    /// types and the synthetic oneofs of proto3 `optional` fields, as
    /// protoc would produce it.
    pub fn to_descriptor(&self) -> FileDescriptorProto {
        let qualify = |name: &str| {
            if self.package.is_empty() {
                format!(".{name}")
            } else {
                format!(".{}.{name}", self.package)
            }
        };
        FileDescriptorProto {
            name: Some(self.file_name()),
            package: (!self.package.is_empty()).then(|| self.package.clone()),
            syntax: Some("proto3".to_owned()),
            message_type: self
                .messages
                .iter()
                .map(|message| {
                    let mut descriptor = DescriptorProto {
                        name: Some(message.name.clone()),
                        ..Default::default()
                    };
                    for field in &message.fields {
                        add_field(&mut descriptor, field, &qualify(&message.name), &qualify);
                    }
                    descriptor
                })
                .collect(),
            enum_type: self
                .enums
                .iter()
                .map(|enumeration| EnumDescriptorProto {
                    name: Some(enumeration.name.clone()),
                    value: enumeration
                        .values
                        .iter()
                        .map(|value| EnumValueDescriptorProto {
                            name: Some(value.name.clone()),
                            number: Some(value.number),
                            options: None,
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            service: self
                .services
                .iter()
                .map(|service| ServiceDescriptorProto {
                    name: Some(service.name.clone()),
                    method: service
                        .methods
                        .iter()
                        .map(|method| MethodDescriptorProto {
                            name: Some(method.name.clone()),
                            input_type: Some(qualify(&method.input)),
                            output_type: Some(qualify(&method.output)),
                            client_streaming: method.client_streaming.then_some(true),
                            server_streaming: method.server_streaming.then_some(true),
                            options: method.idempotency.descriptor_value().map(|level| {
                                prost_types::MethodOptions {
                                    idempotency_level: Some(level),
                                    ..Default::default()
                                }
                            }),
                        })
                        .collect(),
                    options: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    /// The encoded `FileDescriptorSet` holding just this file, as gRPC
    /// reflection servers take it.
    pub fn to_descriptor_set_bytes(&self) -> Vec<u8> {
        FileDescriptorSet {
            file: vec![self.to_descriptor()],
        }
        .encode_to_vec()
    }
}

impl File {
    /// Every message, enum and service of an encoded `FileDescriptorSet`
    /// (a compiled `.proto` with its imports), with the leading comments
    /// of its source info. Messages and enums go by their full names
    /// (`acme.v1.Order`, `acme.v1.Order.Line`, `google.protobuf.Timestamp`),
    /// as do the types that fields and methods use; map entry types become
    /// map fields, and fields of a oneof are optional. The package is that
    /// of the first file with a service.
    ///
    /// What it is for: the JSON of a `.proto` service's messages
    /// ([`crate::http::JsonStyle::Proto3`]) and comparing two versions of
    /// a service; [`File::to_proto`] does not render it back.
    pub fn from_descriptor_set(bytes: &[u8]) -> Result<File, SchemaError> {
        let set = FileDescriptorSet::decode(bytes)
            .map_err(|error| SchemaError(format!("the descriptor set does not decode: {error}")))?;
        let mut file = File::default();
        for proto in &set.file {
            let reader = Reader::new(proto);
            let prefix = proto.package().to_owned();
            for (index, message) in proto.message_type.iter().enumerate() {
                reader.message(&mut file, message, &prefix, &[4, index as i32]);
            }
            for (index, enumeration) in proto.enum_type.iter().enumerate() {
                reader.enumeration(&mut file, enumeration, &prefix, &[5, index as i32]);
            }
            for (index, service) in proto.service.iter().enumerate() {
                if file.services.is_empty() {
                    file.package = prefix.clone();
                    file.origin = format!("the file {}", proto.name());
                }
                let path = [6, index as i32];
                file.services.push(Service {
                    name: service.name().to_owned(),
                    docs: reader.docs(&path),
                    methods: service
                        .method
                        .iter()
                        .enumerate()
                        .map(|(number, method)| Method {
                            name: method.name().to_owned(),
                            docs: reader.docs(&[6, index as i32, 2, number as i32]),
                            input: unqualified(method.input_type()),
                            output: unqualified(method.output_type()),
                            client_streaming: method.client_streaming(),
                            server_streaming: method.server_streaming(),
                            idempotency: Idempotency::from_descriptor_value(
                                method
                                    .options
                                    .as_ref()
                                    .and_then(|options| options.idempotency_level),
                            ),
                        })
                        .collect(),
                });
            }
        }
        Ok(file)
    }
}

/// Reads one file of a descriptor set.
struct Reader<'a> {
    /// Each commented element's path, with its leading comment.
    comments: Vec<(&'a [i32], &'a str)>,
}

impl<'a> Reader<'a> {
    fn new(file: &'a FileDescriptorProto) -> Self {
        let comments = file
            .source_code_info
            .iter()
            .flat_map(|info| &info.location)
            .filter_map(|location| {
                Some((
                    location.path.as_slice(),
                    location.leading_comments.as_deref()?,
                ))
            })
            .collect();
        Reader { comments }
    }

    /// The leading comment of the element at `path`, as lines.
    fn docs(&self, path: &[i32]) -> Vec<String> {
        self.comments
            .iter()
            .find(|(at, _)| *at == path)
            .map(|(_, text)| {
                text.trim_end_matches('\n')
                    .lines()
                    .map(|line| line.trim_end().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Adds `message` (in `scope`, at `path`), its nested messages and
    /// enums.
    fn message(&self, file: &mut File, message: &DescriptorProto, scope: &str, path: &[i32]) {
        let name = qualified(scope, message.name());
        let entries: Vec<(String, &DescriptorProto)> = message
            .nested_type
            .iter()
            .filter(|nested| nested.options.as_ref().and_then(|o| o.map_entry) == Some(true))
            .map(|nested| (format!(".{}", qualified(&name, nested.name())), nested))
            .collect();
        let fields = message
            .field
            .iter()
            .enumerate()
            .map(|(index, field)| {
                let mut field_path = path.to_vec();
                field_path.extend([2, index as i32]);
                let entry = entries
                    .iter()
                    .find(|(entry, _)| field.type_name.as_deref() == Some(entry.as_str()));
                let ty = match entry {
                    Some((_, entry)) => {
                        let part = |number| {
                            entry
                                .field
                                .iter()
                                .find(|field| field.number() == number)
                                .map(value_type)
                        };
                        match (part(1), part(2)) {
                            (Some(Type::Scalar(key)), Some(value)) => FieldType::Map(key, value),
                            _ => FieldType::Repeated(Type::Message(unqualified(field.type_name()))),
                        }
                    }
                    None if field.label() == Label::Repeated => {
                        FieldType::Repeated(value_type(field))
                    }
                    None if field.proto3_optional() || field.oneof_index.is_some() => {
                        FieldType::Optional(value_type(field))
                    }
                    None => FieldType::Singular(value_type(field)),
                };
                Field {
                    name: field.name().to_owned(),
                    number: field.number() as u32,
                    docs: self.docs(&field_path),
                    ty,
                }
            })
            .collect();
        file.messages.push(Message {
            name: name.clone(),
            docs: self.docs(path),
            fields,
        });
        for (index, nested) in message.nested_type.iter().enumerate() {
            if nested.options.as_ref().and_then(|o| o.map_entry) != Some(true) {
                let mut nested_path = path.to_vec();
                nested_path.extend([3, index as i32]);
                self.message(file, nested, &name, &nested_path);
            }
        }
        for (index, enumeration) in message.enum_type.iter().enumerate() {
            let mut enum_path = path.to_vec();
            enum_path.extend([4, index as i32]);
            self.enumeration(file, enumeration, &name, &enum_path);
        }
    }

    fn enumeration(
        &self,
        file: &mut File,
        enumeration: &EnumDescriptorProto,
        scope: &str,
        path: &[i32],
    ) {
        file.enums.push(Enum {
            name: qualified(scope, enumeration.name()),
            docs: self.docs(path),
            values: enumeration
                .value
                .iter()
                .enumerate()
                .map(|(index, value)| {
                    let mut value_path = path.to_vec();
                    value_path.extend([2, index as i32]);
                    EnumValue {
                        name: value.name().to_owned(),
                        number: value.number(),
                        docs: self.docs(&value_path),
                    }
                })
                .collect(),
        });
    }
}

/// `scope.name`, or `name` at the root.
fn qualified(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_owned()
    } else {
        format!("{scope}.{name}")
    }
}

/// A type name of a descriptor without its leading dot.
fn unqualified(name: &str) -> String {
    name.trim_start_matches('.').to_owned()
}

/// The value type of a field in a descriptor.
fn value_type(field: &FieldDescriptorProto) -> Type {
    let scalar = match field.r#type() {
        DescriptorType::Message | DescriptorType::Group => {
            return Type::Message(unqualified(field.type_name()));
        }
        DescriptorType::Enum => return Type::Enum(unqualified(field.type_name())),
        DescriptorType::Double => Scalar::Double,
        DescriptorType::Float => Scalar::Float,
        DescriptorType::Int64 => Scalar::Int64,
        DescriptorType::Uint64 => Scalar::Uint64,
        DescriptorType::Int32 => Scalar::Int32,
        DescriptorType::Fixed64 => Scalar::Fixed64,
        DescriptorType::Fixed32 => Scalar::Fixed32,
        DescriptorType::Bool => Scalar::Bool,
        DescriptorType::String => Scalar::String,
        DescriptorType::Bytes => Scalar::Bytes,
        DescriptorType::Uint32 => Scalar::Uint32,
        DescriptorType::Sfixed32 => Scalar::Sfixed32,
        DescriptorType::Sfixed64 => Scalar::Sfixed64,
        DescriptorType::Sint32 => Scalar::Sint32,
        DescriptorType::Sint64 => Scalar::Sint64,
    };
    Type::Scalar(scalar)
}

fn add_field(
    message: &mut DescriptorProto,
    field: &Field,
    message_path: &str,
    qualify: &dyn Fn(&str) -> String,
) {
    let mut descriptor = FieldDescriptorProto {
        name: Some(field.name.clone()),
        number: Some(field.number as i32),
        json_name: Some(json_name(&field.name)),
        label: Some(Label::Optional as i32),
        ..Default::default()
    };
    let value = match &field.ty {
        FieldType::Singular(ty) => ty,
        FieldType::Optional(ty) => {
            descriptor.proto3_optional = Some(true);
            descriptor.oneof_index = Some(message.oneof_decl.len() as i32);
            message.oneof_decl.push(OneofDescriptorProto {
                name: Some(format!("_{}", field.name)),
                options: None,
            });
            ty
        }
        FieldType::Repeated(ty) => {
            descriptor.label = Some(Label::Repeated as i32);
            ty
        }
        FieldType::Map(key, value) => {
            let entry = map_entry_name(&field.name);
            let mut entry_message = DescriptorProto {
                name: Some(entry.clone()),
                options: Some(MessageOptions {
                    map_entry: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            };
            let key_field = Field {
                name: "key".to_owned(),
                number: 1,
                docs: Vec::new(),
                ty: FieldType::Singular(Type::Scalar(*key)),
            };
            let value_field = Field {
                name: "value".to_owned(),
                number: 2,
                docs: Vec::new(),
                ty: FieldType::Singular(value.clone()),
            };
            let entry_path = format!("{message_path}.{entry}");
            add_field(&mut entry_message, &key_field, &entry_path, qualify);
            add_field(&mut entry_message, &value_field, &entry_path, qualify);
            message.nested_type.push(entry_message);
            descriptor.label = Some(Label::Repeated as i32);
            descriptor.r#type = Some(DescriptorType::Message as i32);
            descriptor.type_name = Some(entry_path);
            message.field.push(descriptor);
            return;
        }
    };
    match value {
        Type::Scalar(scalar) => descriptor.r#type = Some(scalar_type(*scalar) as i32),
        Type::Message(name) => {
            descriptor.r#type = Some(DescriptorType::Message as i32);
            descriptor.type_name = Some(qualify(name));
        }
        Type::Enum(name) => {
            descriptor.r#type = Some(DescriptorType::Enum as i32);
            descriptor.type_name = Some(qualify(name));
        }
    }
    message.field.push(descriptor);
}

/// protoc's `ToJsonName`: drop each `_` and capitalise the letter after it.
pub(crate) fn json_name(name: &str) -> String {
    let mut json = String::with_capacity(name.len());
    let mut capitalize = false;
    for character in name.chars() {
        if character == '_' {
            capitalize = true;
        } else if capitalize {
            json.push(character.to_ascii_uppercase());
            capitalize = false;
        } else {
            json.push(character);
        }
    }
    json
}

/// protoc's `MapEntryName`: the field name in upper camel case, with
/// `Entry` after it.
fn map_entry_name(field: &str) -> String {
    let mut entry = String::with_capacity(field.len() + 5);
    let mut capitalize = true;
    for character in field.chars() {
        if character == '_' {
            capitalize = true;
        } else if capitalize {
            entry.push(character.to_ascii_uppercase());
            capitalize = false;
        } else {
            entry.push(character);
        }
    }
    entry.push_str("Entry");
    entry
}

fn scalar_type(scalar: Scalar) -> DescriptorType {
    match scalar {
        Scalar::Double => DescriptorType::Double,
        Scalar::Float => DescriptorType::Float,
        Scalar::Int32 => DescriptorType::Int32,
        Scalar::Int64 => DescriptorType::Int64,
        Scalar::Uint32 => DescriptorType::Uint32,
        Scalar::Uint64 => DescriptorType::Uint64,
        Scalar::Sint32 => DescriptorType::Sint32,
        Scalar::Sint64 => DescriptorType::Sint64,
        Scalar::Fixed32 => DescriptorType::Fixed32,
        Scalar::Fixed64 => DescriptorType::Fixed64,
        Scalar::Sfixed32 => DescriptorType::Sfixed32,
        Scalar::Sfixed64 => DescriptorType::Sfixed64,
        Scalar::Bool => DescriptorType::Bool,
        Scalar::String => DescriptorType::String,
        Scalar::Bytes => DescriptorType::Bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tests::order_file;

    #[test]
    fn names_follow_protoc() {
        assert_eq!(json_name("customer_id"), "customerId");
        assert_eq!(json_name("HTTPCode"), "HTTPCode");
        assert_eq!(json_name("_private"), "Private");
        assert_eq!(map_entry_name("counts"), "CountsEntry");
        assert_eq!(map_entry_name("by_id"), "ByIdEntry");
    }

    #[test]
    fn a_descriptor_set_reads_back_with_full_names() {
        let original = order_file();
        let read = File::from_descriptor_set(&original.to_descriptor_set_bytes()).unwrap();
        // What a descriptor set holds: everything but comments, with full
        // names.
        let full = |name: &str| format!("ordersvc.{name}");
        let mut expected = original.clone();
        expected.origin = "the file ordersvc.proto".to_owned();
        for service in &mut expected.services {
            service.docs.clear();
            for method in &mut service.methods {
                method.docs.clear();
                method.input = full(&method.input);
                method.output = full(&method.output);
            }
        }
        for message in &mut expected.messages {
            message.name = full(&message.name);
            message.docs.clear();
            for field in &mut message.fields {
                field.docs.clear();
                let ty = match &mut field.ty {
                    FieldType::Singular(ty)
                    | FieldType::Optional(ty)
                    | FieldType::Repeated(ty)
                    | FieldType::Map(_, ty) => ty,
                };
                if let Type::Message(name) | Type::Enum(name) = ty {
                    *name = full(name);
                }
            }
        }
        for enumeration in &mut expected.enums {
            enumeration.name = full(&enumeration.name);
            enumeration.docs.clear();
            for value in &mut enumeration.values {
                value.docs.clear();
            }
        }
        assert_eq!(read, expected);
        assert!(File::from_descriptor_set(b"\xff").is_err());
    }

    #[test]
    fn descriptors_qualify_names_and_add_map_entries_and_synthetic_oneofs() {
        let file = order_file().to_descriptor();
        assert_eq!(file.name.as_deref(), Some("ordersvc.proto"));
        assert_eq!(file.package.as_deref(), Some("ordersvc"));
        let order = &file.message_type[1];
        let note = &order.field[0];
        assert_eq!(note.proto3_optional, Some(true));
        assert_eq!(order.oneof_decl[0].name.as_deref(), Some("_note"));
        let items = &order.field[1];
        assert_eq!(items.label, Some(Label::Repeated as i32));
        assert_eq!(items.type_name.as_deref(), Some(".ordersvc.Item"));
        let counts = &order.field[2];
        assert_eq!(
            counts.type_name.as_deref(),
            Some(".ordersvc.Order.CountsEntry")
        );
        assert_eq!(
            order.nested_type[0].options.as_ref().unwrap().map_entry,
            Some(true)
        );
        let method = &file.service[0].method[0];
        assert_eq!(
            method.input_type.as_deref(),
            Some(".ordersvc.GetByIdRequest")
        );
        let set = FileDescriptorSet::decode(&order_file().to_descriptor_set_bytes()[..]).unwrap();
        assert_eq!(set.file, vec![file]);
    }
}
