//! The fake's model: Marketing Cloud's objects and the rules MC applies to them, with no HTTP
//! in it.
//!
//! A family's state and rules live in a module of its own here (`model::subscribers`,
//! `model::automation`, ...). Nothing in this folder names the HTTP framework, a status code, a header or
//! an XML element: a rule that is broken is a [`ModelError`], and the wire layer (the REST
//! handlers in `testing/*.rs`, the SOAP actions in `testing/soap/`) turns it into MC's answer
//! for that API: [`ApiError::from_model`](super::api::ApiError::from_model) for REST,
//! [`ModelError::soap_error_code`] for SOAP's per-object `ErrorCode`. Model code may import
//! other model modules and the crate's plain types (`Clock`, `ScopeSet`), never a wire module.

pub(crate) mod automation;

use std::fmt;

pub(crate) mod assets;
pub(crate) mod business_units;
pub(crate) mod contacts;
pub(crate) mod data_extensions;
pub(crate) mod generate;
pub(crate) mod journeys;
pub(crate) mod messaging;
pub(crate) mod packages;
pub(crate) mod subscribers;
pub(crate) mod tokens;

/// What kind of rule a request broke; the wire layer picks MC's status and code from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// A value is missing, malformed or out of MC's limits (REST 400; SOAP `ErrorCode` 12000).
    Invalid,
    /// The object named does not exist (REST 404; SOAP `ErrorCode` 12001).
    NotFound,
    /// An object with that key already exists (REST 409; SOAP `ErrorCode` 12014).
    Exists,
}

/// A broken rule of MC's, named in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ModelError {
    /// Which kind of rule.
    pub kind: ErrorKind,
    /// What was wrong and, where it helps, what to do; shown to the client as MC's message.
    pub message: String,
}

impl ModelError {
    /// A missing, malformed or out-of-limits value.
    pub fn invalid(message: impl Into<String>) -> Self {
        ModelError {
            kind: ErrorKind::Invalid,
            message: message.into(),
        }
    }

    /// An object that does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        ModelError {
            kind: ErrorKind::NotFound,
            message: message.into(),
        }
    }

    /// An object whose key is taken.
    pub fn exists(message: impl Into<String>) -> Self {
        ModelError {
            kind: ErrorKind::Exists,
            message: message.into(),
        }
    }

    /// MC's SOAP per-object `ErrorCode` for this kind: 12000 (a required or invalid value),
    /// 12001 (not found) or 12014 (already exists).
    #[allow(dead_code)] // for the SOAP families (subscribers, lists, automations) on the model
    pub fn soap_error_code(&self) -> i64 {
        match self.kind {
            ErrorKind::Invalid => 12000,
            ErrorKind::NotFound => 12001,
            ErrorKind::Exists => 12014,
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModelError {}

/// What a model call returns.
pub(crate) type ModelResult<T> = Result<T, ModelError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_soap_code() {
        assert_eq!(ModelError::invalid("x").soap_error_code(), 12000);
        assert_eq!(ModelError::not_found("x").soap_error_code(), 12001);
        assert_eq!(ModelError::exists("x").soap_error_code(), 12014);
        assert_eq!(ModelError::exists("key taken").to_string(), "key taken");
    }
}
