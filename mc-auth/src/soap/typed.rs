//! The scope-checked SOAP API of typed clients: every call names the object type, and compiles
//! only when the client type declares the scopes of that action on that object.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use super::action::{
    base_type, Configure, Create, Delete, Describe, Execute, ObjectType, Perform, Retrieve, Schedule, Update,
};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use super::{
    ExecuteRequest, ObjectDefinition, ObjectResult, ObjectStream, RetrieveRequest, SaveOption, Soap, SoapObject,
};
use crate::api::Continued;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::scope::{Has, ScopedClient};

/// The future of a [`TypedSoap`] call: a named, boxed future ([`Send`], [`Unpin`]), so that a
/// missing scope is reported once, at the call, whether or not it is awaited.
pub type SoapCall<'o, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'o>>;

/// `client.soap()` for `#[mc_client]` types: the SOAP API, scope-checked per object and action
/// (in `mc_auth::api::prelude`).
///
/// ```no_run
/// use mc_auth::api::prelude::*;
/// use mc_auth::soap::{self, RetrieveRequest, SoapObject};
/// use mc_auth::mc_client;
///
/// #[mc_client(scopes = "list_and_subscribers_read list_and_subscribers_write")]
/// struct Audience;
///
/// # async fn run(c: Audience) -> mc_auth::Result<()> {
/// let rows = [SoapObject::new("Subscriber").with("SubscriberKey", "ada").with("EmailAddress", "ada@example.com")];
/// c.soap().create::<soap::Subscriber>(&rows).await?;
/// let found = c
///     .soap()
///     .retrieve::<soap::Subscriber>(RetrieveRequest::of::<soap::Subscriber>(["SubscriberKey", "Status"]))
///     .await?;
/// # Ok(()) }
/// ```
///
/// A call the client's scopes do not cover does not compile, and names the missing scope:
///
/// ```compile_fail,E0277
/// use mc_auth::api::prelude::*;
/// use mc_auth::{mc_client, soap};
/// #[mc_client(scopes = "list_and_subscribers_read")]
/// struct Reader;
/// async fn f(r: &Reader, rows: &[soap::SoapObject]) {
///     r.soap().create::<soap::Subscriber>(rows).await; // needs list_and_subscribers_write
/// }
/// ```
///
/// So does an action the object does not offer (`create::<soap::SentEvent>`: tracking events
/// are read-only). For object types outside the catalog, the runtime `client.client().soap()`
/// is the unchecked way: the caller vouches for the scopes.
pub trait ScopedSoap: ScopedClient {
    /// The scope-checked SOAP API of this client.
    fn soap(&self) -> TypedSoap<'_, Self> {
        TypedSoap {
            client: self.client(),
            _client_type: PhantomData,
        }
    }
}

impl<C: ScopedClient> ScopedSoap for C {}

/// The SOAP API of typed client `C`: each call names the object type (`create::<soap::Subscriber>`)
/// and is bounded on the scopes that action needs on that object (from the catalog).
///
/// Before anything is sent, every object passed must be of the named type (a `List` handed to
/// `create::<soap::Subscriber>` is an [`Error::Config`] naming it). Calls return named futures
/// ([`SoapCall`], [`Retrieval`]).
pub struct TypedSoap<'a, C> {
    client: &'a Client,
    _client_type: PhantomData<fn() -> C>,
}

impl<C> Clone for TypedSoap<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for TypedSoap<'_, C> {}

impl<C: ScopedClient> fmt::Debug for TypedSoap<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedSoap").field("client", &C::NAME).finish()
    }
}

impl<'a, C: ScopedClient> TypedSoap<'a, C> {
    /// Retrieves objects of type `O`: `.await` for all of them (following
    /// `MoreDataAvailable`/`ContinueRequest`), or `.stream()` for a lazy stream that holds one
    /// page at a time. `request` must be for `O` (`RetrieveRequest::of::<O>(..)`, or
    /// `RetrieveRequest::rows(key, ..)` for `DataExtensionObject`).
    pub fn retrieve<O: Retrieve>(self, request: RetrieveRequest) -> Retrieval
    where
        C: Has<O::Scopes>,
    {
        let refused = same_type::<O>("retrieve", 0, &request.object_type).err();
        Retrieval {
            client: self.client.clone(),
            request,
            refused,
        }
    }

    /// Creates objects of type `O`. Fails with [`Error::SoapObjects`] if any object fails.
    pub fn create<'o, O: Create>(self, objects: &'o [SoapObject]) -> SoapCall<'o, Vec<ObjectResult>>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move {
            all_of_type::<O>("create", objects)?;
            Soap::new(&client).create(objects).await
        })
    }

    /// Creates objects of type `O` with `Options/SaveOptions` (see [`Soap::create_with`]):
    /// `&[SaveOption::upsert()]` creates or updates. Needs the scopes of Create on `O`.
    pub fn create_with<'o, O: Create>(
        self,
        objects: &'o [SoapObject],
        options: &'o [SaveOption],
    ) -> SoapCall<'o, Vec<ObjectResult>>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move {
            all_of_type::<O>("create_with", objects)?;
            Soap::new(&client).create_with(objects, options).await
        })
    }

    /// Executes requests named `O` (`execute::<soap::LogUnsubEvent>`): every request's `Name`
    /// must be `O`'s. One result per request; not retried.
    pub fn execute<'o, O: Execute>(self, requests: &'o [ExecuteRequest]) -> SoapCall<'o, Vec<ObjectResult>>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move {
            for (i, r) in requests.iter().enumerate() {
                same_type::<O>("execute", i, &r.name)?;
            }
            Soap::new(&client).execute(requests).await
        })
    }

    /// Updates objects of type `O`. Fails with [`Error::SoapObjects`] if any object fails.
    pub fn update<'o, O: Update>(self, objects: &'o [SoapObject]) -> SoapCall<'o, Vec<ObjectResult>>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move {
            all_of_type::<O>("update", objects)?;
            Soap::new(&client).update(objects).await
        })
    }

    /// Deletes objects of type `O`. Fails with [`Error::SoapObjects`] if any object fails.
    pub fn delete<'o, O: Delete>(self, objects: &'o [SoapObject]) -> SoapCall<'o, Vec<ObjectResult>>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move {
            all_of_type::<O>("delete", objects)?;
            Soap::new(&client).delete(objects).await
        })
    }

    /// Performs `action` (for example `start`) on `definitions` of type `O`.
    pub fn perform<'o, O: Perform>(
        self,
        action: &'o str,
        definitions: &'o [SoapObject],
    ) -> SoapCall<'o, Vec<ObjectResult>>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move {
            all_of_type::<O>("perform", definitions)?;
            non_empty("perform", "action", action)?;
            Soap::new(&client).perform(action, definitions).await
        })
    }

    /// Schedules `interactions` of type `O` (`action`, e.g. `start`; the schedule's properties
    /// as the fields of `schedule`). See [`Soap::schedule`].
    pub fn schedule<'o, O: Schedule>(
        self,
        action: &'o str,
        schedule: &'o SoapObject,
        interactions: &'o [SoapObject],
    ) -> SoapCall<'o, Vec<ObjectResult>>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move {
            all_of_type::<O>("schedule", interactions)?;
            non_empty("schedule", "action", action)?;
            Soap::new(&client).schedule(action, schedule, interactions).await
        })
    }

    /// Configures objects of type `O` (`action`, e.g. `create`).
    pub fn configure<'o, O: Configure>(
        self,
        action: &'o str,
        configurations: &'o [SoapObject],
    ) -> SoapCall<'o, Vec<ObjectResult>>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move {
            all_of_type::<O>("configure", configurations)?;
            non_empty("configure", "action", action)?;
            Soap::new(&client).configure(action, configurations).await
        })
    }

    /// Describes `O`: its property definitions.
    pub fn describe<O: Describe>(self) -> SoapCall<'static, ObjectDefinition>
    where
        C: Has<O::Scopes>,
    {
        let client = self.client.clone();
        Box::pin(async move { Soap::new(&client).describe(O::NAME).await })
    }
}

/// A typed Retrieve ([`TypedSoap::retrieve`]): `.await` it for every object, or call
/// [`stream`](Retrieval::stream) for a lazy stream.
#[must_use = "a Retrieval does nothing until awaited or streamed"]
pub struct Retrieval {
    client: Client,
    request: RetrieveRequest,
    refused: Option<Error>,
}

impl Retrieval {
    /// The objects as a lazy stream: the next page is fetched when the previous one is used up
    /// ([`ObjectStream`]); a request refused before sending is the stream's one item.
    pub fn stream(self) -> ObjectStream {
        match self.refused {
            Some(e) => ObjectStream::failed(e),
            None => ObjectStream::new(self.client, self.request),
        }
    }
}

impl Retrieval {
    /// For `DataExtensionObject` rows: the rows decoded into your own type `T`
    /// (`#[derive(Deserialize)]`, see [`row_codec`](crate::api::row_codec)), as a lazy stream
    /// holding one Retrieve page at a time. Build the request with
    /// [`RetrieveRequest::rows_of::<T>`](RetrieveRequest::rows_of) to ask for `T`'s fields.
    ///
    /// A row that does not decode is an [`Error::RowCodec`] item naming its position in the
    /// stream (0-based) and the column, and **the stream ends there**, as
    /// [`query_rows_as`](crate::api::data_extensions::DataExtensions::query_rows_as) does: a
    /// type that does not fit one row almost always fits none. To skip rows that do not fit,
    /// read [`stream`](Self::stream) and call [`SoapObject::decode_row`] on each.
    pub fn rows<T: DeserializeOwned + Send + 'static>(self) -> Continued<T> {
        let client = self.client.clone();
        let objects = self.stream();
        let decoded = futures_util::stream::unfold((objects, 0u64, false), move |(mut objects, index, done)| {
            let client = client.clone();
            async move {
                if done {
                    return None;
                }
                let item = match objects.next().await? {
                    // Derived from a response: scrubbed like every such error.
                    Ok(object) => object
                        .decode_row_at::<T>(Some(index))
                        .map_err(|e| e.redact(&client.core().redactor())),
                    Err(e) => Err(e),
                };
                let stop = item.is_err();
                Some((item, (objects, index + 1, stop)))
            }
        });
        Continued::new(decoded)
    }
}

impl fmt::Debug for Retrieval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retrieval")
            .field("object_type", &self.request.object_type)
            .finish_non_exhaustive()
    }
}

impl IntoFuture for Retrieval {
    type Output = Result<Vec<SoapObject>>;
    type IntoFuture = SoapCall<'static, Vec<SoapObject>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if let Some(e) = self.refused {
                return Err(e);
            }
            Soap::new(&self.client).retrieve(&self.request).await
        })
    }
}

/// `Ok` when `object_type` is `O` (`DataExtensionObject[key]` counts as `DataExtensionObject`).
fn same_type<O: ObjectType>(call: &str, index: usize, object_type: &str) -> Result<()> {
    if base_type(object_type) == O::NAME {
        return Ok(());
    }
    let what = if call == "retrieve" {
        "the RetrieveRequest".to_owned()
    } else if call == "execute" {
        format!("request {index} (counting from 0)")
    } else {
        format!("object {index} (counting from 0)")
    };
    Err(Error::config(
        "soap object type",
        format!(
            "{what} is a `{}`, but `{call}::<{}>` takes `{}` objects only; build it with the type `{}` (nothing was sent)",
            object_type.trim(),
            O::NAME,
            O::NAME,
            O::NAME
        ),
    ))
}

fn all_of_type<O: ObjectType>(call: &str, objects: &[SoapObject]) -> Result<()> {
    objects
        .iter()
        .enumerate()
        .try_for_each(|(i, o)| same_type::<O>(call, i, &o.object_type))
}

fn non_empty(call: &str, what: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::config(
            "soap action",
            format!("`{call}` needs a non-empty {what} (for example `start`); nothing was sent"),
        ));
    }
    Ok(())
}
