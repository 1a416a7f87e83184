//! The per-request context: request id, deadline, metadata, and what
//! layers learnt about the call (who is calling).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::connections::Peer;

/// What a request carries besides its message: an id for logs and traces, an
/// optional deadline, metadata (the caller's headers), and on a server the
/// connection's address and what layers learnt (who is calling).
///
/// Servers build it from the incoming request: the id from `X-Request-ID`
/// (or a fresh one), the deadline from the caller's timeout header, the
/// metadata from the headers. Clients send it on: the id, the time left until
/// the deadline, and the metadata.
///
/// Cloning is cheap: the metadata and the extensions are shared until a
/// clone changes them. A server's context passed on to a client call keeps
/// its caller and peer address for this process; only the id, the time
/// left and forwardable metadata are sent.
#[derive(Clone, Debug)]
pub struct Context {
    request_id: HeaderValue,
    deadline: Option<Instant>,
    /// `None` for no metadata, so that `Context::new` allocates nothing
    /// for it.
    metadata: Option<Arc<HeaderMap>>,
    /// Typed values that layers attach for the handler; never sent on.
    /// `None` until one is, like the metadata.
    extensions: Option<Arc<http::Extensions>>,
    /// On a server, the address of the connection the call came on.
    peer: Option<SocketAddr>,
}

impl Context {
    /// A context with a fresh request id, no deadline and no metadata.
    pub fn new() -> Self {
        Context {
            request_id: generate_request_id(),
            deadline: None,
            metadata: None,
            extensions: None,
            peer: None,
        }
    }

    /// Uses `id` as the request id when it is a usable header value of at
    /// most 128 visible ASCII characters, and keeps the current one otherwise.
    #[must_use]
    pub fn with_request_id(mut self, id: &str) -> Self {
        if let Some(id) = valid_request_id(id.as_bytes()) {
            self.request_id = id;
        }
        self
    }

    /// Sets the deadline, keeping the earlier one if a deadline is already set.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(match self.deadline {
            Some(current) => current.min(deadline),
            None => deadline,
        });
        self
    }

    /// Sets the deadline to `timeout` from now (keeping an earlier one). A
    /// timeout too large to represent sets no deadline.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.limit_to(timeout);
        self
    }

    /// [`Context::with_timeout`] in place.
    pub(crate) fn limit_to(&mut self, timeout: Duration) {
        if let Some(deadline) = Instant::now().checked_add(timeout) {
            self.deadline = Some(
                self.deadline
                    .map_or(deadline, |current| current.min(deadline)),
            );
        }
    }

    /// Replaces the metadata.
    #[must_use]
    pub fn with_metadata(mut self, metadata: HeaderMap) -> Self {
        self.metadata = Some(Arc::new(metadata));
        self
    }

    /// The request id.
    pub fn request_id(&self) -> &str {
        // Only visible ASCII ever gets in (see `valid_request_id`).
        self.request_id.to_str().unwrap_or_default()
    }

    /// The request id as a header value, ready to send.
    pub fn request_id_header(&self) -> &HeaderValue {
        &self.request_id
    }

    /// The deadline, if the caller set one.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The sooner of the deadline and `timeout` from now: what a call
    /// that allows itself at most `timeout` must finish by.
    pub fn deadline_within(&self, timeout: Option<Duration>) -> Option<Instant> {
        let own = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        match (self.deadline, own) {
            (Some(theirs), Some(own)) => Some(theirs.min(own)),
            (theirs, own) => theirs.or(own),
        }
    }

    /// The time left until the deadline: `None` without a deadline, zero
    /// once it has passed.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }

    /// Whether the deadline has passed.
    pub fn is_expired(&self) -> bool {
        self.remaining() == Some(Duration::ZERO)
    }

    /// The metadata: on a server, the caller's headers.
    pub fn metadata(&self) -> &HeaderMap {
        static EMPTY: OnceLock<HeaderMap> = OnceLock::new();
        match &self.metadata {
            Some(metadata) => metadata,
            None => EMPTY.get_or_init(HeaderMap::new),
        }
    }

    /// The metadata, to add entries that clients will send on.
    pub fn metadata_mut(&mut self) -> &mut HeaderMap {
        Arc::make_mut(self.metadata.get_or_insert_default())
    }

    /// Builds a server-side context from request headers, which become the
    /// metadata, and the connection's remote address. A missing or unusable
    /// `X-Request-ID` gets a fresh id.
    pub(crate) fn from_headers(metadata: HeaderMap, peer: Option<Peer>) -> Self {
        let (peer, certificate) = match peer {
            Some(peer) => (Some(peer.addr), peer.certificate),
            None => (None, None),
        };
        let mut ctx = Context {
            request_id: request_id_from(&metadata),
            deadline: None,
            metadata: Some(Arc::new(metadata)),
            extensions: None,
            peer,
        };
        if let Some(certificate) = certificate {
            ctx.insert_extension(certificate);
        }
        ctx
    }

    /// On a server, the remote address of the connection the call came on
    /// (a proxy's, behind one). `None` in a context made by hand, and for a
    /// router served by other means than [`Server`](crate::Server) unless
    /// they pass axum's `ConnectInfo<SocketAddr>`
    /// (`into_make_service_with_connect_info`).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// Attaches `value` for the handler, replacing any of the same type: how
    /// a layer passes on what it learnt, such as [`AuthLayer`]'s
    /// [`Identity`]. Extensions stay in this process; clients never send
    /// them.
    ///
    /// [`AuthLayer`]: crate::middleware::AuthLayer
    /// [`Identity`]: crate::middleware::Identity
    pub fn insert_extension<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        Arc::make_mut(self.extensions.get_or_insert_default()).insert(value);
    }

    /// The value of type `T` a layer attached with
    /// [`Context::insert_extension`].
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.as_deref()?.get::<T>()
    }

    /// Who is calling, as [`AuthLayer`](crate::middleware::AuthLayer)
    /// verified it; `None` where no auth layer ran.
    ///
    /// ```
    /// # use kit::middleware::Identity;
    /// # fn handler(ctx: &kit::Context) {
    /// match ctx.caller() {
    ///     Some(caller) => tracing::info!(caller = caller.name(), "called"),
    ///     None => tracing::info!("anonymous"),
    /// }
    /// # }
    /// ```
    pub fn caller(&self) -> Option<&crate::middleware::Identity> {
        self.extension()
    }

    /// On a server that asks for client certificates (mutual TLS: see
    /// [`ServerTls::require_client_certificates`]), the certificate the
    /// caller's connection presented, verified.
    ///
    /// [`ServerTls::require_client_certificates`]: crate::tls::ServerTls::require_client_certificates
    pub fn client_certificate(&self) -> Option<&crate::tls::ClientCertificate> {
        self.extension()
    }
}

/// The caller's `X-Request-ID` if it is usable, or a fresh id.
pub(crate) fn request_id_from(headers: &HeaderMap) -> HeaderValue {
    // The caller's value itself, not a copy: its bytes are shared with the
    // request, so keeping it (and cloning it to echo) allocates nothing.
    crate::http::header(headers, &crate::http::X_REQUEST_ID)
        .filter(|id| is_usable_request_id(id.as_bytes()))
        .cloned()
        .unwrap_or_else(generate_request_id)
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

/// Whether a metadata header is sent on to the next service: W3C trace
/// context (`traceparent`, `tracestate`, `baggage`) and custom `x-` headers,
/// except proxy headers (`x-forwarded-*`, `x-real-ip`) and kit's own. Other
/// headers, `authorization` and `cookie` among them, describe the caller's
/// own request and stay behind.
pub(crate) fn forwards(name: &HeaderName) -> bool {
    const TRACE_CONTEXT: [&str; 3] = ["traceparent", "tracestate", "baggage"];
    const NOT_FORWARDED: [&str; 3] = ["x-real-ip", "x-request-id", "x-request-timeout"];
    let name = name.as_str();
    TRACE_CONTEXT.contains(&name)
        || (name.starts_with("x-")
            && !name.starts_with("x-forwarded-")
            && !NOT_FORWARDED.contains(&name))
}

/// The longest request id accepted from a caller.
const MAX_REQUEST_ID_LEN: usize = 128;

fn valid_request_id(id: &[u8]) -> Option<HeaderValue> {
    is_usable_request_id(id)
        .then(|| HeaderValue::from_bytes(id).ok())
        .flatten()
}

fn is_usable_request_id(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID_LEN && id.iter().all(u8::is_ascii_graphic)
}

/// A fresh request id: 32 hex digits, unique within the process and, through
/// a random per-process key, across processes.
///
/// Hand-written instead of a UUID v4: drawing from the OS for every request
/// costs a system call, and ids only need to be unique, not secret.
fn generate_request_id() -> HeaderValue {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let number = (u128::from(process_key()) << 64) | u128::from(random_u64());
    let mut id = [0u8; 32];
    for (index, digit) in id.iter_mut().enumerate() {
        *digit = HEX[((number >> (124 - 4 * index)) & 0xf) as usize];
    }
    // Owned by a shared buffer, so that echoing the id (a clone) does not
    // copy it again.
    HeaderValue::from_maybe_shared(bytes::Bytes::from_owner(id))
        .unwrap_or_else(|_| HeaderValue::from_static("0"))
}

/// A number unique within the process and unpredictable-looking across
/// processes: request ids, trace and span ids. Not for secrets.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    splitmix64(process_key() ^ count)
}

/// A random key per process.
fn process_key() -> u64 {
    static KEY: OnceLock<u64> = OnceLock::new();
    *KEY.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        hasher.write_u32(std::process::id());
        hasher.finish()
    })
}

/// A bijective mixer, so consecutive counters give unrelated-looking ids.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The `grpc-timeout` text form, which the HTTP transport reuses for its
/// timeout header: at most eight digits and a unit (`H`, `M`, `S`, `m`, `u`,
/// `n`), such as `250m`.
pub mod timeout {
    use std::time::Duration;

    const MAX_DIGITS: u64 = 99_999_999;

    /// Encodes `timeout` in the largest precision that fits eight digits,
    /// rounding up so that a peer never sees less time than there is.
    pub fn encode(timeout: Duration) -> String {
        let nanos = timeout.as_nanos();
        let units: [(u128, char); 6] = [
            (1, 'n'),
            (1_000, 'u'),
            (1_000_000, 'm'),
            (1_000_000_000, 'S'),
            (60_000_000_000, 'M'),
            (3_600_000_000_000, 'H'),
        ];
        for (size, unit) in units {
            let value = nanos.div_ceil(size);
            if value <= u128::from(MAX_DIGITS) {
                return format!("{value}{unit}");
            }
        }
        format!("{MAX_DIGITS}H")
    }

    /// Decodes a timeout; `None` when the text is not in the format.
    pub fn decode(text: &str) -> Option<Duration> {
        let unit = text.chars().last()?;
        let digits = &text[..text.len() - unit.len_utf8()];
        if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: u64 = digits.parse().ok()?;
        Some(match unit {
            'H' => Duration::from_secs(value * 3600),
            'M' => Duration::from_secs(value * 60),
            'S' => Duration::from_secs(value),
            'm' => Duration::from_millis(value),
            'u' => Duration::from_micros(value),
            'n' => Duration::from_nanos(value),
            _ => return None,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips_without_losing_time() {
            for timeout in [
                Duration::from_nanos(1),
                Duration::from_micros(1500),
                Duration::from_millis(250),
                Duration::from_secs(30),
                Duration::from_secs(86_400 * 365),
            ] {
                let back = decode(&encode(timeout)).unwrap();
                assert!(back >= timeout, "{timeout:?} came back as {back:?}");
                assert!(back - timeout <= timeout / 1000 + Duration::from_nanos(1));
            }
            assert_eq!(encode(Duration::from_millis(250)), "250000u");
        }

        #[test]
        fn rejects_text_outside_the_format() {
            for text in ["", "m", "10", "10x", "123456789m", "-1S", "1.5S", "1é"] {
                assert_eq!(decode(text), None, "{text}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trace_context_and_custom_headers_are_forwarded() {
        for name in [
            "host",
            "content-length",
            "content-encoding",
            "authorization",
            "cookie",
            "x-request-id",
            "x-forwarded-for",
            "x-real-ip",
        ] {
            assert!(!forwards(&HeaderName::from_static(name)), "{name}");
        }
        for name in ["traceparent", "tracestate", "baggage", "x-tenant"] {
            assert!(forwards(&HeaderName::from_static(name)), "{name}");
        }
    }

    #[test]
    fn generated_ids_are_unique_and_well_formed() {
        let ids: std::collections::HashSet<String> = (0..1000)
            .map(|_| Context::new().request_id().to_owned())
            .collect();
        assert_eq!(ids.len(), 1000);
        assert!(
            ids.iter()
                .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        );
        // The process's key, then the per-request number, in lower-case hex.
        let key = format!("{:016x}", process_key());
        assert!(ids.iter().all(|id| id.starts_with(&key)), "{key}");
    }

    #[test]
    fn clones_share_metadata_until_one_changes_it() {
        let mut ctx = Context::new();
        assert!(ctx.metadata().is_empty());
        ctx.metadata_mut()
            .insert("x-tenant", HeaderValue::from_static("acme"));
        let mut clone = ctx.clone();
        assert!(std::ptr::eq(ctx.metadata(), clone.metadata()));
        clone
            .metadata_mut()
            .insert("x-tenant", HeaderValue::from_static("other"));
        assert_eq!(ctx.metadata()["x-tenant"], "acme");
        assert_eq!(clone.metadata()["x-tenant"], "other");
    }

    #[test]
    fn a_callers_id_is_kept_only_when_usable() {
        assert_eq!(
            Context::new().with_request_id("abc-123").request_id(),
            "abc-123"
        );
        for bad in ["", "has space", &"x".repeat(129), "naïve"] {
            assert_ne!(Context::new().with_request_id(bad).request_id(), bad);
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            crate::http::X_REQUEST_ID,
            HeaderValue::from_static("from-caller"),
        );
        assert_eq!(
            Context::from_headers(headers, None).request_id(),
            "from-caller"
        );
    }

    #[test]
    fn the_earlier_deadline_wins() {
        let now = Instant::now();
        let ctx = Context::new()
            .with_deadline(now + Duration::from_secs(5))
            .with_deadline(now + Duration::from_secs(10));
        assert_eq!(ctx.deadline(), Some(now + Duration::from_secs(5)));
        let ctx = Context::new().with_deadline(now - Duration::from_secs(1));
        assert!(ctx.is_expired());
        assert!(!Context::new().is_expired());
    }
}
