//! The service model: what frontends build and generators read.
//!
//! Every node keeps the `syn` tokens it came from, so that errors found
//! later (by the check pass, or by rustc in generated code) point at the
//! user's source.

use proc_macro2::Span;
use syn::{Ident, LitStr, Type, Visibility};

/// A service: a named set of methods.
#[derive(Clone, Debug)]
pub struct Service {
    /// The trait's name: `OrderService`.
    pub name: Ident,
    /// The visibility of the trait, which the generated module shares.
    pub vis: Visibility,
    /// Doc comment lines, without the `///`.
    pub docs: Vec<String>,
    /// The methods, in declaration order.
    pub methods: Vec<Method>,
}

/// One method of a service.
#[derive(Clone, Debug)]
pub struct Method {
    /// The Rust name: `get_by_id`.
    pub name: Ident,
    /// Doc comment lines, without the `///`.
    pub docs: Vec<String>,
    /// The `ctx: &kit::Context` parameter, if the method takes one.
    pub context: Option<ContextParam>,
    /// The parameters after `&self` and the context, in order.
    pub params: Vec<Param>,
    /// The return type as written: `Result<Order, OrderError>`.
    pub output: Type,
    /// `T` of `Result<T, E>`.
    pub ok: Type,
    /// `E` of `Result<T, E>`.
    pub error: Type,
    /// How the method is served over HTTP.
    pub http: HttpBinding,
}

impl Method {
    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }

    /// The parameters that travel in `location`, in declaration order.
    pub fn params_in(&self, location: Location) -> impl Iterator<Item = &Param> {
        self.params
            .iter()
            .filter(move |param| self.http.location_of(param) == location)
    }
}

/// The context parameter, kept as written so that generated impls repeat it.
#[derive(Clone, Debug)]
pub struct ContextParam {
    /// Its name: `ctx`.
    pub name: Ident,
    /// Its type: `&kit::Context`.
    pub ty: Type,
}

/// A method parameter; its name is also its JSON field name.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name: `customer_id`.
    pub name: Ident,
    /// The type as written.
    pub ty: Type,
}

/// Where a parameter travels in an HTTP request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A `{param}` of the path.
    Path,
    /// The query string.
    Query,
    /// A field of the JSON body object.
    BodyField,
    /// The whole JSON body (`body = "param"`).
    Body,
}

/// How a method is served over HTTP.
#[derive(Clone, Debug)]
pub struct HttpBinding {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template.
    pub path: PathTemplate,
    /// The parameter sent as the whole body, from `body = "param"`.
    pub body: Option<LitStr>,
    /// Whether the binding came from an attribute rather than the default.
    pub explicit: bool,
    /// Where the binding was written: the `http(…)` attribute, or the method
    /// name for the default binding.
    pub span: Span,
}

impl HttpBinding {
    /// Where `param` travels.
    pub fn location_of(&self, param: &Param) -> Location {
        if self.path.params().any(|name| param.name == name) {
            Location::Path
        } else if self
            .body
            .as_ref()
            .is_some_and(|body| param.name == body.value())
        {
            Location::Body
        } else if self.method.has_body() && self.body.is_none() {
            Location::BodyField
        } else {
            Location::Query
        }
    }

    /// Whether requests carry a JSON body.
    pub fn has_body(&self, method: &Method) -> bool {
        self.body.is_some() || method.params_in(Location::BodyField).next().is_some()
    }
}

/// The HTTP methods a binding can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`: parameters in the path and the query.
    Get,
    /// `POST`: parameters in the path and the body.
    Post,
    /// `PUT`: parameters in the path and the body.
    Put,
    /// `PATCH`: parameters in the path and the body.
    Patch,
    /// `DELETE`: parameters in the path and the query.
    Delete,
}

impl HttpMethod {
    /// Every method, with the attribute key that names it.
    pub const ALL: [(HttpMethod, &'static str); 5] = [
        (HttpMethod::Get, "get"),
        (HttpMethod::Post, "post"),
        (HttpMethod::Put, "put"),
        (HttpMethod::Patch, "patch"),
        (HttpMethod::Delete, "delete"),
    ];

    /// The method's name on the wire: `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether parameters that are not in the path go in a body (or else in
    /// the query string).
    pub fn has_body(self) -> bool {
        matches!(self, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch)
    }
}

/// A route path such as `/orders/{id}/status`.
#[derive(Clone, Debug)]
pub struct PathTemplate {
    /// The template text, in axum's syntax.
    pub text: String,
    /// The segments after the leading `/`.
    pub segments: Vec<Segment>,
    /// Where the template was written.
    pub span: Span,
}

impl PathTemplate {
    /// The names of the `{params}`, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|segment| match segment {
            Segment::Param(name) => Some(name.as_str()),
            Segment::Literal(_) => None,
        })
    }

    /// The template with every parameter name blanked (`/orders/{}`): two
    /// routes with the same shape match the same requests.
    pub fn shape(&self) -> String {
        let mut shape = String::new();
        for segment in &self.segments {
            shape.push('/');
            match segment {
                Segment::Literal(text) => shape.push_str(text),
                Segment::Param(_) => shape.push_str("{}"),
            }
        }
        if shape.is_empty() {
            shape.push('/');
        }
        shape
    }
}

/// One `/`-separated part of a path template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Text matched as is.
    Literal(String),
    /// A `{name}` parameter.
    Param(String),
}

impl PathTemplate {
    /// Parses a template: it starts with `/`, and a parameter is a whole
    /// segment, `{name}`, whose name is an identifier. The error says what
    /// is wrong.
    pub fn parse(text: &str, span: Span) -> Result<PathTemplate, String> {
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!("the path `{text}` must start with `/`"));
        };
        let mut segments = Vec::new();
        if !rest.is_empty() {
            for (index, segment) in rest.split('/').enumerate() {
                let last = index == rest.split('/').count() - 1;
                segments.push(parse_segment(text, segment, last)?);
            }
        }
        Ok(PathTemplate {
            text: text.to_owned(),
            segments,
            span,
        })
    }
}

fn parse_segment(text: &str, segment: &str, last: bool) -> Result<Segment, String> {
    if segment.contains(['?', '#', ' ']) {
        return Err(format!(
            "the path `{text}` has a character that does not belong in a path (`?`, `#` or a space)"
        ));
    }
    if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        if name.starts_with('*') {
            return Err(format!(
                "the path `{text}` has a catch-all parameter `{{{name}}}`, which kitgen does not support"
            ));
        }
        if syn::parse_str::<Ident>(name).is_err() {
            return Err(format!(
                "the path `{text}` has a parameter `{{{name}}}` whose name is not an identifier"
            ));
        }
        return Ok(Segment::Param(name.to_owned()));
    }
    if segment.contains(['{', '}']) {
        return Err(format!(
            "the path `{text}` has `{segment}`: a parameter must be a whole segment, such as `/{{id}}`"
        ));
    }
    if segment.is_empty() && !last {
        return Err(format!("the path `{text}` has an empty segment (`//`)"));
    }
    if segment.starts_with([':', '*']) {
        return Err(format!(
            "the path `{text}` has a segment starting with `{}`; write parameters as `{{name}}`",
            &segment[..1]
        ));
    }
    if let Some(bad) = segment.chars().find(|&c| !is_path_char(c)) {
        return Err(format!(
            "the path `{text}` has `{bad}`, which a path segment cannot hold unescaped; \
             use letters, digits and `-._~!$&'()*+,;=:@`"
        ));
    }
    Ok(Segment::Literal(segment.to_owned()))
}

/// RFC 3986 `pchar` without percent-encoding: unreserved, sub-delims, `:`
/// and `@`.
fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PathTemplate, String> {
        PathTemplate::parse(text, Span::call_site())
    }

    #[test]
    fn templates_split_into_literals_and_params() {
        let template = parse("/orders/{id}/status").unwrap();
        assert_eq!(
            template.segments,
            [
                Segment::Literal("orders".into()),
                Segment::Param("id".into()),
                Segment::Literal("status".into())
            ]
        );
        assert_eq!(template.params().collect::<Vec<_>>(), ["id"]);
        assert_eq!(template.shape(), "/orders/{}/status");
        assert_eq!(parse("/").unwrap().shape(), "/");
        assert_eq!(parse("/items/").unwrap().shape(), "/items/");
    }

    #[test]
    fn bad_templates_say_what_is_wrong() {
        let cases = [
            ("orders", "must start with `/`"),
            ("/orders/{*rest}", "catch-all"),
            ("/orders/{1d}", "not an identifier"),
            ("/orders/id-{id}", "must be a whole segment"),
            ("/orders//x", "empty segment"),
            ("/orders?x=1", "does not belong"),
            ("/orders/:id", "starting with `:`"),
            ("/files/*rest", "starting with `*`"),
            ("/café", "cannot hold unescaped"),
            ("/a|b", "cannot hold unescaped"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
