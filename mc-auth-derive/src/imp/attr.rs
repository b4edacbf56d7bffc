//! Parses the attribute arguments: `scopes = "email_read email_send"`.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, LitStr, Token};

use super::Errors;

/// The keys `#[mc_client(...)]` accepts.
pub(crate) const KEYS: &[&str] = &["scopes"];

/// The parsed arguments; a missing or invalid value is `None` (and an error was recorded).
#[derive(Default)]
pub(crate) struct Args {
    /// `scopes = "..."`.
    pub(crate) scopes: Option<LitStr>,
}

/// Parses `key = value, ...`, recording every problem found.
pub(crate) fn parse(attr: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let mut seen_scopes = false;
    let mut unknown_keys = false;
    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            // A plain string literal is the common case; parse a whole expression only to
            // report anything else (it is much slower in an unoptimized macro build).
            let value = if plain_string_next(input) {
                Value::Str(input.parse()?)
            } else {
                Value::Other(input.parse()?)
            };
            if key == "scopes" {
                if seen_scopes {
                    errors.push(syn::Error::new(key.span(), "duplicate key `scopes`"));
                } else {
                    seen_scopes = true;
                    match value {
                        Value::Str(lit) => args.scopes = Some(lit),
                        Value::Other(value) if string_in(&value).is_some() => args.scopes = string_in(&value),
                        Value::Other(value) => errors.push(syn::Error::new_spanned(
                            &value,
                            "expected a string of scopes separated by spaces: `scopes = \"email_read email_send\"`",
                        )),
                    }
                }
            } else {
                unknown_keys = true;
                errors.push(unknown_key(&key));
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(attr) {
        errors.push(syn::Error::new(
            e.span(),
            format!("{e}; expected `#[mc_client(scopes = \"email_read email_send\")]`"),
        ));
        // The scopes may have been read before the syntax error; only complain if not.
        return args;
    }
    // After an unknown key (often `scope` for `scopes`), "missing `scopes`" would only repeat it.
    if !seen_scopes && !unknown_keys {
        errors.push(syn::Error::new(
            Span::call_site(),
            "missing `scopes = \"...\"`: list the Marketing Cloud scopes this client needs, \
             e.g. `#[mc_client(scopes = \"email_read email_send\")]`",
        ));
    }
    args
}

/// A key's value: the expected string literal, or anything else (to report).
enum Value {
    Str(LitStr),
    Other(Expr),
}

/// A string literal, possibly inside invisible groups (as `macro_rules!` passes `$s:expr`).
fn string_in(value: &Expr) -> Option<LitStr> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            attrs,
        }) if attrs.is_empty() => Some(s.clone()),
        Expr::Group(g) => string_in(&g.expr),
        _ => None,
    }
}

/// True when the input is a string literal followed by `,` or the end.
fn plain_string_next(input: ParseStream) -> bool {
    let fork = input.fork();
    input.peek(LitStr) && fork.parse::<LitStr>().is_ok() && (fork.is_empty() || fork.peek(Token![,]))
}

fn unknown_key(key: &Ident) -> syn::Error {
    let name = key.to_string();
    let accepted: Vec<String> = KEYS.iter().map(|k| format!("`{k}`")).collect();
    let hint = match super::suggest::closest(&name, KEYS.iter().copied()) {
        Some(k) => format!(": did you mean `{k}`?"),
        None => String::new(),
    };
    syn::Error::new(
        key.span(),
        format!("unknown key `{name}`{hint} (accepted keys: {})", accepted.join(", ")),
    )
}
