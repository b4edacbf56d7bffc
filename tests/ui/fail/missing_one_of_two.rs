use mc_auth::scope::{Has, JourneysRead, ListAndSubscribersRead, ScopedClient};
use mc_auth::{mc_client, RequestBuilder};

#[mc_client(scopes = "journeys_read")]
pub struct Reader;

#[mc_client(scopes = "email_send")]
pub struct Mailer;

/// Needs both scopes, as MC's permission table says for journey entry events.
fn fire_event<C>(client: &C) -> RequestBuilder
where
    C: Has<(JourneysRead, ListAndSubscribersRead)>,
{
    client.rest::<(JourneysRead, ListAndSubscribersRead)>().post("/interaction/v1/events")
}

fn main() {
    // One of the two is missing: one error, naming it.
    let _ = |reader: Reader| fire_event(&reader);
    // Both are missing: one error each.
    let _ = |mailer: Mailer| mailer.rest::<(JourneysRead, ListAndSubscribersRead)>();
    let _ = <Reader as ScopedClient>::NAME;
}
