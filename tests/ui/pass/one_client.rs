//! One client type: connect, a scoped REST call, SCOPES, Debug.
use mc_auth::{mc_client, scope, Credentials};

/// Sends the welcome mail.
#[mc_client(scopes = "email_send email_read")]
pub struct Mailer;

#[allow(dead_code)]
async fn send_welcome(credentials: Credentials) -> mc_auth::Result<u16> {
    let mailer = Mailer::connect(credentials).await?;
    let body = serde_json::json!({ "definitionKey": "welcome", "recipient": { "to": "ada@example.com" } });
    let resp = mailer
        .rest::<scope::EmailSend>()
        .post("/messaging/v1/email/messages/welcome-1")
        .json(&body)
        .send()
        .await?;
    let _status = mailer.rest::<scope::EmailRead>().get("/messaging/v1/email/messages/welcome-1");
    let _other_bu: Mailer = mailer.for_account(514_000_123u64);
    let _runtime: &mc_auth::Client = mailer.client();
    Ok(resp.status())
}

fn main() {
    // Sorted, whatever order they were declared in.
    assert_eq!(Mailer::SCOPES, ["email_read", "email_send"]);
    assert_eq!(<Mailer as scope::ScopedClient>::NAME, "Mailer");
    fn is_client<C: Clone + std::fmt::Debug + Send + Sync + 'static>() {}
    is_client::<Mailer>();
}

/// The generated type and its `connect` future can cross threads (for `tokio::spawn`).
#[allow(dead_code)]
fn thread_safe(credentials: Credentials) {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: T) {}
    send(Mailer::connect(credentials));
    let _ = send_sync::<Mailer>;
}
