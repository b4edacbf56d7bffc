// A template variable with no variable of that name in scope, and a binding the template does
// not have.
use mc_auth::{mc_client, rest};

#[mc_client(scopes = "journeys_read")]
struct Journeys;

fn calls(c: &Journeys, journey_id: &str) {
    let _ = rest!(c, GET "/interaction/v1/interactions/{id}");
    let _ = rest!(c, GET "/interaction/v1/interactions/{id}", id = journey_id, action = "Publish");
}

fn main() {
    let _ = calls;
}
