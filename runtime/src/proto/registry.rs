//! Collects the schema of the types a service uses.

use std::any::TypeId;

use super::schema;

/// A message or enum type that can describe itself in a schema.
/// `#[derive(kit::Message)]` and `#[kit::service]` implement it.
pub trait Describe: 'static {
    /// The type's name in the schema: the Rust type's name.
    const NAME: &'static str;

    /// Whether it is an enum rather than a message.
    const IS_ENUM: bool;

    /// The type's definition; registers the types its fields use.
    fn describe(registry: &mut Registry) -> Definition;
}

/// A type's definition in a schema.
#[derive(Clone, Debug)]
pub enum Definition {
    /// A message.
    Message(schema::Message),
    /// An enum.
    Enum(schema::Enum),
}

/// Builds one [`schema::File`] from the types a service uses, each once, in
/// the order they are first referenced (depth first).
#[derive(Debug)]
pub struct Registry {
    file: schema::File,
    seen: Vec<(&'static str, TypeId)>,
    errors: Vec<String>,
}

impl Registry {
    /// An empty file in `package`; `origin` says where it came from.
    pub fn new(package: impl Into<String>, origin: impl Into<String>) -> Self {
        Registry {
            file: schema::File {
                package: package.into(),
                origin: origin.into(),
                ..schema::File::default()
            },
            seen: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The schema type of `T`, registering its definition on first use.
    pub fn reference<T: Describe>(&mut self) -> schema::Type {
        let reference = if T::IS_ENUM {
            schema::Type::Enum(T::NAME.to_owned())
        } else {
            schema::Type::Message(T::NAME.to_owned())
        };
        let id = TypeId::of::<T>();
        if let Some((_, seen)) = self.seen.iter().find(|(name, _)| *name == T::NAME) {
            if *seen != id {
                self.errors.push(format!(
                    "two different Rust types are both named `{}` in package `{}`",
                    T::NAME,
                    self.file.package
                ));
            }
            return reference;
        }
        self.seen.push((T::NAME, id));
        // Hold the message's place, so that the file lists it before the
        // types its fields use.
        let slot = self.file.messages.len();
        if !T::IS_ENUM {
            self.file.messages.push(schema::Message {
                name: T::NAME.to_owned(),
                docs: Vec::new(),
                fields: Vec::new(),
            });
        }
        match T::describe(self) {
            Definition::Message(message) if !T::IS_ENUM => self.file.messages[slot] = message,
            Definition::Enum(enumeration) if T::IS_ENUM => self.file.enums.push(enumeration),
            _ => self.errors.push(format!(
                "`{}` describes itself as the wrong kind of type",
                T::NAME
            )),
        }
        reference
    }

    /// The name of message `T`, registering it: for method inputs and
    /// outputs.
    pub fn message_name<T: Describe>(&mut self) -> String {
        match self.reference::<T>() {
            schema::Type::Message(name) => name,
            other => {
                self.errors.push(format!("`{other:?}` is not a message"));
                T::NAME.to_owned()
            }
        }
    }

    /// A unary method from `Req` to `Resp`; see [`schema::Method::streams`]
    /// for the others.
    pub fn method<Req: Describe, Resp: Describe>(
        &mut self,
        name: &str,
        docs: &[&str],
    ) -> schema::Method {
        schema::Method {
            name: name.to_owned(),
            docs: docs.iter().map(|line| (*line).to_owned()).collect(),
            input: self.message_name::<Req>(),
            output: self.message_name::<Resp>(),
            client_streaming: false,
            server_streaming: false,
            idempotency: schema::Idempotency::Unknown,
        }
    }

    /// Adds a service.
    pub fn add_service(&mut self, service: schema::Service) {
        self.file.services.push(service);
    }

    /// The file, checked.
    pub fn finish(self) -> Result<schema::File, schema::SchemaError> {
        if let Some(error) = self.errors.into_iter().next() {
            return Err(schema::SchemaError(error));
        }
        self.file.validate()?;
        Ok(self.file)
    }
}
