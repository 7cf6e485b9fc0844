//! OpenTelemetry export of the log's spans, with the `otlp` feature: the `request`,
//! `live_session` and `event` spans (and an app's own) go to a collector over OTLP/HTTP with
//! protobuf bodies, in batches, from the batch processor's own thread; a request never waits
//! for the collector, and a collector that is down loses spans, never requests.
//!
//! Set `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://127.0.0.1:4318`, the collector's base URL:
//! spans go to `/v1/traces` below it) and optionally `OTEL_SERVICE_NAME` (default: the
//! binary's name). The spans exported are those `RUST_LOG` admits (at `info`, requests and
//! sessions; at `debug`, each event too), with the same fields as the log: never a token,
//! cookie or form value. The exporter speaks plain HTTP: run the collector beside the app
//! (an agent or sidecar) and let it carry the data on over TLS.

use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

use crate::logs::LogError;

/// Where spans go and what the service is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Otlp {
    /// The collector's base URL (`http://127.0.0.1:4318`).
    pub endpoint: String,
    /// `service.name` of every span.
    pub service: String,
}

impl Otlp {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_SERVICE_NAME` read through `env`; `None` when no
    /// endpoint is set. An endpoint that is not an `http://` URL is an error that says so.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Option<Otlp>, LogError> {
        let Some(endpoint) = env("OTEL_EXPORTER_OTLP_ENDPOINT").filter(|e| !e.trim().is_empty())
        else {
            return Ok(None);
        };
        let endpoint = endpoint.trim().trim_end_matches('/').to_owned();
        let host = endpoint.strip_prefix("http://").unwrap_or_default();
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(LogError {
                message: format!("OTEL_EXPORTER_OTLP_ENDPOINT is `{endpoint}`"),
                help: "set it to the collector's base URL over plain HTTP, such as \
                       `http://127.0.0.1:4318` (spans go to /v1/traces below it)"
                    .to_owned(),
            });
        }
        let service = env("OTEL_SERVICE_NAME")
            .filter(|s| !s.trim().is_empty())
            .or_else(|| {
                let exe = std::env::current_exe().ok()?;
                Some(exe.file_stem()?.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "zero-live-app".to_owned());
        Ok(Some(Otlp { endpoint, service }))
    }

    /// The URL spans are posted to.
    pub fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.endpoint)
    }

    /// The exporting provider: a batch processor posting to [`Otlp::traces_url`].
    pub(crate) fn provider(&self) -> Result<SdkTracerProvider, LogError> {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(self.traces_url())
            .with_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| LogError {
                message: format!("the OTLP exporter cannot start: {e}"),
                help: "check OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(),
            })?;
        let resource = Resource::builder().with_service_name(self.service.clone()).build();
        Ok(SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build())
    }
}

/// The layer that turns the log's spans into OpenTelemetry spans of `provider`.
pub(crate) fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S> + use<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("zero-live"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn an_endpoint_turns_export_on_and_names_the_service() {
        assert_eq!(Otlp::from_env(env(&[])), Ok(None));
        assert_eq!(Otlp::from_env(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")])), Ok(None));
        let otlp = Otlp::from_env(env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/"),
            ("OTEL_SERVICE_NAME", "blog"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(otlp.traces_url(), "http://127.0.0.1:4318/v1/traces");
        assert_eq!(otlp.service, "blog");
        let unnamed =
            Otlp::from_env(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")]));
        assert!(!unnamed.unwrap().unwrap().service.is_empty());
    }

    #[test]
    fn an_endpoint_that_is_not_plain_http_is_refused_with_help() {
        for bad in ["https://collector:4318", "collector:4318", "http://", "http://a b"] {
            let err = Otlp::from_env(env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", bad)])).unwrap_err();
            assert!(err.message.contains("OTEL_EXPORTER_OTLP_ENDPOINT"), "{bad}: {err}");
            assert!(err.help.contains("http://127.0.0.1:4318"), "{bad}: {err}");
        }
    }
}
