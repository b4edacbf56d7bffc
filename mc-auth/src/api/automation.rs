//! Automation Studio: start an automation (SOAP `Perform`).

use super::Call;
use crate::scope::{op, Has, ScopedClient};
use crate::soap::{ObjectResult, SoapObject};

/// Automations, for every client type with `automations_execute`.
pub trait Automations: ScopedClient {
    /// Starts the automation with external key `customer_key` (SOAP `Perform` `start`).
    ///
    #[doc = crate::scope::op_doc!(start_automation)]
    fn start_automation(&self, customer_key: &str) -> Call<Vec<ObjectResult>>
    where
        Self: Has<op::StartAutomation>,
    {
        let definition = [SoapObject::new("Automation").with("CustomerKey", customer_key)];
        let client = self.client().clone();
        Call::new(async move { client.soap().perform("start", &definition).await })
    }
}

impl<C: ScopedClient> Automations for C {}
