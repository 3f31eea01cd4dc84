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

fn spec(holder: &str, ttl: Duration, acquired: Option<MicroTime>) -> LeaseSpec {
    LeaseSpec {
        holder_identity: Some(holder.to_string()),
        lease_duration_seconds: Some(ttl.as_secs().clamp(1, i32::MAX as u64) as i32),
        acquire_time: Some(acquired.unwrap_or_else(now)),
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
            spec: Some(spec(holder, ttl, None)),
        };
        match api.create(&PostParams::default(), &lease).await {
            Ok(_) => return Ok(LeaseState::Acquired),
            Err(kube::Error::Api(s)) if s.code == 409 => {}
            Err(e) if unsupported(&e) => return Ok(LeaseState::Unsupported),
            Err(e) => return Err(api_err(&format!("Lease {namespace}/{name}"), e)),
        }
        let current = match api.get_opt(&name).await {
            Ok(Some(l)) => l,
            // Released between our create and get: try once more.
            Ok(None) => {
                return match api.create(&PostParams::default(), &lease).await {
                    Ok(_) => Ok(LeaseState::Acquired),
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
        taken.spec = Some(spec(holder, ttl, None));
        match api.replace(&name, &PostParams::default(), &taken).await {
            Ok(_) => Ok(LeaseState::TookOver { holder: previous }),
            // Someone else took it over first.
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(LeaseState::Held { holder: previous }),
            Err(e) => Err(api_err(&format!("Lease {namespace}/{name}"), e)),
        }
    }

    /// Renew our lock; an error when it is no longer ours.
    pub async fn renew_lease(&self, namespace: &str, release: &str, holder: &str) -> Result<()> {
        let api = self.leases(namespace);
        let name = lease_name(release);
        let what = format!("Lease {namespace}/{name}");
        let mut l = api.get(&name).await.map_err(|e| api_err(&what, e))?;
        if holder_of(&l) != holder {
            return Err(Error::new(
                ErrorKind::Other,
                format!("{what}: the lock was taken over by {:?}", holder_of(&l)),
            ));
        }
        if let Some(s) = l.spec.as_mut() {
            s.renew_time = Some(now());
        }
        api.replace(&name, &PostParams::default(), &l)
            .await
            .map(|_| ())
            .map_err(|e| api_err(&what, e))
    }

    /// Give the lock up (only if it is still ours).
    pub async fn release_lease(&self, namespace: &str, release: &str, holder: &str) -> Result<()> {
        let api = self.leases(namespace);
        let name = lease_name(release);
        let what = format!("Lease {namespace}/{name}");
        let l = match api.get_opt(&name).await {
            Ok(Some(l)) => l,
            Ok(None) => return Ok(()),
            Err(e) => return Err(api_err(&what, e)),
        };
        if holder_of(&l) != holder {
            return Ok(());
        }
        let dp = DeleteParams {
            preconditions: Some(kube::api::Preconditions {
                resource_version: l.metadata.resource_version.clone(),
                uid: None,
            }),
            ..Default::default()
        };
        match api.delete(&name, &dp).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => Ok(()),
            Err(e) => Err(api_err(&what, e)),
        }
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
