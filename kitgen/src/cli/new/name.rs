//! Crate names: cargo's rules, and a fix to suggest when a name breaks them.

/// Names cargo refuses as packages, besides Rust's keywords.
const RESERVED: [&str; 5] = ["test", "core", "std", "alloc", "proc_macro"];

/// The crates a new service depends on, whose names its own library
/// would shadow.
const DEPENDENCIES: [&str; 7] = [
    "kit",
    "kitgen_runtime",
    "clap",
    "thiserror",
    "tokio",
    "tracing",
    "tracing_subscriber",
];

/// Rust's keywords, which cannot name a library.
const KEYWORDS: [&str; 51] = [
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where",
];

/// Why `name` cannot name a crate, if it cannot, with a name that can.
pub(super) fn check(name: &str) -> Result<(), (String, Option<String>)> {
    let problem = if name.is_empty() {
        "a crate name cannot be empty".to_owned()
    } else if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        format!(
            "`{name}` is not a valid crate name: {bad:?} is not allowed; use letters, digits, `-` and `_`"
        )
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        format!("`{name}` is not a valid crate name: it must start with a letter")
    } else if KEYWORDS.contains(&name) || RESERVED.contains(&name.replace('-', "_").as_str()) {
        format!("`{name}` is not a valid crate name: it is reserved by Rust or cargo")
    } else if DEPENDENCIES.contains(&name.replace('-', "_").as_str()) {
        format!("`{name}` would clash with the `{name}` crate, which the service depends on")
    } else {
        return Ok(());
    };
    Err((problem, suggest(name)))
}

/// A valid crate name close to `name`: lowercase, runs of other characters
/// turned into one `-`, a leading letter, and `svc` after a reserved word.
fn suggest(name: &str) -> Option<String> {
    let mut fixed = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            fixed.push(c.to_ascii_lowercase());
        } else if !fixed.is_empty() && !fixed.ends_with('-') {
            fixed.push('-');
        }
    }
    let fixed = fixed.trim_matches(|c| c == '-' || c == '_');
    let fixed = fixed.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '_');
    if fixed.is_empty() {
        return None;
    }
    let mut fixed = fixed.to_owned();
    let snake = fixed.replace('-', "_");
    if KEYWORDS.contains(&fixed.as_str())
        || RESERVED.contains(&snake.as_str())
        || DEPENDENCIES.contains(&snake.as_str())
    {
        fixed.push_str("svc");
    }
    (check(&fixed).is_ok() && fixed != name).then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_names_pass() {
        for name in ["ordersvc", "order-svc", "order_svc", "a1"] {
            assert_eq!(check(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn bad_names_get_a_fix() {
        let cases = [
            ("Order Service", Some("order-service")),
            ("orders.v1", Some("orders-v1")),
            ("1orders", Some("orders")),
            ("fn", Some("fnsvc")),
            ("test", Some("testsvc")),
            ("tokio", Some("tokiosvc")),
            ("tracing-subscriber", Some("tracing-subscribersvc")),
            ("!!!", None),
            ("", None),
        ];
        for (name, fix) in cases {
            let (_, suggestion) = check(name).unwrap_err();
            assert_eq!(suggestion.as_deref(), fix, "{name:?}");
        }
    }
}
