//! The proxy's settings, read from the JSON the JavaScript entry passes (the options of
//! `createProxy` without `authorize`), each checked with the core's rules.
//!
//! Errors name the option (`keys.apiframe`, `policy.maxImages`, …) and the reason, and never
//! contain a key.

use gpt_image::config::{ApiKey, check_base_url};
use gpt_image::error::quoted;
use gpt_image::{Error, Provider};
use serde_json::{Map, Value};

use crate::policy::{Policy, parse_qualities};

/// Largest body the proxy reads when `maxBodyBytes` is unset: 25 MiB, room for a few reference
/// images sent as `data:` URLs.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 25 * 1024 * 1024;

/// A setting that cannot be used: which option, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn error<T>(field: &str, message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError {
        field: field.to_owned(),
        message: message.into(),
    })
}

/// Checked settings of one proxy.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    /// Per provider (in [`Provider::ALL`] order): its key, when this proxy has one.
    keys: [Option<ApiKey>; 2],
    /// Per provider: where requests go, without a trailing slash.
    upstream: [String; 2],
    /// `""` for the root, else `/…` without a trailing slash.
    pub base_path: String,
    /// Origins granted CORS, lower case, as `scheme://host[:port]`.
    pub allowed_origins: Vec<String>,
    pub policy: Policy,
    pub max_body_bytes: u64,
}

fn index(provider: Provider) -> usize {
    match provider {
        Provider::Apiframe => 0,
        Provider::ApiInOne => 1,
    }
}

impl ProxyConfig {
    /// The server's key for `provider`, if it has one.
    pub fn key(&self, provider: Provider) -> Option<&ApiKey> {
        self.keys[index(provider)].as_ref()
    }

    /// Every configured key, for redaction.
    pub fn secrets(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().flatten().map(ApiKey::expose)
    }

    /// The base URL requests for `provider` go to.
    pub fn upstream(&self, provider: Provider) -> &str {
        &self.upstream[index(provider)]
    }

    /// Reads and checks the settings.
    pub fn from_json(text: &str) -> Result<ProxyConfig, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .or_else(|_| error("options", "must be an object of plain values (JSON)"))?;
        let Some(options) = value.as_object() else {
            return error("options", "must be an object");
        };
        only_known(
            options,
            &[
                "keys",
                "basePath",
                "upstream",
                "allowedOrigins",
                "policy",
                "maxBodyBytes",
            ],
            "",
        )?;

        let keys_value = per_provider(options, "keys")?;
        let mut keys = [None, None];
        for provider in Provider::ALL {
            let field = format!("keys.{}", provider.id());
            let raw = keys_value[index(provider)].as_deref().unwrap_or("");
            if raw.trim().is_empty() {
                continue;
            }
            keys[index(provider)] =
                Some(ApiKey::parse(provider, raw).or_else(|e| error(&field, message_of(e)))?);
        }
        if keys.iter().all(Option::is_none) {
            return error(
                "keys",
                "no key is set: give keys.apiframe, keys.apiinone or both (from the server's environment)",
            );
        }

        let upstream_value = per_provider(options, "upstream")?;
        let mut upstream = [String::new(), String::new()];
        for provider in Provider::ALL {
            let field = format!("upstream.{}", provider.id());
            let url = upstream_value[index(provider)]
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .unwrap_or(provider.default_base_url());
            check_base_url(url).or_else(|e| error(&field, message_of(e)))?;
            upstream[index(provider)] = url.trim_end_matches('/').to_owned();
        }

        Ok(ProxyConfig {
            keys,
            upstream,
            base_path: base_path(options.get("basePath"))?,
            allowed_origins: allowed_origins(options.get("allowedOrigins"))?,
            policy: policy(options.get("policy"))?,
            max_body_bytes: match options.get("maxBodyBytes") {
                None | Some(Value::Null) => DEFAULT_MAX_BODY_BYTES,
                Some(v) => whole(v, "maxBodyBytes", 1, u64::from(u32::MAX))?,
            },
        })
    }
}

/// The message of a core error, without the core's field name (ours is more precise).
fn message_of(e: Error) -> String {
    match e {
        Error::InvalidRequest { message, .. } => message,
        other => other.to_string(),
    }
}

fn only_known(
    object: &Map<String, Value>,
    known: &[&str],
    prefix: &str,
) -> Result<(), ConfigError> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => error(
            &format!("{prefix}{}", unknown.chars().take(40).collect::<String>()),
            format!("is not an option; known: {}", known.join(", ")),
        ),
        None => Ok(()),
    }
}

/// `{apiframe?, apiinone?}` of strings, in [`Provider::ALL`] order.
fn per_provider(
    options: &Map<String, Value>,
    name: &str,
) -> Result<[Option<String>; 2], ConfigError> {
    let mut out = [None, None];
    let object = match options.get(name) {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Object(object)) => object,
        Some(_) => return error(name, "must be an object with apiframe and/or apiinone"),
    };
    only_known(object, &["apiframe", "apiinone"], &format!("{name}."))?;
    for provider in Provider::ALL {
        out[index(provider)] = match object.get(provider.id()) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return error(&format!("{name}.{}", provider.id()), "must be a string"),
        };
    }
    Ok(out)
}

/// `/` or `/a/b` made of URL-safe segments; stored without the trailing slash.
fn base_path(value: Option<&Value>) -> Result<String, ConfigError> {
    let path = match value {
        None | Some(Value::Null) => return Ok(String::new()),
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return error("basePath", "must be a string such as \"/api/gpt-image\""),
    };
    let trimmed = path.trim_end_matches('/');
    let clean = path.starts_with('/')
        && !trimmed.contains("//")
        && trimmed.split('/').skip(1).all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
        });
    if clean {
        Ok(trimmed.to_owned())
    } else {
        error(
            "basePath",
            format!(
                "{} is not a path such as \"/api/gpt-image\": start with '/', use letters, digits, '-', '_', '.', '~'",
                quoted(path)
            ),
        )
    }
}

fn allowed_origins(value: Option<&Value>) -> Result<Vec<String>, ConfigError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return error(
                "allowedOrigins",
                "must be a list of origins such as \"https://app.example\"",
            );
        }
    };
    let mut origins = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = format!("allowedOrigins[{i}]");
        let Some(origin) = item.as_str() else {
            return error(&field, "must be a string");
        };
        if origin == "*" {
            return error(
                &field,
                "\"*\" would let any site spend this proxy's credits: list each origin",
            );
        }
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        let ok = rest.is_some_and(|host| {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        });
        if !ok {
            return error(
                &field,
                format!(
                    "{} is not an origin: scheme and host only, such as \"https://app.example\" (no path, no trailing slash)",
                    quoted(origin)
                ),
            );
        }
        origins.push(origin.to_ascii_lowercase());
    }
    Ok(origins)
}

fn policy(value: Option<&Value>) -> Result<Policy, ConfigError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(Policy::default()),
        Some(Value::Object(object)) => object,
        Some(_) => return error("policy", "must be an object"),
    };
    only_known(
        object,
        &[
            "maxImages",
            "qualities",
            "maxPromptChars",
            "maxInputImages",
            "listJobs",
        ],
        "policy.",
    )?;
    let optional = |name: &str, most: u64| -> Result<Option<u64>, ConfigError> {
        match object.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => whole(v, &format!("policy.{name}"), 1, most).map(Some),
        }
    };
    let qualities = match object.get("qualities") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut names = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(s) => names.push(s),
                    None => return error("policy.qualities", "must be a list of strings"),
                }
            }
            if names.is_empty() {
                return error("policy.qualities", "is empty: list at least one quality");
            }
            Some(parse_qualities(&names).or_else(|m| error("policy.qualities", m))?)
        }
        Some(_) => {
            return error(
                "policy.qualities",
                "must be a list such as [\"low\", \"medium\"]",
            );
        }
    };
    Ok(Policy {
        max_images: optional("maxImages", 10)?.map(|n| n as u8),
        qualities,
        max_prompt_chars: optional("maxPromptChars", 100_000)?.map(|n| n as usize),
        max_input_images: optional("maxInputImages", 16)?.map(|n| n as usize),
        list_jobs: match object.get("listJobs") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return error("policy.listJobs", "must be true or false"),
        },
    })
}

fn whole(value: &Value, field: &str, least: u64, most: u64) -> Result<u64, ConfigError> {
    match value.as_u64() {
        Some(n) if (least..=most).contains(&n) => Ok(n),
        _ => error(
            field,
            format!("must be a whole number from {least} to {most}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> Result<ProxyConfig, ConfigError> {
        ProxyConfig::from_json(json)
    }

    fn field(json: &str) -> String {
        config(json).unwrap_err().field
    }

    #[test]
    fn defaults_and_one_key_suffice() {
        let c = config(r#"{"keys":{"apiframe":"afk_server_secret"}}"#).unwrap();
        assert_eq!(c.base_path, "");
        assert_eq!(c.upstream(Provider::Apiframe), "https://api.apiframe.ai");
        assert_eq!(c.upstream(Provider::ApiInOne), "https://apiin.one");
        assert!(c.key(Provider::ApiInOne).is_none());
        assert_eq!(c.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert_eq!(c.policy, Policy::default());
        let c = config(
            r#"{"keys":{"apiframe":" afk_a ","apiinone":""},"basePath":"/api/gpt-image/",
               "upstream":{"apiinone":"http://127.0.0.1:9/x/"},"allowedOrigins":["https://App.example"],
               "policy":{"maxImages":4,"qualities":["low","medium"],"maxPromptChars":1000,"listJobs":false},
               "maxBodyBytes":1024}"#,
        )
        .unwrap();
        assert_eq!(c.key(Provider::Apiframe).unwrap().expose(), "afk_a");
        assert!(
            c.key(Provider::ApiInOne).is_none(),
            "an empty key is no key"
        );
        assert_eq!(c.base_path, "/api/gpt-image");
        assert_eq!(c.upstream(Provider::ApiInOne), "http://127.0.0.1:9/x");
        assert_eq!(c.allowed_origins, vec!["https://app.example".to_string()]);
        assert_eq!(c.policy.max_images, Some(4));
        assert!(!c.policy.list_jobs);
        assert_eq!(c.max_body_bytes, 1024);
        assert_eq!(
            config(r#"{"keys":{"apiinone":"aio_k"},"basePath":"/"}"#)
                .unwrap()
                .base_path,
            ""
        );
    }

    #[test]
    fn each_bad_option_is_named() {
        for (json, want) in [
            (r#"{}"#, "keys"),
            (r#"{"keys":{}}"#, "keys"),
            (
                r#"{"keys":{"apiframe":"aio_wrong_provider"}}"#,
                "keys.apiframe",
            ),
            (r#"{"keys":{"apiinone":"aio has spaces"}}"#, "keys.apiinone"),
            (r#"{"keys":{"apiframe":5}}"#, "keys.apiframe"),
            (r#"{"keys":{"openai":"sk"}}"#, "keys.openai"),
            (r#"{"keys":{"apiframe":"afk_k"},"apiKey":"x"}"#, "apiKey"),
            (
                r#"{"keys":{"apiframe":"afk_k"},"basePath":"api"}"#,
                "basePath",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"basePath":"/a/../b"}"#,
                "basePath",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"basePath":"/a//b"}"#,
                "basePath",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"basePath":"/a%2fb"}"#,
                "basePath",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"upstream":{"apiframe":"ftp://x"}}"#,
                "upstream.apiframe",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"upstream":{"apiinone":"https://x/?q"}}"#,
                "upstream.apiinone",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"allowedOrigins":["*"]}"#,
                "allowedOrigins[0]",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"allowedOrigins":["https://a.example/"]}"#,
                "allowedOrigins[0]",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"allowedOrigins":"https://a.example"}"#,
                "allowedOrigins",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"policy":{"maxImages":0}}"#,
                "policy.maxImages",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"policy":{"maxImages":2.5}}"#,
                "policy.maxImages",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"policy":{"qualities":["ultra"]}}"#,
                "policy.qualities",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"policy":{"qualities":[]}}"#,
                "policy.qualities",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"policy":{"maxImage":2}}"#,
                "policy.maxImage",
            ),
            (
                r#"{"keys":{"apiframe":"afk_k"},"maxBodyBytes":-1}"#,
                "maxBodyBytes",
            ),
            (r#"[1]"#, "options"),
            (r#"not json"#, "options"),
        ] {
            assert_eq!(field(json), want, "{json}");
        }
    }

    #[test]
    fn key_errors_never_show_the_key() {
        let secret = "aio_very_secret_value_123";
        let err = config(&format!(r#"{{"keys":{{"apiframe":"{secret}"}}}}"#)).unwrap_err();
        assert!(!err.to_string().contains(secret), "{err}");
        let err = config(&format!(r#"{{"keys":{{"apiframe":"afk_{secret} x"}}}}"#)).unwrap_err();
        assert!(!err.to_string().contains(secret), "{err}");
        let c = config(&format!(r#"{{"keys":{{"apiinone":"{secret}"}}}}"#)).unwrap();
        assert!(!format!("{c:?}").contains(secret));
    }
}
