// `rest!` on a catalogued route: one error per scope the client type lacks, at the route.
use mc_auth::{mc_client, rest};

#[mc_client(scopes = "journeys_read")]
struct Journeys;

async fn calls(c: &Journeys) -> mc_auth::Result<()> {
    let id = "3b6e1c5a";
    rest!(c, GET "/interaction/v1/interactions/{id}").send().await?;
    rest!(c, POST "/messaging/v1/email/messages").send().await?;
    rest!(c, POST "/interaction/v1/events").send().await?;
    rest!(c, GET "/messaging/v1/sms/messages").send().await?;
    Ok(())
}

fn main() {
    let _ = calls;
}
