//! Transactional email: create a definition, send one message and a batch, read the status.
//!
//! ```text
//! cargo run --example send_email
//! ```
//!
//! Runs against the fake Marketing Cloud unless `MC_*` variables are set. Against a real
//! tenant it needs an email asset whose customer key is in `MC_EMAIL_ASSET_KEY` and sends to
//! `MC_TEST_RECIPIENT`.

use mc_auth::api::email::{EmailBatch, EmailDefinition, EmailMessage, Recipient};
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth_examples::{run_example, Target};

/// The component that sends mail: it may read and write definitions and send.
#[mc_client(scopes = "email_read email_write email_send")]
struct Mailer;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Mailer::SCOPES).await?;
        println!("Using {}", target.describe());
        let mailer = Mailer::connect(target.credentials()).await?;

        let asset_key = std::env::var("MC_EMAIL_ASSET_KEY").unwrap_or_else(|_| "welcome-email".into());
        let to = std::env::var("MC_TEST_RECIPIENT").unwrap_or_else(|_| "ada@example.com".into());
        let key = format!("mc-auth-example-{}", std::process::id());

        let def = mailer
            .create_email_definition(&EmailDefinition::new(&key, "mc-auth example", asset_key))
            .await?;
        println!("Created definition {} ({})", def.definition_key, def.name);

        let message_key = format!("{key}-1");
        let msg = EmailMessage::new(
            &key,
            Recipient::to(&to).contact_key("ada").attribute("FirstName", "Ada"),
        );
        let sent = mailer.send_email(&message_key, &msg).await?;
        println!("Sent one message: request {:?}", sent.request_id);

        let batch = EmailBatch::new(
            &key,
            vec![
                Recipient::to(&to).contact_key("ada").message_key(format!("{key}-2")),
                Recipient::to(&to).contact_key("ada").message_key(format!("{key}-3")),
            ],
        );
        let sent = mailer.send_email_batch(&batch).await?;
        println!("Sent a batch of {}", sent.responses.len());

        let status = mailer.email_message_status(&message_key).await?;
        println!("Status of {message_key}: {:?}", status.event_category_type);

        if let Some(fake) = target.fake() {
            println!("The fake recorded {} send(s)", fake.email().sends().len());
        }
        Ok(())
    });
}
