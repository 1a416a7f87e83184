//! Errors for people: what went wrong, where (`file:line:col` with the line
//! and a caret), and what to do next.

use std::fmt::Write;
use std::io::IsTerminal;
use std::path::Path;

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
    line: usize,
    column: usize,
    text: String,
    width: usize,
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
        let lines: Vec<&str> = source.lines().collect();
        let errors = error
            .into_iter()
            .map(|error| {
                let span = error.span();
                let (start, end) = (span.start(), span.end());
                let text = lines
                    .get(start.line.saturating_sub(1))
                    .copied()
                    .unwrap_or_default();
                let width = if end.line == start.line {
                    end.column.saturating_sub(start.column).max(1)
                } else {
                    text.chars().count().saturating_sub(start.column).max(1)
                };
                Located {
                    message: error.to_string(),
                    place: (start.line > 0).then(|| Place {
                        path: path.display().to_string(),
                        line: start.line,
                        column: start.column + 1,
                        text: text.to_owned(),
                        width,
                    }),
                }
            })
            .collect();
        Report { errors, hint: None }
    }

    /// Errors from the `.proto` frontend, each at its `file:line:col`.
    pub fn proto(errors: &[crate::frontend::proto::ProtoError]) -> Self {
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
            let _ = writeln!(out, "{}: {}", paint("1;31", "error"), error.message);
            if let Some(place) = &error.place {
                let number = place.line.to_string();
                let gutter = " ".repeat(number.len());
                let _ = writeln!(
                    out,
                    "{gutter}{} {}:{}:{}",
                    paint("1;34", "-->"),
                    place.path,
                    place.line,
                    place.column
                );
                let _ = writeln!(out, "{gutter} {}", paint("1;34", "|"));
                let _ = writeln!(
                    out,
                    "{} {} {}",
                    paint("1;34", &number),
                    paint("1;34", "|"),
                    place.text
                );
                let caret = format!(
                    "{}{}",
                    " ".repeat(place.column - 1),
                    "^".repeat(place.width)
                );
                let _ = writeln!(
                    out,
                    "{gutter} {} {}",
                    paint("1;34", "|"),
                    paint("1;31", &caret)
                );
            }
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{}: {hint}", paint("1;36", "hint"));
        }
        out
    }
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
