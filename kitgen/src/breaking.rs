//! Changes to a service that break its callers: a baseline's protobuf
//! schema and HTTP/JSON API against the current ones, as `kitgen check
//! --breaking` reports them.
//!
//! What breaks a caller somewhere: a removed method, or one whose messages
//! or streams changed; a removed field, or one renumbered (gRPC) or renamed
//! (JSON), or whose type changed; a removed enum value; a changed route or
//! verb, or a parameter that moved between the path, the query and the
//! body; a parameter made required; a removed error variant, or one whose
//! code changed. Anything added passes.

use std::collections::HashSet;

use kitgen_schema::http::{Api, Route};
use kitgen_schema::{Field, File, Message, Method};

/// One change that breaks callers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What changed: `method OrderService.GetById`.
    pub subject: String,
    /// How: `was removed`.
    pub change: String,
    /// Where to point: a word to look for in the current source (or, for
    /// what is gone, in the baseline's).
    pub anchor: Anchor,
}

/// Which source a finding points into, and at what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The current source, at the first line with this word.
    Current(String),
    /// The baseline's source, at the first line with this word.
    Base(String),
}

/// Every breaking change from `base` to `current`, in the order of the
/// baseline's methods, then its messages and enums.
pub fn compare(base: (&File, &Api), current: (&File, &Api)) -> Vec<Finding> {
    let mut findings = Vec::new();
    if base.0.package != current.0.package {
        findings.push(Finding {
            subject: format!("package {}", base.0.package),
            change: format!(
                "changed to {} (every gRPC and Connect path names it)",
                current.0.package
            ),
            anchor: Anchor::Current(current.0.package.clone()),
        });
    }
    methods(base.0, current.0, &mut findings);
    let reachable = reachable(current.0);
    for message in &base.0.messages {
        if let Some(now) = current.0.message(&message.name)
            && reachable.contains(message.name.as_str())
        {
            fields(message, now, &mut findings);
        }
    }
    for enumeration in &base.0.enums {
        let Some(now) = current
            .0
            .enums
            .iter()
            .find(|now| now.name == enumeration.name)
            .filter(|now| reachable.contains(now.name.as_str()))
        else {
            continue;
        };
        for value in &enumeration.values {
            match now.values.iter().find(|now| now.number == value.number) {
                None => findings.push(Finding {
                    subject: format!("enum value {}.{}", enumeration.name, value.name),
                    change: "was removed".to_owned(),
                    anchor: Anchor::Base(value.name.clone()),
                }),
                Some(now) if now.name != value.name => findings.push(Finding {
                    subject: format!("enum value {}.{}", enumeration.name, value.name),
                    change: format!("was renamed to {} (JSON callers send the name)", now.name),
                    anchor: Anchor::Current(now.name.clone()),
                }),
                Some(_) => {}
            }
        }
    }
    routes(base.1, current.1, &mut findings);
    findings
}

fn methods(base: &File, current: &File, findings: &mut Vec<Finding>) {
    for service in &base.services {
        let now = current.services.iter().find(|now| now.name == service.name);
        for method in &service.methods {
            let subject = format!("method {}.{}", service.name, method.name);
            let Some(now) = now.and_then(|now| now.methods.iter().find(|m| m.name == method.name))
            else {
                findings.push(Finding {
                    subject,
                    change: "was removed".to_owned(),
                    anchor: Anchor::Base(method.name.clone()),
                });
                continue;
            };
            let anchor = Anchor::Current(method.name.clone());
            if (now.client_streaming, now.server_streaming)
                != (method.client_streaming, method.server_streaming)
            {
                findings.push(Finding {
                    subject: subject.clone(),
                    change: format!("changed from {} to {}", kind(method), kind(now)),
                    anchor: anchor.clone(),
                });
            }
            for (what, was, is) in [
                ("takes", &method.input, &now.input),
                ("returns", &method.output, &now.output),
            ] {
                if was != is {
                    findings.push(Finding {
                        subject: subject.clone(),
                        change: format!("{what} {is} instead of {was}"),
                        anchor: anchor.clone(),
                    });
                }
            }
        }
    }
}

fn kind(method: &Method) -> &'static str {
    match (method.client_streaming, method.server_streaming) {
        (false, false) => "unary",
        (false, true) => "server streaming",
        (true, false) => "client streaming",
        (true, true) => "bidirectional streaming",
    }
}

/// The messages and enums the services' methods use, directly or through
/// fields: changes elsewhere reach no caller.
fn reachable(file: &File) -> HashSet<&str> {
    let mut seen = HashSet::new();
    let mut queue: Vec<&str> = file
        .services
        .iter()
        .flat_map(|service| &service.methods)
        .flat_map(|method| [method.input.as_str(), method.output.as_str()])
        .collect();
    while let Some(name) = queue.pop() {
        if !seen.insert(name) {
            continue;
        }
        if let Some(message) = file.message(name) {
            for field in &message.fields {
                if let Some(used) = type_name(field) {
                    queue.push(used);
                }
            }
        }
    }
    seen
}

/// The message or enum a field holds, if it holds one.
fn type_name(field: &Field) -> Option<&str> {
    use kitgen_schema::Type;
    match field.ty.value() {
        Type::Message(name) | Type::Enum(name) => Some(name),
        Type::Scalar(_) => None,
    }
}

fn fields(base: &Message, current: &Message, findings: &mut Vec<Finding>) {
    for field in &base.fields {
        let subject = format!("field {}.{}", base.name, field.name);
        let by_name = current.fields.iter().find(|now| now.name == field.name);
        let by_number = current.fields.iter().find(|now| now.number == field.number);
        let finding = match (by_name, by_number) {
            (Some(now), _) if now.number != field.number => Some((
                format!(
                    "was renumbered from {} to {} (gRPC callers send the number)",
                    field.number, now.number
                ),
                Anchor::Current(field.name.clone()),
            )),
            (Some(now), _) if now.ty != field.ty => Some((
                format!(
                    "changed type from {} to {}",
                    type_text(&field.ty),
                    type_text(&now.ty)
                ),
                Anchor::Current(field.name.clone()),
            )),
            (Some(_), _) => None,
            // Its number went to a new name: a rename, unless that name is
            // another field of the baseline's, renumbered (and reported so).
            (None, Some(now)) if base.fields.iter().all(|was| was.name != now.name) => Some((
                format!("was renamed to {} (JSON callers send the name)", now.name),
                Anchor::Current(now.name.clone()),
            )),
            (None, _) => Some((
                format!("(number {}) was removed", field.number),
                Anchor::Base(field.name.clone()),
            )),
        };
        if let Some((change, anchor)) = finding {
            findings.push(Finding {
                subject,
                change,
                anchor,
            });
        }
    }
}

/// A field type as `.proto` text writes it.
fn type_text(ty: &kitgen_schema::FieldType) -> String {
    use kitgen_schema::{FieldType, Type};
    let value = |ty: &Type| match ty {
        Type::Scalar(scalar) => scalar.as_str().to_owned(),
        Type::Message(name) | Type::Enum(name) => name.clone(),
    };
    match ty {
        FieldType::Singular(ty) => value(ty),
        FieldType::Optional(ty) => format!("optional {}", value(ty)),
        FieldType::Repeated(ty) => format!("repeated {}", value(ty)),
        FieldType::Map(key, ty) => format!("map<{}, {}>", key.as_str(), value(ty)),
    }
}

fn routes(base: &Api, current: &Api, findings: &mut Vec<Finding>) {
    for route in &base.routes {
        let Some(now) = current.routes.iter().find(|now| now.method == route.method) else {
            // A removed method is reported once, from the schema.
            continue;
        };
        let anchor = Anchor::Current(route.method.clone());
        let subject = format!("route of {}", route.method);
        if (&now.verb, &now.path) != (&route.verb, &route.path) {
            findings.push(Finding {
                subject: subject.clone(),
                change: format!(
                    "changed from {} {} to {} {}",
                    route.verb, route.path, now.verb, now.path
                ),
                anchor: anchor.clone(),
            });
        }
        params(route, now, &subject, &anchor, findings);
    }
    errors(base, current, findings);
}

/// Error variants a method answered with in the baseline and no longer
/// does, or with another code: each variant once, naming its methods.
/// Each method has its own error type, so each is compared on its own.
fn errors(base: &Api, current: &Api, findings: &mut Vec<Finding>) {
    // Per variant name, in the baseline's order: the methods that lost it,
    // and those whose variant changed (with the change).
    let mut removed: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut changed: Vec<(&str, Vec<&str>, String)> = Vec::new();
    for route in &base.routes {
        let Some(now) = current.routes.iter().find(|now| now.method == route.method) else {
            continue;
        };
        for variant in &route.errors {
            match now.errors.iter().find(|now| now.name == variant.name) {
                None => match removed.iter_mut().find(|(name, _)| *name == variant.name) {
                    Some((_, methods)) => methods.push(&route.method),
                    None => removed.push((&variant.name, vec![&route.method])),
                },
                Some(now) if (now.code.as_str(), now.status) != (&variant.code, variant.status) => {
                    let change = format!(
                        "changed from {} ({}) to {} ({})",
                        variant.code, variant.status, now.code, now.status
                    );
                    match changed
                        .iter_mut()
                        .find(|(name, _, was)| *name == variant.name && *was == change)
                    {
                        Some((_, methods, _)) => methods.push(&route.method),
                        None => changed.push((&variant.name, vec![&route.method], change)),
                    }
                }
                Some(_) => {}
            }
        }
    }
    for (name, methods) in removed {
        findings.push(Finding {
            subject: format!("error variant {name} (of {})", methods.join(", ")),
            change: "was removed (callers match on it)".to_owned(),
            anchor: Anchor::Base(name.to_owned()),
        });
    }
    for (name, methods, change) in changed {
        findings.push(Finding {
            subject: format!("error variant {name} (of {})", methods.join(", ")),
            change,
            anchor: Anchor::Current(name.to_owned()),
        });
    }
}

fn params(route: &Route, now: &Route, subject: &str, anchor: &Anchor, out: &mut Vec<Finding>) {
    for param in &now.params {
        let before = route.params.iter().find(|was| was.name == param.name);
        match before {
            Some(was) if was.location != param.location => out.push(Finding {
                subject: format!("parameter {} of {}", param.name, route.method),
                change: format!("moved from the {} to the {}", place(was), place(param)),
                anchor: Anchor::Current(param.name.clone()),
            }),
            Some(was) if param.required && !was.required => out.push(Finding {
                subject: format!("parameter {} of {}", param.name, route.method),
                change: "was made required".to_owned(),
                anchor: Anchor::Current(param.name.clone()),
            }),
            None if param.required => out.push(Finding {
                subject: subject.to_owned(),
                change: format!("takes a new required parameter {}", param.name),
                anchor: anchor.clone(),
            }),
            _ => {}
        }
    }
}

fn place(param: &kitgen_schema::http::Param) -> &'static str {
    use kitgen_schema::http::Location;
    match param.location {
        Location::Path => "path",
        Location::Query => "query",
        Location::BodyField => "body",
        Location::Body => "whole body",
    }
}
