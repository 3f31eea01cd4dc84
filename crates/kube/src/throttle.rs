//! Client-side throttling: `--qps` and `--burst-limit` as client-go's token
//! bucket applies them (`flowcontrol.NewTokenBucketRateLimiter`): the bucket
//! holds `burst` tokens and starts full, refills at `qps` per second, and a
//! request that finds it empty waits for the next token, in arrival order.
//!
//! Only when `--qps` is given as more than 0: Helm then behaves exactly so.
//! With `--qps 0` (Helm's default) client-go falls back to 5 requests per
//! second after a burst of `--burst-limit`; capstan does not throttle then,
//! and bounds its load on the API server by the requests it keeps in
//! flight instead ([`crate::MAX_IN_FLIGHT`]).
//!
//! The wait happens in `poll_ready`: kube's `Client` drives its service
//! from one buffer worker, so a waiting request holds back the ones queued
//! behind it, as client-go's limiter does.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};
use tower::{Layer, Service};

/// The token bucket itself (no clock of its own: `now` is passed in, so it
/// can be tested without waiting).
#[derive(Debug, Clone)]
pub struct Bucket {
    qps: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket of `burst` tokens (at least 1) refilled at `qps`.
    pub fn new(qps: f32, burst: u32, now: Instant) -> Bucket {
        let burst = f64::from(burst.max(1));
        Bucket {
            qps: f64::from(qps),
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Take a token if one is there; otherwise how long until one is.
    pub fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.qps).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.qps))
        }
    }
}

/// The layer for kube's `ClientBuilder::with_layer`.
#[derive(Debug, Clone)]
pub struct ThrottleLayer {
    qps: f32,
    burst: u32,
}

impl ThrottleLayer {
    /// `None` unless `qps` is more than 0 (see the module docs).
    pub fn new(qps: Option<f32>, burst: Option<u32>) -> Option<ThrottleLayer> {
        let qps = qps.filter(|q| q.is_finite() && *q > 0.0)?;
        // Helm's --burst-limit default.
        Some(ThrottleLayer {
            qps,
            burst: burst.unwrap_or(100),
        })
    }
}

impl<S> Layer<S> for ThrottleLayer {
    type Service = Throttle<S>;
    fn layer(&self, inner: S) -> Throttle<S> {
        Throttle {
            inner,
            bucket: Bucket::new(self.qps, self.burst, Instant::now()),
            sleep: None,
            has_token: false,
        }
    }
}

/// A service that admits requests at the bucket's rate.
pub struct Throttle<S> {
    inner: S,
    bucket: Bucket,
    sleep: Option<Pin<Box<Sleep>>>,
    /// A token is taken for the next `call` (poll_ready may be polled again
    /// while the inner service is not ready; it must not take another).
    has_token: bool,
}

impl<S, R> Service<R> for Throttle<S>
where
    S: Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        while !self.has_token {
            if let Some(sleep) = self.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            match self.bucket.try_take(Instant::now()) {
                Ok(()) => self.has_token = true,
                Err(wait) => self.sleep = Some(Box::pin(tokio::time::sleep(wait))),
            }
        }
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> S::Future {
        self.has_token = false;
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_then_one_token_per_interval() {
        let t0 = Instant::now();
        let mut b = Bucket::new(5.0, 3, t0);
        for _ in 0..3 {
            assert_eq!(b.try_take(t0), Ok(()));
        }
        // Empty: the next token comes 1/5 s later.
        let wait = b.try_take(t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.2).abs() < 1e-9, "{wait:?}");
        assert_eq!(b.try_take(t0 + Duration::from_millis(200)), Ok(()));
        assert!(b.try_take(t0 + Duration::from_millis(250)).is_err());
        // Refill never exceeds the burst.
        let later = t0 + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(b.try_take(later), Ok(()));
        }
        assert!(b.try_take(later).is_err());
    }

    #[test]
    fn only_a_positive_qps_throttles() {
        assert!(ThrottleLayer::new(None, Some(10)).is_none());
        assert!(ThrottleLayer::new(Some(0.0), Some(10)).is_none());
        assert!(ThrottleLayer::new(Some(-1.0), None).is_none());
        assert!(ThrottleLayer::new(Some(f32::NAN), None).is_none());
        let l = ThrottleLayer::new(Some(2.5), None).unwrap();
        assert_eq!(l.burst, 100);
    }

    /// Through the service: a burst of 2 at 10/s lets 2 requests through at
    /// once, then one every 100 ms (tokio's paused clock: no real waiting).
    #[tokio::test(start_paused = true)]
    async fn requests_wait_for_their_token_in_order() {
        use tower::ServiceExt;
        let layer = ThrottleLayer::new(Some(10.0), Some(2)).unwrap();
        let t0 = Instant::now();
        let mut svc = layer.layer(tower::service_fn(|i: u32| async move {
            Ok::<_, std::convert::Infallible>((i, Instant::now()))
        }));
        let mut at = Vec::new();
        for i in 0..5 {
            let (n, when) = svc.ready().await.unwrap().call(i).await.unwrap();
            assert_eq!(n, i);
            at.push((when - t0).as_millis());
        }
        assert_eq!(at, vec![0, 0, 100, 200, 300]);
    }
}
