// Creating a data extension needs data_extensions_write (the catalog's create_data_extension
// operation); a client that can only read data extensions is told so, once, at the call.
use mc_auth::api::data_extension_schema::{DataExtensionSpec, FieldSpec};
use mc_auth::api::prelude::*;
use mc_auth::mc_client;

#[mc_client(scopes = "data_extensions_read")]
struct Reader;

async fn create(c: &Reader) {
    let spec = DataExtensionSpec::new("Orders").field(FieldSpec::number("Id").primary_key());
    let _ = c.create_data_extension(&spec).await;
}

fn main() {}
