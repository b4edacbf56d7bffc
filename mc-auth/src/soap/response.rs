//! Reading SOAP responses: faults, Retrieve results, per-object results.

use super::object::{ObjectDefinition, ObjectResult, SoapObject};
use super::xml::{parse, Element};
use crate::error::{Error, Result};
use crate::http::excerpt;
use crate::request::Verdict;
use crate::secret::Redactor;

/// A successful SOAP reply.
pub(crate) enum Reply {
    Retrieved {
        objects: Vec<SoapObject>,
        more: bool,
        request_id: Option<String>,
    },
    Results(Vec<ObjectResult>),
    Described(ObjectDefinition),
}

/// Interprets a SOAP response body (any HTTP status).
pub(crate) fn interpret(status: u16, bytes: &[u8], action: &str, endpoint: &str, redactor: &Redactor) -> Result<Reply> {
    let unexpected = |problem: String| Error::UnexpectedResponse {
        status,
        endpoint: endpoint.to_owned(),
        problem,
        excerpt: excerpt(bytes, redactor),
    };
    let root = match parse(bytes) {
        Ok(r) => r,
        Err(problem) if status >= 400 => {
            return Err(Error::Api {
                status,
                errorcode: None,
                message: format!("not a SOAP response ({problem}): {}", excerpt(bytes, redactor)),
                request: endpoint.to_owned(),
                retry_after: None,
            })
        }
        Err(problem) => return Err(unexpected(format!("the body is not a SOAP envelope: {problem}"))),
    };
    let body = match (root.name.as_str(), root.child("Body")) {
        ("Envelope", Some(b)) => b,
        _ => return Err(unexpected("the XML is not a SOAP envelope with a Body".into())),
    };
    let Some(msg) = body.children.first() else {
        return Err(unexpected("the SOAP Body is empty".into()));
    };
    if msg.name == "Fault" {
        return Err(Error::SoapFault {
            status,
            faultcode: msg.child_text("faultcode").unwrap_or("").trim().to_owned(),
            faultstring: msg.child_text("faultstring").unwrap_or("").trim().to_owned(),
            detail: msg.child("detail").map(element_text).filter(|d| !d.is_empty()),
        }
        .redact(redactor));
    }
    if !(200..300).contains(&status) {
        return Err(unexpected(format!("HTTP {status} without a SOAP fault")));
    }
    let overall = msg.child_text("OverallStatus").unwrap_or("").trim().to_owned();
    if action == "Retrieve" {
        if msg.name != "RetrieveResponseMsg" {
            return Err(unexpected(format!("expected RetrieveResponseMsg, got {}", msg.name)));
        }
        if overall.starts_with("Error") {
            return Err(Error::SoapObjects {
                action: action.to_owned(),
                overall_status: overall,
                results: Vec::new(),
            });
        }
        let objects = msg.children_named("Results").map(SoapObject::from_element).collect();
        let request_id = msg
            .child_text("RequestID")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        return Ok(Reply::Retrieved {
            objects,
            more: overall.eq_ignore_ascii_case("MoreDataAvailable"),
            request_id,
        });
    }
    if action == "Describe" {
        if msg.name != "DefinitionResponseMsg" {
            return Err(unexpected(format!("expected DefinitionResponseMsg, got {}", msg.name)));
        }
        return match msg.child("ObjectDefinition") {
            Some(def) => Ok(Reply::Described(ObjectDefinition::from_element(def))),
            None => Err(unexpected("the DefinitionResponseMsg has no ObjectDefinition".into())),
        };
    }
    let mut results = Vec::new();
    collect_results(msg, &mut results);
    let failed = results.iter().any(|r| !r.is_ok()) || overall.starts_with("Error");
    if failed {
        return Err(Error::SoapObjects {
            action: action.to_owned(),
            overall_status: if overall.is_empty() { "Error".into() } else { overall },
            results,
        });
    }
    Ok(Reply::Results(results))
}

/// All text under `el`, joined by spaces.
fn element_text(el: &Element) -> String {
    let mut parts = Vec::new();
    fn walk<'a>(el: &'a Element, parts: &mut Vec<&'a str>) {
        let t = el.text.trim();
        if !t.is_empty() {
            parts.push(t);
        }
        for c in &el.children {
            walk(c, parts);
        }
    }
    walk(el, &mut parts);
    parts.join(" ")
}

/// Classifies a SOAP answer for the attempt driver: 401 or a `Token Expired` fault
/// re-authorizes; a throttling fault, 429 and 5xx without a fault are transient; other faults
/// are final.
pub(crate) fn classify(status: u16, bytes: &[u8]) -> Verdict {
    if status == 401 {
        return Verdict::Reauthorize;
    }
    if (200..300).contains(&status) {
        return Verdict::Done;
    }
    let faultstring = parse(bytes).ok().and_then(|root| {
        let fault = root.child("Body")?.children.first().filter(|m| m.name == "Fault")?;
        Some(fault.child_text("faultstring").unwrap_or("").trim().to_owned())
    });
    match faultstring {
        Some(f) if f.eq_ignore_ascii_case("Token Expired") => Verdict::Reauthorize,
        Some(f) if is_throttling(&f) => Verdict::Transient,
        Some(_) => Verdict::Done,
        None if status == 429 || status >= 500 => Verdict::Transient,
        None => Verdict::Done,
    }
}

/// True for fault strings that mean "too many requests" (retry later).
pub(crate) fn is_throttling(faultstring: &str) -> bool {
    let f = faultstring.to_ascii_lowercase();
    f.contains("throttl") || f.contains("rate limit") || f.contains("too many") || f.contains("try again")
}

/// Every descendant `Results`/`Result` element that has a `StatusCode`.
fn collect_results(el: &Element, out: &mut Vec<ObjectResult>) {
    for c in &el.children {
        if (c.name == "Results" || c.name == "Result") && c.child("StatusCode").is_some() {
            out.push(ObjectResult {
                ordinal: c.child_text("OrdinalID").and_then(|s| s.trim().parse().ok()),
                status_code: c.child_text("StatusCode").unwrap_or("").trim().to_owned(),
                status_message: c.child_text("StatusMessage").map(|s| s.trim().to_owned()),
                error_code: c.child_text("ErrorCode").and_then(|s| s.trim().parse().ok()),
                new_id: c
                    .child_text("NewID")
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
                new_object_id: c
                    .child_text("NewObjectID")
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
                task_id: c
                    .child("Task")
                    .and_then(|t| t.child_text("ID"))
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
                object: c.child("Object").map(SoapObject::from_element),
            });
        } else {
            collect_results(c, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAULT: &[u8] = br#"<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Token Expired</faultstring></soap:Fault></soap:Body></soap:Envelope>"#;

    #[test]
    fn faults_are_typed() {
        match interpret(500, FAULT, "Retrieve", "e", &Redactor::new()) {
            Err(Error::SoapFault {
                status: 500,
                faultstring,
                ..
            }) => assert_eq!(faultstring, "Token Expired"),
            other => panic!("{:?}", other.err()),
        }
    }

    #[test]
    fn retrieve_with_more_data() {
        let body = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><RetrieveResponseMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"><OverallStatus>MoreDataAvailable</OverallStatus><RequestID>abc</RequestID><Results xsi:type="Subscriber" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><EmailAddress>a@b.c</EmailAddress></Results></RetrieveResponseMsg></soap:Body></soap:Envelope>"#;
        match interpret(200, body, "Retrieve", "e", &Redactor::new()) {
            Ok(Reply::Retrieved {
                objects,
                more: true,
                request_id: Some(id),
            }) => {
                assert_eq!(id, "abc");
                assert_eq!(objects[0].object_type, "Subscriber");
                assert_eq!(objects[0].get("EmailAddress"), Some("a@b.c"));
            }
            _ => panic!("unexpected"),
        }
    }

    #[test]
    fn per_object_errors_are_reported_with_every_result() {
        let body = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><CreateResponse xmlns="http://exacttarget.com/wsdl/partnerAPI"><Results><StatusCode>OK</StatusCode><OrdinalID>0</OrdinalID><NewID>1</NewID></Results><Results><StatusCode>Error</StatusCode><StatusMessage>Invalid email</StatusMessage><OrdinalID>1</OrdinalID><ErrorCode>12000</ErrorCode></Results><OverallStatus>Has Errors</OverallStatus></CreateResponse></soap:Body></soap:Envelope>"#;
        match interpret(200, body, "Create", "e", &Redactor::new()) {
            Err(Error::SoapObjects { results, .. }) => {
                assert_eq!(results.len(), 2);
                assert!(results[0].is_ok());
                assert_eq!(results[1].error_code, Some(12000));
            }
            _ => panic!("unexpected"),
        }
    }

    #[test]
    fn garbage_is_an_unexpected_response() {
        assert!(matches!(
            interpret(200, b"<html>oops", "Create", "e", &Redactor::new()),
            Err(Error::UnexpectedResponse { .. })
        ));
        assert!(matches!(
            interpret(502, b"<html>bad gateway</html>", "Create", "e", &Redactor::new()),
            Err(Error::UnexpectedResponse { .. }) | Err(Error::Api { .. })
        ));
    }
}
