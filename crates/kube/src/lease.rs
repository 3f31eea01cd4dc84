//! A release lock as a `coordination.k8s.io/v1` Lease, so that a killed
//! client cannot leave a release stuck and two capstan clients cannot
//! change one release at once.
//!
//! Helm has no lock: it refuses an upgrade while the newest revision is
//! `pending-*`, and a client killed mid-operation leaves that state behind
//! for good (until someone rolls back by hand). capstan holds a Lease named
//! [`lease_name`] in the release's namespace while it changes the release,
//! renewing it while it works. Another capstan that finds the Lease held and
//! fresh refuses with Helm's "another operation … is in progress"; one that
//! finds it expired knows its holder died, takes it over, and may treat
//! the holder's `pending-*` revision as abandoned. A Lease a client cannot
//! create (no RBAC for leases, no coordination API) means no lock, exactly
//! Helm's behaviour.
//!
//! Taking a Lease over is a PUT conditioned on the `resourceVersion` read,
//! so of two clients that both see it expired only one wins.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, PostParams};

use crate::cluster::Cluster;
use crate::error::{Error, ErrorKind, Result};

/// The Lease guarding release `release`.
pub fn lease_name(release: &str) -> String {
    format!("capstan-release-lock.{release}")
}

/// What [`Cluster::acquire_lease`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseState {
    /// Ours now; nobody held it.
    Acquired,
    /// Ours now; `holder` held it but stopped renewing it (killed).
    TookOver { holder: String },
    /// Someone else holds it and renews it.
    Held { holder: String },
    /// Leases cannot be used here (forbidden, not served): no lock.
    Unsupported,
}

fn now() -> MicroTime {
    MicroTime(Timestamp::now())
}

/// A fresh holding by `holder`: acquired and renewed now.
fn spec(holder: &str, ttl: Duration) -> LeaseSpec {
    LeaseSpec {
        holder_identity: Some(holder.to_string()),
        lease_duration_seconds: Some(ttl.as_secs().clamp(1, i32::MAX as u64) as i32),
        acquire_time: Some(now()),
        renew_time: Some(now()),
        ..Default::default()
    }
}

/// Whether a Lease's holder has stopped renewing it.
fn expired(l: &Lease) -> bool {
    let Some(spec) = &l.spec else { return true };
    if spec.holder_identity.as_deref().unwrap_or("").is_empty() {
        return true;
    }
    let Some(MicroTime(renewed)) = spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) else {
        return true;
    };
    let ttl = i64::from(spec.lease_duration_seconds.unwrap_or(0).max(0));
    Timestamp::now().as_second() > renewed.as_second().saturating_add(ttl)
}

fn holder_of(l: &Lease) -> String {
    l.spec
        .as_ref()
        .and_then(|s| s.holder_identity.clone())
        .unwrap_or_default()
}

/// 403 (no RBAC for leases) and 404 (API not served) mean: no lock.
fn unsupported(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 403 || (s.code == 404 && s.reason != "AlreadyExists"))
}

fn api_err(what: &str, e: kube::Error) -> Error {
    Error::from_kube(what, e)
}

impl Cluster {
    fn leases(&self, namespace: &str) -> Api<Lease> {
        Api::namespaced(self.client().clone(), namespace)
    }

    /// Take the lock of `release` for `holder`, valid for `ttl` unless
    /// renewed. A Lease whose holder `is_dead` says has died (a process on
    /// this machine that no longer exists) is taken over before it expires.
    pub async fn acquire_lease(
        &self,
        namespace: &str,
        release: &str,
        holder: &str,
        ttl: Duration,
        is_dead: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<LeaseState> {
        let api = self.leases(namespace);
        let name = lease_name(release);
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                labels: Some(
                    [
                        ("owner".to_string(), "capstan".to_string()),
                        ("name".to_string(), release.to_string()),
                    ]
                    .into(),
                ),
                ..Default::default()
            },
            spec: Some(spec(holder, ttl)),
        };
        match api.create(&PostParams::default(), &lease).await {
            Ok(l) => {
                self.remember(namespace, release, Some(l));
                return Ok(LeaseState::Acquired);
            }
            Err(kube::Error::Api(s)) if s.code == 409 => {}
            Err(e) if unsupported(&e) => return Ok(LeaseState::Unsupported),
            Err(e) => return Err(api_err(&format!("Lease {namespace}/{name}"), e)),
        }
        let current = match api.get_opt(&name).await {
            Ok(Some(l)) => l,
            // Released between our create and get: try once more.
            Ok(None) => {
                return match api.create(&PostParams::default(), &lease).await {
                    Ok(l) => {
                        self.remember(namespace, release, Some(l));
                        Ok(LeaseState::Acquired)
                    }
                    Err(kube::Error::Api(s)) if s.code == 409 => Ok(LeaseState::Held {
                        holder: String::new(),
                    }),
                    Err(e) => Err(api_err(&format!("Lease {namespace}/{name}"), e)),
                }
            }
            Err(e) if unsupported(&e) => return Ok(LeaseState::Unsupported),
            Err(e) => return Err(api_err(&format!("Lease {namespace}/{name}"), e)),
        };
        let previous = holder_of(&current);
        if !expired(&current) && !is_dead(&previous) {
            return Ok(LeaseState::Held { holder: previous });
        }
        let mut taken = current.clone();
        taken.spec = Some(spec(holder, ttl));
        match api.replace(&name, &PostParams::default(), &taken).await {
            Ok(l) => {
                self.remember(namespace, release, Some(l));
                Ok(LeaseState::TookOver { holder: previous })
            }
            // Someone else took it over first.
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(LeaseState::Held { holder: previous }),
            Err(e) => Err(api_err(&format!("Lease {namespace}/{name}"), e)),
        }
    }

    fn remember(&self, namespace: &str, release: &str, l: Option<Lease>) {
        let key = (namespace.to_string(), release.to_string());
        let mut m = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        match l {
            Some(l) => m.insert(key, l),
            None => m.remove(&key),
        };
    }

    /// The Lease as we last wrote it for `holder`.
    fn remembered(&self, namespace: &str, release: &str, holder: &str) -> Option<Lease> {
        self.leases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(namespace.to_string(), release.to_string()))
            .filter(|l| holder_of(l) == holder)
            .cloned()
    }

    /// The Lease as it is now, if it is still `holder`'s.
    async fn ours_now(
        &self,
        namespace: &str,
        release: &str,
        holder: &str,
    ) -> Result<Option<Lease>> {
        let name = lease_name(release);
        match self.leases(namespace).get_opt(&name).await {
            Ok(Some(l)) if holder_of(&l) == holder => Ok(Some(l)),
            Ok(_) => Ok(None),
            Err(e) => Err(api_err(&format!("Lease {namespace}/{name}"), e)),
        }
    }

    /// Renew our lock; an error when it is no longer ours.
    pub async fn renew_lease(&self, namespace: &str, release: &str, holder: &str) -> Result<()> {
        let api = self.leases(namespace);
        let name = lease_name(release);
        let what = format!("Lease {namespace}/{name}");
        // The Lease as we last wrote it; re-read only when that is stale.
        let mut l = match self.remembered(namespace, release, holder) {
            Some(l) => l,
            None => self
                .ours_now(namespace, release, holder)
                .await?
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Other,
                        format!("{what}: the lock is no longer ours"),
                    )
                })?,
        };
        for _ in 0..2 {
            if let Some(s) = l.spec.as_mut() {
                s.renew_time = Some(now());
            }
            match api.replace(&name, &PostParams::default(), &l).await {
                Ok(written) => {
                    self.remember(namespace, release, Some(written));
                    return Ok(());
                }
                Err(kube::Error::Api(s)) if s.code == 409 => {
                    l = self
                        .ours_now(namespace, release, holder)
                        .await?
                        .ok_or_else(|| {
                            Error::new(ErrorKind::Other, format!("{what}: the lock was taken over"))
                        })?;
                }
                Err(e) => return Err(api_err(&what, e)),
            }
        }
        Err(Error::new(
            ErrorKind::Other,
            format!("{what}: could not renew the lock"),
        ))
    }

    /// Give the lock up (only if it is still ours): a DELETE conditioned on
    /// the version we last wrote, so a Lease someone took over is left alone.
    pub async fn release_lease(&self, namespace: &str, release: &str, holder: &str) -> Result<()> {
        let api = self.leases(namespace);
        let name = lease_name(release);
        let what = format!("Lease {namespace}/{name}");
        let mut known = self.remembered(namespace, release, holder);
        if known.is_some() {
            self.remember(namespace, release, None);
        }
        for _ in 0..2 {
            let l = match known.take() {
                Some(l) => l,
                None => match self.ours_now(namespace, release, holder).await? {
                    Some(l) => l,
                    None => return Ok(()),
                },
            };
            let dp = DeleteParams {
                preconditions: Some(kube::api::Preconditions {
                    resource_version: l.metadata.resource_version.clone(),
                    uid: None,
                }),
                ..Default::default()
            };
            match api.delete(&name, &dp).await {
                Ok(_) => return Ok(()),
                Err(kube::Error::Api(s)) if s.code == 404 => return Ok(()),
                // Changed since we wrote it (a renewal we did not see, or
                // a takeover): look again.
                Err(kube::Error::Api(s)) if s.code == 409 => {}
                Err(e) => return Err(api_err(&what, e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: &str, renewed_secs_ago: i64, ttl: i32) -> Lease {
        let t = Timestamp::from_second(Timestamp::now().as_second() - renewed_secs_ago).unwrap();
        Lease {
            metadata: Default::default(),
            spec: Some(LeaseSpec {
                holder_identity: Some(holder.into()),
                lease_duration_seconds: Some(ttl),
                renew_time: Some(MicroTime(t)),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_lease_expires_when_its_holder_stops_renewing() {
        assert!(!expired(&lease("a", 5, 60)));
        assert!(expired(&lease("a", 61, 60)));
        // Released (no holder) is free.
        assert!(expired(&lease("", 0, 60)));
        assert!(expired(&Lease::default()));
    }
}
