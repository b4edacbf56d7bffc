// Every typed operation, called on a client type that declared none of the scopes it needs:
// each call must fail to compile with an error naming the missing Marketing Cloud scope(s).
use mc_auth::api::assets::{Asset, AssetQuery, AssetType};
use mc_auth::api::contacts::Contact;
use mc_auth::api::data_extensions::{Row, RowQuery};
use mc_auth::api::email::{EmailBatch, EmailDefinition, EmailMessage, Recipient};
use mc_auth::api::journeys::EntryEvent;
use mc_auth::api::prelude::*;
use mc_auth::api::sms::{SmsBatch, SmsDefinition, SmsMessage};
use mc_auth::mc_client;

#[mc_client(scopes = "webhooks_read")]
struct Bare;

#[allow(unused_must_use, clippy::let_underscore_future)]
fn calls(c: &Bare) {
    let msg = EmailMessage::new("d", Recipient::to("a@b.c"));
    c.send_email("k", &msg);
    c.send_email_batch(&EmailBatch::new("d", vec![]));
    c.create_email_definition(&EmailDefinition::new("k", "n", "c"));
    c.get_email_definition("k");
    c.list_email_definitions(10);
    c.email_message_status("k");
    c.update_email_definition("k", &serde_json::json!({}));
    c.delete_email_definition("k");
    c.send_sms("k", &SmsMessage::new("d", Recipient::to("+1")));
    c.send_sms_batch(&SmsBatch::new("d", vec![]));
    c.create_sms_definition(&SmsDefinition::new("k", "n", "m"));
    c.list_sms_definitions(10);
    c.upsert_rows("de", &[Row::new()]);
    c.insert_rows_async("de", &[]);
    c.upsert_rows_async("de", &[]);
    c.query_rows("de", RowQuery::all());
    c.fire_entry_event(&EntryEvent::new("c", "e"));
    c.list_journeys(10);
    c.get_journey("id");
    c.create_asset(&Asset::new("n", AssetType::new(196, "textblock")));
    c.get_asset(1);
    c.list_assets(1, 10);
    c.query_assets(&AssetQuery::new("name", "equal", "x"));
    c.update_asset(1, &serde_json::json!({}));
    c.delete_asset(1);
    c.create_contact(&Contact::new("c"));
    c.update_contact(&Contact::new("c"));
    c.start_automation("a");
}

fn main() {}
