//! `rest!(client, METHOD "/path/{var}" [, var = expr]*)`: finds the route in [`catalog::ROUTES`]
//! and expands to a call whose `Has<..>` bound is the compile-time scope check.
//!
//! The expansion is `{ use CheckedRoute as _; (client).__mc_rest_route::<Scopes>(..) }`: a
//! method call, so that `client` may be a value or a reference. The scope type tokens carry the
//! span of the path literal, so that a missing scope is reported there, once per scope.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Token};

use super::catalog::ROUTES;
use super::suggest::distance;

/// The HTTP methods the catalog uses.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// How many catalogued routes an unknown path's error names.
const SUGGESTIONS: usize = 3;

struct Input {
    client: Expr,
    method: Ident,
    path: LitStr,
    vars: Vec<(Ident, Expr)>,
}

struct Binding {
    name: Ident,
    value: Expr,
}

impl Parse for Binding {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = input.parse()?;
        input.parse::<Token![=]>()?;
        Ok(Binding {
            name,
            value: input.parse()?,
        })
    }
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let usage = "expected `rest!(client, GET \"/path/{var}\")`, optionally followed by `, var = value`";
        let client: Expr = input.parse().map_err(|e| syn::Error::new(e.span(), usage))?;
        input
            .parse::<Token![,]>()
            .map_err(|e| syn::Error::new(e.span(), usage))?;
        let method: Ident = input.parse().map_err(|e| syn::Error::new(e.span(), usage))?;
        let path: LitStr = input.parse().map_err(|e| syn::Error::new(e.span(), usage))?;
        let mut vars = Vec::new();
        if input.parse::<Option<Token![,]>>()?.is_some() {
            let rest: Punctuated<Binding, Token![,]> = Punctuated::parse_terminated(input)?;
            vars = rest.into_iter().map(|b| (b.name, b.value)).collect();
        }
        Ok(Input {
            client,
            method,
            path,
            vars,
        })
    }
}

/// One piece of the template: literal text or a `{name}` variable.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Lit(&'a str),
    Var(&'a str),
}

/// `/a/{id}/key:{key}` -> `Lit("/a/"), Var("id"), Lit("/key:"), Var("key")`. Catalogued
/// templates are validated by `cargo xtask codegen`, so this only splits.
fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        if open > 0 {
            out.push(Piece::Lit(&rest[..open]));
        }
        out.push(Piece::Var(&rest[open + 1..open + close]));
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest));
    }
    out
}

/// The error for a method and path that are not in the catalog.
fn unknown(method: &str, path: &str) -> String {
    let same_path: Vec<&str> = ROUTES
        .iter()
        .filter(|(_, p, _)| *p == path)
        .map(|(m, _, _)| *m)
        .collect();
    let mut msg = if same_path.is_empty() {
        format!("`{method} {path}` is not a route in Marketing Cloud's REST permission table (mc_auth::scope::ROUTES)")
    } else {
        format!(
            "Marketing Cloud's REST permission table lists `{path}` for {} only, not for {method}",
            same_path.join(", ")
        )
    };
    let wanted = format!("{method} {path}");
    let mut near: Vec<(usize, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| {
            let candidate = format!("{m} {p}");
            (distance(&wanted, &candidate), candidate)
        })
        .collect();
    near.sort();
    msg.push_str("\nthe closest catalogued routes are:");
    for (_, candidate) in near.iter().take(SUGGESTIONS) {
        msg.push_str(&format!("\n    {candidate}"));
    }
    msg.push_str(
        "\nwrite the path as its template, with `{name}` for each variable part (filled from the variable `name`, or `name = value` after the path);\n\
         for a route the catalog does not list, the unchecked way is `client.rest::<Scopes>().get(path)`, where you vouch that `Scopes` covers it",
    );
    msg
}

/// Expands `rest!(...)`.
pub fn rest(input: TokenStream) -> TokenStream {
    let Input {
        client,
        method,
        path,
        vars,
    } = match syn::parse2::<Input>(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let span = path.span();
    let m = method.to_string();
    if !METHODS.contains(&m.as_str()) {
        let msg = format!("unknown HTTP method `{m}`: expected one of {}", METHODS.join(", "));
        return syn::Error::new(method.span(), msg).to_compile_error();
    }
    let template = path.value();
    let Some((_, _, markers)) = ROUTES.iter().find(|(rm, rp, _)| *rm == m && *rp == template) else {
        return syn::Error::new(span, unknown(&m, &template)).to_compile_error();
    };

    let parts = pieces(&template);
    let names: Vec<&str> = parts
        .iter()
        .filter_map(|p| match p {
            Piece::Var(v) => Some(*v),
            Piece::Lit(_) => None,
        })
        .collect();
    for (name, _) in &vars {
        if !names.contains(&name.to_string().as_str()) {
            let msg = format!(
                "`{name}` is not a variable of `{m} {template}`; its variables are: {}",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                }
            );
            return syn::Error::new(name.span(), msg).to_compile_error();
        }
    }
    let rendered = parts.iter().map(|p| match p {
        Piece::Lit(s) => quote!(::mc_auth::__private::Piece::Lit(#s)),
        Piece::Var(v) => {
            let value = match vars.iter().find(|(n, _)| n == v) {
                Some((_, e)) => quote!(&(#e)),
                // The variable of that name at the call site; a missing one is rustc's
                // "cannot find value `v` in this scope", pointing at the path.
                None => {
                    let ident = Ident::new(v, span);
                    quote!(&#ident)
                }
            };
            quote!(::mc_auth::__private::Piece::Var(#v, #value))
        }
    });
    let scope_types: Vec<TokenStream> = markers
        .iter()
        .map(|mk| {
            let ident = Ident::new(mk, Span::call_site());
            quote_spanned!(span=> ::mc_auth::scope::#ident)
        })
        .collect();
    let scopes = match scope_types.len() {
        1 => scope_types[0].clone(),
        _ => quote_spanned!(span=> (#(#scope_types,)*)),
    };
    let method_ident = Ident::new(&m, method.span());
    let call = quote_spanned!(span=> __mc_rest_route::<#scopes>);
    quote! {
        {
            #[allow(unused_imports)]
            use ::mc_auth::__private::CheckedRoute as _;
            (#client).#call(::mc_auth::__private::Method::#method_ident, #path, &[#(#rendered),*])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_pieces() {
        assert_eq!(
            pieces("/a/{id}/b/key:{key}"),
            [
                Piece::Lit("/a/"),
                Piece::Var("id"),
                Piece::Lit("/b/key:"),
                Piece::Var("key")
            ]
        );
        assert_eq!(pieces("/a"), [Piece::Lit("/a")]);
    }

    #[test]
    fn unknown_routes_name_the_closest() {
        let e = unknown("GET", "/interaction/v1/interaction/{id}");
        assert!(e.contains("\n    GET /interaction/v1/interactions/{id}\n"), "{e}");
        assert!(e.contains("rest::<Scopes>()"), "{e}");
        let e = unknown("PATCH", "/interaction/v1/interactions/{id}");
        assert!(e.contains("for DELETE, GET only, not for PATCH"), "{e}");
    }

    #[test]
    fn every_catalogued_route_expands() {
        for (m, p, _) in ROUTES {
            let vars: Vec<String> = pieces(p)
                .iter()
                .filter_map(|x| match x {
                    Piece::Var(v) => Some(format!(", {v} = \"x\"")),
                    Piece::Lit(_) => None,
                })
                .collect();
            let src = format!("c, {m} {p:?}{}", vars.concat());
            let out = rest(src.parse().unwrap()).to_string();
            assert!(out.contains("__mc_rest_route"), "{m} {p}: {out}");
        }
        let out = rest("c, GET \"/nope\"".parse().unwrap()).to_string();
        assert!(out.contains("compile_error"), "{out}");
        let out = rest("c, FETCH \"/nope\"".parse().unwrap()).to_string();
        assert!(out.contains("unknown HTTP method"), "{out}");
        let out = rest("c, GET \"/interaction/v1/interactions/{id}\", idd = 1".parse().unwrap()).to_string();
        assert!(out.contains("`idd` is not a variable"), "{out}");
    }
}
