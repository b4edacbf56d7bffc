use mc_auth::scope::{EmailSend, Has};

#[derive(Clone, Debug)]
pub struct Plain;

fn welcome<C: Has<EmailSend>>(_client: &C) {}

fn main() {
    welcome(&Plain);
}
