// Generic code bounded on the scope reaches the typed SOAP calls; a Retrieval streams with
// `next().await` without pinning; the futures are Send (spawnable).
use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::scope::{Has, ListAndSubscribersRead, ListAndSubscribersWrite};
use mc_auth::soap::{self, RetrieveRequest, SoapObject};

async fn copy_keys<C>(c: &C) -> mc_auth::Result<usize>
where
    C: Has<ListAndSubscribersRead> + Has<ListAndSubscribersWrite>,
{
    let request = RetrieveRequest::of::<soap::Subscriber>(["SubscriberKey"]);
    let mut stream = c.soap().retrieve::<soap::Subscriber>(request).stream();
    let mut rows = Vec::new();
    while let Some(s) = stream.next().await {
        rows.push(SoapObject::new("Subscriber").with("SubscriberKey", s?.get("SubscriberKey").unwrap_or("")));
    }
    c.soap().update::<soap::Subscriber>(&rows).await.map(|r| r.len())
}

fn assert_send<T: Send>(_: &T) {}

#[mc_auth::mc_client(scopes = "list_and_subscribers_read list_and_subscribers_write")]
struct Audience;

#[allow(clippy::let_underscore_future)]
fn spawnable(a: &'static Audience) {
    let fut = copy_keys(a);
    assert_send(&fut);
    let _ = fut;
}

fn main() {
    let _ = spawnable;
}
