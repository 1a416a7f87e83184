//! `kitgen sync --prune`: removes what the trait lost. In an impl of a
//! service trait, each method the trait no longer has; in test code (a
//! `#[cfg(test)]` module under `src/`, or a file under `tests/`), each
//! function that calls such a method and names the trait, its generated
//! module or a type that implements it (so that a test calling some other
//! type's method of the same name stays), and then each one that calls a
//! function removed, until none is left. Nothing else changes.

use std::collections::HashSet;

use heck::ToSnakeCase;
use proc_macro2::{LineColumn, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::Visit;

use super::stubs::byte_offset;

/// Something removed from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Removed {
    /// What it was, for the report: "`hello` from `impl Greeter for Basic`",
    /// "the test `hello_greets_by_name`".
    pub what: String,
    /// The line it started on, counted from 1.
    pub line: usize,
}

/// What pruning one file did: its new text, when something was removed.
#[derive(Debug, Default)]
pub(crate) struct Pruned {
    /// The file's new text.
    pub new_source: Option<String>,
    /// What was removed, in file order.
    pub removed: Vec<Removed>,
}

/// Where pruning looks in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// Under `src/`: impls, and the functions of `#[cfg(test)]` modules.
    Source,
    /// Under `tests/`: every function of the file is test code.
    Test,
}

/// Removes from `source` the methods `gone` (trait name, method name) from
/// the impls of those traits, and the test functions that call them.
pub(crate) fn prune_file(
    source: &str,
    gone: &[(String, String)],
    kind: FileKind,
) -> syn::Result<Pruned> {
    let file = syn::parse_file(source)?;
    let mut cuts: Vec<(LineColumn, LineColumn, Removed)> = Vec::new();
    // What a test must name to be about the service: its traits, their
    // generated modules, and the types that implement them here.
    let mut anchors: HashSet<String> = HashSet::new();
    for (trait_name, _) in gone {
        anchors.insert(trait_name.clone());
        anchors.insert(trait_name.to_snake_case());
    }

    // Impl methods the traits lost.
    let mut impls = Vec::new();
    collect_impls(&file.items, &mut impls);
    for item in impls {
        let Some((_, trait_path, _)) = &item.trait_ else {
            continue;
        };
        let Some(trait_name) = trait_path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        if !gone.iter().any(|(t, _)| *t == trait_name) {
            continue;
        }
        let self_type = super::type_name(&item.self_ty);
        if let syn::Type::Path(path) = &*item.self_ty
            && let Some(last) = path.path.segments.last()
        {
            anchors.insert(last.ident.to_string());
        }
        for member in &item.items {
            let syn::ImplItem::Fn(function) = member else {
                continue;
            };
            let method = function.sig.ident.to_string();
            if gone.iter().any(|(t, m)| *t == trait_name && *m == method) {
                let (start, end) = extent(&function.attrs, function.span());
                cuts.push((
                    start,
                    end,
                    Removed {
                        what: format!("`{method}` from `impl {trait_name} for {self_type}`"),
                        line: start.line,
                    },
                ));
            }
        }
    }

    // Test functions that call a method gone, or a function removed.
    let mut tests: Vec<&syn::ItemFn> = Vec::new();
    match kind {
        FileKind::Test => collect_functions(&file.items, true, &mut tests),
        FileKind::Source => collect_functions(&file.items, false, &mut tests),
    }
    let methods: HashSet<String> = gone.iter().map(|(_, method)| method.clone()).collect();
    let mut removed_functions: HashSet<String> = HashSet::new();
    loop {
        let before = removed_functions.len();
        for function in &tests {
            let name = function.sig.ident.to_string();
            if removed_functions.contains(&name) {
                continue;
            }
            let mut calls = Calls::default();
            calls.visit_block(&function.block);
            let names_the_service = names_any(function.to_token_stream(), &anchors);
            let reason = calls
                .methods
                .iter()
                .find(|method| names_the_service && methods.contains(*method))
                .or_else(|| {
                    calls
                        .functions
                        .iter()
                        .find(|called| removed_functions.contains(*called))
                });
            if let Some(reason) = reason {
                let (start, end) = extent(&function.attrs, function.span());
                let is_test = function.attrs.iter().any(|attr| {
                    attr.path()
                        .segments
                        .last()
                        .is_some_and(|segment| segment.ident == "test")
                });
                let noun = if is_test {
                    "the test"
                } else {
                    "the test helper"
                };
                cuts.push((
                    start,
                    end,
                    Removed {
                        what: format!("{noun} `{name}` (it calls `{reason}`)"),
                        line: start.line,
                    },
                ));
                removed_functions.insert(name);
            }
        }
        if removed_functions.len() == before {
            break;
        }
    }

    if cuts.is_empty() {
        return Ok(Pruned::default());
    }
    cuts.sort_by_key(|(start, _, _)| (start.line, start.column));
    // Neighbours may both claim the blank line between them: merge.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (start, end, _) in &cuts {
        let (from, to) = whole_lines(
            source,
            byte_offset(source, *start),
            byte_offset(source, *end),
        );
        match ranges.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => ranges.push((from, to)),
        }
    }
    let mut new_source = source.to_owned();
    for (from, to) in ranges.into_iter().rev() {
        new_source.replace_range(from..to, "");
    }
    Ok(Pruned {
        new_source: Some(new_source),
        removed: cuts.into_iter().map(|(_, _, removed)| removed).collect(),
    })
}

/// Where an item starts (its first attribute, doc comments included) and
/// ends.
fn extent(attrs: &[syn::Attribute], span: proc_macro2::Span) -> (LineColumn, LineColumn) {
    let start = attrs
        .iter()
        .map(|attr| attr.span().start())
        .chain([span.start()])
        .min_by_key(|at| (at.line, at.column))
        .unwrap_or_else(|| span.start());
    (start, span.end())
}

/// The byte range `from..to` grown to whole lines when nothing else shares
/// them, with one blank line next to it, so that neither a double blank
/// line nor a blank line at the edge of a block is left.
fn whole_lines(source: &str, from: usize, to: usize) -> (usize, usize) {
    let line_start = source[..from].rfind('\n').map_or(0, |at| at + 1);
    let line_end = source[to..]
        .find('\n')
        .map_or(source.len(), |at| to + at + 1);
    if !source[line_start..from].trim().is_empty() || !source[to..line_end].trim().is_empty() {
        return (from, to);
    }
    let after_end = source[line_end..]
        .find('\n')
        .map_or(source.len(), |at| line_end + at + 1);
    let blank_after = line_end < source.len() && source[line_end..after_end].trim().is_empty();
    let before_start = source[..line_start.saturating_sub(1)]
        .rfind('\n')
        .map_or(0, |at| at + 1);
    let blank_before = line_start > 0 && source[before_start..line_start].trim().is_empty();
    if blank_after {
        (line_start, after_end)
    } else if blank_before {
        (before_start, line_end)
    } else {
        (line_start, line_end)
    }
}

/// Whether `tokens` hold any of the identifiers `names`.
fn names_any(tokens: TokenStream, names: &HashSet<String>) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => names.contains(&ident.to_string()),
        TokenTree::Group(group) => names_any(group.stream(), names),
        _ => false,
    })
}

/// Every impl, in inline modules too.
fn collect_impls<'a>(items: &'a [syn::Item], impls: &mut Vec<&'a syn::ItemImpl>) {
    for item in items {
        match item {
            syn::Item::Impl(item) => impls.push(item),
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect_impls(items, impls);
                }
            }
            _ => {}
        }
    }
}

/// The free functions that are test code: all of them when `in_test`,
/// else those in `#[cfg(test)]` modules.
fn collect_functions<'a>(items: &'a [syn::Item], in_test: bool, found: &mut Vec<&'a syn::ItemFn>) {
    for item in items {
        match item {
            syn::Item::Fn(function) if in_test => found.push(function),
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect_functions(items, in_test || is_cfg_test(&module.attrs), found);
                }
            }
            _ => {}
        }
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "test")
    })
}

/// The methods and the functions a block calls, by name.
#[derive(Default)]
struct Calls {
    methods: Vec<String>,
    functions: Vec<String>,
}

impl<'ast> Visit<'ast> for Calls {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.methods.push(call.method.to_string());
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func
            && let Some(last) = path.path.segments.last()
        {
            // `Greeter::hello(&service, …)` calls the method too.
            if path.path.segments.len() > 1 {
                self.methods.push(last.ident.to_string());
            }
            self.functions.push(last.ident.to_string());
        }
        syn::visit::visit_expr_call(self, call);
    }

    /// `assert!(service.hello(…))`: a macro's tokens are no expression to
    /// visit, so calls are read off them: `.name(` is a method call, any
    /// other `name(` a function call.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.scan(mac.tokens.clone());
    }
}

impl Calls {
    fn scan(&mut self, tokens: TokenStream) {
        use proc_macro2::Delimiter;
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        for (index, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Ident(name) => {
                    let called = matches!(
                        tokens.get(index + 1),
                        Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis
                    );
                    if !called {
                        continue;
                    }
                    let after_dot = index > 0
                        && matches!(&tokens[index - 1], TokenTree::Punct(punct) if punct.as_char() == '.');
                    if after_dot {
                        self.methods.push(name.to_string());
                    } else {
                        self.functions.push(name.to_string());
                    }
                }
                TokenTree::Group(group) => self.scan(group.stream()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE: &str = "\
use crate::Greeter;

/// The service.
pub struct Basic;

impl Greeter for Basic {
    /// Says hello.
    async fn hello(&self, name: String) -> Result<String, Error> {
        Ok(name)
    }

    async fn greet(&self, name: String) -> Result<String, Error> {
        Ok(name)
    }
}

fn kept() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hello_works() {
        let service = Basic;
        assert!(service.hello(String::new()).await.is_ok());
    }

    #[tokio::test]
    async fn greet_works() {
        assert!(Basic.greet(String::new()).await.is_ok());
    }
}
";

    fn gone() -> Vec<(String, String)> {
        vec![("Greeter".to_owned(), "hello".to_owned())]
    }

    #[test]
    fn the_lost_method_and_its_tests_go_and_nothing_else_changes() {
        let pruned = prune_file(SERVICE, &gone(), FileKind::Source).unwrap();
        let expected = SERVICE
            .replace(
                "    /// Says hello.\n    async fn hello(&self, name: String) -> Result<String, Error> {\n        Ok(name)\n    }\n\n",
                "",
            )
            .replace(
                "    #[tokio::test]\n    async fn hello_works() {\n        let service = Basic;\n        assert!(service.hello(String::new()).await.is_ok());\n    }\n\n",
                "",
            );
        assert_eq!(pruned.new_source.as_deref(), Some(expected.as_str()));
        assert_eq!(
            pruned.removed,
            [
                Removed {
                    what: "`hello` from `impl Greeter for Basic`".to_owned(),
                    line: 7,
                },
                Removed {
                    what: "the test `hello_works` (it calls `hello`)".to_owned(),
                    line: 23,
                },
            ]
        );
    }

    #[test]
    fn helpers_that_call_it_go_with_the_tests_that_call_them() {
        let e2e = "\
async fn exercise(client: &impl Greeter) {
    client.hello(String::new()).await.unwrap();
}

#[tokio::test]
async fn over_http() {
    exercise(&client()).await;
}

#[tokio::test]
async fn other() {
    client().greet(String::new()).await.unwrap();
}
";
        let pruned = prune_file(e2e, &gone(), FileKind::Test).unwrap();
        assert_eq!(
            pruned.new_source.as_deref(),
            Some(
                "#[tokio::test]\nasync fn other() {\n    client().greet(String::new()).await.unwrap();\n}\n"
            )
        );
        let what: Vec<&str> = pruned.removed.iter().map(|r| r.what.as_str()).collect();
        assert_eq!(
            what,
            [
                "the test helper `exercise` (it calls `hello`)",
                "the test `over_http` (it calls `exercise`)"
            ]
        );
    }

    #[test]
    fn a_test_of_another_types_method_of_the_same_name_stays() {
        let tests = "\
#[test]
fn greeting_table() {
    let table = Table::new();
    assert_eq!(table.hello(1), 2);
}

#[tokio::test]
async fn by_path() {
    Greeter::hello(&Basic, String::new()).await.unwrap();
}
";
        let pruned = prune_file(tests, &gone(), FileKind::Test).unwrap();
        let what: Vec<&str> = pruned.removed.iter().map(|r| r.what.as_str()).collect();
        assert_eq!(what, ["the test `by_path` (it calls `hello`)"]);
        assert!(pruned.new_source.unwrap().contains("fn greeting_table"));
    }

    #[test]
    fn a_file_without_them_is_left_alone() {
        let pruned = prune_file(SERVICE, &[], FileKind::Source).unwrap();
        assert!(pruned.new_source.is_none() && pruned.removed.is_empty());
    }
}
