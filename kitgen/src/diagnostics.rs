//! Collects every error found in the user's input, so that all of them are
//! reported at once, each at its own span.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// The error sink that frontends and the check pass write to.
///
/// Modelled on serde_derive's `Ctxt`: it must be finished with
/// [`Diagnostics::finish`]; dropping it unfinished is a bug in kitgen and
/// panics (outside of an unwinding panic).
#[derive(Default)]
pub struct Diagnostics {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Diagnostics {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at the span of `at`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, at: T, message: M) {
        self.push(syn::Error::new_spanned(at.into_token_stream(), message));
    }

    /// Records an error at `span`.
    pub fn error_at<M: Display>(&self, span: proc_macro2::Span, message: M) {
        self.push(syn::Error::new(span, message));
    }

    /// Records a `syn` error, such as a parse failure.
    pub fn push(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Diagnostics used after finish")
            .push(error);
    }

    /// How many errors have been recorded.
    pub fn error_count(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len)
    }

    /// Ends collection: `Ok` if nothing was recorded, otherwise every error
    /// combined into one.
    pub fn finish(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Diagnostics {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("Diagnostics dropped without finish()");
        }
    }
}
