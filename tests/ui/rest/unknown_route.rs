// A path that is not in MC's permission table: the error names the closest routes and the
// unchecked way. A concrete path where a template is expected is not in the table either.
use mc_auth::{mc_client, rest};

#[mc_client(scopes = "journeys_read")]
struct Journeys;

fn calls(c: &Journeys) {
    let _ = rest!(c, GET "/interaction/v1/interaction/{id}");
    let _ = rest!(c, GET "/interaction/v1/interactions/3b6e1c5a");
    let _ = rest!(c, PATCH "/interaction/v1/interactions/{id}");
    let _ = rest!(c, FETCH "/interaction/v1/interactions");
}

fn main() {
    let _ = calls;
}
