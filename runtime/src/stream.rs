//! Streams of messages: what a streaming method returns ([`Stream`]) and
//! what it receives ([`Streaming`]).
//!
//! A [`Stream`] is a boxed `futures::Stream` of `Result<T, E>`: build one
//! from anything that streams (`async-stream`'s `stream!`, a channel's
//! receiver, a combinator chain) with [`Stream::new`]. An item's error is
//! the method's own error type, and the caller gets the same variant back,
//! after the items before it; the stream ends there.
//!
//! The transports read a stream as the peer reads it: a slow reader slows
//! the producer (HTTP/2 flow control, TCP's window) rather than filling a
//! buffer. Dropping a stream cancels what produces it: a client that drops
//! the stream it was given resets the call, and the server drops the
//! handler's stream.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context as TaskContext, Poll, ready};
use std::time::Instant;

use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};

use crate::{Code, Context, Error, ServiceError};

/// A stream of `T`s, each of which can fail with `E`: what a server
/// streaming method returns, `Result<kit::Stream<Event, OrderError>,
/// OrderError>`.
///
/// ```
/// use kit::Stream;
///
/// # #[derive(Debug)] struct Never;
/// // From an iterator, a channel, or any `futures::Stream`:
/// let counted: Stream<u32, Never> = Stream::iter((1..=3).map(Ok));
/// let (sender, receiver) = tokio::sync::mpsc::channel::<Result<u32, Never>>(16);
/// let received = Stream::new(tokio_stream::wrappers::ReceiverStream::new(receiver));
/// # let _ = (counted, received, sender);
/// ```
pub struct Stream<T, E = Error> {
    inner: BoxStream<'static, Result<T, E>>,
}

/// A stream of `T`s that the transport delivers: what a client streaming
/// method receives (`chunks: kit::Streaming<Chunk>`), and what a layer sees
/// of a server streaming endpoint's response. Its errors are the call's: a
/// message that cannot be decoded, a caller that went away, a deadline.
pub type Streaming<T> = Stream<T, Error>;

impl<T, E> Stream<T, E> {
    /// Boxes `stream`.
    pub fn new<S>(stream: S) -> Self
    where
        S: futures_util::Stream<Item = Result<T, E>> + Send + 'static,
    {
        Stream {
            inner: stream.boxed(),
        }
    }

    /// The items of `items`, one by one.
    pub fn iter<I>(items: I) -> Self
    where
        I: IntoIterator<Item = Result<T, E>>,
        I::IntoIter: Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        Stream::new(futures_util::stream::iter(items))
    }

    /// A stream that ends at once.
    pub fn empty() -> Self
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        Stream::new(futures_util::stream::empty())
    }

    /// Maps each item's value with `ok` and its error with `err`, keeping
    /// the stream boxed once. Generated code uses it to turn a method's
    /// items into messages and its errors into [`Error`]s, and back.
    pub fn map_items<U, F>(
        self,
        ok: impl FnMut(T) -> U + Send + 'static,
        err: impl FnMut(E) -> F + Send + 'static,
    ) -> Stream<U, F>
    where
        T: 'static,
        E: 'static,
    {
        Stream {
            inner: self.inner.map_ok(ok).map_err(err).boxed(),
        }
    }
}

impl<T: Send + 'static, E: ServiceError> Stream<T, E> {
    /// Runs `on_end` once, when the stream is over: with `OK` after its
    /// last item, with an item's error's code when it fails, or with
    /// `CANCELLED` when it is dropped before either; and with how many
    /// items it gave. Generated service middleware logs and counts a
    /// streaming call with it.
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use kit::{Code, Stream};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (ended, seen) = std::sync::mpsc::channel();
    /// let stream = Stream::<u32, kit::Error>::iter([Ok(1), Ok(2)])
    ///     .on_end(move |code, items| ended.send((code, items)).unwrap());
    /// assert_eq!(stream.count().await, 2);
    /// assert_eq!(seen.recv().unwrap(), (Code::Ok, 2));
    /// # }
    /// ```
    pub fn on_end(self, on_end: impl FnOnce(Code, u64) + Send + 'static) -> Self {
        let call = CallRecord::new(Box::new(move |code, counts| on_end(code, counts.sent)));
        Stream::new(Counted {
            inner: self.inner,
            call,
            direction: Direction::Sent,
            ended: false,
        })
    }
}

impl<T: Send + 'static> Streaming<T> {
    /// Bounds a call's stream of answers by the call, as `ctx` describes
    /// it: the stream ends with `DEADLINE_EXCEEDED` when the call's deadline
    /// passes, and with `UNAVAILABLE` when [`crate::Server`] gives up on its
    /// grace period. Generated endpoints bound every stream they return; an
    /// endpoint written by hand calls it with its request's context.
    pub fn bounded_by(self, ctx: &Context) -> Self {
        self.within(ctx.deadline(), ctx.extension::<Closing>())
    }

    /// Ends the stream with `DEADLINE_EXCEEDED` at `deadline`.
    pub(crate) fn until(self, deadline: Instant) -> Self {
        self.within(Some(deadline), None)
    }

    /// The stream, ending at `deadline` and when `closing` closes, in one
    /// adapter (it runs for every message); itself when there are neither.
    fn within(self, deadline: Option<Instant>, closing: Option<&Closing>) -> Self {
        if deadline.is_none() && closing.is_none() {
            return self;
        }
        Stream::new(Bounded {
            inner: self.inner,
            deadline: deadline.map(|deadline| {
                let sleep = Box::pin(tokio::time::sleep_until(deadline.into()));
                (deadline, sleep)
            }),
            closing: closing.map(|closing| (closing.clone(), closing.closed())),
            ended: false,
        })
    }

    /// Wraps the stream in what `tap` asks for; endpoints hold this as a
    /// function of their request or response type (see
    /// [`Endpoint::server_streaming`](crate::Endpoint::server_streaming)).
    pub(crate) fn tap(self, Tap(call, direction): Tap) -> Self {
        Stream::new(Counted {
            inner: self.inner,
            call,
            direction,
            ended: false,
        })
    }
}

impl<T, E> futures_util::Stream for Stream<T, E> {
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T, E> fmt::Debug for Stream<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("item", &std::any::type_name::<T>())
            .field("error", &std::any::type_name::<E>())
            .finish_non_exhaustive()
    }
}

/// Set by [`crate::Server`] on every request it serves, and put in the
/// context of each streaming call: turns true when its grace period is
/// over, and the streams still open are ended.
#[derive(Clone, Debug)]
pub(crate) struct Closing {
    /// Read by every message of a stream, so that one that never waits
    /// still ends.
    closed: Arc<AtomicBool>,
    /// What wakes a stream that waits.
    signal: tokio::sync::watch::Receiver<bool>,
}

/// What completes when a server closes.
type Closed = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Closes what [`Closing`] watches.
#[derive(Debug)]
pub(crate) struct Close {
    closed: Arc<AtomicBool>,
    signal: tokio::sync::watch::Sender<bool>,
}

impl Closing {
    /// A signal, and what turns it.
    pub(crate) fn new() -> (Close, Closing) {
        let closed = Arc::new(AtomicBool::new(false));
        let (signal, watched) = tokio::sync::watch::channel(false);
        let close = Close {
            closed: Arc::clone(&closed),
            signal,
        };
        (
            close,
            Closing {
                closed,
                signal: watched,
            },
        )
    }

    /// Whether the server has closed.
    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Completes when the server closes.
    fn closed(&self) -> Closed {
        let mut signal = self.signal.clone();
        Box::pin(async move {
            let _ = signal.wait_for(|closed| *closed).await;
        })
    }
}

impl Close {
    /// Ends the streams that watch it.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let _ = self.signal.send(true);
    }
}

/// Why a stream ended when its server closed.
pub(crate) const CLOSED: &str = "the server is shutting down, and its grace period is over";

/// A request message that can be sent again, as
/// [`RetryLayer`](crate::middleware::RetryLayer) does: any `Clone`
/// message, and never a stream, which is read once. So a layer that
/// retries applies to every endpoint of a service, and passes a streaming
/// one through.
pub trait Replay: Sized {
    /// A copy to send again, or `None` when it cannot be sent twice.
    fn replay(&self) -> Option<Self>;
}

impl<T: Clone> Replay for T {
    fn replay(&self) -> Option<Self> {
        Some(self.clone())
    }
}

impl<T, E> Replay for Stream<T, E> {
    fn replay(&self) -> Option<Self> {
        None
    }
}

/// Polls a call's stream of answers, as a transport does: a panic of the
/// stream's producer becomes `INTERNAL`, logged, rather than unwinding into
/// the connection, which serves other calls. Free when nothing panics.
pub(crate) fn poll_guarded<T>(
    stream: &mut Streaming<T>,
    cx: &mut TaskContext<'_>,
) -> Poll<Option<Result<T, Error>>> {
    let polled =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stream.poll_next_unpin(cx)));
    polled.unwrap_or_else(|panic| {
        let message = crate::server_call::panic_message(&*panic);
        tracing::error!(panic = message, "a stream of answers panicked");
        Poll::Ready(Some(Err(Error::internal("the handler's stream panicked"))))
    })
}

/// What a layer asks of an endpoint's stream, whatever its item type:
/// count its messages, in one direction, in the call's record, which
/// learns how the call ended.
pub(crate) struct Tap(pub(crate) Arc<CallRecord>, pub(crate) Direction);

/// Which way a tapped stream's messages go, seen from the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The caller's messages.
    Received,
    /// The messages answered.
    Sent,
}

/// One streaming call as a layer observes it: the messages each way, and
/// what runs once when the call ends.
pub(crate) struct CallRecord {
    received: AtomicU64,
    sent: AtomicU64,
    on_end: std::sync::Mutex<Option<OnEnd>>,
}

/// What runs when a call ends: with its code and its message counts.
pub(crate) type OnEnd = Box<dyn FnOnce(Code, MessageCounts) + Send>;

/// The messages of one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MessageCounts {
    /// Messages the caller sent.
    pub(crate) received: u64,
    /// Messages answered.
    pub(crate) sent: u64,
}

impl CallRecord {
    /// A call that runs `on_end` when it ends.
    pub(crate) fn new(on_end: OnEnd) -> Arc<Self> {
        Arc::new(CallRecord {
            received: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            on_end: std::sync::Mutex::new(Some(on_end)),
        })
    }

    /// Counts one message.
    pub(crate) fn count(&self, direction: Direction) {
        let counter = match direction {
            Direction::Received => &self.received,
            Direction::Sent => &self.sent,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Ends the call with `code`; only the first end counts.
    pub(crate) fn end(&self, code: Code) {
        let on_end = self
            .on_end
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(on_end) = on_end {
            let counts = MessageCounts {
                received: self.received.load(Ordering::Relaxed),
                sent: self.sent.load(Ordering::Relaxed),
            };
            on_end(code, counts);
        }
    }
}

impl Drop for CallRecord {
    /// A call whose streams were dropped before they ended was cancelled.
    fn drop(&mut self) {
        self.end(Code::Cancelled);
    }
}

/// Counts a stream's messages; ends the call when the stream of answers
/// ends, or fails, or is dropped unfinished.
struct Counted<T, E> {
    inner: BoxStream<'static, Result<T, E>>,
    call: Arc<CallRecord>,
    direction: Direction,
    ended: bool,
}

impl<T, E: ServiceError> futures_util::Stream for Counted<T, E> {
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let item = ready!(this.inner.poll_next_unpin(cx));
        match &item {
            Some(Ok(_)) => this.call.count(this.direction),
            Some(Err(error)) if this.direction == Direction::Sent => {
                this.ended = true;
                this.call.end(error.code());
            }
            None if this.direction == Direction::Sent && !this.ended => {
                this.ended = true;
                this.call.end(Code::Ok);
            }
            _ => {}
        }
        Poll::Ready(item)
    }
}

impl<T, E> Drop for Counted<T, E> {
    fn drop(&mut self) {
        if self.direction == Direction::Sent && !self.ended {
            self.call.end(Code::Cancelled);
        }
    }
}

/// Ends a stream with `DEADLINE_EXCEEDED` when its deadline passes, and
/// with `UNAVAILABLE` when its server closes, whether the stream waits or
/// always has a message ready.
struct Bounded<T> {
    inner: BoxStream<'static, Result<T, Error>>,
    deadline: Option<(Instant, Pin<Box<tokio::time::Sleep>>)>,
    closing: Option<(Closing, Closed)>,
    ended: bool,
}

impl<T> Bounded<T> {
    /// The bound that has passed, if one has.
    fn passed(&self) -> Option<Error> {
        // tokio's clock, which a test can pause, as the sleep's.
        if let Some((deadline, _)) = &self.deadline
            && tokio::time::Instant::now() >= (*deadline).into()
        {
            return Some(Error::deadline_exceeded());
        }
        match &self.closing {
            Some((closing, _)) if closing.is_closed() => Some(Error::unavailable(CLOSED)),
            _ => None,
        }
    }
}

impl<T> futures_util::Stream for Bounded<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(None);
        }
        let passed = match this.passed() {
            Some(passed) => passed,
            None => {
                if let Poll::Ready(item) = this.inner.poll_next_unpin(cx) {
                    return Poll::Ready(item);
                }
                let slept = match &mut this.deadline {
                    Some((_, sleep)) => sleep.as_mut().poll(cx).is_ready(),
                    None => false,
                };
                let closed = match &mut this.closing {
                    Some((_, closed)) => closed.as_mut().poll(cx).is_ready(),
                    None => false,
                };
                match (slept, closed) {
                    (true, _) => Error::deadline_exceeded(),
                    (false, true) => Error::unavailable(CLOSED),
                    (false, false) => return Poll::Pending,
                }
            }
        };
        this.ended = true;
        Poll::Ready(Some(Err(passed)))
    }
}

/// Where a request stream's first error goes, for whoever waits on the
/// call: [`cancelled_by`].
#[derive(Clone, Default)]
pub(crate) struct Failed(Arc<FailedSlot>);

#[derive(Default)]
struct FailedSlot {
    error: std::sync::Mutex<Option<Error>>,
    notify: tokio::sync::Notify,
}

impl Failed {
    fn report(&self, error: Error) {
        *self.lock() = Some(error);
        // Stores a permit when no one waits yet.
        self.0.notify.notify_one();
    }

    /// The error, once there is one.
    async fn error(&self) -> Error {
        loop {
            let notified = self.0.notify.notified();
            if let Some(error) = self.lock().take() {
                return error;
            }
            notified.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Error>> {
        self.0
            .error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The messages of `messages` until its first error, after which the
/// stream neither sends nor ends (an end would tell the server that the
/// caller is done): the error goes to the returned [`Failed`], on which
/// [`cancelled_by`] drops the call.
pub(crate) fn until_failed<Req: Send + 'static>(
    messages: Streaming<Req>,
) -> (
    impl futures_util::Stream<Item = Req> + Send + 'static,
    Failed,
) {
    let failed = Failed::default();
    let report = failed.clone();
    let sent =
        futures_util::stream::unfold((messages, report), |(mut messages, report)| async move {
            match messages.next().await {
                Some(Ok(message)) => Some((message, (messages, report))),
                Some(Err(error)) => {
                    report.report(error);
                    std::future::pending().await
                }
                None => None,
            }
        });
    (sent, failed)
}

/// A bidirectional call's `answers`, which end with the request stream's
/// error if it fails first: the answers are dropped then, which resets the
/// call.
pub(crate) fn answers_until_failed<T: Send + 'static>(
    answers: Streaming<T>,
    failed: Failed,
) -> Streaming<T> {
    Streaming::new(futures_util::stream::unfold(
        Some((answers, failed)),
        |state| async move {
            let (mut answers, failed) = state?;
            match cancelled_by(async { Ok(answers.next().await) }, &failed).await {
                Ok(Some(Ok(answer))) => Some((Ok(answer), Some((answers, failed)))),
                Ok(Some(Err(error))) | Err(error) => Some((Err(error), None)),
                Ok(None) => None,
            }
        },
    ))
}

/// `call`'s outcome, unless the request stream fails first: then the call
/// is dropped, which resets it, and the outcome is that error.
pub(crate) async fn cancelled_by<T>(
    call: impl Future<Output = Result<T, Error>>,
    failed: &Failed,
) -> Result<T, Error> {
    tokio::select! {
        result = call => result,
        error = failed.error() => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_deadline_ends_the_stream_with_deadline_exceeded() {
        let ctx = Context::new().with_deadline(Instant::now() + Duration::from_millis(50));
        let slow = futures_util::stream::unfold(0_u32, |n| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Some((Ok::<_, Error>(n), n + 1))
        });
        let items: Vec<Result<u32, Error>> = Streaming::new(slow).bounded_by(&ctx).collect().await;
        assert_eq!(items.len(), 3, "{items:?}");
        assert_eq!(items[0].as_ref().unwrap(), &0);
        assert_eq!(items[1].as_ref().unwrap(), &1);
        assert_eq!(
            items[2].as_ref().unwrap_err().code(),
            Code::DeadlineExceeded
        );
    }

    #[tokio::test]
    async fn a_record_learns_counts_and_how_the_call_ended() {
        let ended = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = |ended: &Arc<std::sync::Mutex<Vec<(Code, MessageCounts)>>>| {
            let ended = Arc::clone(ended);
            CallRecord::new(Box::new(move |code, counts| {
                ended.lock().unwrap().push((code, counts));
            }))
        };

        let finished = record(&ended);
        let sent = Streaming::iter([Ok(1), Ok(2)]).tap(Tap(finished, Direction::Sent));
        assert_eq!(sent.collect::<Vec<_>>().await.len(), 2);

        let failed = record(&ended);
        let sent = Streaming::iter([Ok(1), Err(Error::not_found("gone")), Ok(3)])
            .tap(Tap(failed, Direction::Sent));
        assert_eq!(sent.collect::<Vec<_>>().await.len(), 3);

        let dropped = record(&ended);
        let mut sent = Streaming::iter([Ok(1), Ok(2)]).tap(Tap(dropped, Direction::Sent));
        assert!(sent.next().await.is_some());
        drop(sent);

        let sent = |received, sent| MessageCounts { received, sent };
        assert_eq!(
            *ended.lock().unwrap(),
            [
                (Code::Ok, sent(0, 2)),
                (Code::NotFound, sent(0, 1)),
                (Code::Cancelled, sent(0, 1)),
            ]
        );
    }
}
