//! Paged REST results as lazy streams, item by item or page by page.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::stream::Stream;
use futures_util::FutureExt;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::{Error, Result};

/// The items of a paged Marketing Cloud result, as a lazy [`Stream`]: the next page is fetched
/// only when the items of the previous one are used up; an error is the stream's last item.
///
/// It is [`Unpin`], so `next()` works on it as it is, without pinning:
///
/// ```no_run
/// use futures_util::StreamExt;
/// use mc_auth::api::prelude::*;
/// use mc_auth::mc_client;
///
/// #[mc_client(scopes = "email_read")]
/// struct Reader;
///
/// # async fn run(reader: Reader) -> mc_auth::Result<()> {
/// let mut defs = reader.list_email_definitions(50);
/// while let Some(def) = defs.next().await {
///     println!("{}", def?.definition_key);
/// }
/// # Ok(()) }
/// ```
///
/// # Pages
///
/// [`pages`](Self::pages) turns it into a stream of whole [`Page`]s (each with its number and,
/// where MC reports one, the total), [`starting_at`](Self::starting_at) resumes from a page
/// number saved earlier, and [`total`](Self::total) is the total MC reported with the last page
/// fetched:
///
/// ```no_run
/// use futures_util::StreamExt;
/// use mc_auth::api::prelude::*;
/// use mc_auth::mc_client;
///
/// #[mc_client(scopes = "journeys_read")]
/// struct Reader;
///
/// # async fn run(reader: Reader) -> mc_auth::Result<()> {
/// // Resume a listing that stopped after page 3.
/// let mut pages = reader.list_journeys(100).starting_at(4).pages();
/// while let Some(page) = pages.next().await {
///     let page = page?;
///     println!("page {} of {:?} journeys: {} items", page.number, page.total, page.items.len());
/// }
/// # Ok(()) }
/// ```
///
/// Page numbers are MC's: 1-based. Transactional messaging (`list_email_definitions`,
/// `list_sms_definitions`) reports no total: MC's `count` there is the number of items on the
/// page, not the total (a known MC quirk), so [`total`](Self::total) stays `None` and the end
/// is the first page with fewer items than asked for.
#[must_use = "streams do nothing unless polled"]
pub struct Paged<T> {
    /// Fetches page N (1-based); `None` for a stream that only yields `failed`.
    fetch: Option<Fetch<T>>,
    /// The page the next fetch asks for.
    next_page: u32,
    /// The fetch under way, with the number of the page it asks for.
    in_flight: Option<(u32, BoxFuture<'static, Result<Fetched<T>>>)>,
    /// Items of the current page not yet yielded, and that page's number.
    buffer: VecDeque<T>,
    buffered_page: u32,
    /// An error to yield before anything else (a request that could not be built).
    failed: Option<Error>,
    /// No more pages: the last one was short or empty, or a fetch failed.
    done: bool,
    /// The total MC reported with the last page fetched.
    total: Option<u64>,
}

/// One page of a [`Paged`] result, from [`Paged::pages`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// MC's page number, 1-based.
    pub number: u32,
    /// The page's items, in MC's order.
    pub items: Vec<T>,
    /// The total number of items across all pages, where the endpoint reports one (journeys and
    /// data extension rows do; transactional messaging definitions do not).
    pub total: Option<u64>,
}

/// Fetches one page by number.
type Fetch<T> = Box<dyn FnMut(u32) -> BoxFuture<'static, Result<Fetched<T>>> + Send>;

/// One page as fetched: its items, the reported total, and whether more pages may follow.
pub(crate) struct Fetched<T> {
    pub items: Vec<T>,
    pub total: Option<u64>,
    pub more: bool,
    /// An error to yield after `items`, ending the stream (an item that could not be read).
    pub stop: Option<Error>,
}

impl<T> Paged<T> {
    /// A stream that fetches pages with `fetch(page_number)`, starting at page 1.
    pub(crate) fn new<F, Fut>(mut fetch: F) -> Self
    where
        F: FnMut(u32) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Fetched<T>>> + Send + 'static,
    {
        Paged {
            fetch: Some(Box::new(move |page| fetch(page).boxed())),
            ..Self::empty()
        }
    }

    /// A stream whose only item is `error` (a request that could not be built).
    pub(crate) fn failed(error: Error) -> Self {
        Paged {
            failed: Some(error),
            ..Self::empty()
        }
    }

    fn empty() -> Self {
        Paged {
            fetch: None,
            next_page: 1,
            in_flight: None,
            buffer: VecDeque::new(),
            buffered_page: 0,
            failed: None,
            done: false,
            total: None,
        }
    }

    /// Resumes at page `page` (1-based; 0 counts as 1): the next fetch asks for that page, and
    /// items of the current page not yet read, and a fetch under way, are dropped.
    ///
    /// Save [`next_page`](Self::next_page) to resume a listing later, in another process.
    pub fn starting_at(mut self, page: u32) -> Self {
        self.next_page = page.max(1);
        self.in_flight = None;
        self.buffer.clear();
        if self.fetch.is_some() {
            self.done = false;
        }
        self
    }

    /// The number of the page the next fetch will ask for (1 before anything was read).
    pub fn next_page(&self) -> u32 {
        self.in_flight.as_ref().map_or(self.next_page, |(n, _)| *n)
    }

    /// The total number of items MC reported with the last page fetched, where the endpoint
    /// reports one; `None` before the first page, and always for transactional messaging.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The rest of the result as a stream of whole pages. Items of the current page not yet
    /// read come first, as that page's remainder (with its number).
    pub fn pages(self) -> Pages<T> {
        Pages { inner: self }
    }

    /// Polls for the next page; `None` once the result is exhausted or after an error.
    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<T>>>> {
        if let Some(e) = self.failed.take() {
            self.done = true;
            return Poll::Ready(Some(Err(e)));
        }
        if self.done {
            return Poll::Ready(None);
        }
        let Some(fetch) = self.fetch.as_mut() else {
            return Poll::Ready(None);
        };
        let (number, future) = self
            .in_flight
            .get_or_insert_with(|| (self.next_page, fetch(self.next_page)));
        let number = *number;
        let fetched = ready!(future.as_mut().poll(cx));
        self.in_flight = None;
        match fetched {
            Ok(page) => {
                if let Some(e) = page.stop {
                    // The page's readable items first, then the error, then nothing.
                    self.done = true;
                    if page.items.is_empty() {
                        return Poll::Ready(Some(Err(e)));
                    }
                    self.failed = Some(e);
                }
                self.next_page = number.saturating_add(1);
                self.done = !page.more || page.items.is_empty() || number == u32::MAX;
                if page.total.is_some() {
                    self.total = page.total;
                }
                Poll::Ready(Some(Ok(Page {
                    number,
                    items: page.items,
                    total: page.total,
                })))
            }
            Err(e) => {
                self.done = true;
                Poll::Ready(Some(Err(e)))
            }
        }
    }
}

/// Nothing in it is ever pinned in place (the fetch under way is boxed), whatever `T` is.
impl<T> Unpin for Paged<T> {}

impl<T> Stream for Paged<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match ready!(self.poll_page(cx)) {
                Some(Ok(page)) => {
                    self.buffered_page = page.number;
                    self.buffer.extend(page.items);
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let upper = if self.done && self.failed.is_none() {
            Some(self.buffer.len())
        } else {
            None
        };
        (self.buffer.len(), upper)
    }
}

impl<T> fmt::Debug for Paged<T> {
    /// Counts and numbers only; no items.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paged")
            .field("next_page", &self.next_page())
            .field("buffered", &self.buffer.len())
            .field("total", &self.total)
            .field("done", &self.done)
            .finish()
    }
}

/// A [`Paged`] result as a stream of whole [`Page`]s, from [`Paged::pages`]; [`Unpin`] like it.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T> {
    inner: Paged<T>,
}

impl<T> Pages<T> {
    /// The number of the page the next fetch will ask for.
    pub fn next_page(&self) -> u32 {
        self.inner.next_page()
    }

    /// The total MC reported with the last page fetched, where the endpoint reports one.
    pub fn total(&self) -> Option<u64> {
        self.inner.total()
    }
}

impl<T> Unpin for Pages<T> {}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let inner = &mut self.inner;
        if !inner.buffer.is_empty() {
            return Poll::Ready(Some(Ok(Page {
                number: inner.buffered_page,
                items: inner.buffer.drain(..).collect(),
                total: inner.total,
            })));
        }
        inner.poll_page(cx)
    }
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pages").field(&self.inner).finish()
    }
}

/// The items of a SOAP result that MC continues by request id (`MoreDataAvailable`, then
/// `ContinueRequest`) rather than by page number, as a lazy [`Stream`]: one Retrieve page is
/// held at a time; an error ends the stream after being yielded, except where the method's doc
/// says that an item that does not decode is an error item and the stream goes on.
///
/// Like [`Paged`] it is [`Unpin`] and [`Send`], so `next().await` works without pinning. It has
/// no page numbers: MC's continuation cannot start at page N.
#[must_use = "streams do nothing unless polled"]
pub struct Continued<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T>> + Send>>,
}

impl<T> Continued<T> {
    /// Boxes `stream`.
    pub(crate) fn new(stream: impl Stream<Item = Result<T>> + Send + 'static) -> Self {
        Continued {
            inner: Box::pin(stream),
        }
    }

    /// A stream whose only item is `error` (a request that could not be built).
    pub(crate) fn failed(error: Error) -> Self
    where
        T: Send + 'static,
    {
        Continued::new(futures_util::stream::once(std::future::ready(Err(error))))
    }
}

impl<T> Stream for Continued<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> fmt::Debug for Continued<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Continued").finish_non_exhaustive()
    }
}

/// Largest page size MC accepts on its paged endpoints (2,500 for data extension rows; the
/// same cap is applied everywhere for simplicity).
pub const MAX_PAGE_SIZE: u32 = 2500;

/// The JSON body of one page of a paged MC endpoint.
pub(crate) trait PageBody<T>: DeserializeOwned {
    /// The items and the total across all pages, if MC reports one.
    fn into_parts(self) -> (Vec<T>, Option<u64>);
}

/// `GET path?$page=N&$pageSize=SIZE` (plus `extra` parameters), page after page, as a lazy
/// stream of items.
pub(crate) fn paged_get<T, B>(client: Client, path: String, page_size: u32, extra: Vec<(String, String)>) -> Paged<T>
where
    T: Send + 'static,
    B: PageBody<T> + 'static,
{
    let size = page_size.clamp(1, MAX_PAGE_SIZE);
    Paged::new(move |page| {
        let mut params = vec![
            ("$page".to_owned(), page.to_string()),
            ("$pageSize".to_owned(), size.to_string()),
        ];
        params.extend(extra.iter().cloned());
        let req = client.get(&path).query(&params);
        async move {
            let body: B = req.send().await?.json()?;
            let (items, total) = body.into_parts();
            let more = more_after(page, size, total, items.len());
            Ok(Fetched {
                items,
                total,
                more,
                stop: None,
            })
        }
    })
}

/// True when a page numbered `page` of `page_size` items, out of `total` in all, is not the
/// last one. Without a total, a full page may have a successor.
pub(crate) fn more_after(page: u32, page_size: u32, total: Option<u64>, got: usize) -> bool {
    match total {
        Some(total) => u64::from(page) * u64::from(page_size) < total,
        None => got >= page_size as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    /// Pages 1..=3 of two items each (page N holds N*10 and N*10+1), total 6; counts fetches.
    fn three_pages(fetched: Arc<AtomicU32>) -> Paged<u32> {
        Paged::new(move |page| {
            fetched.fetch_add(1, Ordering::SeqCst);
            async move {
                let items = if page <= 3 {
                    vec![page * 10, page * 10 + 1]
                } else {
                    Vec::new()
                };
                Ok(Fetched {
                    items,
                    total: Some(6),
                    more: page < 3,
                    stop: None,
                })
            }
        })
    }

    #[tokio::test]
    async fn fetches_pages_lazily() {
        let fetched = Arc::new(AtomicU32::new(0));
        let mut s = three_pages(fetched.clone());
        assert_eq!((s.next_page(), s.total()), (1, None));
        assert_eq!(s.next().await.unwrap().unwrap(), 10);
        assert_eq!(fetched.load(Ordering::SeqCst), 1, "only the first page so far");
        assert_eq!((s.next_page(), s.total()), (2, Some(6)));
        let rest: Vec<u32> = s.map(|r| r.unwrap()).collect().await;
        assert_eq!(rest, [11, 20, 21, 30, 31]);
        assert_eq!(fetched.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn pages_carry_numbers_and_the_rest_of_the_current_page() {
        let mut s = three_pages(Arc::default());
        assert_eq!(s.next().await.unwrap().unwrap(), 10);
        let pages: Vec<Page<u32>> = s.pages().map(|p| p.unwrap()).collect().await;
        let seen: Vec<(u32, Vec<u32>)> = pages.iter().map(|p| (p.number, p.items.clone())).collect();
        assert_eq!(seen, [(1, vec![11]), (2, vec![20, 21]), (3, vec![30, 31])]);
        assert!(pages.iter().all(|p| p.total == Some(6)));
    }

    #[tokio::test]
    async fn starting_at_resumes_and_clamps() {
        let fetched = Arc::new(AtomicU32::new(0));
        let rest: Vec<u32> = three_pages(fetched.clone())
            .starting_at(3)
            .map(|r| r.unwrap())
            .collect()
            .await;
        assert_eq!(rest, [30, 31]);
        assert_eq!(fetched.load(Ordering::SeqCst), 1, "pages 1 and 2 were never fetched");

        let from_zero: Vec<u32> = three_pages(Arc::default())
            .starting_at(0)
            .map(|r| r.unwrap())
            .collect()
            .await;
        assert_eq!(from_zero.len(), 6, "page 0 counts as page 1");

        let past_end: Vec<u32> = three_pages(Arc::default())
            .starting_at(9)
            .map(|r| r.unwrap())
            .collect()
            .await;
        assert!(past_end.is_empty());

        // The last page number cannot overflow into a wrap-around.
        let mut last = three_pages(Arc::default()).starting_at(u32::MAX);
        assert!(last.next().await.is_none());
        assert_eq!(last.next_page(), u32::MAX);
    }

    #[tokio::test]
    async fn an_error_is_the_last_item() {
        let fetched = Arc::new(AtomicU32::new(0));
        let counter = fetched.clone();
        let mut s: Paged<u32> = Paged::new(move |page| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if page == 1 {
                    Ok(Fetched {
                        items: vec![1],
                        total: None,
                        more: true,
                        stop: None,
                    })
                } else {
                    Err(Error::config("page", "page two is broken"))
                }
            }
        });
        assert_eq!(s.next().await.unwrap().unwrap(), 1);
        assert!(s.next().await.unwrap().is_err());
        assert!(s.next().await.is_none());
        assert_eq!(fetched.load(Ordering::SeqCst), 2, "no fetch after the error");

        let mut failed: Paged<u32> = Paged::failed(Error::config("key", "bad key"));
        assert!(failed.next().await.unwrap().is_err());
        assert!(failed.next().await.is_none());
        let mut failed_pages = Paged::<u32>::failed(Error::config("key", "bad key")).pages();
        assert!(failed_pages.next().await.unwrap().is_err());
        assert!(failed_pages.next().await.is_none());
    }

    /// A page whose item N could not be read: the items before it, then the error, then the
    /// end (no further fetch), whether read item by item or page by page.
    #[tokio::test]
    async fn a_stop_yields_the_readable_items_then_the_error() {
        fn stopping(fetched: Arc<AtomicU32>, items_before: Vec<u32>) -> Paged<u32> {
            Paged::new(move |page| {
                fetched.fetch_add(1, Ordering::SeqCst);
                let items_before = items_before.clone();
                async move {
                    Ok(Fetched {
                        items: if page == 1 { vec![1, 2] } else { items_before },
                        total: None,
                        more: page == 1,
                        stop: (page == 2).then(|| Error::config("row", "row 3 does not fit")),
                    })
                }
            })
        }
        for before in [vec![3], vec![]] {
            let fetched = Arc::new(AtomicU32::new(0));
            let items: Vec<Result<u32>> = stopping(fetched.clone(), before.clone()).collect().await;
            let ok: Vec<u32> = items.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
            assert_eq!(ok, [vec![1, 2], before.clone()].concat());
            assert!(items.last().unwrap().is_err());
            assert_eq!(items.len(), ok.len() + 1);
            assert_eq!(fetched.load(Ordering::SeqCst), 2, "no fetch after the stop");

            let pages: Vec<Result<Page<u32>>> = stopping(Arc::default(), before.clone()).pages().collect().await;
            assert!(pages.last().unwrap().is_err());
            assert_eq!(pages.len(), if before.is_empty() { 2 } else { 3 });
        }
    }

    #[test]
    fn streams_are_unpin_and_send() {
        fn check<S: Unpin + Send>() {}
        check::<Paged<std::marker::PhantomPinned>>();
        check::<Pages<std::marker::PhantomPinned>>();
        check::<Continued<String>>();
    }

    #[test]
    fn more_after_rules() {
        assert!(more_after(1, 2, Some(3), 2));
        assert!(!more_after(2, 2, Some(3), 1));
        assert!(more_after(1, 2, None, 2));
        assert!(!more_after(1, 2, None, 1));
    }
}
