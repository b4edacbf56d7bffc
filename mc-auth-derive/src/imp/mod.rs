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
mod scopes;
mod suggest;

use proc_macro2::TokenStream;

/// Expands `#[mc_client(<attr>)] <item>`.
pub fn mc_client(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = attr::parse(attr, &mut errors);
    let declared = args
        .scopes
        .as_ref()
        .map(|lit| scopes::validate(lit, &mut errors))
        .unwrap_or_default();
    let Some(client) = item::parse(item.clone(), &mut errors) else {
        // Not a struct at all: give the item back unchanged next to the errors.
        return expand::passthrough(item, errors.into_compile_errors());
    };
    let complete = errors.is_empty();
    let tokens = expand::client(&client, &declared, args.scopes.as_ref(), complete);
    expand::with_errors(tokens, errors.into_compile_errors())
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
