//! Paged REST results as lazy streams.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, Stream};
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::Result;

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
#[must_use = "streams do nothing unless polled"]
pub struct Paged<T> {
    inner: Pin<Box<dyn Stream<Item = Result<T>> + Send>>,
}

impl<T> Paged<T> {
    /// Boxes `stream`.
    pub(crate) fn new(stream: impl Stream<Item = Result<T>> + Send + 'static) -> Self {
        Paged {
            inner: Box::pin(stream),
        }
    }
}

impl<T> Stream for Paged<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> fmt::Debug for Paged<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paged").finish_non_exhaustive()
    }
}

/// One page as fetched: its items, and whether more pages may follow.
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub more: bool,
}

/// Largest page size MC accepts on its paged endpoints (2,500 for data extension rows; the
/// same cap is applied everywhere for simplicity).
pub const MAX_PAGE_SIZE: u32 = 2500;

/// Turns `fetch(page_number)` (1-based) into a stream of items that fetches the next page only
/// when the items of the previous one are used up. An error ends the stream after being yielded.
pub(crate) fn paged<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T>>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    struct State<T, F> {
        fetch: F,
        next_page: u32,
        buffer: VecDeque<T>,
        done: bool,
    }
    let state = State {
        fetch,
        next_page: 1,
        buffer: VecDeque::new(),
        done: false,
    };
    stream::unfold(state, |mut s| async move {
        loop {
            if let Some(item) = s.buffer.pop_front() {
                return Some((Ok(item), s));
            }
            if s.done {
                return None;
            }
            match (s.fetch)(s.next_page).await {
                Ok(page) => {
                    s.next_page += 1;
                    s.done = !page.more || page.items.is_empty();
                    s.buffer.extend(page.items);
                }
                Err(e) => {
                    s.done = true;
                    return Some((Err(e), s));
                }
            }
        }
    })
}

/// The JSON body of one page of a paged MC endpoint: its items and MC's total `count`.
pub(crate) trait PageBody<T>: DeserializeOwned {
    /// The items and the total count, if MC sent one.
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
    Paged::new(paged(move |page| {
        let mut params = vec![
            ("$page".to_owned(), page.to_string()),
            ("$pageSize".to_owned(), size.to_string()),
        ];
        params.extend(extra.iter().cloned());
        let req = client.get(&path).query(&params);
        async move {
            let body: B = req.send().await?.json()?;
            let (items, count) = body.into_parts();
            let more = more_after(page, size, count, items.len());
            Ok(Page { items, more })
        }
    }))
}

/// True when a page numbered `page` of `page_size` items, out of `count` in total, is not the
/// last one.
pub(crate) fn more_after(page: u32, page_size: u32, count: Option<u64>, got: usize) -> bool {
    match count {
        Some(total) => u64::from(page) * u64::from(page_size) < total,
        None => got >= page_size as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn fetches_pages_lazily() {
        let fetched = AtomicU32::new(0);
        let s = paged(|page| {
            fetched.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(Page {
                    items: vec![page * 10, page * 10 + 1],
                    more: page < 3,
                })
            }
        });
        futures_util::pin_mut!(s);
        assert_eq!(s.next().await.unwrap().unwrap(), 10);
        assert_eq!(fetched.load(Ordering::SeqCst), 1, "only the first page so far");
        let rest: Vec<u32> = s.map(|r| r.unwrap()).collect().await;
        assert_eq!(rest, [11, 20, 21, 30, 31]);
        assert_eq!(fetched.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn more_after_rules() {
        assert!(more_after(1, 2, Some(3), 2));
        assert!(!more_after(2, 2, Some(3), 1));
        assert!(more_after(1, 2, None, 2));
        assert!(!more_after(1, 2, None, 1));
    }
}
