//! `rest!` with variables from scope and from `name = value`, values and references, a
//! two-scope route, a route with no scope, and generic code bounded on the route's scopes.
use mc_auth::scope::{Has, JourneysRead, ListAndSubscribersRead};
use mc_auth::{mc_client, rest, RequestBuilder};

#[mc_client(scopes = "journeys_read list_and_subscribers_read data_extensions_write")]
struct Marketer;

fn fire<C: Has<JourneysRead> + Has<ListAndSubscribersRead>>(c: &C) -> RequestBuilder {
    rest!(c, POST "/interaction/v1/events")
}

#[allow(dead_code)]
fn uses(m: Marketer, by_ref: &Marketer) -> Vec<RequestBuilder> {
    let id = String::from("3b6e1c5a");
    let key = "customers";
    vec![
        rest!(m, GET "/interaction/v1/interactions/{id}"),
        rest!(by_ref, GET "/interaction/v1/interactions/{id}/audit/{action}", action = "Publish"),
        rest!(&m, POST "/hub/v1/dataevents/key:{key}/rowset").json(&serde_json::json!([])),
        rest!(m, GET "/interaction/v1/interactions").query(&[("$page", "1")]),
        rest!(m, GET "/platform/v1/endpoints"),
        rest!(m, PUT "/hub/v1/dataevents/key:{key}/rows/{primaryKeys}", primaryKeys = 7).idempotent(true),
        fire(&m),
    ]
}

fn main() {}
