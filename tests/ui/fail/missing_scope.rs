use mc_auth::{mc_client, scope};

#[mc_client(scopes = "email_read email_send")]
pub struct Mailer;

async fn load(mailer: Mailer) -> mc_auth::Result<()> {
    mailer
        .rest::<scope::DataExtensionsWrite>()
        .post("/hub/v1/dataevents/key:customers/rowset")
        .send()
        .await?;
    Ok(())
}

fn main() {
    let _ = load;
}
