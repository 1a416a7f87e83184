//! The streaming fixture, `fixtures/feed.rs`, served from memory, with
//! what the tests watch: how many ticks were made, and when a stream was
//! dropped.

#[path = "../../fixtures/feed.rs"]
mod api;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use api::*;
use futures_util::StreamExt;

/// The longest feed [`Ticker`] sends.
pub const MAX_TICKS: u64 = 1_000_000;

/// Serves [`Feed`] from counters.
#[derive(Clone, Debug)]
pub struct Ticker {
    made: Arc<AtomicU64>,
    dropped: tokio::sync::mpsc::UnboundedSender<Instant>,
}

/// What a test sees of a [`Ticker`].
#[derive(Debug)]
pub struct TickerProbe {
    made: Arc<AtomicU64>,
    dropped: tokio::sync::mpsc::UnboundedReceiver<Instant>,
}

impl Ticker {
    /// A ticker, and what shows its work.
    pub fn new() -> (Ticker, TickerProbe) {
        let made = Arc::new(AtomicU64::new(0));
        let (dropped, on_drop) = tokio::sync::mpsc::unbounded_channel();
        let probe = TickerProbe {
            made: Arc::clone(&made),
            dropped: on_drop,
        };
        (Ticker { made, dropped }, probe)
    }
}

impl TickerProbe {
    /// How many ticks the streams have made so far.
    pub fn made(&self) -> u64 {
        self.made.load(Ordering::Relaxed)
    }

    /// When the next stream of `forever` was dropped, waiting at most
    /// `within`.
    pub async fn next_drop(&mut self, within: Duration) -> Option<Instant> {
        tokio::time::timeout(within, self.dropped.recv())
            .await
            .ok()
            .flatten()
    }
}

/// Reports when it is dropped: with the stream that owns it.
struct DropNotice(tokio::sync::mpsc::UnboundedSender<Instant>);

impl Drop for DropNotice {
    fn drop(&mut self) {
        let _ = self.0.send(Instant::now());
    }
}

impl Feed for Ticker {
    async fn ticks(
        &self,
        _ctx: &kit::Context,
        from: u64,
        count: u64,
        note_bytes: u32,
        fail_at: Option<u64>,
    ) -> Result<kit::Stream<Tick, FeedError>, FeedError> {
        if count > MAX_TICKS {
            return Err(FeedError::TooLong { max: MAX_TICKS });
        }
        let made = Arc::clone(&self.made);
        let note = "n".repeat(note_bytes as usize);
        let end = from.saturating_add(count);
        Ok(kit::Stream::new(futures_util::stream::iter(from..end).map(
            move |seq| {
                made.fetch_add(1, Ordering::Relaxed);
                if fail_at == Some(seq) {
                    return Err(FeedError::Unlucky { seq });
                }
                Ok(Tick {
                    seq,
                    note: note.clone(),
                })
            },
        )))
    }

    async fn forever(
        &self,
        _ctx: &kit::Context,
        every_ms: u64,
    ) -> Result<kit::Stream<Tick, FeedError>, FeedError> {
        let notice = DropNotice(self.dropped.clone());
        let made = Arc::clone(&self.made);
        let every = Duration::from_millis(every_ms.max(1));
        let ticks = futures_util::stream::unfold((0_u64, notice), move |(seq, notice)| {
            let made = Arc::clone(&made);
            async move {
                if seq > 0 {
                    tokio::time::sleep(every).await;
                }
                made.fetch_add(1, Ordering::Relaxed);
                let tick = Tick {
                    seq,
                    note: String::new(),
                };
                Some((Ok(tick), (seq + 1, notice)))
            }
        });
        Ok(kit::Stream::new(ticks))
    }

    async fn total(
        &self,
        _ctx: &kit::Context,
        mut ticks: kit::Streaming<Tick>,
    ) -> Result<u64, FeedError> {
        let mut total = 0;
        while let Some(tick) = ticks.next().await {
            let tick = tick?;
            if tick.seq == 13 {
                return Err(FeedError::Unlucky { seq: 13 });
            }
            total += tick.seq;
        }
        Ok(total)
    }

    async fn echo(
        &self,
        _ctx: &kit::Context,
        ticks: kit::Streaming<Tick>,
    ) -> Result<kit::Stream<Tick, FeedError>, FeedError> {
        let notice = DropNotice(self.dropped.clone());
        Ok(kit::Stream::new(ticks.map(move |tick| {
            let _owned_by_the_stream = &notice;
            let tick = tick?;
            if tick.seq == 13 {
                return Err(FeedError::Unlucky { seq: 13 });
            }
            Ok(Tick {
                seq: tick.seq + 1000,
                note: tick.note,
            })
        })))
    }
}
