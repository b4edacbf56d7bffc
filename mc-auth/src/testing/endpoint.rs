//! Which of MC's endpoints a request is for: the one classification the server dispatches on,
//! the recorder's [`RequestKind`] derives from and faults match on.

use super::record::RequestKind;

/// The endpoint a request is for, by its path.
///
/// MC serves these on different hosts (auth, REST, SOAP); the fake serves them all on one, so
/// the path alone decides. The method does not: each endpoint answers a wrong method itself
/// (405 from the REST route table and `/Service.asmx`, MC's OAuth error from `/v2/token`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Endpoint {
    /// `POST /v2/token` on the auth host: every grant type.
    Token,
    /// `/v2/authorize` on the auth host: the login and consent pages of web and public apps.
    Authorize,
    /// `GET /v2/userinfo` on the auth host: who the token acts for (no scope needed).
    Userinfo,
    /// `/Service.asmx` on the SOAP host (the path compares case-insensitively, as IIS does).
    Soap,
    /// Anything else: the REST API, including paths the fake does not serve.
    Rest,
}

impl Endpoint {
    /// Classifies a request by its path (a trailing `/` does not count).
    pub(crate) fn of(path: &str) -> Endpoint {
        match path.trim_end_matches('/') {
            "/v2/token" => Endpoint::Token,
            "/v2/authorize" => Endpoint::Authorize,
            "/v2/userinfo" => Endpoint::Userinfo,
            p if p.eq_ignore_ascii_case("/Service.asmx") => Endpoint::Soap,
            _ => Endpoint::Rest,
        }
    }

    /// The kind of request the recorder counts it as: token requests apart from every other
    /// call.
    pub(crate) fn kind(self) -> RequestKind {
        match self {
            Endpoint::Token => RequestKind::Token,
            Endpoint::Authorize | Endpoint::Userinfo | Endpoint::Soap | Endpoint::Rest => RequestKind::Api,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_classify_with_or_without_a_trailing_slash() {
        let cases = [
            ("/v2/token", Endpoint::Token),
            ("/v2/token/", Endpoint::Token),
            ("/v2/authorize", Endpoint::Authorize),
            ("/v2/authorize/", Endpoint::Authorize),
            ("/v2/userinfo", Endpoint::Userinfo),
            ("/Service.asmx", Endpoint::Soap),
            ("/service.ASMX/", Endpoint::Soap),
            ("/messaging/v1/email/messages", Endpoint::Rest),
            ("/v2/token/extra", Endpoint::Rest),
            ("/V2/TOKEN", Endpoint::Rest),
            ("/", Endpoint::Rest),
            ("", Endpoint::Rest),
        ];
        for (path, want) in cases {
            assert_eq!(Endpoint::of(path), want, "{path}");
        }
    }

    #[test]
    fn only_the_token_endpoint_counts_as_a_token_request() {
        assert_eq!(Endpoint::Token.kind(), RequestKind::Token);
        for e in [Endpoint::Authorize, Endpoint::Userinfo, Endpoint::Soap, Endpoint::Rest] {
            assert_eq!(e.kind(), RequestKind::Api, "{e:?}");
        }
    }
}
