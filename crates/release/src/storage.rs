//! Helm's `storage.Storage`: release-level operations over a driver
//! (history, the deployed revision, the newest revision, pruning to
//! `--history-max`).

use std::collections::BTreeMap;

use crate::driver::Driver;
use crate::error::{Error, ErrorKind};
use crate::make_key;
use crate::model::{Release, Status};

#[derive(Clone)]
pub struct Storage {
    pub driver: Driver,
    /// Revisions kept per release, including the newest; 0 = unlimited.
    pub max_history: usize,
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Storage {
    pub fn new(driver: Driver) -> Storage {
        Storage {
            driver,
            max_history: 0,
        }
    }

    pub async fn get(&self, name: &str, version: i64) -> Result<Release, Error> {
        self.driver.get(&make_key(name, version)).await
    }

    /// Stores a new revision, first pruning the oldest ones so that at most
    /// `max_history` remain afterwards (never the deployed one).
    pub async fn create(&self, r: &Release) -> Result<(), Error> {
        if self.max_history > 0 {
            match self
                .remove_least_recent(&r.name, self.max_history - 1)
                .await
            {
                Ok(()) => {}
                Err(e) if e.kind == ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        self.driver.create(&make_key(&r.name, r.version), r).await
    }

    pub async fn update(&self, r: &Release) -> Result<(), Error> {
        self.driver.update(&make_key(&r.name, r.version), r).await
    }

    pub async fn delete(&self, name: &str, version: i64) -> Result<Release, Error> {
        self.driver.delete(&make_key(name, version)).await
    }

    pub async fn list_releases(&self) -> Result<Vec<Release>, Error> {
        self.driver.list(&|_| true).await
    }

    pub async fn list_deployed(&self) -> Result<Vec<Release>, Error> {
        self.driver
            .list(&|r| r.info.status == Status::Deployed)
            .await
    }

    pub async fn list_uninstalled(&self) -> Result<Vec<Release>, Error> {
        self.driver
            .list(&|r| r.info.status == Status::Uninstalled)
            .await
    }

    /// The newest deployed revision; `"NAME" has no deployed releases` if none.
    pub async fn deployed(&self, name: &str) -> Result<Release, Error> {
        let all = self.deployed_all(name).await?;
        all.into_iter()
            .max_by_key(|r| r.version)
            .ok_or_else(|| Error::no_deployed(name))
    }

    /// Every revision with status `deployed` (normally one).
    pub async fn deployed_all(&self, name: &str) -> Result<Vec<Release>, Error> {
        match self
            .driver
            .query(&labels(&[
                ("name", name),
                ("owner", "helm"),
                ("status", "deployed"),
            ]))
            .await
        {
            Ok(v) => Ok(v),
            // Helm matches the text "not found" here.
            Err(e) if e.message.contains("not found") => Err(Error::no_deployed(name)),
            Err(e) => Err(e),
        }
    }

    /// All revisions of a release (in the driver's order; `NotFound` if none).
    pub async fn history(&self, name: &str) -> Result<Vec<Release>, Error> {
        self.driver
            .query(&labels(&[("name", name), ("owner", "helm")]))
            .await
    }

    /// The highest revision.
    pub async fn last(&self, name: &str) -> Result<Release, Error> {
        let h = self.history(name).await?;
        h.into_iter().max_by_key(|r| r.version).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no revision for release {}", gotmpl::fmt::quote(name)),
            )
        })
    }

    /// Helm's `removeLeastRecent`: delete the oldest revisions (except the
    /// newest deployed one) until at most `maximum` remain.
    async fn remove_least_recent(&self, name: &str, maximum: usize) -> Result<(), Error> {
        let mut h = self.history(name).await?;
        if h.len() <= maximum {
            return Ok(());
        }
        h.sort_by_key(|r| r.version);
        let last_deployed = match self.deployed(name).await {
            Ok(r) => Some(r.version),
            Err(e) if e.kind == ErrorKind::NoDeployed => None,
            Err(e) => return Err(e),
        };
        let mut to_delete = Vec::new();
        for r in &h {
            if h.len() - to_delete.len() == maximum {
                break;
            }
            if last_deployed != Some(r.version) {
                to_delete.push(r.version);
            }
        }
        let mut errs = Vec::new();
        for v in to_delete {
            if let Err(e) = self.delete(name, v).await {
                errs.push(e);
            }
        }
        match errs.len() {
            0 => Ok(()),
            1 => Err(errs.remove(0)),
            n => {
                let first = errs.remove(0);
                Err(Error::new(
                    first.kind,
                    format!(
                        "encountered {n} deletion errors. First is: {}",
                        first.message
                    ),
                ))
            }
        }
    }
}
