//! Retry policy: which failures are repeated and how long to wait before each retry.
//!
//! Delays grow exponentially from a base delay, are capped, and carry jitter so that parallel
//! Terraform operations do not retry in lockstep. A `Retry-After` header in seconds replaces the
//! computed delay, within the same cap.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// Retry limits and backoff pacing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries allowed after the first attempt.
    pub max_retries: u32,
    /// Delay before the first retry, before jitter.
    pub base_delay: Duration,
    /// Upper bound for any delay, including one asked for by `Retry-After`.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// Computes the delay before retry number `retry` (0 for the first retry).
    ///
    /// `jitter` is a number in `[0, 1]`: the delay is half the capped exponential delay plus
    /// `jitter` times the other half, so it never drops below half of the exponential value. A
    /// `retry_after` from the server is used as given (capped) and gets no jitter.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(requested) = retry_after {
            return requested.min(self.max_delay);
        }
        let factor = 2u32.saturating_pow(retry.min(31));
        let exponential = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let half = exponential / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }

    /// Computes the delay before retry number `retry` with random jitter.
    pub fn jittered_delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        self.delay(retry, retry_after, fastrand::f64())
    }
}

/// Reads a `Retry-After` header given in whole seconds.
///
/// NOTE: the HTTP-date form of `Retry-After` is ignored, so such a response falls back to the
/// computed backoff. The Workload Security API does not document the header at all.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    text.parse::<u64>().ok().map(Duration::from_secs)
}

/// Reports whether a response status is worth retrying for a request that is safe to repeat.
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502..=504)
}

/// Reports whether a status leaves it unknown if the server applied the request.
///
/// A 429 means the request was refused before processing. A gateway error may have reached the
/// manager behind the gateway, so a create that received one may have taken effect.
pub fn is_ambiguous_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 502..=504)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 8,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(30),
    };

    #[test]
    fn delay_doubles_until_cap() {
        let cases = [
            ("first retry, no jitter", 0, 0.0, 500),
            ("first retry, full jitter", 0, 1.0, 1_000),
            ("second retry, half jitter", 1, 0.5, 1_500),
            ("third retry, full jitter", 2, 1.0, 4_000),
            ("fifth retry, full jitter", 4, 1.0, 16_000),
            ("capped retry, no jitter", 5, 0.0, 15_000),
            ("capped retry, full jitter", 5, 1.0, 30_000),
            ("huge retry stays capped", 400, 1.0, 30_000),
            ("jitter above one clamped", 0, 7.0, 1_000),
            ("negative jitter clamped", 0, -1.0, 500),
        ];
        for (name, retry, jitter, want_ms) in cases {
            let got = POLICY.delay(retry, None, jitter);
            assert_eq!(got, Duration::from_millis(want_ms), "case {name}");
        }
    }

    #[test]
    fn delay_honours_capped_retry_after() {
        let cases = [
            ("short request", 2, 2_000),
            ("zero seconds", 0, 0),
            ("beyond cap", 600, 30_000),
        ];
        for (name, seconds, want_ms) in cases {
            let got = POLICY.delay(3, Some(Duration::from_secs(seconds)), 1.0);
            assert_eq!(got, Duration::from_millis(want_ms), "case {name}");
        }
    }

    #[test]
    fn jittered_delay_stays_in_range() {
        for retry in 0..10 {
            let exponential = POLICY.delay(retry, None, 1.0);
            let got = POLICY.jittered_delay(retry, None);
            assert!(got >= exponential / 2, "retry {retry}: {got:?} below half");
            assert!(got <= exponential, "retry {retry}: {got:?} above full");
        }
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        let cases = [
            ("seconds", Some("3"), Some(3)),
            ("padded", Some(" 4 "), Some(4)),
            ("http date", Some("Wed, 21 Oct 2015 07:28:00 GMT"), None),
            ("negative", Some("-1"), None),
            ("absent", None, None),
        ];
        for (name, header, want) in cases {
            let mut headers = HeaderMap::new();
            if let Some(text) = header {
                headers.insert(RETRY_AFTER, HeaderValue::from_static(text));
            }
            assert_eq!(
                retry_after(&headers),
                want.map(Duration::from_secs),
                "case {name}"
            );
        }
    }

    #[test]
    fn statuses_classified_for_retry() {
        let cases = [
            (429, true, false),
            (502, true, true),
            (503, true, true),
            (504, true, true),
            (500, false, false),
            (400, false, false),
            (404, false, false),
        ];
        for (code, retryable, ambiguous) in cases {
            let status = StatusCode::from_u16(code).expect("test statuses are valid");
            assert_eq!(is_retryable_status(status), retryable, "retryable {code}");
            assert_eq!(is_ambiguous_status(status), ambiguous, "ambiguous {code}");
        }
    }
}
