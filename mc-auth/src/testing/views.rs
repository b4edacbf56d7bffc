//! The typed views of [`FakeMarketingCloud`]: each borrows the fake and reaches one family of
//! its state, so the fake's own methods stay few.

use std::time::Duration;

use serde_json::Value;

use super::model::subscribers::{Kind, Record};

use super::{
    data_extensions, AuthorizingUser, DataExtensionRow, EmailSend, FakeJourney, FakeMarketingCloud, IssuedToken,
    JourneyEvent, RecordedRequest, SmsSend, SoapRecord, StoredContact,
};

/// The access tokens the fake issued (`POST /v2/token`). Made by
/// [`FakeMarketingCloud::tokens`].
#[derive(Debug, Clone, Copy)]
pub struct TokensView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl TokensView<'_> {
    /// What the fake knows about each token issued so far, in issue order, without the values.
    pub fn issued(&self) -> Vec<IssuedToken> {
        let now = self.fake.clock().now();
        let mut tokens: Vec<IssuedToken> = self
            .fake
            .state()
            .tokens
            .values()
            .map(|t| IssuedToken {
                serial: t.serial,
                client_id: t.client_id.clone(),
                account_id: t.account_id,
                scopes: t.scopes.clone(),
                expired: t.is_expired(now),
            })
            .collect();
        tokens.sort_by_key(|t| t.serial);
        tokens
    }

    /// The values of the access tokens issued so far, in issue order (for example to check
    /// that none of them shows up in logs).
    pub fn values(&self) -> Vec<String> {
        let state = self.fake.state();
        let mut tokens: Vec<(u64, &String)> = state.tokens.iter().map(|(v, t)| (t.serial, v)).collect();
        tokens.sort_by_key(|(serial, _)| *serial);
        tokens.into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// Makes every token issued so far expired, as MC does when a token outlives its
    /// lifetime or is revoked: API calls with them get 401.
    pub fn expire_all(&self) {
        for t in self.fake.state().tokens.values_mut() {
            t.revoked = true;
        }
    }

    /// Makes every token issued so far to `client_id` expired.
    pub fn expire_client(&self, client_id: &str) {
        for t in self
            .fake
            .state()
            .tokens
            .values_mut()
            .filter(|t| t.client_id == client_id)
        {
            t.revoked = true;
        }
    }
}

/// The requests the fake received, in arrival order. Made by [`FakeMarketingCloud::requests`].
#[derive(Debug, Clone, Copy)]
pub struct RequestsView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl RequestsView<'_> {
    /// Every request received since the start (or the last [`clear`](Self::clear)), in
    /// arrival order.
    pub fn all(&self) -> Vec<RecordedRequest> {
        self.fake.shared().recorder.requests()
    }

    /// The `/v2/token` requests.
    pub fn token_requests(&self) -> Vec<RecordedRequest> {
        self.fake
            .shared()
            .recorder
            .requests_where(RecordedRequest::is_token_request)
    }

    /// The number of `/v2/token` requests.
    pub fn token_count(&self) -> usize {
        self.fake.shared().recorder.counts().token
    }

    /// The number of `/v2/token` requests whose body named this `client_id`.
    pub fn token_count_for(&self, client_id: &str) -> usize {
        self.fake
            .shared()
            .recorder
            .count_where(|r| r.is_token_request() && r.client_id() == Some(client_id))
    }

    /// The bodies of the SOAP API requests (`POST /Service.asmx`), in arrival order, as text
    /// (lossily decoded): what a test reads to check the XML a call sent.
    pub fn soap_bodies(&self) -> Vec<String> {
        self.fake
            .shared()
            .recorder
            .requests_where(|r| super::endpoint::Endpoint::of(&r.path) == super::endpoint::Endpoint::Soap)
            .into_iter()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect()
    }

    /// The number of requests other than `/v2/token` (API calls, userinfo, unknown paths).
    pub fn api_count(&self) -> usize {
        self.fake.shared().recorder.counts().api
    }

    /// Forgets the recorded requests; the counts start again from 0.
    pub fn clear(&self) {
        self.fake.shared().recorder.clear();
    }

    /// Waits until at least `n` token requests have arrived (counted like
    /// [`token_count`](Self::token_count)). Woken by each request: no polling. Wrap it in
    /// `tokio::time::timeout` if it might never happen.
    pub async fn wait_for_token_count(&self, n: usize) {
        self.fake.shared().recorder.wait_until(|c| c.token >= n).await;
    }

    /// Waits until at least `n` API requests have arrived (counted like
    /// [`api_count`](Self::api_count)).
    pub async fn wait_for_api_count(&self, n: usize) {
        self.fake.shared().recorder.wait_until(|c| c.api >= n).await;
    }
}

/// Transactional email (`/messaging/v1/email/...`): definitions and sends. Made by
/// [`FakeMarketingCloud::email`].
#[derive(Debug, Clone, Copy)]
pub struct EmailView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl EmailView<'_> {
    /// Stores a transactional email definition as `POST /messaging/v1/email/definitions` would.
    ///
    /// # Panics
    /// When `definition` is not an object with non-empty `definitionKey` and `name`, or its key
    /// is taken.
    pub fn add_definition(&self, definition: Value) {
        let Value::Object(map) = definition else {
            panic!("an email definition must be a JSON object");
        };
        let mut state = self.fake.state();
        if let Err(e) = state.email.add_definition(map) {
            panic!("invalid email definition: {}", e.message);
        }
    }

    /// The stored transactional email definitions, in creation order.
    pub fn definitions(&self) -> Vec<Value> {
        self.fake.state().email.definitions.clone()
    }

    /// The recorded transactional email sends, in arrival order.
    pub fn sends(&self) -> Vec<EmailSend> {
        self.fake.state().email.sends.clone()
    }
}

/// Transactional SMS (`/messaging/v1/sms/...`): definitions and sends. Made by
/// [`FakeMarketingCloud::sms`].
#[derive(Debug, Clone, Copy)]
pub struct SmsView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl SmsView<'_> {
    /// Stores a transactional SMS definition as `POST /messaging/v1/sms/definitions` would.
    ///
    /// # Panics
    /// When `definition` is not an object with non-empty `definitionKey` and `name`, or its key
    /// is taken.
    pub fn add_definition(&self, definition: Value) {
        let Value::Object(map) = definition else {
            panic!("an SMS definition must be a JSON object");
        };
        let mut state = self.fake.state();
        if let Err(e) = state.sms.add_definition(map) {
            panic!("invalid SMS definition: {}", e.message);
        }
    }

    /// The stored transactional SMS definitions, in creation order.
    pub fn definitions(&self) -> Vec<Value> {
        self.fake.state().sms.definitions.clone()
    }

    /// The recorded transactional SMS sends (one per recipient), in arrival order.
    pub fn sends(&self) -> Vec<SmsSend> {
        self.fake.state().sms.sends.clone()
    }
}

/// Data extensions and their rows, one store per external key shared by REST
/// (`/data/v1/...`, `/hub/v1/dataevents/...`) and SOAP (`DataExtensionObject[...]`). Made by
/// [`FakeMarketingCloud::data_extensions`].
#[derive(Debug, Clone, Copy)]
pub struct DataExtensionsView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl DataExtensionsView<'_> {
    /// Defines a data extension (or redefines one, keeping its rows): external key `key`,
    /// `name` (used by SOAP `DataExtensionObject[name]` and `DataExtension` retrieves), and its
    /// primary-key columns (they split async and SOAP rows into keys and values).
    pub fn add<I, S>(&self, key: &str, name: &str, primary_keys: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut state = self.fake.rows();
        let de = state
            .data_extensions
            .entry(key.to_owned())
            .or_insert_with(|| data_extensions::DataExtension::new(key));
        de.name = name.to_owned();
        de.primary_keys = primary_keys.into_iter().map(Into::into).collect();
        for k in de.primary_keys.clone() {
            if !de.has_column(&k) {
                de.columns.push(k);
            }
        }
    }

    /// The external keys of the data extensions the fake knows, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.fake.rows().data_extensions.keys().cloned().collect()
    }

    /// The rows of a data extension, by external key, in insertion order (empty if unknown).
    pub fn rows(&self, key: &str) -> Vec<DataExtensionRow> {
        self.fake
            .rows()
            .data_extensions
            .get(key)
            .map(|de| de.rows.clone())
            .unwrap_or_default()
    }

    /// The field names of data extension `key`, in order, as created over SOAP (empty when it
    /// was seeded or first written without field definitions: then any column is accepted).
    pub fn field_names(&self, key: &str) -> Vec<String> {
        self.fake
            .rows()
            .data_extensions
            .get(key)
            .map(|de| de.fields.iter().map(|f| f.name.clone()).collect())
            .unwrap_or_default()
    }

    /// How many rows data extension `key` holds (0 if unknown), without copying them.
    pub fn row_count(&self, key: &str) -> usize {
        self.fake.rows().data_extensions.get(key).map_or(0, |de| de.rows.len())
    }

    /// Upserts rows into data extension `key` (created if new) as the synchronous rowset
    /// endpoint would: rows with the same keys merge. A data extension without a primary key
    /// takes the key columns of the first row. Seeded rows are not checked against the data
    /// extension's fields.
    pub fn add_rows(&self, key: &str, rows: impl IntoIterator<Item = DataExtensionRow>) {
        let mut state = self.fake.rows();
        data_extensions::upsert_keyed(&mut state.data_extensions, key, rows.into_iter().collect());
    }

    /// Makes the status of each asynchronous row request created from now on answer
    /// `"Pending"` for its first `polls` status polls (and its results be empty meanwhile),
    /// to exercise a client's polling. 0 (the default) answers `"Complete"` at once.
    pub fn set_async_pending_polls(&self, polls: u32) {
        self.fake.rows().async_pending_polls = polls;
    }

    /// Makes each new asynchronous row request answer `Pending` (and list no results) until
    /// `delay` has passed since it came, by the fake's clock (a
    /// [`ManualClock`](crate::ManualClock) makes it step by hand). The rows are written at
    /// once either way.
    pub fn set_async_completion_delay(&self, delay: Duration) {
        self.fake.rows().async_completion_delay = delay;
    }

    /// Rows the asynchronous row endpoints (`POST`/`PUT /data/v1/async/...`) received for
    /// data extension `key`, failed ones included; requests answered with an injected fault
    /// were not received.
    pub fn rows_received(&self, key: &str) -> u64 {
        self.fake
            .rows()
            .data_extensions
            .get(key)
            .map_or(0, |de| de.rows_received)
    }

    /// Rows the asynchronous row endpoints received for `key` whose primary-key values had
    /// been received before: 0 when no row was sent twice. Counts only rows carrying every
    /// primary-key column of a data extension whose primary key is known.
    pub fn duplicate_rows_received(&self, key: &str) -> u64 {
        self.fake
            .rows()
            .data_extensions
            .get(key)
            .map_or(0, |de| de.duplicates_received)
    }
}

/// Journeys (`/interaction/v1/...`): the journeys served and the entry events received. Made
/// by [`FakeMarketingCloud::journeys`].
#[derive(Debug, Clone, Copy)]
pub struct JourneysView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl JourneysView<'_> {
    /// Adds a journey (served by `/interaction/v1/interactions`; its entry event key is
    /// accepted by `/interaction/v1/events`) and returns its id.
    pub fn add(&self, journey: FakeJourney) -> String {
        self.fake.state().journeys.add(journey)
    }

    /// The journeys, as the fake serves them, in creation order.
    pub fn list(&self) -> Vec<Value> {
        self.fake.state().journeys.journeys.clone()
    }

    /// The recorded journey entry events, in arrival order.
    pub fn events(&self) -> Vec<JourneyEvent> {
        self.fake.state().journeys.events.clone()
    }
}

/// Content Builder assets (`/asset/v1/content/assets`). Made by
/// [`FakeMarketingCloud::assets`].
#[derive(Debug, Clone, Copy)]
pub struct AssetsView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl AssetsView<'_> {
    /// Stores a Content Builder asset as `POST /asset/v1/content/assets` would and returns its
    /// id.
    ///
    /// # Panics
    /// When `asset` is not an object with a non-empty `name` and an `assetType` with a numeric
    /// `id`, or its `customerKey` is taken.
    pub fn add(&self, asset: Value) -> i64 {
        let Value::Object(map) = asset else {
            panic!("an asset must be a JSON object");
        };
        match self.fake.state().assets.create(map) {
            Ok(stored) => stored.get("id").and_then(Value::as_i64).unwrap_or_default(),
            Err(e) => panic!("invalid asset: {}", e.message),
        }
    }

    /// The assets, as the fake serves them, in creation order.
    pub fn list(&self) -> Vec<Value> {
        self.fake.state().assets.assets.clone()
    }

    /// One asset by id, as the fake serves it.
    pub fn get(&self, id: i64) -> Option<Value> {
        self.fake
            .state()
            .assets
            .assets
            .iter()
            .find(|a| a.get("id").and_then(Value::as_i64) == Some(id))
            .cloned()
    }
}

/// Contacts (`/contacts/v1/contacts`) with their attribute sets. Made by
/// [`FakeMarketingCloud::contacts`].
#[derive(Debug, Clone, Copy)]
pub struct ContactsView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl ContactsView<'_> {
    /// The contacts, in creation order.
    pub fn list(&self) -> Vec<StoredContact> {
        self.fake.state().contacts.contacts.clone()
    }
}

/// The SOAP objects (`/Service.asmx`) other than data extension rows: subscribers and lists
/// (automations: [`FakeMarketingCloud::automations`]). Made by [`FakeMarketingCloud::soap`].
#[derive(Debug, Clone, Copy)]
pub struct SoapView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl SoapView<'_> {
    /// The subscribers of every business unit, in creation order (each with its
    /// `Client.ID`).
    pub fn subscribers(&self) -> Vec<SoapRecord> {
        self.fake
            .state()
            .audience
            .all(Kind::Subscriber)
            .map(subscriber_record)
            .collect()
    }

    /// Adds (or, by key, updates) a subscriber with status `Active` in the default business
    /// unit ([`DEFAULT_MID`](super::DEFAULT_MID)); returns its `ID`. For another unit, see
    /// [`BusinessUnitsView::add_subscriber`](super::BusinessUnitsView::add_subscriber).
    pub fn add_subscriber(&self, subscriber_key: &str, email: &str) -> String {
        self.fake
            .business_units()
            .add_subscriber(super::DEFAULT_MID, subscriber_key, email)
    }

    /// The lists of every business unit, in creation order.
    pub fn lists(&self) -> Vec<SoapRecord> {
        self.fake
            .state()
            .audience
            .all(Kind::List)
            .map(subscriber_record)
            .collect()
    }
}

/// Web and public apps (`/v2/authorize` and the `authorization_code` and `refresh_token`
/// grants): who signs in, and the refresh tokens issued. Made by [`FakeMarketingCloud::web`];
/// to play the browser, see [`FakeMarketingCloud::authorize`].
#[derive(Debug, Clone, Copy)]
pub struct WebView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
}

impl WebView<'_> {
    /// Sets the default user: the one [`FakeMarketingCloud::authorize`] signs in as (with
    /// these permissions, `tssd` and choice), and whose username the login page suggests.
    pub fn set_user(&self, user: AuthorizingUser) {
        self.fake.state().oauth.user = user;
    }

    /// Adds a user a browser can sign in as by entering their username on the login page
    /// (replacing an earlier one with the same username). Each user's tokens act for them:
    /// `/v2/userinfo` shows who signed in.
    pub fn add_user(&self, user: AuthorizingUser) {
        let mut state = self.fake.state();
        state.oauth.users.retain(|u| u.username != user.username);
        state.oauth.users.push(user);
    }

    /// The values of the refresh tokens issued so far, in issue order (to check that none of
    /// them shows up in errors or logs).
    pub fn refresh_tokens(&self) -> Vec<String> {
        self.fake.state().oauth.refresh_order.to_vec()
    }

    /// For every refresh token issued so far, in issue order: how many refresh requests
    /// presented it. With a client that never reuses a refresh token, every count is 0 or 1.
    pub fn refresh_token_uses(&self) -> Vec<u32> {
        let state = self.fake.state();
        state
            .oauth
            .refresh_order
            .iter()
            .map(|t| state.oauth.refresh_tokens.get(t).map_or(0, |r| r.uses))
            .collect()
    }

    /// Revokes every refresh token (the user signed out without the `offline` scope): the
    /// next refresh gets `invalid_grant`.
    pub fn revoke_refresh_tokens(&self) {
        for r in self.fake.state().oauth.refresh_tokens.values_mut() {
            r.revoke();
        }
    }
}

/// A model subscriber or list as the SOAP record tests read.
fn subscriber_record(r: &Record) -> SoapRecord {
    SoapRecord::from_model(r)
}
