//! Two client types from the same credentials, each with exactly its own scopes.
use mc_auth::{mc_client, scope, Credentials};

/// Sends mail; cannot touch data extensions.
#[mc_client(scopes = "email_send")]
pub struct Mailer;

/// Loads rows; cannot send mail.
#[mc_client(scopes = "data_extensions_read data_extensions_write")]
pub(crate) struct Loader;

#[allow(dead_code)]
async fn run(credentials: Credentials) -> mc_auth::Result<()> {
    let mailer = Mailer::connect(credentials.clone()).await?;
    let loader = Loader::connect(credentials).await?;
    mailer.rest::<scope::EmailSend>().post("/messaging/v1/email/messages/m-1").send().await?;
    loader
        .rest::<scope::DataExtensionsWrite>()
        .post("/hub/v1/dataevents/key:customers/rowset")
        .json(&serde_json::json!([]))
        .send()
        .await?;
    loader.rest::<scope::DataExtensionsRead>().get("/data/v1/async/r-1/status").send().await?;
    Ok(())
}

fn main() {
    assert_eq!(Mailer::SCOPES, ["email_send"]);
    assert_eq!(Loader::SCOPES, ["data_extensions_read", "data_extensions_write"]);
}
