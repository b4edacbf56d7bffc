//! Business units against the fake: discovery, and who reads whose objects: a plain Retrieve
//! reads the token's unit, `QueryAllAccounts` from the parent reads the children too,
//! `ClientIDs` only the units named, and a child never reads its parent or siblings, even
//! when it names them.

use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::api::subscribers::SubscriberQuery;
use mc_auth::api::tracking::{EventQuery, SentEvent};
use mc_auth::soap::{self, Accounts, RetrieveRequest};
use mc_auth::testing::{FakeEvent, FakeMarketingCloud, Package, DEFAULT_MID};
use mc_auth::{mc_client, AccountId, Error};

#[mc_client(scopes = "accounts_read list_and_subscribers_read tracking_events_read")]
struct Admin;

const RETAIL: u64 = 200;
const WHOLESALE: u64 = 300;
const RETAIL_EU: u64 = 210;

/// The enterprise (100) with Retail (200, and its child Retail EU 210) and Wholesale (300),
/// one subscriber in each.
async fn tenant() -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::start().await;
    let units = fake.business_units();
    units.add(RETAIL, "Retail", DEFAULT_MID);
    units.add(WHOLESALE, "Wholesale", DEFAULT_MID);
    units.add(RETAIL_EU, "Retail EU", RETAIL);
    for (mid, key) in [
        (DEFAULT_MID, "enterprise-sub"),
        (RETAIL, "retail-sub"),
        (WHOLESALE, "wholesale-sub"),
        (RETAIL_EU, "retail-eu-sub"),
    ] {
        units.add_subscriber(mid, key, &format!("{key}@example.com"));
    }
    fake.register_package(
        Package::new("admin", "admin-secret-value")
            .scopes(Admin::SCOPES)
            .business_units([DEFAULT_MID, RETAIL, WHOLESALE, RETAIL_EU]),
    );
    fake
}

async fn admin_in(fake: &FakeMarketingCloud, mid: Option<u64>) -> Admin {
    let mut creds = fake.credentials("admin");
    creds.account_id = mid.map(AccountId);
    Admin::connect(creds).await.unwrap()
}

async fn keys(c: &Admin, accounts: Accounts) -> Vec<String> {
    let mut keys: Vec<String> = c
        .subscribers(SubscriberQuery::all().accounts(accounts))
        .map(|s| s.unwrap().subscriber_key)
        .collect()
        .await;
    keys.sort();
    keys
}

#[tokio::test]
async fn units_are_discovered_with_their_parents() {
    let fake = tenant().await;
    let enterprise = admin_in(&fake, None).await;
    let mut units = enterprise.business_units().await.unwrap();
    units.sort_by_key(|u| u.id);
    let tree: Vec<(u64, &str, Option<u64>)> = units.iter().map(|u| (u.id, u.name.as_str(), u.parent_id)).collect();
    assert_eq!(
        tree,
        [
            (DEFAULT_MID, "Enterprise", None),
            (RETAIL, "Retail", Some(DEFAULT_MID)),
            (RETAIL_EU, "Retail EU", Some(RETAIL)),
            (WHOLESALE, "Wholesale", Some(DEFAULT_MID)),
        ]
    );
    assert_eq!(units[2].parent_name.as_deref(), Some("Retail"));
    assert!(units.iter().all(|u| u.is_active));
    let body = fake
        .requests()
        .all()
        .into_iter()
        .rev()
        .find(|r| r.path.eq_ignore_ascii_case("/Service.asmx"))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .unwrap();
    assert!(body.contains("<QueryAllAccounts>true</QueryAllAccounts>"), "{body}");

    // From a child: itself and what is below it.
    let retail = admin_in(&fake, Some(RETAIL)).await;
    let ids: Vec<u64> = retail.business_units().await.unwrap().iter().map(|u| u.id).collect();
    assert_eq!(ids, [RETAIL, RETAIL_EU]);
}

#[tokio::test]
async fn the_parent_reads_its_children_in_one_call() {
    let fake = tenant().await;
    let enterprise = admin_in(&fake, None).await;
    assert_eq!(keys(&enterprise, Accounts::Own).await, ["enterprise-sub"]);
    fake.requests().clear();
    assert_eq!(
        keys(&enterprise, Accounts::All).await,
        ["enterprise-sub", "retail-eu-sub", "retail-sub", "wholesale-sub"]
    );
    assert_eq!(fake.requests().api_count(), 1, "one call");
    assert_eq!(
        keys(&enterprise, Accounts::Only(vec![RETAIL, WHOLESALE])).await,
        ["retail-sub", "wholesale-sub"]
    );
    let body = fake
        .requests()
        .all()
        .into_iter()
        .rev()
        .find(|r| r.path.eq_ignore_ascii_case("/Service.asmx"))
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .unwrap();
    assert!(
        body.contains("<RetrieveRequest><ClientIDs><ID>200</ID></ClientIDs><ClientIDs><ID>300</ID></ClientIDs><ObjectType>Subscriber</ObjectType>"),
        "ClientIDs come first: {body}"
    );
    // The mechanism is the same for every object type: tracking events too.
    fake.tracking().add_for(
        RETAIL,
        FakeEvent::sent("retail-sub", 1, mc_auth::time::OffsetDateTime::now_utc()),
    );
    let request = RetrieveRequest::of::<soap::SentEvent>(["SubscriberKey"]);
    assert!(enterprise
        .soap()
        .retrieve::<soap::SentEvent>(request.clone())
        .await
        .unwrap()
        .is_empty());
    let all = enterprise
        .soap()
        .retrieve::<soap::SentEvent>(request.accounts(Accounts::All))
        .await
        .unwrap();
    assert_eq!(all[0].get("SubscriberKey"), Some("retail-sub"));
    let now = mc_auth::time::OffsetDateTime::now_utc();
    let day = mc_auth::time::Duration::days(1);
    let query = EventQuery::between(now - day, now + day);
    assert_eq!(enterprise.tracking_events::<SentEvent>(&query).count().await, 0);
    let events: Vec<SentEvent> = enterprise
        .tracking_events::<SentEvent>(&query.accounts(Accounts::All))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(
        (events.len(), events[0].client_id),
        (1, Some(RETAIL)),
        "the typed tracking stream reads children too"
    );
}

#[tokio::test]
async fn a_child_never_reads_its_parent_or_siblings() {
    let fake = tenant().await;
    let retail = admin_in(&fake, Some(RETAIL)).await;
    assert_eq!(keys(&retail, Accounts::Own).await, ["retail-sub"]);
    assert_eq!(keys(&retail, Accounts::All).await, ["retail-eu-sub", "retail-sub"]);
    // Naming the parent and a sibling in ClientIDs reads nothing of theirs.
    assert!(keys(&retail, Accounts::Only(vec![DEFAULT_MID, WHOLESALE]))
        .await
        .is_empty());
    assert_eq!(
        keys(&retail, Accounts::Only(vec![DEFAULT_MID, RETAIL_EU])).await,
        ["retail-eu-sub"]
    );
    let eu = admin_in(&fake, Some(RETAIL_EU)).await;
    assert_eq!(keys(&eu, Accounts::All).await, ["retail-eu-sub"]);
    let units = eu.business_units().await.unwrap();
    assert_eq!(units.len(), 1, "{units:?}");
}

#[tokio::test]
async fn bad_accounts_and_missing_scopes_are_refused() {
    let fake = tenant().await;
    let enterprise = admin_in(&fake, None).await;
    let e = enterprise
        .subscribers(SubscriberQuery::all().accounts(Accounts::Only(Vec::new())))
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    assert!(e.to_string().contains("Accounts::Only"), "{e}");

    #[mc_client(scopes = "list_and_subscribers_read")]
    struct NoAccounts;
    fake.register_package(Package::new("plain", "plain-secret-value").scopes(NoAccounts::SCOPES));
    let plain = NoAccounts::connect(fake.credentials("plain")).await.unwrap();
    let request = RetrieveRequest::new("BusinessUnit", ["ID"]);
    match plain.client().soap().retrieve(&request).await {
        Err(Error::SoapFault { faultstring, .. }) => {
            assert!(faultstring.contains("accounts_read"), "{faultstring}")
        }
        other => panic!("{other:?}"),
    }
}
