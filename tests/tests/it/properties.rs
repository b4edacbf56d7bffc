//! Property tests over the parsers that read untrusted input: they never panic, and what
//! mc-auth writes it reads back unchanged. (The coverage-guided fuzz targets in `fuzz/` drive
//! the same entry points.)

use mc_auth::__fuzz;
use mc_auth::web::Callback;
use proptest::prelude::*;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("access_token".to_owned()),
                    Just("expires_in".to_owned()),
                    Just("scope".to_owned()),
                    Just("rest_instance_url".to_owned()),
                    Just("soap_instance_url".to_owned()),
                    Just("token_type".to_owned()),
                    "[a-z_]{1,12}"
                ],
                inner,
                0..8
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn token_responses_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = __fuzz::token_response(&bytes);
    }

    #[test]
    fn token_response_shaped_json_never_panics_and_errors_never_quote_the_token(v in json_value()) {
        let body = v.to_string();
        if let Err(problem) = __fuzz::token_response(body.as_bytes()) {
            if let Some(tok) = v.get("access_token").and_then(|t| t.as_str()).filter(|t| t.len() > 6) {
                prop_assert!(!problem.contains(tok));
            }
        }
    }

    #[test]
    fn api_error_bodies_never_panic(status in 100u16..600, retry in ".{0,12}", bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let msg = __fuzz::api_error_body(status, &retry, &bytes);
        prop_assert!(msg.contains(&status.to_string()));
    }

    #[test]
    fn api_error_json_never_panics(status in 400u16..600, v in json_value()) {
        let _ = __fuzz::api_error_body(status, "1", v.to_string().as_bytes());
    }

    #[test]
    fn callbacks_never_panic(input in ".{0,200}") {
        let _ = __fuzz::callback(&input);
    }

    #[test]
    fn callback_values_round_trip(code in "[ -~]{1,60}", state in "[ -~]{0,60}") {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &code)
            .append_pair("state", &state)
            .finish();
        let cb = Callback::parse(&format!("https://127.0.0.1:80/cb?{query}")).unwrap();
        prop_assert_eq!(cb.code.expose_secret(), code.as_str());
        prop_assert_eq!(cb.state, state);
    }

    #[test]
    fn soap_responses_never_panic(status in prop_oneof![Just(200u16), Just(500u16), 100u16..600], bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        __fuzz::soap_response(status, &bytes);
    }

    #[test]
    fn soap_shaped_xml_never_panics(parts in prop::collection::vec(prop_oneof![
        Just("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">".to_owned()),
        Just("<soap:Body>".to_owned()), Just("</soap:Body>".to_owned()), Just("</soap:Envelope>".to_owned()),
        Just("<RetrieveResponseMsg>".to_owned()), Just("</RetrieveResponseMsg>".to_owned()),
        Just("<OverallStatus>MoreDataAvailable</OverallStatus>".to_owned()), Just("<RequestID>x</RequestID>".to_owned()),
        Just("<Results xsi:type=\"Subscriber\">".to_owned()), Just("</Results>".to_owned()),
        Just("<StatusCode>Error</StatusCode>".to_owned()), Just("<soap:Fault><faultstring>Token Expired</faultstring></soap:Fault>".to_owned()),
        "[<>/&;a-zA-Z ]{0,12}",
    ], 0..24)) {
        __fuzz::soap_response(200, parts.concat().as_bytes());
        __fuzz::soap_response(500, parts.concat().as_bytes());
    }

    #[test]
    fn every_soap_value_round_trips(value in "\\PC{0,80}") {
        // Any printable text, quotes, `<`, `&` and `]]>` included, reads back intact.
        prop_assert_eq!(__fuzz::soap_field_roundtrip(&value), Some(value.clone()));
    }
}

#[test]
fn nasty_soap_values_round_trip() {
    for v in [
        "<",
        "&",
        "]]>",
        "\"",
        "'",
        "<![CDATA[x]]>",
        "a & b < c > d \"e\" 'f' ]]>",
        "&amp;",
        "\u{1F600}",
    ] {
        assert_eq!(__fuzz::soap_field_roundtrip(v).as_deref(), Some(v));
    }
}
