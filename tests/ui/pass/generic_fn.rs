//! Generic code bounded on scopes, one or several.
use mc_auth::scope::{self, EmailSend, Has, JourneysRead, ListAndSubscribersRead, ScopedClient};
use mc_auth::{mc_client, RequestBuilder};

#[mc_client(scopes = "email_send")]
struct Mailer;

#[mc_client(scopes = "email_send journeys_read list_and_subscribers_read")]
struct Marketer;

/// Works for every client type that declared `email_send`.
fn welcome<C: Has<EmailSend>>(client: &C, key: &str) -> RequestBuilder {
    client.rest::<EmailSend>().post(&format!("/messaging/v1/email/messages/{key}"))
}

/// An operation that needs two scopes, as a library would bound it.
trait Journeys: ScopedClient {
    fn fire_event(&self) -> RequestBuilder
    where
        Self: Has<(JourneysRead, ListAndSubscribersRead)>,
    {
        self.rest::<(JourneysRead, ListAndSubscribersRead)>().post("/interaction/v1/events")
    }
}
impl<C: ScopedClient> Journeys for C {}

/// Separate bounds when the function uses the scopes one at a time.
fn audit<C: Has<JourneysRead> + Has<ListAndSubscribersRead>>(client: &C) -> [RequestBuilder; 2] {
    [
        client.rest::<JourneysRead>().get("/interaction/v1/interactions"),
        client.rest::<ListAndSubscribersRead>().get("/contacts/v1/contacts"),
    ]
}

#[allow(dead_code)]
fn uses(mailer: &Mailer, marketer: &Marketer) {
    let _ = welcome(mailer, "m-1");
    let _ = welcome(marketer, "m-2");
    let _ = marketer.fire_event();
    let _ = audit(marketer);
    let _: mc_auth::Rest<'_, scope::JourneysRead> = marketer.rest();
}

fn main() {}
