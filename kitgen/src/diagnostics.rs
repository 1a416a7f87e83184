//! Collects every error found in the user's input, so that all of them are
//! reported at once, each where it is: at a span of Rust source, or at a
//! `file:line:col` of a `.proto` file.

use std::cell::RefCell;
use std::fmt::{self, Display};

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

use crate::model::{FilePosition, Origin};

/// The error sink that both frontends and the check pass write to.
///
/// Modelled on serde_derive's `Ctxt`: it must be finished with
/// [`Diagnostics::finish`]; dropping it unfinished is a bug in kitgen and
/// panics (outside of an unwinding panic).
#[derive(Default)]
pub struct Diagnostics {
    errors: RefCell<Option<Vec<Diagnostic>>>,
}

/// One error, where it is.
#[derive(Debug)]
pub enum Diagnostic {
    /// In Rust source, at a span (kept as a `syn::Error`, which remembers
    /// where a multi-token span starts and ends).
    Rust(syn::Error),
    /// In a file that is not Rust, such as a `.proto`.
    File {
        /// Where.
        at: FilePosition,
        /// What is wrong.
        message: String,
    },
}

impl Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnostic::Rust(error) => Display::fmt(error, f),
            Diagnostic::File { at, message } if at.is_known() => write!(f, "{at}: {message}"),
            Diagnostic::File { message, .. } => f.write_str(message),
        }
    }
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Diagnostics {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at `at`, a node's origin in the user's input.
    pub fn error<M: Display>(&self, at: &Origin, message: M) {
        match at {
            Origin::Span(span) => self.error_at(*span, message),
            Origin::File(position) => self.push_diagnostic(Diagnostic::File {
                at: position.clone(),
                message: message.to_string(),
            }),
        }
    }

    /// Records an error over the tokens of `at`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, at: T, message: M) {
        self.push(syn::Error::new_spanned(at.into_token_stream(), message));
    }

    /// Records an error at `span`.
    pub fn error_at<M: Display>(&self, span: Span, message: M) {
        self.push(syn::Error::new(span, message));
    }

    /// Records a `syn` error, such as a parse failure.
    pub fn push(&self, error: syn::Error) {
        self.push_diagnostic(Diagnostic::Rust(error));
    }

    fn push_diagnostic(&self, diagnostic: Diagnostic) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Diagnostics used after finish")
            .push(diagnostic);
    }

    /// How many errors have been recorded.
    pub fn error_count(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len)
    }

    /// Ends collection: `Ok` if nothing was recorded, otherwise every error.
    pub fn finish(self) -> Result<(), Errors> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Errors(errors))
        }
    }
}

impl Drop for Diagnostics {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("Diagnostics dropped without finish()");
        }
    }
}

/// Every error a [`Diagnostics`] collected, in the order found; never empty.
#[derive(Debug)]
pub struct Errors(Vec<Diagnostic>);

impl Errors {
    /// One error without a place, such as a failure of a code generator
    /// kitgen drives.
    pub fn message(message: impl Into<String>) -> Self {
        Errors(vec![Diagnostic::File {
            at: FilePosition::unknown(),
            message: message.into(),
        }])
    }

    /// The errors, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// The errors as `compile_error!`s: Rust ones at their spans, others at
    /// the macro's call site with their place in the message.
    pub fn into_compile_error(self) -> TokenStream {
        syn::Error::from(self).into_compile_error()
    }
}

impl IntoIterator for Errors {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<Errors> for syn::Error {
    fn from(errors: Errors) -> Self {
        let mut errors = errors.0.into_iter().map(|diagnostic| match diagnostic {
            Diagnostic::Rust(error) => error,
            file @ Diagnostic::File { .. } => syn::Error::new(Span::call_site(), file),
        });
        let mut combined = errors.next().expect("Errors holds at least one diagnostic");
        for error in errors {
            combined.combine(error);
        }
        combined
    }
}

impl Display for Errors {
    /// One error per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            Display::fmt(diagnostic, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for Errors {}
