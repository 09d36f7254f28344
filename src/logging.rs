//! Log lines in the JSON form Terraform's plugin client parses.
//!
//! go-plugin reads each stderr line of a provider as JSON with `@level`,
//! `@message` and `@timestamp` (exactly six fractional digits), and turns
//! every other key into a field of the log line Terraform prints under
//! `TF_LOG`. The provider takes its level from `TF_LOG_PROVIDER`, then
//! `TF_LOG`, as the Go SDKs do; stdout is never written here.

use std::io::Write;
use std::sync::Mutex;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The `@module` of every line, as the Go SDKs name provider logs.
const MODULE: &str = "provider";

/// Reads the provider's log level from `TF_LOG_PROVIDER` or `TF_LOG`.
///
/// Unset means warnings and errors only, which Terraform shows only when
/// logging is on. `JSON` means trace, as it does for Terraform itself, and an
/// unrecognised value falls back to trace as Terraform's own parser does.
pub fn level_from_env(get: &dyn Fn(&str) -> Option<String>) -> LevelFilter {
    let text = get("TF_LOG_PROVIDER")
        .filter(|v| !v.is_empty())
        .or_else(|| get("TF_LOG").filter(|v| !v.is_empty()));
    match text.map(|t| t.to_ascii_uppercase()).as_deref() {
        None => LevelFilter::WARN,
        Some("OFF") => LevelFilter::OFF,
        Some("ERROR") => LevelFilter::ERROR,
        Some("WARN") => LevelFilter::WARN,
        Some("INFO") => LevelFilter::INFO,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some(_) => LevelFilter::TRACE,
    }
}

/// Installs the JSON-lines subscriber on stderr as the global default.
pub fn init() {
    let level = level_from_env(&|name| std::env::var(name).ok());
    let layer = JsonLinesLayer::new(Box::new(std::io::stderr())).with_filter(level);
    // A second initialisation (in tests) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
}

/// A layer that writes one JSON object per event.
pub struct JsonLinesLayer {
    output: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for JsonLinesLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsonLinesLayer")
    }
}

impl JsonLinesLayer {
    /// Creates a layer writing to `output`.
    pub fn new(output: Box<dyn Write + Send>) -> JsonLinesLayer {
        JsonLinesLayer {
            output: Mutex::new(output),
        }
    }
}

/// The fields recorded on a span, kept in the span's extensions.
struct SpanFields(Map<String, Json>);

#[derive(Default)]
struct JsonVisitor {
    fields: Map<String, Json>,
    message: Option<String>,
}

impl Visit for JsonVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.insert(field, Json::String(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Json::String(value.to_string()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, Json::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, Json::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, Json::Bool(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, Json::String(value.to_string()));
    }
}

impl JsonVisitor {
    fn insert(&mut self, field: &Field, value: Json) {
        if field.name() == "message" {
            self.message = Some(match value {
                Json::String(text) => text,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_string(), value);
        }
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// Formats the current time as go-plugin expects: six fractional digits and `Z`.
pub fn timestamp_now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

impl<S> Layer<S> for JsonLinesLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut visitor = JsonVisitor::default();
        attrs.record(&mut visitor);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(visitor.fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = Map::new();
        line.insert(
            "@level".into(),
            Json::String(level_name(event.metadata().level()).into()),
        );
        line.insert("@module".into(), Json::String(MODULE.into()));
        line.insert("@timestamp".into(), Json::String(timestamp_now()));
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    for (key, value) in &fields.0 {
                        line.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        let mut visitor = JsonVisitor::default();
        event.record(&mut visitor);
        line.insert(
            "@message".into(),
            Json::String(visitor.message.unwrap_or_default()),
        );
        for (key, value) in visitor.fields {
            line.insert(key, value);
        }
        let mut text = Json::Object(line).to_string();
        text.push('\n');
        if let Ok(mut output) = self.output.lock() {
            // A failed write to stderr has nowhere better to be reported.
            let _ = output.write_all(text.as_bytes());
            let _ = output.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer lock").extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn level_from_env_cases() {
        let cases = [
            ("unset", None, None, LevelFilter::WARN),
            (
                "provider wins",
                Some("DEBUG"),
                Some("ERROR"),
                LevelFilter::DEBUG,
            ),
            ("tf_log only", None, Some("info"), LevelFilter::INFO),
            ("json means trace", None, Some("JSON"), LevelFilter::TRACE),
            ("off", Some("off"), None, LevelFilter::OFF),
            (
                "unknown means trace",
                None,
                Some("chatty"),
                LevelFilter::TRACE,
            ),
        ];
        for (name, provider, general, expected) in cases {
            let get = |key: &str| match key {
                "TF_LOG_PROVIDER" => provider.map(str::to_string),
                "TF_LOG" => general.map(str::to_string),
                _ => None,
            };
            assert_eq!(level_from_env(&get), expected, "case {name}");
        }
    }

    #[test]
    fn event_becomes_json_line_with_span_fields() {
        let buffer = Buffer::default();
        let layer = JsonLinesLayer::new(Box::new(buffer.clone()));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::debug_span!("rpc", tf_rpc = "ReadResource", tf_req_id = 7u64);
            let _entered = span.enter();
            tracing::info!(status = 200u64, "request done");
        });
        let text =
            String::from_utf8(buffer.0.lock().expect("buffer lock").clone()).expect("utf-8 output");
        let line: Json = serde_json::from_str(text.trim()).expect("one JSON line");
        assert_eq!(line["@level"], "info");
        assert_eq!(line["@message"], "request done");
        assert_eq!(line["tf_rpc"], "ReadResource");
        assert_eq!(line["tf_req_id"], 7);
        assert_eq!(line["status"], 200);
        let timestamp = line["@timestamp"].as_str().expect("timestamp string");
        let fraction = timestamp
            .split('.')
            .nth(1)
            .expect("fractional seconds present");
        assert_eq!(fraction.len(), 7, "six digits and Z in {timestamp}");
        assert!(fraction.ends_with('Z'));
    }
}
