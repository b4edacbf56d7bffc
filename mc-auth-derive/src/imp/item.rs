//! Checks the item: a non-generic unit struct.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{Attribute, Fields, Ident, Item, Meta, Visibility};

use super::Errors;

/// What the expansion keeps of the user's struct.
pub(crate) struct ClientItem {
    /// Doc comments and other attributes, kept as written.
    pub(crate) attrs: Vec<Attribute>,
    /// The struct's visibility.
    pub(crate) vis: Visibility,
    /// The struct's name.
    pub(crate) ident: Ident,
    /// The user derives `Clone` (fine: the runtime client is `Clone`): do not implement it again.
    pub(crate) user_clone: bool,
    /// The user derives `Debug` (fine: the runtime client's `Debug` hides secrets): do not
    /// implement it again.
    pub(crate) user_debug: bool,
}

/// Parses and checks the item. `None` when it is not a struct at all (the caller passes it
/// through unchanged); for a struct with fields or generics, records the error and returns
/// the struct as if it were a plain unit struct, so later uses still resolve.
pub(crate) fn parse(item: TokenStream, errors: &mut Errors) -> Option<ClientItem> {
    let item = match syn::parse2::<Item>(item) {
        Ok(Item::Struct(s)) => s,
        Ok(other) => {
            let name = item_name(&other).unwrap_or_else(|| "Mailer".to_owned());
            errors.push(syn::Error::new(
                kind_span(&other),
                format!(
                    "`#[mc_client]` goes on a unit struct (`struct {name};`), not on {}",
                    kind_name(&other)
                ),
            ));
            return None;
        }
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let name = &item.ident;
    match &item.fields {
        Fields::Unit => {}
        fields => errors.push(syn::Error::new(
            fields.span(),
            format!(
                "`#[mc_client]` needs a unit struct (`struct {name};`): remove the fields \
                 (the macro adds the runtime client itself)"
            ),
        )),
    }
    if !item.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &item.generics,
            format!("`#[mc_client]` client types cannot be generic: remove the parameters of `{name}`"),
        ));
    }
    if let Some(w) = &item.generics.where_clause {
        errors.push(syn::Error::new_spanned(
            w,
            format!("`#[mc_client]` client types cannot have a `where` clause: remove it from `{name}`"),
        ));
    }
    let mut user_clone = false;
    let mut user_debug = false;
    for attr in &item.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Meta::List(list) = &attr.meta else { continue };
        let Ok(paths) =
            list.parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        for path in paths {
            let last = path.segments.last().map(|s| s.ident.to_string());
            match last.as_deref() {
                Some("Clone") => user_clone = true,
                Some("Debug") => user_debug = true,
                _ => {}
            }
        }
    }
    Some(ClientItem {
        attrs: item.attrs,
        vis: item.vis,
        ident: item.ident,
        user_clone,
        user_debug,
    })
}

fn kind_name(item: &Item) -> &'static str {
    match item {
        Item::Enum(_) => "an enum",
        Item::Union(_) => "a union",
        Item::Fn(_) => "a function",
        Item::Trait(_) => "a trait",
        Item::Impl(_) => "an impl block",
        Item::Mod(_) => "a module",
        Item::Type(_) => "a type alias",
        Item::Const(_) | Item::Static(_) => "a constant",
        _ => "another kind of item",
    }
}

fn item_name(item: &Item) -> Option<String> {
    match item {
        Item::Enum(e) => Some(e.ident.to_string()),
        Item::Union(u) => Some(u.ident.to_string()),
        Item::Fn(f) => Some(camel(&f.sig.ident.to_string())),
        Item::Trait(t) => Some(t.ident.to_string()),
        Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

/// `my_client` -> `MyClient`, for suggesting a struct name from a function name.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
        .collect()
}

/// The keyword that says what the item is (`enum`, `fn`, ...), else the whole item.
fn kind_span(item: &Item) -> proc_macro2::Span {
    match item {
        Item::Enum(e) => e.enum_token.span,
        Item::Union(u) => u.union_token.span,
        Item::Fn(f) => f.sig.fn_token.span,
        Item::Trait(t) => t.trait_token.span,
        Item::Impl(i) => i.impl_token.span,
        Item::Mod(m) => m.mod_token.span,
        Item::Type(t) => t.type_token.span,
        other => other.span(),
    }
}
