//! Errors for people: what went wrong, where (`file:line:col` with the
//! source around it, drawn by miette's graphical renderer, which keeps
//! columns right with tabs and wide characters), and what to do next.

use std::fmt::Write;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

/// A problem the command reports, with its places in the source.
#[derive(Debug)]
pub struct Report {
    errors: Vec<Located>,
    hint: Option<String>,
}

#[derive(Debug)]
struct Located {
    message: String,
    place: Option<Place>,
}

#[derive(Debug)]
struct Place {
    path: String,
    source: Arc<str>,
    /// Byte offsets of the span in `source`.
    start: usize,
    end: usize,
}

impl Report {
    /// A problem without a place in a file.
    pub fn message(message: impl Into<String>) -> Self {
        Report {
            errors: vec![Located {
                message: message.into(),
                place: None,
            }],
            hint: None,
        }
    }

    /// Every error in `error`, each at its span in `source`.
    pub fn from_syn(path: &Path, source: &str, error: syn::Error) -> Self {
        let shared: Arc<str> = Arc::from(source);
        let errors = error
            .into_iter()
            .map(|error| {
                let span = error.span();
                let place = offset(source, span.start()).map(|start| {
                    let end = offset(source, span.end())
                        .filter(|&end| end > start)
                        .unwrap_or_else(|| next_char_boundary(source, start));
                    Place {
                        path: path.display().to_string(),
                        source: Arc::clone(&shared),
                        start,
                        end,
                    }
                });
                Located {
                    message: error.to_string(),
                    place,
                }
            })
            .collect();
        Report { errors, hint: None }
    }

    /// Errors a pipeline collected from input that is not one Rust file,
    /// such as `.proto` files: each says its `file:line:col`.
    pub fn from_errors(errors: crate::diagnostics::Errors) -> Self {
        Report {
            errors: errors
                .iter()
                .map(|error| Located {
                    message: error.to_string(),
                    place: None,
                })
                .collect(),
            hint: None,
        }
    }

    /// Adds what to do next.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The first error's message.
    pub fn first_message(&self) -> &str {
        self.errors.first().map_or("", |error| &error.message)
    }

    /// The report as text, with ANSI colour when `color` is set.
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\u{1b}[{code}m{text}\u{1b}[0m")
            } else {
                text.to_owned()
            }
        };
        let mut out = String::new();
        for error in &self.errors {
            let Some(place) = &error.place else {
                let _ = writeln!(out, "{}: {}", paint("1;31", "error"), error.message);
                continue;
            };
            let diagnostic = miette::MietteDiagnostic::new(error.message.clone())
                .with_label(miette::LabeledSpan::underline(place.start..place.end));
            let report = miette::Report::new(diagnostic).with_source_code(
                miette::NamedSource::new(&place.path, Arc::clone(&place.source)),
            );
            let theme = if color {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::none()
            };
            let handler = miette::GraphicalReportHandler::new_themed(theme).with_links(false);
            if handler.render_report(&mut out, report.as_ref()).is_err() {
                let _ = writeln!(out, "{}: {}", paint("1;31", "error"), error.message);
            }
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{}: {hint}", paint("1;36", "hint"));
        }
        out
    }
}

/// The byte offset in `source` of a 1-based line and 0-based column in
/// characters, as proc-macro2 reports them.
fn offset(source: &str, at: proc_macro2::LineColumn) -> Option<usize> {
    let line_start = if at.line == 1 {
        0
    } else {
        source
            .match_indices('\n')
            .nth(at.line.checked_sub(2)?)
            .map(|(newline, _)| newline + 1)?
    };
    let line = &source[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let within = line
        .char_indices()
        .map(|(index, _)| index)
        .chain(std::iter::once(line.len()))
        .nth(at.column)?;
    Some(line_start + within)
}

/// The offset after the character at `at`, for a span of one character.
fn next_char_boundary(source: &str, at: usize) -> usize {
    source[at..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8())
}

/// Renders `error`'s messages for `source` without colour: what tests and
/// other tools compare.
pub fn render_errors(path: &Path, source: &str, error: syn::Error) -> String {
    Report::from_syn(path, source, error).render(false)
}

/// Colour on stdout when it is a terminal and `NO_COLOR` is not set.
pub(crate) fn use_color_on_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Colour when stderr is a terminal and `NO_COLOR` is not set.
pub(crate) fn use_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proc_macro2::{TokenStream, TokenTree};

    use super::*;

    /// The span of the first identifier `name` in `source`.
    fn span_of(source: &str, name: &str) -> proc_macro2::Span {
        fn find(tokens: TokenStream, name: &str) -> Option<proc_macro2::Span> {
            tokens.into_iter().find_map(|token| match token {
                TokenTree::Ident(ident) if ident == name => Some(ident.span()),
                TokenTree::Group(group) => find(group.stream(), name),
                _ => None,
            })
        }
        find(TokenStream::from_str(source).unwrap(), name).unwrap()
    }

    /// Columns a terminal gives `text`: two for the CJK characters here.
    fn columns(text: &str) -> usize {
        text.chars()
            .map(|c| {
                if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum()
    }

    #[test]
    fn the_underline_stands_under_the_span_after_tabs_and_wide_characters() {
        let source = "fn f() {\n\tlet 名前 = bad;\n}\n";
        let error = syn::Error::new(span_of(source, "bad"), "`bad` is bad");
        let text = render_errors(Path::new("src/lib.rs"), source, error);
        assert!(text.contains("`bad` is bad"), "{text}");
        // miette counts the tab as the four columns it draws.
        assert!(text.contains("[src/lib.rs:2:15]"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|line| line.contains("= bad"))
            .unwrap();
        let code = lines[at];
        let underline = lines[at + 1];
        let code_column = columns(&code[..code.find("bad").unwrap()]);
        let underline_column = columns(&underline[..underline.find('^').unwrap()]);
        assert_eq!(code_column, underline_column, "{text}");
        assert_eq!(underline.matches('^').count(), 3, "{text}");
    }
}
