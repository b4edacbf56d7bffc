//! Transactional batch sends split at MC's recipient limits: 2,000 recipients per call, 500
//! when recipients carry attributes.

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;

use crate::api::email::{EmailBatch, Recipient, SendResponse};
use crate::api::sms::SmsBatch;
use crate::error::{Error, Result};
use crate::retry::Pacer;
use crate::scope::{op, Has, ScopedClient};

/// MC's limit of recipients in one transactional batch send.
pub const MAX_RECIPIENTS: usize = 2_000;

/// MC's limit of recipients in one transactional batch send when they carry attributes.
pub const MAX_RECIPIENTS_WITH_ATTRIBUTES: usize = 500;

/// The recipient ranges of the calls a batch takes, in order: as few as the limits allow
/// for a greedy split (a call holds up to [`MAX_RECIPIENTS`], or up to
/// [`MAX_RECIPIENTS_WITH_ATTRIBUTES`] once one of its recipients, or the batch, carries
/// attributes).
pub(crate) fn split(recipients: &[Recipient], batch_attributes: bool) -> Vec<Range<usize>> {
    let mut calls = Vec::new();
    let mut start = 0;
    let mut with_attributes = batch_attributes;
    for (i, r) in recipients.iter().enumerate() {
        let attrs = with_attributes || !r.attributes.is_empty();
        let cap = if attrs {
            MAX_RECIPIENTS_WITH_ATTRIBUTES
        } else {
            MAX_RECIPIENTS
        };
        if i - start >= cap {
            calls.push(start..i);
            start = i;
            with_attributes = batch_attributes || !r.attributes.is_empty();
        } else {
            with_attributes = attrs;
        }
    }
    if start < recipients.len() {
        calls.push(start..recipients.len());
    }
    calls
}

/// Refuses a batch over MC's limits before it is sent, pointing to the splitting call.
pub(crate) fn check_one_call(recipients: &[Recipient], batch_attributes: bool, splitting_call: &str) -> Result<()> {
    if recipients.is_empty() {
        return Err(Error::config("recipients", "a batch send needs at least one recipient"));
    }
    if split(recipients, batch_attributes).len() > 1 {
        return Err(Error::config(
            "recipients",
            format!(
                "{} recipients are more than one call may carry (MC's limit: {MAX_RECIPIENTS}, or {MAX_RECIPIENTS_WITH_ATTRIBUTES} with attributes); use {splitting_call}, which splits them",
                recipients.len()
            ),
        ));
    }
    Ok(())
}

/// The outcome of a split batch send.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SplitSendReport {
    /// MC's answer to each call that was accepted, in order.
    pub responses: Vec<SendResponse>,
    /// Recipients in accepted calls (the first `sent` of the batch).
    pub sent: usize,
    /// The failure that stopped the sends, with the index of the first recipient of the
    /// failed call: recipients from there on were not accepted (a send is not idempotent,
    /// so a call whose outcome is unknown is not resent; see the error).
    pub error: Option<(usize, Error)>,
}

impl SplitSendReport {
    /// True when every recipient's call was accepted.
    pub fn is_complete(&self) -> bool {
        self.error.is_none()
    }
}

/// Transactional batch sends of any size, split at MC's recipient limits into calls sent one
/// after another. A 429 holds the remaining calls back for MC's delay and resends the refused
/// call; any other failure stops the sends and is reported with where it stopped.
pub trait BatchSends: ScopedClient + Sized + Send + Sync {
    /// Sends an email batch of any size in as many calls as MC's limits need.
    fn send_email_batches(&self, batch: &EmailBatch) -> impl Future<Output = SplitSendReport> + Send
    where
        Self: Has<op::SendEmailBatch>,
    {
        let calls: Vec<EmailBatch> = split(&batch.recipients, !batch.attributes.is_empty())
            .into_iter()
            .map(|range| {
                let mut part = EmailBatch::new(batch.definition_key.clone(), batch.recipients[range].to_vec());
                part.attributes = batch.attributes.clone();
                part
            })
            .collect();
        send_all(self.client().clone(), "/messaging/v1/email/messages", calls)
    }

    /// Sends an SMS batch of any size in as many calls as MC's limits need.
    fn send_sms_batches(&self, batch: &SmsBatch) -> impl Future<Output = SplitSendReport> + Send
    where
        Self: Has<op::SendSmsBatch>,
    {
        let calls: Vec<SmsBatch> = split(&batch.recipients, false)
            .into_iter()
            .map(|range| SmsBatch::new(batch.definition_key.clone(), batch.recipients[range].to_vec()))
            .collect();
        send_all(self.client().clone(), "/messaging/v1/sms/messages", calls)
    }
}

impl<C: ScopedClient + Send + Sync> BatchSends for C {}

/// A batch body and how many recipients it holds.
trait Part: serde::Serialize + Send {
    fn recipients(&self) -> usize;
}

impl Part for EmailBatch {
    fn recipients(&self) -> usize {
        self.recipients.len()
    }
}

impl Part for SmsBatch {
    fn recipients(&self) -> usize {
        self.recipients.len()
    }
}

async fn send_all<P: Part>(client: crate::Client, path: &'static str, calls: Vec<P>) -> SplitSendReport {
    let pacer = Arc::new(Pacer::default());
    let mut report = SplitSendReport {
        responses: Vec::with_capacity(calls.len()),
        sent: 0,
        error: None,
    };
    if calls.is_empty() {
        report.error = Some((
            0,
            Error::config("recipients", "a batch send needs at least one recipient"),
        ));
        return report;
    }
    for call in calls {
        let sent = client
            .post(path)
            .json(&call)
            .paced(Arc::clone(&pacer))
            .resend_refused()
            .send()
            .await
            .and_then(|r| r.json::<SendResponse>());
        match sent {
            Ok(response) => {
                report.sent += call.recipients();
                report.responses.push(response);
            }
            Err(e) => {
                report.error = Some((report.sent, e));
                break;
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(n: usize) -> Vec<Recipient> {
        (0..n).map(|i| Recipient::to(format!("u{i}@example.com"))).collect()
    }

    #[test]
    fn plain_recipients_go_two_thousand_a_call() {
        let sizes = |r: &[Recipient], a| split(r, a).iter().map(|c| c.len()).collect::<Vec<_>>();
        assert_eq!(sizes(&plain(4_001), false), vec![2_000, 2_000, 1]);
        assert_eq!(sizes(&plain(2_000), false), vec![2_000]);
        assert_eq!(sizes(&plain(1_001), true), vec![500, 500, 1]);
        assert!(split(&[], false).is_empty());
    }

    #[test]
    fn attributes_bring_the_limit_to_five_hundred() {
        let mut r = plain(1_200);
        r[700] = r[700].clone().attribute("Name", "Ada");
        let calls = split(&r, false);
        assert!(calls.iter().all(|c| {
            let attrs = r[c.clone()].iter().any(|x| !x.attributes.is_empty());
            c.len() <= if attrs { 500 } else { 2_000 }
        }));
        assert_eq!(calls.iter().map(|c| c.len()).sum::<usize>(), 1_200);
        assert_eq!(calls.first().map(|c| c.start), Some(0));
        assert!(calls.windows(2).all(|w| w[0].end == w[1].start));
        assert!(check_one_call(&r, false, "x").is_err());
        assert!(check_one_call(&plain(2_000), false, "x").is_ok());
        assert!(check_one_call(&plain(501), true, "x").is_err());
    }
}
