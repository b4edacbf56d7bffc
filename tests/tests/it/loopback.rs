//! The HTTPS loopback redirect receiver.

use mc_auth::reqwest;
use mc_auth::web::LoopbackReceiver;

#[tokio::test]
async fn serves_the_redirect_over_https_and_returns_it() {
    let receiver = LoopbackReceiver::bind("127.0.0.1:0".parse().unwrap(), "/callback")
        .await
        .unwrap();
    let uri = receiver.redirect_uri().to_owned();
    assert!(
        uri.starts_with("https://127.0.0.1:") && uri.ends_with("/callback"),
        "{uri}"
    );
    let browser = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_der(receiver.certificate_der()).unwrap())
        .build()
        .unwrap();
    let wait = tokio::spawn(async move { receiver.wait_for_redirect().await });

    let favicon = browser
        .get(uri.replace("/callback", "/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(favicon.status(), 404);
    let page = browser.get(format!("{uri}?code=abc&state=xyz")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("You can close this window"));

    let redirect = wait.await.unwrap().unwrap();
    assert_eq!(redirect, format!("{uri}?code=abc&state=xyz"));
}

#[tokio::test]
async fn refuses_non_loopback_addresses() {
    let err = LoopbackReceiver::bind("0.0.0.0:0".parse().unwrap(), "/")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("loopback"), "{err}");
}
