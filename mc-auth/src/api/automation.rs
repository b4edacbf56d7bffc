//! Automation Studio: start an automation (SOAP `Perform`).

use std::future::Future;

use crate::error::Result;
use crate::scope::{op, Has, ScopedClient};
use crate::soap::{Automation, ObjectResult, ScopedSoap, SoapObject};

/// Automations, for every client type with `automations_execute`.
pub trait Automations: ScopedClient {
    /// Starts the automation with external key `customer_key` (SOAP `Perform` `start`).
    fn start_automation(&self, customer_key: &str) -> impl Future<Output = Result<Vec<ObjectResult>>> + Send
    where
        Self: Has<op::StartAutomation>,
    {
        let definition = [SoapObject::new("Automation").with("CustomerKey", customer_key)];
        let call = self.soap();
        async move { call.perform::<Automation>("start", &definition).await }
    }
}

impl<C: ScopedClient> Automations for C {}
