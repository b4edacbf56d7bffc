//! A credentials builder without a required field: the error names the missing call.
use mc_auth::Credentials;

fn main() {
    let _ = Credentials::builder()
        .subdomain("mc563885gzs27c5t9-63k636tzgm")
        .client_secret("secret")
        .build();
    let _ = Credentials::builder().client_id("id").account_id(12345).build();
}
