//! The release lock around upgrade, rollback and uninstall (the why is in
//! `capstan_kube::lease`): while capstan changes a release it holds a Lease
//! and renews it; a second capstan is refused with Helm's "another
//! operation … is in progress"; after a killed client's Lease expires, the
//! next operation takes it over and marks the `pending-*` revision the dead
//! client left as failed, instead of refusing for ever as Helm does.
//!
//! `install` takes no lock: the record's create already fails for a second
//! installer, and with `--create-namespace` there is no namespace to hold
//! a Lease in yet.

use std::future::Future;
use std::time::Duration;

use capstan_kube::LeaseState;
use capstan_release::{Release, Status};

use crate::upgrade::ERR_PENDING;
use crate::{Config, Error, ErrorKind, Result};

/// How long a lock lasts without renewal: the longest a killed client
/// blocks its release.
/// A holder on this machine whose process is gone is known dead at once.
pub const LOCK_TTL: Duration = Duration::from_secs(30);
const RENEW_EVERY: Duration = Duration::from_secs(10);

/// What an operation learns from taking the lock.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lock {
    /// The previous holder stopped renewing the lock: a `pending-*`
    /// revision is its abandoned work.
    pub abandoned_by: Option<String>,
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Whether `holder` (as [`holder_identity`] writes it) was a process on
/// this machine that no longer runs: a client killed here (`kill -9`,
/// a closed terminal) need not be waited out. A reused PID only makes us
/// wait for the Lease to expire.
fn holder_is_dead(holder: &str) -> bool {
    let Some((host_part, rest)) = holder
        .strip_prefix("capstan@")
        .and_then(|h| h.split_once('/'))
    else {
        return false;
    };
    let Some(pid) = rest.split('/').next().and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    cfg!(target_os = "linux")
        && host_part == host()
        && pid != std::process::id()
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Who we are, in the Lease (for the message another client prints).
fn holder_identity() -> String {
    let host = host();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("capstan@{host}/{}/{nanos:08x}", std::process::id())
}

/// Forgets a name held by this process when the operation ends, however.
struct Held<'a>(&'a Config, String);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.1);
    }
}

impl Config {
    /// Run `op` holding release `name`'s lock.
    pub(crate) async fn locked<T, F>(&self, name: &str, op: impl FnOnce(Lock) -> F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        // Nested (upgrade --install → install, rollback-on-failure →
        // rollback): the outer operation holds the lock already.
        if !self
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string())
        {
            return op(Lock::default()).await;
        }
        let _held = Held(self, name.to_string());
        let ns = self.namespace().to_string();
        let holder = holder_identity();
        let abandoned_by = match self
            .cluster
            .acquire_lock(&ns, name, &holder, LOCK_TTL, &holder_is_dead)
            .await?
        {
            LeaseState::Unsupported => return op(Lock::default()).await,
            LeaseState::Held { holder: other } => {
                self.reporter.warn(&format!(
                    "release {name:?} is locked by {other} (Lease {ns}/{}); if that client \
                     has stopped, the lock expires within {}s of its last renewal",
                    capstan_kube::lease::lease_name(name),
                    LOCK_TTL.as_secs()
                ));
                return Err(Error::with_kind(ErrorKind::Conflict, ERR_PENDING));
            }
            LeaseState::Acquired => None,
            LeaseState::TookOver { holder } => Some(holder),
        };
        let renew = {
            let cluster = self.cluster.clone();
            let (ns, name, holder) = (ns.clone(), name.to_string(), holder.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(RENEW_EVERY).await;
                    // A missed renewal is retried at the next tick; the
                    // Lease outlives several.
                    let _ = cluster.renew_lock(&ns, &name, &holder).await;
                }
            })
        };
        let out = op(Lock { abandoned_by }).await;
        renew.abort();
        if let Err(e) = self.cluster.release_lock(&ns, name, &holder).await {
            self.reporter.warn(&format!(
                "could not release the lock of {name:?} (it expires in {}s): {e}",
                LOCK_TTL.as_secs()
            ));
        }
        out
    }

    /// Mark a `pending-*` revision left by a client that died as failed.
    pub(crate) async fn abandon(&self, mut rel: Release, holder: &str) -> Result<Release> {
        let was = rel.info.status;
        rel.info.status = Status::Failed;
        rel.info.description = format!(
            "{} abandoned: the client running it ({holder}) stopped before it finished",
            match was {
                Status::PendingInstall => "Install",
                Status::PendingRollback => "Rollback",
                _ => "Upgrade",
            }
        );
        self.storage.update(&rel).await?;
        self.reporter.warn(&format!(
            "revision {} of {:?} was left {} by a client that stopped ({holder}); it is now marked failed",
            rel.version,
            rel.name,
            was.as_str()
        ));
        Ok(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_is_dead_only_when_its_process_here_is_gone() {
        let me = holder_identity();
        assert!(!holder_is_dead(&me));
        // PID 1 always runs.
        assert!(!holder_is_dead(&format!("capstan@{}/1/0", host())));
        assert!(holder_is_dead(&format!("capstan@{}/4194305/0", host())));
        // Another machine's holder, or a foreign identity: wait for expiry.
        assert!(!holder_is_dead("capstan@elsewhere.example/4194305/0"));
        assert!(!holder_is_dead("some-controller"));
    }
}
