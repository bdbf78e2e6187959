//! Checking what JavaScript passed in, before the client core sees it.
//!
//! Plain Rust over [`serde_json::Value`] (what the wasm glue turns a plain JS object into) and
//! plain numbers, so every rule is tested natively. A bad argument becomes
//! [`gpt_image::Error::InvalidRequest`] naming the field: a wrong type, an unknown option key
//! (with a suggestion when it looks like a typo), a value out of range. Nothing here panics on
//! any input, and nothing here touches JavaScript: reading `JsValue`s is the glue's job.
//!
//! - [`checks`]: the generic readers (types, keys and typo suggestions, numbers, choices);
//! - [`client`]: `createClient(options)` into the core's [`gpt_image::ClientOptions`], whose
//!   own [`check`](gpt_image::ClientOptions::check) holds the rules of the values;
//! - [`request`]: a request object into the core's [`gpt_image::Request`]. Provider rules
//!   (prompt length, `n` per provider, options a provider lacks) are the core's, checked by
//!   [`gpt_image::Request::validate`] when a request is submitted.

pub mod checks;
pub mod client;
pub mod request;

use std::str::FromStr;

pub use checks::{check_keys, invalid, millis, type_name, wrong_type};
pub use client::{CLIENT_OPTIONS, POLL_OPTIONS, client_options};
use gpt_image::schedule::{DurationStats, JobKind, ModelData, ProgressStats};
use gpt_image::{Error, Provider, Quality};
pub use request::{REQUEST_FIELDS, request};
use serde_json::Value;

/// Keys of `client.submit(request, options)`.
pub const SUBMIT_OPTIONS: &[&str] = &["signal", "idempotencyKey"];
/// Keys of `client.status(jobId, options)`.
pub const STATUS_OPTIONS: &[&str] = &["signal"];
/// Keys of `client.wait(jobId, options)`.
pub const WAIT_OPTIONS: &[&str] = &["signal", "onUpdate", "timeoutMs"];
/// Keys of `client.generate(request, options)`.
pub const GENERATE_OPTIONS: &[&str] = &["signal", "onUpdate", "idempotencyKey", "timeoutMs"];
/// Keys of what `client.exportDurations()` returns, and `importDurations` takes.
pub const DURATIONS_KEYS: &[&str] = &["durations", "progress"];
/// What `importDurations` takes, in words.
pub const DURATIONS_EXPECTED: &str = "the object client.exportDurations() returned";

/// Reads what `importDurations` was given: an earlier `exportDurations()`, kept as it was
/// (through JSON text or structured cloning).
///
/// Read field by field rather than through serde's derive: a typed serde reader links Rust's
/// float formatting (for its error texts) into the package, about 6 KB gzipped.
pub fn durations(value: &serde_json::Value) -> Result<ModelData, Error> {
    read_durations(value).ok_or_else(|| {
        invalid(
            "durations",
            format!("is not {DURATIONS_EXPECTED}: keep that object as it is"),
        )
    })
}

fn read_durations(value: &Value) -> Option<ModelData> {
    let list = |key: &str| match value.get(key) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => Some(items.iter().collect::<Vec<_>>()),
        Some(_) => None,
    };
    let durations = list("durations")?
        .into_iter()
        .map(|item| {
            Some(DurationStats {
                kind: job_kind(item.get("kind")?)?,
                weight: item.get("weight")?.as_f64()?,
                mean_ln_ms: item.get("meanLnMs")?.as_f64()?,
                var_ln_ms: item.get("varLnMs")?.as_f64()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let progress = list("progress")?
        .into_iter()
        .map(|item| {
            Some(ProgressStats {
                provider: provider(item.get("provider")?)?,
                percent: u8::try_from(item.get("percent")?.as_u64()?).ok()?,
                seen: u32::try_from(item.get("seen")?.as_u64()?).ok()?,
                min_share: item.get("minShare")?.as_f64()?,
                max_share: item.get("maxShare")?.as_f64()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(ModelData {
        durations,
        progress,
    })
}

fn provider(value: &Value) -> Option<Provider> {
    Provider::from_str(value.as_str()?).ok()
}

/// `{provider, quality?, n?, edit?}`; an absent or null part is unknown.
fn job_kind(value: &Value) -> Option<JobKind> {
    let part = |key: &str| value.get(key).filter(|v| !v.is_null());
    Some(JobKind {
        provider: provider(value.get("provider")?)?,
        quality: match part("quality") {
            None => None,
            Some(q) => Some(Quality::parse(q.as_str()?)?),
        },
        n: match part("n") {
            None => None,
            Some(n) => Some(u8::try_from(n.as_u64()?).ok()?),
        },
        edit: match part("edit") {
            None => None,
            Some(edit) => Some(edit.as_bool()?),
        },
    })
}

/// Keys of `verifyWebhook(input)`.
pub const WEBHOOK_INPUT: &[&str] = &["body", "signature", "apiKey"];

#[cfg(test)]
mod tests {
    use gpt_image::schedule::{DurationModel, JobKind};
    use gpt_image::{Error, Provider};
    use serde_json::json;

    use super::durations;

    #[test]
    fn exported_durations_come_back_as_they_were() {
        let mut model = DurationModel::new();
        model.record(JobKind::provider(Provider::Apiframe), 14_000);
        let edit = JobKind {
            provider: Provider::ApiInOne,
            quality: Some(gpt_image::Quality::High),
            n: Some(1),
            edit: Some(true),
        };
        let samples = [gpt_image::schedule::ProgressSample {
            percent: 40.0,
            at_ms: 2_000,
        }];
        model.record_job(edit, 6_000, &samples);
        model.record(JobKind::provider(Provider::Apiframe), 16_500);
        let exported = serde_json::to_value(model.export()).unwrap();
        assert_eq!(durations(&exported).unwrap(), model.export());
        assert_eq!(durations(&json!({})).unwrap(), Default::default());
    }

    #[test]
    fn anything_else_is_refused_on_the_durations_field() {
        for wrong in [
            json!({"durations": "fast"}),
            json!({"durations": [{"kind": 3}]}),
            json!({"progress": [1, 2]}),
        ] {
            match durations(&wrong) {
                Err(Error::InvalidRequest { field, message }) => {
                    assert_eq!(field, "durations");
                    assert!(message.contains("exportDurations()"), "{message}");
                }
                other => panic!("{wrong}: {other:?}"),
            }
        }
    }
}
