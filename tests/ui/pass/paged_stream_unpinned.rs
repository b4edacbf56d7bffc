//! Paged results are `Unpin`: `next().await` works on them without `pin!`.
use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::api::Paged;
use mc_auth::mc_client;

#[mc_client(scopes = "email_read journeys_read data_extensions_read")]
struct Reader;

#[allow(dead_code)]
async fn read(reader: &Reader) -> mc_auth::Result<usize> {
    let mut n = 0;
    let mut defs = reader.list_email_definitions(50);
    while let Some(def) = defs.next().await {
        def?;
        n += 1;
    }
    let mut journeys: Paged<_> = reader.list_journeys(50);
    if let Some(journey) = journeys.next().await {
        journey?;
    }
    let rows = reader.query_rows("key", Default::default());
    fn unpin_send<S: Unpin + Send>(_: &S) {}
    unpin_send(&rows);
    Ok(n)
}

fn main() {}
