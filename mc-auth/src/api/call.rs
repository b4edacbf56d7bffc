//! [`Call`]: the named future every typed operation returns.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::Result;

/// The future a typed operation returns (`mailer.send_email(..)`): await it for the result.
///
/// The request is built when the method is called (a bad key is reported when the future is
/// awaited); nothing is sent until the future is polled. A `Call` is [`Send`] and [`Unpin`], so
/// it can be spawned, stored, selected on or polled by hand without pinning.
///
/// It is a named, boxed future rather than an `impl Future`, so that a client type without the
/// scope an operation needs gets exactly one compile error per missing scope, at the call: the
/// scope bound sits on the method alone, not also on an anonymous return type that the compiler
/// checks again at every use. The box costs one allocation per call; against the unboxed future
/// it replaced, `mc-auth/benches/call_future.rs` measures no difference within its noise, both
/// for a future alone and for a round trip to the fake Marketing Cloud.
#[must_use = "a Call does nothing until it is awaited"]
pub struct Call<T> {
    inner: Pin<Box<dyn Future<Output = Result<T>> + Send>>,
}

impl<T> Call<T> {
    /// Wraps the future that does the work.
    pub(crate) fn new(future: impl Future<Output = Result<T>> + Send + 'static) -> Self {
        Call {
            inner: Box::pin(future),
        }
    }
}

impl<T> Future for Call<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        self.inner.as_mut().poll(cx)
    }
}

impl<T> fmt::Debug for Call<T> {
    /// `Call<mc_auth::api::email::SendResponse>`: the result type, nothing of the request.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Call<{}>", std::any::type_name::<T>())
    }
}
