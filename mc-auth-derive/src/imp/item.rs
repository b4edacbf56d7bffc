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
    let mut attrs = Vec::with_capacity(item.attrs.len());
    for attr in item.attrs {
        let Some(paths) = derived_paths(&attr) else {
            attrs.push(attr);
            continue;
        };
        let mut kept = Vec::with_capacity(paths.len());
        for path in paths {
            let last = path.segments.last().map(|s| s.ident.to_string());
            match last.as_deref() {
                Some("Clone") => user_clone = true,
                Some("Debug") => user_debug = true,
                Some(other) => {
                    if let Some(why) = not_derivable(other, name) {
                        errors.push(syn::Error::new_spanned(
                            &path,
                            format!("`#[mc_client]` client types cannot derive `{other}`: {why}"),
                        ));
                        continue;
                    }
                }
                None => {}
            }
            kept.push(path);
        }
        if !kept.is_empty() {
            attrs.push(syn::parse_quote_spanned!(attr.span()=> #[derive(#(#kept),*)]));
        }
    }
    Some(ClientItem {
        attrs,
        vis: item.vis,
        ident: item.ident,
        user_clone,
        user_debug,
    })
}

/// The paths of a `#[derive(...)]` attribute; `None` for any other attribute.
fn derived_paths(attr: &Attribute) -> Option<Vec<syn::Path>> {
    if !attr.path().is_ident("derive") {
        return None;
    }
    let Meta::List(list) = &attr.meta else { return None };
    list.parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        .ok()
        .map(|paths| paths.into_iter().collect())
}

/// Why a client type cannot derive the trait named `name`, if it cannot.
fn not_derivable(name: &str, client: &Ident) -> Option<String> {
    let why = match name {
        "PartialEq" | "Eq" | "PartialOrd" | "Ord" | "Hash" => {
            "a client holds a connection pool and a token cache, which have no equality, order or hash; \
             compare client types by `<{client} as ScopedClient>::NAME` or `{client}::SCOPES` instead"
        }
        "Default" => {
            "a client is made by connecting, with credentials: use `{client}::connect(credentials).await` \
             (or `connect_with`, `web_app`, `public_app`)"
        }
        "Copy" => {
            "a client holds a connection pool and a token cache; it is `Clone` (cheap: the clones \
             share them), so call `.clone()`"
        }
        "Serialize" | "Deserialize" => {
            "a client holds a connection pool and a token cache, not data; store its `Credentials` \
             settings instead and connect again"
        }
        _ => return None,
    };
    Some(why.replace("{client}", &client.to_string()))
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
