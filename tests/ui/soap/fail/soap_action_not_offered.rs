// Actions an object does not offer, and types that are not SOAP objects, are refused by name.
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth::soap::{self, RetrieveRequest, SoapObject};

#[mc_client(scopes = "tracking_events_read tracking_events_write")]
pub struct Tracker;

async fn calls(t: &Tracker, rows: &[SoapObject]) -> mc_auth::Result<()> {
    t.soap().create::<soap::SentEvent>(rows).await?;
    t.soap().retrieve::<String>(RetrieveRequest::new("String", ["x"])).await?;
    Ok(())
}

fn main() {
    let _ = calls;
}
