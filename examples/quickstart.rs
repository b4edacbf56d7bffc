//! Quickstart: a real token exchange and authenticated calls.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! Runs against the built-in fake Marketing Cloud on loopback unless `MC_SUBDOMAIN`,
//! `MC_CLIENT_ID` and `MC_CLIENT_SECRET` (and optionally `MC_ACCOUNT_ID`) are set, in which case
//! it talks to your tenant. Secrets are never printed.

use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::{mc_client, scope};
use mc_auth_examples::{run_example, Target};

/// The quickstart's client: it may read and send email, nothing else.
#[mc_client(scopes = "email_read email_send")]
struct Quickstart;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Quickstart::SCOPES).await?;
        println!("Using {}", target.describe());
        let creds = target.credentials();
        println!("Credentials: {creds:?}");

        // Client credentials: a token for exactly Quickstart::SCOPES, checked on receipt.
        let client = Quickstart::connect(creds).await?;
        println!("Connected: {client:?}");
        let token = client.client().token().await?;
        println!("Token: {token:?}");
        println!("  granted scopes : {}", token.scopes());
        println!(
            "  lifetime       : {} s (refreshed in the background about 5 minutes before expiry)",
            token.lifetime().as_secs()
        );
        println!("  REST base      : {}", token.rest_instance_url());
        println!("  SOAP base      : {}", token.soap_instance_url());

        let info = client.client().userinfo().await?;
        println!(
            "GET /v2/userinfo: business unit {:?}, application {:?}",
            info.organization.member_id, info.application.name
        );

        // Any REST path, under a declared scope...
        let defs: serde_json::Value = client
            .rest::<scope::EmailRead>()
            .get("/messaging/v1/email/definitions")
            .send()
            .await?
            .json()?;
        println!("GET /messaging/v1/email/definitions: {} definition(s)", defs["count"]);

        // ...or a typed operation, bounded on the scope MC requires for it.
        let mut listed = client.list_email_definitions(50);
        let mut n = 0;
        while let Some(def) = listed.next().await {
            let def = def?;
            n += 1;
            println!("  definition {} ({})", def.definition_key, def.name);
        }
        println!("Listed {n} definition(s) through the typed API");

        let stats = client.client().stats();
        println!(
            "Token requests made: {} (every call reused the cached token)",
            stats.token_requests
        );
        if let Some(fake) = target.fake() {
            println!(
                "The fake saw {} token request(s) and {} API request(s)",
                fake.requests().token_count(),
                fake.requests().api_count()
            );
        }
        Ok(())
    });
}
