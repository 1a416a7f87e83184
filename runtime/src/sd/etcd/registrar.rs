//! [`Registration`]: one instance registered in etcd under a lease that a
//! background task keeps alive.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;

use super::{Etcd, pb};
use crate::Error;

/// An instance registered with [`Etcd::register`]. While it lives, a task
/// renews its lease at a third of the time to live, and registers it again
/// if the lease was lost (etcd restarted from an old state, or was away
/// longer than the lease). Dropping it stops the renewals, as a crash
/// would: the instance drops out when the lease expires.
#[derive(Debug)]
pub struct Registration {
    etcd: Etcd,
    key: String,
    lease: tokio::sync::watch::Receiver<i64>,
    stop: Option<oneshot::Sender<()>>,
    renewing: tokio::task::JoinHandle<()>,
}

/// The lease and the key, registered once.
struct Lease {
    etcd: Etcd,
    key: String,
    value: String,
    ttl: i64,
}

impl Registration {
    pub(super) async fn start(
        etcd: Etcd,
        key: String,
        value: String,
        ttl: Duration,
    ) -> Result<Self, Error> {
        let lease = Lease {
            etcd: etcd.clone(),
            key: key.clone(),
            value,
            ttl: i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX).max(2),
        };
        let id = lease.register().await?;
        let (ids, lease_id) = tokio::sync::watch::channel(id);
        let (stop, stopped) = oneshot::channel();
        let renewing = tokio::spawn(lease.keep_alive(id, ids, stopped));
        Ok(Registration {
            etcd,
            key,
            lease: lease_id,
            stop: Some(stop),
            renewing,
        })
    }

    /// The key registered: `/services/{service}/{id}`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Deregisters the instance, for a graceful shutdown: stops renewing
    /// the lease and revokes it, which deletes the key at once.
    pub async fn deregister(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.renewing).await;
        let id = *self.lease.borrow();
        self.etcd
            .lease()
            .lease_revoke(pb::LeaseRevokeRequest { id })
            .await
            .map(drop)
            .map_err(|status| self.etcd.error("cannot revoke the lease", &status))
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.renewing.abort();
    }
}

impl Lease {
    /// Grants a lease and puts the key under it; returns the lease's id.
    async fn register(&self) -> Result<i64, Error> {
        let granted = self
            .etcd
            .lease()
            .lease_grant(pb::LeaseGrantRequest {
                ttl: self.ttl,
                id: 0,
            })
            .await
            .map_err(|status| self.etcd.error("cannot grant a lease", &status))?
            .into_inner();
        if !granted.error.is_empty() {
            return Err(Error::unavailable(format!(
                "etcd refused a lease: {}",
                granted.error
            )));
        }
        let put = pb::PutRequest {
            key: self.key.clone().into_bytes(),
            value: self.value.clone().into_bytes(),
            lease: granted.id,
        };
        self.etcd
            .kv()
            .put(put)
            .await
            .map_err(|status| self.etcd.error("cannot register the instance", &status))?;
        Ok(granted.id)
    }

    /// Renews the lease `id` until stopped, and publishes each new lease
    /// id. A failed stream (etcd away, or silent) is opened again at once,
    /// then after pauses doubling from 100 ms, so that one blip costs no
    /// lease; a lost lease is granted again and the key put again, retried
    /// until etcd takes it.
    async fn keep_alive(
        self,
        mut id: i64,
        ids: tokio::sync::watch::Sender<i64>,
        mut stopped: oneshot::Receiver<()>,
    ) {
        let every = Duration::from_secs(u64::try_from(self.ttl).unwrap_or(2)) / 3;
        let first_retry = Duration::from_millis(100);
        let mut retry = Duration::ZERO;
        loop {
            let renewed = tokio::select! {
                renewed = self.renew(id, every) => renewed,
                _ = &mut stopped => return,
            };
            if renewed.is_err() {
                tokio::select! {
                    () = tokio::time::sleep(retry) => {}
                    _ = &mut stopped => return,
                }
                retry = (retry * 2).clamp(first_retry, every);
                continue;
            }
            retry = Duration::ZERO;
            loop {
                let registered = tokio::select! {
                    registered = self.register() => registered,
                    _ = &mut stopped => return,
                };
                if let Ok(new_id) = registered {
                    id = new_id;
                    let _ = ids.send(id);
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    _ = &mut stopped => return,
                }
            }
        }
    }

    /// Sends a keep-alive every `every` on one stream. Returns `Ok` when
    /// etcd says the lease has expired, `Err` when the stream fails.
    async fn renew(&self, id: i64, every: Duration) -> Result<(), Error> {
        let (requests, pending) = mpsc::channel(1);
        let keep_alive = pb::LeaseKeepAliveRequest { id };
        // Sent before the call, whose headers etcd sends only with its
        // first answer.
        if requests.send(keep_alive).await.is_err() {
            return Err(Error::internal("the keep-alive stream closed"));
        }
        let mut responses = self
            .etcd
            .lease()
            .lease_keep_alive(ReceiverStream::new(pending))
            .await
            .map_err(|status| self.etcd.error("cannot keep the lease alive", &status))?
            .into_inner();
        loop {
            // A reply slower than a renewal period counts as a failure.
            let reply = tokio::time::timeout(every, responses.message()).await;
            match reply {
                Ok(Ok(Some(response))) if response.ttl > 0 => {}
                Ok(Ok(Some(_))) => return Ok(()),
                Ok(Ok(None)) => {
                    return Err(Error::unavailable("etcd closed the keep-alive stream"));
                }
                Ok(Err(status)) => return Err(self.etcd.error("the keep-alive failed", &status)),
                Err(_) => return Err(Error::unavailable("etcd did not answer a keep-alive")),
            }
            tokio::time::sleep(every).await;
            if requests.send(keep_alive).await.is_err() {
                return Err(Error::internal("the keep-alive stream closed"));
            }
        }
    }
}
