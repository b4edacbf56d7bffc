// Creating a query activity needs automations_write (Create on the catalog's QueryDefinition
// SOAP object, operation create_query_activity); a client that can only read and run
// automations is told so, once, at the call.
use mc_auth::api::automation::QueryActivity;
use mc_auth::api::prelude::*;
use mc_auth::mc_client;

#[mc_client(scopes = "automations_read automations_execute")]
struct Runner;

async fn create(c: &Runner) {
    let query = QueryActivity::new("vips", "VIPs", "SELECT Email FROM Customers", "vip_target");
    let _ = c.create_query_activity(&query).await;
}

fn main() {}
