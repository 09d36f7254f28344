//! Injected failures and the per-key rate limit.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::Method;

/// The behaviour of an injected fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Responds 429 `Too many API requests`, with a `Retry-After` header in seconds when given.
    TooManyRequests {
        /// The `Retry-After` value in seconds, or `None` to send no header.
        retry_after: Option<u64>,
    },
    /// Responds with the given status (such as 500, 502, 503 or 504) and a JSON message.
    Status(u16),
    /// Waits this long, then serves the request normally.
    Delay(Duration),
    /// Closes the connection without reading the request further or applying it.
    DropBeforeProcessing,
    /// Applies the request, then closes the connection without sending the response.
    DropAfterProcessing,
}

/// A failure to inject into the next `count` matching `/api` requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The behaviour applied to a matching request.
    pub kind: FaultKind,
    /// How many matching requests get the fault.
    pub count: u32,
    /// The method a request must have to match, or `None` for any method.
    pub method: Option<Method>,
    /// The prefix the request's full URL path must start with (such as
    /// `/api/integritymonitoringrules`), or `None` for any path.
    pub path_prefix: Option<String>,
}

impl Fault {
    /// Creates a fault for the next `count` requests of any method and path.
    pub fn new(kind: FaultKind, count: u32) -> Self {
        Fault {
            kind,
            count,
            method: None,
            path_prefix: None,
        }
    }

    /// Restricts the fault to requests with this method.
    #[must_use]
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Restricts the fault to requests whose full URL path starts with `prefix`.
    #[must_use]
    pub fn with_path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        let method_matches = self.method.as_ref().is_none_or(|wanted| wanted == method);
        let path_matches = self
            .path_prefix
            .as_deref()
            .is_none_or(|prefix| path.starts_with(prefix));
        method_matches && path_matches
    }
}

/// Faults waiting for matching requests, in the order they were injected.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    pending: Vec<Fault>,
}

impl FaultQueue {
    /// Adds a fault after those already waiting. A fault with a count of zero is dropped.
    pub(crate) fn push(&mut self, fault: Fault) {
        if fault.count > 0 {
            self.pending.push(fault);
        }
    }

    /// Removes every waiting fault.
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Returns the faults still waiting.
    pub(crate) fn pending(&self) -> Vec<Fault> {
        self.pending.clone()
    }

    /// Takes one use of the first fault that matches the request, if any.
    pub(crate) fn take(&mut self, method: &Method, path: &str) -> Option<FaultKind> {
        let index = self
            .pending
            .iter()
            .position(|fault| fault.matches(method, path))?;
        let fault = &mut self.pending[index];
        let kind = fault.kind.clone();
        fault.count -= 1;
        if fault.count == 0 {
            self.pending.remove(index);
        }
        Some(kind)
    }
}

/// The length of the rate limit's rolling window.
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// A per-key limit of requests in the last minute, like the manager's per-user API rate limit.
///
/// Rejected requests are not counted, as on a real manager, so a client that waits gets through.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: Option<u32>,
    accepted: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    /// Creates a limiter allowing `limit` requests per key per minute, or no limit for `None`.
    pub(crate) fn new(limit: Option<u32>) -> Self {
        RateLimiter {
            limit,
            accepted: HashMap::new(),
        }
    }

    /// Changes the limit and clears the counts of earlier requests.
    pub(crate) fn set_limit(&mut self, limit: Option<u32>) {
        self.limit = limit;
        self.accepted.clear();
    }

    /// Counts a request by `key` at `now`, or returns false and rejects it when the key is over its limit.
    pub(crate) fn admit(&mut self, key: &str, now: Instant) -> bool {
        let Some(limit) = self.limit else {
            return true;
        };
        let window = self.accepted.entry(key.to_string()).or_default();
        while window
            .front()
            .is_some_and(|first| now.duration_since(*first) >= RATE_WINDOW)
        {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            return false;
        }
        window.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_takes_matching_fault_count_times() {
        let mut queue = FaultQueue::default();
        queue.push(
            Fault::new(FaultKind::Status(503), 2)
                .with_method(Method::POST)
                .with_path_prefix("/api/policies"),
        );

        assert_eq!(queue.take(&Method::GET, "/api/policies/1"), None);
        assert_eq!(
            queue.take(&Method::POST, "/api/integritymonitoringrules"),
            None
        );
        assert_eq!(
            queue.take(&Method::POST, "/api/policies/1"),
            Some(FaultKind::Status(503))
        );
        assert_eq!(
            queue.take(&Method::POST, "/api/policies/1"),
            Some(FaultKind::Status(503))
        );
        assert_eq!(queue.take(&Method::POST, "/api/policies/1"), None);
    }

    #[test]
    fn queue_serves_faults_in_order() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::new(FaultKind::DropBeforeProcessing, 1));
        queue.push(Fault::new(FaultKind::Status(500), 1));

        assert_eq!(
            queue.take(&Method::GET, "/api"),
            Some(FaultKind::DropBeforeProcessing)
        );
        assert_eq!(
            queue.take(&Method::GET, "/api"),
            Some(FaultKind::Status(500))
        );
        assert_eq!(queue.take(&Method::GET, "/api"), None);
    }

    #[test]
    fn limiter_rejects_over_limit_per_key() {
        let mut limiter = RateLimiter::new(Some(2));
        let start = Instant::now();

        assert!(limiter.admit("a", start));
        assert!(limiter.admit("a", start));
        assert!(!limiter.admit("a", start));
        assert!(limiter.admit("b", start));
        assert!(limiter.admit("a", start + RATE_WINDOW));
    }

    #[test]
    fn limiter_without_limit_admits_all() {
        let mut limiter = RateLimiter::new(None);
        let now = Instant::now();
        assert!((0..1000).all(|_| limiter.admit("a", now)));
    }
}
