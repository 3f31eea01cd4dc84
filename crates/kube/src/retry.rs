//! Retries of transient failures, so that a dropped connection, an API
//! server restart or a load-balancer failover in the middle of an upgrade
//! does not fail it (and leave its release `pending-upgrade`).
//!
//! client-go survives such faults by re-establishing connections and
//! watches; kube-rs fails the request at once. This layer retries, with
//! exponential backoff and jitter, for at most [`BUDGET`] per request:
//! - a connection that could not be made (nothing reached the server),
//!   whatever the method;
//! - a connection lost or timed out after the request was sent, and 429,
//!   500, 502, 503 and 504 answers, only for requests that are safe to
//!   repeat: reads, DELETE (a repeat gets 404, which callers treat as
//!   gone), PUT (a repeat of an update that landed gets a 409 conflict
//!   rather than a double write) and server-side apply (idempotent);
//! - POST (create) only on 429, 503 and 504, the answers an API server
//!   gives before it does anything, as kube-rs's own policy does.
//!
//! Connection failures are retried only once the server has answered in
//! this process: before that, a wrong address or a cluster that is down
//! fails at once with Helm's "kubernetes cluster unreachable" (a restart
//! or failover, after the first answer, is what is worth waiting out).
//!
//! A `Retry-After` answer is honoured up to the time left. A wait that must
//! end by `--timeout` races its requests against its deadline
//! ([`crate::wait`]), which cancels a retrying request.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use kube::client::Body;
use tokio::time::Instant;
use tower::retry::Policy;
use tower::BoxError;

/// How long one request may keep retrying.
pub const BUDGET: Duration = Duration::from_secs(30);
const FIRST_DELAY: Duration = Duration::from_millis(50);
const MAX_DELAY: Duration = Duration::from_secs(2);

/// The per-request policy (tower clones it for every request).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    budget: Duration,
    /// Shared by every request of one client: the server has answered.
    reached: std::sync::Arc<std::sync::atomic::AtomicBool>,
    attempt: u32,
    started: Option<Instant>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new(BUDGET)
    }
}

impl RetryPolicy {
    pub fn new(budget: Duration) -> RetryPolicy {
        RetryPolicy {
            budget,
            reached: Default::default(),
            attempt: 0,
            started: None,
        }
    }

    /// The layer for kube's `ClientBuilder::with_layer`.
    pub fn layer(self) -> tower::retry::RetryLayer<RetryPolicy> {
        tower::retry::RetryLayer::new(self)
    }

    /// The pause before the next attempt, or `None` when the budget is spent.
    fn next_delay(&mut self, server_says: Option<Duration>) -> Option<Duration> {
        let now = Instant::now();
        let started = *self.started.get_or_insert(now);
        let left = self
            .budget
            .checked_sub(now.saturating_duration_since(started))?;
        let exp = FIRST_DELAY
            .saturating_mul(1u32 << self.attempt.min(16))
            .min(MAX_DELAY);
        // Up to 25% jitter, so that many clients cut off together do not
        // come back together.
        let jitter = exp.mul_f64(0.25 * fastrand_unit());
        let delay = server_says.unwrap_or(exp + jitter);
        if delay >= left {
            return None;
        }
        self.attempt += 1;
        Some(delay)
    }
}

/// A number in [0, 1) from the clock: jitter needs no real randomness.
fn fastrand_unit() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1000) / 1000.0
}

/// Whether repeating `req` after it may have reached the server is safe.
fn idempotent<B>(req: &Request<B>) -> bool {
    match *req.method() {
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE => true,
        // Server-side apply: the same configuration again is the same result.
        Method::PATCH => req
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/apply-patch")),
        _ => false,
    }
}

/// What kind of failure a transport error is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    /// The connection was never made: nothing was sent.
    NotSent,
    /// Lost, reset or timed out after sending: the server may have acted.
    MaybeSent,
}

pub(crate) fn classify(e: &(dyn std::error::Error + 'static)) -> Option<Transport> {
    let mut maybe = false;
    for err in crate::error::sources(e) {
        if let Some(h) = err.downcast_ref::<hyper_util::client::legacy::Error>() {
            if h.is_connect() {
                return Some(Transport::NotSent);
            }
            maybe = true;
        }
        if err.downcast_ref::<hyper::Error>().is_some() {
            maybe = true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => return Some(Transport::NotSent),
                K::ConnectionReset
                | K::ConnectionAborted
                | K::BrokenPipe
                | K::TimedOut
                | K::UnexpectedEof => maybe = true,
                _ => {}
            }
        }
    }
    maybe.then_some(Transport::MaybeSent)
}

fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let secs: u64 = headers
        .get("Retry-After")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}

impl<Res> Policy<Request<Body>, Response<Res>, BoxError> for RetryPolicy {
    type Future = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn retry(
        &mut self,
        req: &mut Request<Body>,
        result: &mut Result<Response<Res>, BoxError>,
    ) -> Option<Self::Future> {
        use std::sync::atomic::Ordering;
        let (worth, server_says) = match result {
            Ok(resp) => {
                self.reached.store(true, Ordering::Relaxed);
                let s = resp.status();
                let worth = if idempotent(req) {
                    matches!(
                        s,
                        StatusCode::TOO_MANY_REQUESTS
                            | StatusCode::INTERNAL_SERVER_ERROR
                            | StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    )
                } else {
                    matches!(
                        s,
                        StatusCode::TOO_MANY_REQUESTS
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    )
                };
                (worth, retry_after(resp.headers()))
            }
            Err(_) if !self.reached.load(Ordering::Relaxed) => (false, None),
            Err(e) => {
                let worth = match classify(e.as_ref()) {
                    Some(Transport::NotSent) => true,
                    Some(Transport::MaybeSent) => idempotent(req),
                    None => false,
                };
                (worth, None)
            }
        };
        if !worth {
            return None;
        }
        let delay = self.next_delay(server_says)?;
        Some(Box::pin(tokio::time::sleep(delay)))
    }

    fn clone_request(&mut self, req: &Request<Body>) -> Option<Request<Body>> {
        self.started.get_or_insert_with(Instant::now);
        let body = req.body().try_clone()?;
        let mut out = Request::builder()
            .method(req.method().clone())
            .uri(req.uri().clone())
            .version(req.version())
            .body(body)
            .ok()?;
        *out.headers_mut() = req.headers().clone();
        *out.extensions_mut() = req.extensions().clone();
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: Method, ct: Option<&str>) -> Request<()> {
        let mut b = Request::builder().method(method).uri("http://x/api");
        if let Some(ct) = ct {
            b = b.header(http::header::CONTENT_TYPE, ct);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn only_safe_requests_repeat_after_they_may_have_landed() {
        assert!(idempotent(&req(Method::GET, None)));
        assert!(idempotent(&req(Method::DELETE, None)));
        assert!(idempotent(&req(Method::PUT, None)));
        assert!(idempotent(&req(
            Method::PATCH,
            Some("application/apply-patch+yaml")
        )));
        assert!(!idempotent(&req(
            Method::PATCH,
            Some("application/merge-patch+json")
        )));
        assert!(!idempotent(&req(Method::POST, None)));
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_grows_and_stops_at_the_budget() {
        let mut p = RetryPolicy::new(Duration::from_secs(5));
        let mut total = Duration::ZERO;
        let mut delays = Vec::new();
        while let Some(d) = p.next_delay(None) {
            delays.push(d);
            tokio::time::advance(d).await;
            total += d;
        }
        assert!(delays.len() >= 4, "{delays:?}");
        assert!(delays[0] >= FIRST_DELAY && delays[0] < FIRST_DELAY * 2);
        assert!(delays.windows(2).all(|w| w[1] >= w[0] || w[1] >= MAX_DELAY));
        assert!(delays.iter().all(|d| *d <= MAX_DELAY.mul_f64(1.25)));
        assert!(total <= Duration::from_secs(5), "{total:?}");
        // A server's Retry-After beyond the budget is not waited for.
        let mut p = RetryPolicy::new(Duration::from_secs(5));
        assert_eq!(p.next_delay(Some(Duration::from_secs(60))), None);
    }

    #[test]
    fn refused_connections_were_never_sent() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(classify(&io), Some(Transport::NotSent));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert_eq!(classify(&io), Some(Transport::MaybeSent));
        let other = std::fmt::Error;
        assert_eq!(classify(&other), None);
    }
}
