//! The `.proto` frontend and the check pass after it: paired fixtures give
//! the model the trait gives where the two can say the same thing, and
//! every kind of bad input is an error at `file:line:col`.

use std::path::{Path, PathBuf};

use kitgen::diagnostics::Diagnostics;
use kitgen::generate::read_services;
use kitgen::model::{EmbeddedDescriptors, Idempotency, Location, Messages, RuleBody, Service};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn embedded() -> EmbeddedDescriptors {
    EmbeddedDescriptors {
        file_name: "file_descriptor_set.bin".into(),
        in_out_dir: false,
    }
}

fn from_proto(file: &str) -> Vec<Service> {
    read_services(&[fixtures().join(file)], &[fixtures()], &embedded())
        .unwrap()
        .1
}

fn from_trait(file: &str) -> Service {
    let source = std::fs::read_to_string(fixtures().join(file)).unwrap();
    let file = syn::parse_file(&source).unwrap();
    let item = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Trait(item) => Some(item.clone()),
            _ => None,
        })
        .unwrap();
    let cx = Diagnostics::new();
    let args: proc_macro2::TokenStream = item
        .attrs
        .iter()
        .find_map(|attr| match &attr.meta {
            syn::Meta::List(list)
                if list
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "service") =>
            {
                Some(list.tokens.clone())
            }
            _ => None,
        })
        .unwrap_or_default();
    let service = kitgen::frontend::rust::parse_service(&cx, args, &item);
    cx.finish().unwrap();
    service
}

/// What both forms can express: names, docs, and each method's route and
/// where its body comes from.
fn summary(service: &Service) -> Vec<String> {
    let mut lines = vec![format!(
        "{} {} {:?}",
        service.package, service.name, service.docs
    )];
    for method in &service.methods {
        let body = match method.messages {
            Messages::Existing { .. } => match &method.rules[0].body {
                RuleBody::None => "none".to_owned(),
                RuleBody::All => "fields".to_owned(),
                RuleBody::Field(field) => format!("field {field}"),
            },
            Messages::Generated => match method.params_in(Location::Body).next() {
                Some(param) => format!("field {}", param.name),
                None if method.params_in(Location::BodyField).next().is_some() => {
                    "fields".to_owned()
                }
                None => "none".to_owned(),
            },
        };
        lines.push(format!(
            "{} {:?} {} {} body: {body}",
            method.rpc_name,
            method.docs,
            method.http.method.as_str(),
            method.http.path.text
        ));
    }
    lines
}

#[test]
fn the_order_proto_and_the_order_trait_give_the_same_service() {
    let proto = from_proto("order.proto");
    assert_eq!(proto.len(), 1);
    assert_eq!(summary(&proto[0]), summary(&from_trait("order.rs")));
}

#[test]
fn the_order_protos_messages_are_the_ones_kitgen_exports_for_the_trait() {
    let source = std::fs::read_to_string(fixtures().join("order.rs")).unwrap();
    let exported = kitgen::proto_export::schemas(&syn::parse_file(&source).unwrap()).unwrap();
    let mut ours = exported[0].to_descriptor().message_type;
    let (compiled, _) = read_services(
        &[fixtures().join("order.proto")],
        &[fixtures()],
        &embedded(),
    )
    .unwrap();
    let file = compiled
        .descriptors
        .file
        .iter()
        .find(|file| file.name() == "order.proto")
        .unwrap();
    let mut theirs = file.message_type.clone();
    ours.sort_by(|a, b| a.name.cmp(&b.name));
    theirs.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(ours, theirs);
}

#[test]
fn go_kits_addsvc_proto_has_the_traits_methods() {
    // The .proto replies carry an `err` field where the trait returns a
    // typed error, so only the methods compare.
    let proto = &from_proto("addsvc.proto")[0];
    let rust = from_trait("addsvc.rs");
    let names = |service: &Service| {
        service
            .methods
            .iter()
            .map(|m| (m.name.to_string(), m.rpc_name.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(proto), names(&rust));
    assert_eq!(proto.name, "Add");
    assert_eq!(proto.methods[0].http.path.text, "/pb.Add/Sum");
}

/// Compiles `text` as `x.proto` and returns its services.
fn services(text: &str) -> Vec<Service> {
    let dir = std::env::temp_dir().join(format!(
        "kitgen-proto-ok-{}-{}",
        std::process::id(),
        text.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("x.proto"), text).unwrap();
    let result = read_services(
        &[dir.join("x.proto")],
        std::slice::from_ref(&dir),
        &embedded(),
    );
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap_or_else(|errors| panic!("{errors}")).1
}

#[test]
fn idempotency_levels_mark_methods_that_clients_may_retry() {
    let services = services(
        "syntax = \"proto3\";\nmessage M {}\nservice S {\n\
         rpc Get(M) returns (M) { option idempotency_level = NO_SIDE_EFFECTS; }\n\
         rpc Put(M) returns (M) { option idempotency_level = IDEMPOTENT; }\n\
         rpc Post(M) returns (M);\n\
         rpc Odd(M) returns (M) { option idempotency_level = IDEMPOTENCY_UNKNOWN; }\n}\n",
    );
    let marked: Vec<(String, Idempotency, bool)> = services[0]
        .methods
        .iter()
        .map(|method| {
            let level = method.idempotency;
            (method.rpc_name.clone(), level, level.may_retry())
        })
        .collect();
    assert_eq!(
        marked,
        [
            ("Get".to_owned(), Idempotency::NoSideEffects, true),
            ("Put".to_owned(), Idempotency::Idempotent, true),
            ("Post".to_owned(), Idempotency::Unknown, false),
            ("Odd".to_owned(), Idempotency::Unknown, false)
        ]
    );
}

/// Compiles `text` as `bad.proto` and returns the errors, each as
/// `file:line:col: message`.
fn errors(text: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!(
        "kitgen-proto-{}-{}",
        std::process::id(),
        text.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bad.proto"), text).unwrap();
    let result = read_services(
        &[dir.join("bad.proto")],
        std::slice::from_ref(&dir),
        &embedded(),
    );
    let _ = std::fs::remove_dir_all(&dir);
    let errors = result.expect_err("the file should not generate");
    errors.iter().map(ToString::to_string).collect()
}

fn first(text: &str) -> String {
    errors(text).remove(0)
}

#[test]
fn syntax_errors_missing_imports_and_unknown_types_point_at_the_file() {
    let syntax = first("syntax = \"proto3\";\nmessage A {\n  string a = ;\n}\n");
    assert!(syntax.starts_with("bad.proto:3:"), "{syntax}");
    let import = first("syntax = \"proto3\";\nimport \"nowhere.proto\";\n");
    assert!(
        import.starts_with("bad.proto:2:") && import.contains("nowhere.proto"),
        "{import}"
    );
    let unknown = first("syntax = \"proto3\";\nmessage A {\n  Missing m = 1;\n}\n");
    assert!(
        unknown.starts_with("bad.proto:3:") && unknown.contains("Missing"),
        "{unknown}"
    );
    let none = first("syntax = \"proto3\";\nmessage A {}\n");
    assert_eq!(
        none,
        "bad.proto:1:1: bad.proto defines no service; kitgen generates code for services"
    );
}

const HEAD: &str = "syntax = \"proto3\";\npackage p;\nimport \"google/api/annotations.proto\";\nmessage Req { string id = 1; repeated string tags = 2; Inner inner = 3; }\nmessage Inner { string name = 1; }\nmessage Resp {}\n";

#[test]
fn unsupported_methods_and_rules_are_refused_at_the_method() {
    let cases = [
        (
            "rpc Up(stream Req) returns (Resp) { option (google.api.http) = { get: \"/v1/up\" }; }",
            "`Up` takes a stream, which travels as the request body: bind it to POST",
        ),
        (
            "rpc Up(stream Req) returns (Resp) { option (google.api.http) = { post: \"/v1/{id}\" body: \"*\" }; }",
            "the path cannot hold `{id}`",
        ),
        (
            "rpc Up(stream Req) returns (stream Resp) { option (google.api.http) = { post: \"/v1\" body: \"id\" }; }",
            "which is the whole request body: use `body: \"*\"`",
        ),
        (
            "rpc Get(Req) returns (Resp) { option (google.api.http) = { get: \"/v1/{name=things/*}\" }; }",
            "spans segments",
        ),
        (
            "rpc Get(Req) returns (Resp) { option (google.api.http) = { post: \"/v1/{id}:cancel\" }; }",
            "without custom verbs",
        ),
        (
            "rpc Get(Req) returns (Resp) { option (google.api.http) = { get: \"/v1/{nope}\" }; }",
            "`nope`, which is not a field of `p.Req`",
        ),
        (
            "rpc Get(Req) returns (Resp) { option (google.api.http) = { get: \"/v1/{tags}\" }; }",
            "single value, not a list",
        ),
        (
            "rpc Get(Req) returns (Resp) { option (google.api.http) = { get: \"/v1/{inner}\" }; }",
            "scalar, not a message",
        ),
        (
            "rpc Get(Req) returns (Resp) { option (google.api.http) = { post: \"/v1\" body: \"nope\" }; }",
            "`body: \"nope\"` names no field",
        ),
        (
            "rpc Get(Req) returns (Resp) { option (google.api.http) = { get: \"/v1\" response_body: \"x\" }; }",
            "`response_body` is not supported",
        ),
        (
            "rpc Get(Req) returns (Resp) { option (google.api.http) = { custom: { kind: \"HEAD\" path: \"/v1\" } }; }",
            "custom HTTP patterns",
        ),
    ];
    for (method, expected) in cases {
        let text = format!("{HEAD}service S {{\n  {method}\n}}\n");
        let error = first(&text);
        assert!(error.starts_with("bad.proto:8:3: "), "{method}: {error}");
        assert!(error.contains(expected), "{method}: {error}");
    }
}

#[test]
fn rules_that_clash_are_refused_at_the_second_method() {
    let text = format!(
        "{HEAD}service S {{\n  rpc A(Req) returns (Resp) {{ option (google.api.http) = {{ get: \"/v1/{{id}}\" }}; }}\n  \
         rpc B(Req) returns (Resp) {{ option (google.api.http) = {{ get: \"/v1/{{id}}\" }}; }}\n}}\n"
    );
    let error = first(&text);
    assert!(error.starts_with("bad.proto:9:3: "), "{error}");
    assert!(
        error.contains("`GET /v1/{id}` is already bound to `A`"),
        "{error}"
    );
}

#[test]
fn rules_of_one_method_that_clash_are_refused_too() {
    let text = format!(
        "{HEAD}service S {{\n  rpc A(Req) returns (Resp) {{ option (google.api.http) = {{ get: \"/v1/{{id}}\" \
         additional_bindings {{ get: \"/v1/{{id}}\" }} }}; }}\n}}\n"
    );
    let error = first(&text);
    assert!(error.starts_with("bad.proto:8:3: "), "{error}");
    assert!(
        error.contains("`GET /v1/{id}` is already bound to `A`"),
        "{error}"
    );
}

/// axum's router refuses `/v1/{inner_name}` beside `/v1/{id}`, and a
/// `.proto`'s author cannot rename a field path: the later rule takes the
/// name the earlier one gave that place, and keeps its own field path.
#[test]
fn rules_naming_different_fields_at_one_place_share_the_name_and_keep_their_fields() {
    let text = format!(
        "{HEAD}service S {{\n  rpc A(Req) returns (Resp) {{ option (google.api.http) = {{ get: \"/v1/{{id}}/x/{{inner.name}}\" }}; }}\n  \
         rpc B(Req) returns (Resp) {{ option (google.api.http) = {{ delete: \"/v1/{{inner.name}}/x/{{id}}\" }}; }}\n}}\n"
    );
    let dir = std::env::temp_dir().join(format!("kitgen-proto-places-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("good.proto"), text).unwrap();
    let services = read_services(
        &[dir.join("good.proto")],
        std::slice::from_ref(&dir),
        &embedded(),
    );
    let _ = std::fs::remove_dir_all(&dir);
    let services = services.unwrap().1;
    let rule = |index: usize| &services[0].methods[index].rules[0];
    assert_eq!(rule(0).path.text, "/v1/{id}/x/{inner_name}");
    assert_eq!(rule(1).path.text, "/v1/{id}/x/{inner_name}");
    let fields = |index: usize| -> Vec<String> {
        rule(index)
            .params
            .iter()
            .map(|param| format!("{}={}", param.name, param.field.join(".")))
            .collect()
    };
    assert_eq!(fields(0), ["id=id", "inner_name=inner.name"]);
    assert_eq!(fields(1), ["id=inner.name", "inner_name=id"]);
}

/// Names the check pass reserves hold for `.proto` methods as for trait
/// methods: an rpc `Layer` would be `Endpoints::layer`'s namesake.
#[test]
fn rpcs_named_like_generated_methods_are_refused_at_the_rpc() {
    let text = format!(
        "{HEAD}service S {{\n  rpc Layer(Req) returns (Resp);\n  rpc GetX(Req) returns (Resp);\n  \
         rpc get_x(Req) returns (Resp);\n}}\n"
    );
    let errors = errors(&text);
    assert_eq!(
        errors,
        [
            "bad.proto:8:3: `Layer` collides with the `layer` method of the generated types; \
             rename the method",
            "bad.proto:10:3: `GetX` and `get_x` would both generate the Rust method `get_x`; \
             rename one of them",
        ]
    );
}
