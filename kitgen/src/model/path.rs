//! Route path templates.

use proc_macro2::Span;
use syn::Ident;

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
