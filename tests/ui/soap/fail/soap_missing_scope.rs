// A SOAP action the client's scopes do not cover: one error per call, at the call, naming the
// missing scope, whether the call is awaited or not.
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth::soap::{self, SoapObject};

#[mc_client(scopes = "list_and_subscribers_read")]
pub struct Reader;

#[allow(unused_must_use, clippy::let_underscore_future)]
fn sync_call(reader: &Reader, rows: &[SoapObject]) {
    reader.soap().create::<soap::Subscriber>(rows);
}

async fn awaited_call(reader: &Reader, rows: &[SoapObject]) -> mc_auth::Result<()> {
    reader.soap().create::<soap::Subscriber>(rows).await?;
    Ok(())
}

fn main() {
    let _ = (sync_call, awaited_call);
}
