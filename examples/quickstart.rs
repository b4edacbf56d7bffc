//! Quickstart: a real token exchange and an authenticated call.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Runs against the built-in fake Marketing Cloud on loopback unless `MC_SUBDOMAIN`,
//! `MC_CLIENT_ID` and `MC_CLIENT_SECRET` (and optionally `MC_ACCOUNT_ID`) are set, in which case
//! it talks to your tenant. Secrets are never printed.

use mc_auth::{Client, Credentials};
use mc_auth_examples::Target;

const SCOPES: [&str; 2] = ["email_read", "email_send"];

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> mc_auth::Result<()> {
    let target = Target::from_env_or_fake(&SCOPES).await?;
    println!("Using {}", target.describe());

    let creds: Credentials = target.credentials();
    println!("Credentials: {creds:?}");

    let client = Client::builder(creds)
        .name("Quickstart")
        .scopes(SCOPES)
        .connect()
        .await?;
    let token = client.token().await?;
    println!("Token: {token:?}");
    println!("  granted scopes : {}", token.scopes());
    println!(
        "  lifetime       : {} s (refresh starts about 5 minutes before expiry)",
        token.lifetime().as_secs()
    );
    println!("  REST base      : {}", token.rest_instance_url());
    println!("  SOAP base      : {}", token.soap_instance_url());

    let info = client.userinfo().await?;
    println!(
        "GET /v2/userinfo: business unit {:?}, application {:?}",
        info.organization.member_id, info.application.name
    );

    // A second call reuses the cached token: no new token request.
    let defs: serde_json::Value = client.get("/messaging/v1/email/definitions").send().await?.json()?;
    println!("GET /messaging/v1/email/definitions: {} definition(s)", defs["count"]);

    let stats = client.stats();
    println!(
        "Token requests made: {} (API calls reuse the cached token)",
        stats.token_requests
    );
    if let Some(fake) = target.fake() {
        println!(
            "The fake saw {} token request(s) and {} API request(s)",
            fake.token_request_count(),
            fake.api_request_count()
        );
    }
    Ok(())
}
