//! An HTTP/JSON [`Api`] and the [`File`] of its messages as an OpenAPI 3.1
//! document, through utoipa's builders: every route with its parameters,
//! request and response schemas from the messages, each business error
//! variant as a response with its status and the error body's schema, and
//! doc comments as descriptions.

use std::collections::HashSet;

pub use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayBuilder, ComponentsBuilder, KnownFormat, ObjectBuilder, Schema,
    SchemaFormat, SchemaType, Type as JsonType,
};
use utoipa::openapi::{
    ContentBuilder, InfoBuilder, OpenApiBuilder, PathItem, PathsBuilder, Ref, RefOr, Required,
    ResponseBuilder, ResponsesBuilder,
};

use crate::http::{Api, ErrorVariant, JsonStyle, Location, Route};
use crate::{Field, FieldType, File, Message, Scalar, Type};

/// The name of the error body's schema.
const ERROR: &str = "Error";

impl Api {
    /// The OpenAPI 3.1 document of this API, whose messages `file` holds,
    /// with `version` as the API's version.
    pub fn to_openapi(&self, file: &File, version: &str) -> OpenApi {
        let json = Json {
            style: self.json,
            variants: variant_names(self),
        };
        let used = json.used(self, file);
        let mut components = ComponentsBuilder::new().schema(ERROR, error_schema());
        for message in file.messages.iter().filter(|m| used.contains(&m.name)) {
            components = components.schema(message.name.clone(), json.message(message));
        }
        for enumeration in file.enums.iter().filter(|e| used.contains(&e.name)) {
            components = components.schema(enumeration.name.clone(), json.enumeration(enumeration));
        }
        for (variant, name) in &json.variants {
            components = components.schema(name.clone(), variant_schema(variant));
        }
        let mut paths = PathsBuilder::new();
        for route in &self.routes {
            let method = http_method(&route.verb);
            let operation = json.operation(self, file, route);
            paths = paths.path(route.path.clone(), PathItem::new(method, operation));
        }
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title(self.title.clone())
                    .version(version)
                    .description(described(&self.docs)),
            )
            .paths(paths)
            .components(Some(components.build()))
            .build()
    }
}

/// Comment lines as one description, or none.
fn described(docs: &[String]) -> Option<String> {
    let text = docs
        .iter()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn http_method(verb: &str) -> HttpMethod {
    match verb {
        "GET" => HttpMethod::Get,
        "PUT" => HttpMethod::Put,
        "DELETE" => HttpMethod::Delete,
        "PATCH" => HttpMethod::Patch,
        _ => HttpMethod::Post,
    }
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// The JSON error body every failure answers with.
fn error_schema() -> Schema {
    let codes = [
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    ObjectBuilder::new()
        .description(Some(
            "What went wrong: the code's gRPC name, a message, and for a business error its \
             variant and details.",
        ))
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(JsonType::String)
                .enum_values(Some(codes)),
        )
        .required("code")
        .property(
            "message",
            ObjectBuilder::new().schema_type(JsonType::String),
        )
        .required("message")
        .property(
            "variant",
            ObjectBuilder::new()
                .schema_type(JsonType::String)
                .description(Some("The business error's variant.")),
        )
        .property(
            "details",
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .description(Some("The variant's fields.")),
        )
        .into()
}

/// Each distinct business error variant of the routes with its schema's
/// name: `Error.NotFound`; `Error.NotFound2` for a second, different
/// `NotFound` (of another method's error type).
fn variant_names(api: &Api) -> Vec<(ErrorVariant, String)> {
    let mut named: Vec<(ErrorVariant, String)> = Vec::new();
    for variant in api.routes.iter().flat_map(|route| &route.errors) {
        if named.iter().any(|(known, _)| known == variant) {
            continue;
        }
        let base = format!("Error.{}", variant.name);
        let mut name = base.clone();
        let mut count = 1;
        while named.iter().any(|(_, taken)| *taken == name) {
            count += 1;
            name = format!("{base}{count}");
        }
        named.push((variant.clone(), name));
    }
    named
}

/// The error body of one variant: its code and name fixed, its details'
/// fields named.
fn variant_schema(variant: &ErrorVariant) -> Schema {
    let mut details = ObjectBuilder::new().schema_type(JsonType::Object);
    for field in &variant.details {
        details = details
            .property(
                field.clone(),
                ObjectBuilder::new().schema_type(SchemaType::AnyValue),
            )
            .required(field.clone());
    }
    let mut schema = ObjectBuilder::new()
        .description(described(&variant.docs))
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(JsonType::String)
                .enum_values(Some([variant.code.clone()])),
        )
        .required("code")
        .property(
            "message",
            ObjectBuilder::new().schema_type(JsonType::String),
        )
        .required("message")
        .property(
            "variant",
            ObjectBuilder::new()
                .schema_type(JsonType::String)
                .enum_values(Some([variant.name.clone()])),
        )
        .required("variant");
    if !variant.details.is_empty() {
        schema = schema.property("details", details).required("details");
    }
    schema.into()
}

/// Schemas as one JSON style writes them.
struct Json {
    style: JsonStyle,
    /// The business error variants' schema names.
    variants: Vec<(ErrorVariant, String)>,
}

impl Json {
    /// A field's name in JSON.
    fn name(&self, field: &Field) -> String {
        match self.style {
            JsonStyle::Serde => field.name.clone(),
            JsonStyle::Proto3 => crate::descriptor::json_name(&field.name),
        }
    }

    /// The messages and enums the routes use, directly or through fields,
    /// that become components: all but the well-known types, which
    /// protobuf's JSON writes in forms of their own.
    fn used(&self, api: &Api, file: &File) -> HashSet<String> {
        let mut used = HashSet::new();
        let mut queue: Vec<&str> = api
            .routes
            .iter()
            .flat_map(|route| [route.request.as_str(), route.response.as_str()])
            .collect();
        while let Some(name) = queue.pop() {
            if self.well_known(name).is_some() || !used.insert(name.to_owned()) {
                continue;
            }
            for field in file.message(name).iter().flat_map(|m| &m.fields) {
                if let Type::Message(name) | Type::Enum(name) = field.ty.value() {
                    queue.push(name);
                }
            }
        }
        used
    }

    /// The field that `path` (JSON names) leads to from `message`.
    fn field<'a>(&self, file: &'a File, message: &str, path: &[String]) -> Option<&'a Field> {
        let (last, steps) = path.split_last()?;
        let mut message = file.message(message)?;
        for step in steps {
            let field = message.fields.iter().find(|f| self.name(f) == *step)?;
            let Type::Message(inner) = field.ty.value() else {
                return None;
            };
            message = file.message(inner)?;
        }
        message.fields.iter().find(|f| self.name(f) == *last)
    }

    /// The schema of a well-known type in protobuf's JSON, which writes
    /// each in a form of its own: a `Timestamp` as an RFC 3339 string, a
    /// wrapper as its value. `None` for other types, or in serde's style.
    fn well_known(&self, name: &str) -> Option<RefOr<Schema>> {
        if self.style != JsonStyle::Proto3 {
            return None;
        }
        let typed = |ty: JsonType, format: Option<KnownFormat>| -> RefOr<Schema> {
            ObjectBuilder::new()
                .schema_type(ty)
                .format(format.map(SchemaFormat::KnownFormat))
                .into()
        };
        let schema = match name.strip_prefix("google.protobuf.")? {
            "Timestamp" => typed(JsonType::String, Some(KnownFormat::DateTime)),
            "Duration" => ObjectBuilder::new()
                .schema_type(JsonType::String)
                .pattern(Some(r"^-?[0-9]+(\.[0-9]{1,9})?s$"))
                .into(),
            "FieldMask" | "StringValue" => typed(JsonType::String, None),
            "Empty" | "Struct" => empty_object(),
            "Value" => any(),
            "NullValue" => typed(JsonType::Null, None),
            "ListValue" => ArrayBuilder::new().items(any()).into(),
            "Any" => ObjectBuilder::new()
                .schema_type(JsonType::Object)
                .property("@type", ObjectBuilder::new().schema_type(JsonType::String))
                .required("@type")
                .into(),
            "DoubleValue" => self.scalar(Scalar::Double).into(),
            "FloatValue" => self.scalar(Scalar::Float).into(),
            "Int64Value" => self.scalar(Scalar::Int64).into(),
            "UInt64Value" => self.scalar(Scalar::Uint64).into(),
            "Int32Value" => self.scalar(Scalar::Int32).into(),
            "UInt32Value" => self.scalar(Scalar::Uint32).into(),
            "BoolValue" => self.scalar(Scalar::Bool).into(),
            "BytesValue" => self.scalar(Scalar::Bytes).into(),
            _ => return None,
        };
        Some(schema)
    }

    /// A message or enum: its component, or a well-known type's own form.
    fn named(&self, name: &str) -> RefOr<Schema> {
        self.well_known(name).unwrap_or_else(|| reference(name))
    }

    fn message(&self, message: &Message) -> Schema {
        let mut object = ObjectBuilder::new()
            .schema_type(JsonType::Object)
            .description(described(&message.docs));
        for field in &message.fields {
            object = object.property(self.name(field), self.field_schema(field));
        }
        object.into()
    }

    fn enumeration(&self, enumeration: &crate::Enum) -> Schema {
        let object = ObjectBuilder::new()
            .schema_type(JsonType::String)
            .description(described(&enumeration.docs));
        match self.style {
            // serde writes a Rust enum's variant names, which the schema
            // does not hold.
            JsonStyle::Serde => object.into(),
            JsonStyle::Proto3 => object
                .enum_values(Some(
                    enumeration.values.iter().map(|value| value.name.clone()),
                ))
                .into(),
        }
    }

    fn field_schema(&self, field: &Field) -> RefOr<Schema> {
        let described = described(&field.docs);
        let schema = match &field.ty {
            FieldType::Singular(ty) => self.value(ty),
            FieldType::Optional(ty) => match self.value(ty) {
                RefOr::T(Schema::Object(mut object)) => {
                    object.schema_type = nullable(object.schema_type);
                    RefOr::T(Schema::Object(object))
                }
                other => AnyOfBuilder::new()
                    .item(other)
                    .item(ObjectBuilder::new().schema_type(JsonType::Null))
                    .into(),
            },
            FieldType::Repeated(ty) => ArrayBuilder::new().items(self.value(ty)).into(),
            FieldType::Map(_, ty) => ObjectBuilder::new()
                .schema_type(JsonType::Object)
                .additional_properties(Some(self.value(ty)))
                .into(),
        };
        match (schema, described) {
            (RefOr::T(Schema::Object(mut object)), Some(text)) => {
                object.description = Some(text);
                RefOr::T(Schema::Object(object))
            }
            (schema, _) => schema,
        }
    }

    fn value(&self, ty: &Type) -> RefOr<Schema> {
        match ty {
            Type::Message(name) | Type::Enum(name) => self.named(name),
            Type::Scalar(scalar) => self.scalar(*scalar).into(),
        }
    }

    fn scalar(&self, scalar: Scalar) -> Schema {
        let typed = |ty: JsonType, format: Option<KnownFormat>| {
            ObjectBuilder::new()
                .schema_type(ty)
                .format(format.map(SchemaFormat::KnownFormat))
        };
        let proto3 = self.style == JsonStyle::Proto3;
        let object = match scalar {
            Scalar::Double => typed(JsonType::Number, Some(KnownFormat::Double)),
            Scalar::Float => typed(JsonType::Number, Some(KnownFormat::Float)),
            Scalar::Int32 | Scalar::Sint32 | Scalar::Sfixed32 => {
                typed(JsonType::Integer, Some(KnownFormat::Int32))
            }
            Scalar::Uint32 | Scalar::Fixed32 => {
                typed(JsonType::Integer, Some(KnownFormat::Int64)).minimum(Some(0))
            }
            // protobuf's JSON writes 64-bit integers as strings.
            Scalar::Int64 | Scalar::Sint64 | Scalar::Sfixed64 if proto3 => {
                typed(JsonType::String, Some(KnownFormat::Int64))
            }
            Scalar::Uint64 | Scalar::Fixed64 if proto3 => {
                typed(JsonType::String, Some(KnownFormat::Int64))
            }
            Scalar::Int64 | Scalar::Sint64 | Scalar::Sfixed64 => {
                typed(JsonType::Integer, Some(KnownFormat::Int64))
            }
            Scalar::Uint64 | Scalar::Fixed64 => {
                typed(JsonType::Integer, Some(KnownFormat::Int64)).minimum(Some(0))
            }
            Scalar::Bool => typed(JsonType::Boolean, None),
            Scalar::String => typed(JsonType::String, None),
            Scalar::Bytes if proto3 => typed(JsonType::String, Some(KnownFormat::Byte)),
            // serde writes a byte vector as an array of numbers.
            Scalar::Bytes => {
                return ArrayBuilder::new()
                    .items(
                        ObjectBuilder::new()
                            .schema_type(JsonType::Integer)
                            .minimum(Some(0))
                            .maximum(Some(255)),
                    )
                    .into();
            }
        };
        object.into()
    }

    /// The operation of one route.
    fn operation(&self, api: &Api, file: &File, route: &Route) -> utoipa::openapi::path::Operation {
        // The summary is the first paragraph; the rest describes.
        let summary = route
            .docs
            .iter()
            .position(|line| line.trim().is_empty())
            .unwrap_or(route.docs.len());
        let mut operation = OperationBuilder::new()
            .operation_id(Some(route.method.clone()))
            .tag(api.title.clone())
            .summary(described(&route.docs[..summary]).map(|text| text.replace('\n', " ")))
            .description(described(&route.docs[summary..]));
        let mut body_object = ObjectBuilder::new().schema_type(JsonType::Object);
        let mut body = None;
        for param in &route.params {
            let field = self.field(file, &route.request, &param.field);
            let schema = field.map(|field| self.field_schema(field));
            let docs = field.and_then(|field| described(&field.docs));
            match param.location {
                Location::Path | Location::Query => {
                    let (place, required) = match param.location {
                        Location::Path => (ParameterIn::Path, Required::True),
                        _ if param.required => (ParameterIn::Query, Required::True),
                        _ => (ParameterIn::Query, Required::False),
                    };
                    operation = operation.parameter(
                        ParameterBuilder::new()
                            .name(param.name.clone())
                            .parameter_in(place)
                            .required(required)
                            .description(docs)
                            .schema(schema),
                    );
                }
                Location::BodyField => {
                    body_object =
                        body_object.property(param.name.clone(), schema.unwrap_or_else(any));
                    if param.required {
                        body_object = body_object.required(param.name.clone());
                    }
                    body.get_or_insert(None);
                }
                Location::Body => body = Some(Some(schema.unwrap_or_else(any))),
            }
        }
        match body {
            Some(Some(whole)) => operation = operation.request_body(Some(json_body(whole))),
            Some(None) => operation = operation.request_body(Some(json_body(body_object.into()))),
            None => {}
        }
        operation.responses(self.responses(file, route)).build()
    }

    /// A route's answers: the response, each status of its business
    /// errors, and any other error.
    fn responses(&self, file: &File, route: &Route) -> utoipa::openapi::Responses {
        let answer = match file.message(&route.response) {
            Some(message) if route.response_is_value => message
                .fields
                .first()
                .map_or_else(empty_object, |value| self.field_schema(value)),
            _ => self.named(&route.response),
        };
        let success = if route.server_streaming {
            ResponseBuilder::new()
                .description(
                    "A stream: server-sent events (`Accept: text/event-stream`), each event's \
                     data one message, or JSON lines, each `{\"result\": message}` or, last, \
                     `{\"error\": error}`.",
                )
                .content(
                    "text/event-stream",
                    ContentBuilder::new().schema(Some(answer.clone())).build(),
                )
                .content(
                    "application/x-ndjson",
                    ContentBuilder::new().schema(Some(answer)).build(),
                )
        } else {
            ResponseBuilder::new().description("The answer.").content(
                "application/json",
                ContentBuilder::new().schema(Some(answer)).build(),
            )
        };
        let mut responses = ResponsesBuilder::new().response("200", success.build());
        let mut statuses: Vec<u16> = route.errors.iter().map(|variant| variant.status).collect();
        statuses.sort_unstable();
        statuses.dedup();
        for status in statuses {
            let variants: Vec<&ErrorVariant> = route
                .errors
                .iter()
                .filter(|variant| variant.status == status)
                .collect();
            let names: Vec<&str> = variants
                .iter()
                .map(|variant| variant.name.as_str())
                .collect();
            let mut any = AnyOfBuilder::new();
            for variant in &variants {
                let name = self
                    .variants
                    .iter()
                    .find(|(known, _)| known == *variant)
                    .map_or(ERROR, |(_, name)| name.as_str());
                any = any.item(reference(name));
            }
            // Transport errors can share the status: the plain body too.
            any = any.item(reference(ERROR));
            responses = responses.response(
                status.to_string(),
                ResponseBuilder::new()
                    .description(format!(
                        "{}, or another failure with this status.",
                        names.join(", ")
                    ))
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(any)).build(),
                    )
                    .build(),
            );
        }
        responses
            .response(
                "default",
                ResponseBuilder::new()
                    .description("Any other failure: a bad request, a deadline, an outage.")
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(reference(ERROR))).build(),
                    )
                    .build(),
            )
            .build()
    }
}

/// Any JSON value.
fn any() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .into()
}

fn empty_object() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(JsonType::Object).into()
}

fn json_body(schema: RefOr<Schema>) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(schema)).build(),
        )
        .build()
}

/// `schema_type` that also allows `null`.
fn nullable(schema_type: SchemaType) -> SchemaType {
    match schema_type {
        SchemaType::Type(ty) => SchemaType::from_iter([ty, JsonType::Null]),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, variant: ErrorVariant) -> Route {
        Route {
            method: method.to_owned(),
            docs: Vec::new(),
            verb: "GET".to_owned(),
            path: format!("/{method}"),
            request: "Empty".to_owned(),
            params: Vec::new(),
            response: "Empty".to_owned(),
            response_is_value: false,
            server_streaming: false,
            errors: vec![variant],
        }
    }

    fn variant(code: &str, status: u16) -> ErrorVariant {
        ErrorVariant {
            name: "Gone".to_owned(),
            docs: Vec::new(),
            code: code.to_owned(),
            status,
            details: Vec::new(),
        }
    }

    #[test]
    fn two_variants_of_one_name_get_a_schema_each() {
        let api = Api {
            title: "t.T".to_owned(),
            docs: Vec::new(),
            json: JsonStyle::Serde,
            routes: vec![
                route("a", variant("NOT_FOUND", 404)),
                route("b", variant("FAILED_PRECONDITION", 400)),
                route("c", variant("NOT_FOUND", 404)),
            ],
        };
        let file = File {
            messages: vec![Message {
                name: "Empty".to_owned(),
                docs: Vec::new(),
                fields: Vec::new(),
            }],
            ..File::default()
        };
        let document = serde_json::to_value(api.to_openapi(&file, "1")).unwrap();
        let schemas = &document["components"]["schemas"];
        assert_eq!(
            schemas["Error.Gone"]["properties"]["code"]["enum"][0],
            "NOT_FOUND"
        );
        assert_eq!(
            schemas["Error.Gone2"]["properties"]["code"]["enum"][0],
            "FAILED_PRECONDITION"
        );
        let answer = |method: &str, status: &str| {
            document["paths"][format!("/{method}")]["get"]["responses"][status]["content"]
                ["application/json"]["schema"]["anyOf"][0]["$ref"]
                .clone()
        };
        assert_eq!(answer("a", "404"), "#/components/schemas/Error.Gone");
        assert_eq!(answer("b", "400"), "#/components/schemas/Error.Gone2");
        assert_eq!(answer("c", "404"), "#/components/schemas/Error.Gone");
    }
}
