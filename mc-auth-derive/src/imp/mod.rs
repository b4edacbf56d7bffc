//! The `#[mc_client]` pipeline, one stage per file: [`attr`] parses the arguments,
//! [`item`] checks the struct, [`scopes`] validates the scope list against [`catalog`]
//! (with [`suggest`] for typos), and [`expand`] generates the code.
//!
//! Errors are collected, not returned at the first one, and the struct is still emitted
//! next to them (see [`expand::client`]) so one mistake does not cascade.

mod attr;
mod catalog;
mod expand;
mod item;
// `rest!`: unused in xtask's copy of this module (which expands `#[mc_client]` only).
#[allow(dead_code)]
mod route;
mod scopes;
mod suggest;

use proc_macro2::TokenStream;

#[allow(unused_imports)]
pub use route::rest;

/// What `#[mc_client]` expands to, in three parts: tokens, then Rust source, then the errors.
///
/// The middle part is text so that the proc-macro entry point can hand it to the compiler's
/// own parser in one call (see [`expand`]); [`Expansion::into_tokens`] joins everything with
/// `proc_macro2` instead, for use outside the compiler.
pub struct Expansion {
    /// The struct (or the item passed through unchanged).
    pub tokens: TokenStream,
    /// The impls, as Rust source; empty when the item was not a struct.
    pub source: String,
    /// `compile_error!`s, if any.
    pub errors: TokenStream,
}

impl Expansion {
    /// Everything as one `proc_macro2` token stream (used by `cargo xtask expand`).
    #[allow(dead_code)]
    pub fn into_tokens(self) -> Result<TokenStream, String> {
        let source: TokenStream = self.source.parse().map_err(|e| format!("{e:?}"))?;
        let (tokens, errors) = (self.tokens, self.errors);
        Ok(quote::quote!(#tokens #source #errors))
    }
}

/// Expands `#[mc_client(<attr>)] <item>`.
pub fn mc_client(attr: TokenStream, item: TokenStream) -> Expansion {
    let mut errors = Errors::default();
    let args = attr::parse(attr, &mut errors);
    let declared = args
        .scopes
        .as_ref()
        .map(|lit| scopes::validate(lit, &mut errors))
        .unwrap_or_default();
    let Some(client) = item::parse(item.clone(), &mut errors) else {
        // Not a struct at all: give the item back unchanged next to the errors.
        return Expansion {
            tokens: item,
            source: String::new(),
            errors: errors.into_compile_errors(),
        };
    };
    let complete = errors.is_empty();
    let (tokens, source) = expand::client(&client, &declared, complete);
    Expansion {
        tokens,
        source,
        errors: errors.into_compile_errors(),
    }
}

/// Errors collected across the stages.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds one error.
    pub(crate) fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    fn into_compile_errors(self) -> TokenStream {
        self.0.map(|e| e.to_compile_error()).unwrap_or_default()
    }
}
