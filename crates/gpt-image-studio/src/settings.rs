//! Connection settings: which provider, direct (with the user's key) or through a proxy (which
//! holds the keys), which base URL, whether the key is remembered, and the form draft, plus how
//! the studio starts from saved settings or a `studio-config.json`, and the one-line summary of
//! the connection shown in the header.
//!
//! Pure data. The API key is deliberately absent from every type here: keys live only in Web
//! Storage (see `browser::key_store`), never in settings, history or IndexedDB.

use gpt_image::Provider;
use serde::{Deserialize, Serialize};

use crate::form::Form;

/// One value for each provider.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PerProvider<T> {
    pub apiframe: T,
    pub apiinone: T,
}

impl<T> PerProvider<T> {
    /// The value for `provider`.
    pub fn get(&self, provider: Provider) -> &T {
        match provider {
            Provider::Apiframe => &self.apiframe,
            Provider::ApiInOne => &self.apiinone,
        }
    }

    /// The value for `provider`, to change.
    pub fn get_mut(&mut self, provider: Provider) -> &mut T {
        match provider {
            Provider::Apiframe => &mut self.apiframe,
            Provider::ApiInOne => &mut self.apiinone,
        }
    }
}

/// How requests reach the provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// Straight from this page with the user's key, which stays in this tab (or on this device
    /// when remembered). Works only with providers (or an emulator) that accept calls from web
    /// pages.
    #[default]
    Direct,
    /// Through the user's proxy (`createProxy` from `gpt-image-wasm/proxy`), which adds the key
    /// on the server: this page holds no key at all.
    Proxy,
}

impl Route {
    /// The name it is stored under (the serde name).
    pub fn id(self) -> &'static str {
        match self {
            Route::Direct => "direct",
            Route::Proxy => "proxy",
        }
    }

    /// The route stored under `id`.
    pub fn parse(id: &str) -> Option<Self> {
        [Route::Direct, Route::Proxy]
            .into_iter()
            .find(|r| r.id() == id)
    }
}

/// What the studio remembers between visits (in `localStorage`). Never holds a key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub provider: Provider,
    /// Direct or through a proxy.
    pub route: Route,
    /// The proxy's URL, origin and base path (`https://app.example/api/gpt-image`); each
    /// provider is under it by id (`…/apiframe`).
    pub proxy_url: String,
    /// Base URL overrides (a proxy, the emulator); empty means the provider's own URL.
    pub base_urls: PerProvider<String>,
    /// Whether keys go to `localStorage` (kept on this device) instead of `sessionStorage`.
    pub remember_key: bool,
    /// The last form, so a reload loses no draft.
    pub form: Form,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            provider: Provider::Apiframe,
            route: Route::Direct,
            proxy_url: String::new(),
            base_urls: PerProvider::default(),
            remember_key: false,
            form: Form::default(),
        }
    }
}

impl Settings {
    /// The base URL requests go to: the override when set, else the provider's own.
    pub fn base_url(&self, provider: Provider) -> String {
        let custom = self.base_urls.get(provider).trim();
        if custom.is_empty() {
            provider.default_base_url().to_owned()
        } else {
            custom.trim_end_matches('/').to_owned()
        }
    }

    /// Why the base URL override cannot be used, in plain words.
    pub fn base_url_problem(&self, provider: Provider) -> Option<String> {
        url_problem(&self.base_url(provider))
    }
}

impl Settings {
    /// Where requests for `provider` go: the base URL when direct, else the proxy's
    /// `{proxy}/{provider id}`.
    pub fn endpoint(&self, provider: Provider) -> String {
        match self.route {
            Route::Direct => self.base_url(provider),
            Route::Proxy => format!(
                "{}/{}",
                self.proxy_url.trim().trim_end_matches('/'),
                provider.id()
            ),
        }
    }

    /// Why the proxy URL cannot be used, in plain words; `None` when it can.
    pub fn proxy_url_problem(&self) -> Option<String> {
        if self.proxy_url.trim().is_empty() {
            return Some("Enter your proxy's URL, e.g. https://app.example/api/gpt-image.".into());
        }
        url_problem(&self.endpoint(self.provider))
    }

    /// The connection in one line for the header: provider · where · which key, e.g.
    /// `Apiframe · local emulator · demo key` or `API in One · proxy app.example · key on the
    /// server`. `key` is the key in this tab (only its presence and demo prefix are read).
    pub fn summary(&self, key: &str) -> String {
        let provider = self.provider;
        let endpoint = self.endpoint(provider);
        let host = crate::cross_origin::origin_of(&endpoint)
            .and_then(|o| o.split_once("://").map(|(_, h)| h.to_owned()))
            .unwrap_or_else(|| "no valid address".into());
        let (place, key_text) = match self.route {
            Route::Proxy => (format!("proxy {host}"), "key on the server".to_owned()),
            Route::Direct => {
                let loopback = host.starts_with("127.")
                    || host.starts_with("localhost")
                    || host.starts_with("[::1]");
                let place = if self.base_urls.get(provider).trim().is_empty() {
                    host.strip_prefix("api.").unwrap_or(&host).to_owned()
                } else if loopback {
                    "local emulator".to_owned()
                } else {
                    host
                };
                let key = key.trim();
                let key_text = if key.is_empty() {
                    "no key yet"
                } else if key.starts_with(&format!("{}demo", provider.key_prefix())) {
                    "demo key"
                } else if self.remember_key {
                    "your key, remembered"
                } else {
                    "your key, this tab"
                };
                (place, key_text.to_owned())
            }
        };
        format!("{} · {place} · {key_text}", provider.name())
    }
}

/// Why `url` cannot be a base URL, in the core's words.
fn url_problem(url: &str) -> Option<String> {
    gpt_image::config::check_base_url(url)
        .err()
        .map(|e| match e {
            gpt_image::Error::InvalidRequest { message, .. } => message,
            _ => "this address cannot be used".into(),
        })
}

/// `studio-config.json`, served beside the app by `cargo xtask dev` to point a newcomer at the
/// local emulator with demo keys.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StudioConfig {
    pub provider: Option<Provider>,
    pub base_url: Option<String>,
    pub api_keys: PerProvider<Option<String>>,
}

/// How the studio opens.
#[derive(Clone, Debug, PartialEq)]
pub struct Startup {
    pub settings: Settings,
    /// Keys to put in session storage because the config offered demo keys.
    pub demo_keys: PerProvider<Option<String>>,
    /// A sentence telling the user where the studio points, when a config was applied.
    pub notice: Option<String>,
}

/// Decides the opening state: saved settings win; otherwise a studio config (if any) points
/// the studio at its base URL with its demo keys; otherwise the defaults.
pub fn startup(saved: Option<&str>, config: Option<&str>) -> Startup {
    if let Some(settings) = saved.and_then(crate::stored::settings_from_json) {
        return Startup {
            settings,
            demo_keys: PerProvider::default(),
            notice: None,
        };
    }
    let mut settings = Settings::default();
    let Some(config) = config.and_then(crate::stored::config_from_json) else {
        return Startup {
            settings,
            demo_keys: PerProvider::default(),
            notice: None,
        };
    };
    if let Some(provider) = config.provider {
        settings.provider = provider;
    }
    let base = config.base_url.as_deref().map(str::trim).unwrap_or("");
    if !base.is_empty() {
        settings.base_urls = PerProvider {
            apiframe: base.to_owned(),
            apiinone: base.to_owned(),
        };
    }
    let notice = (!base.is_empty()).then(|| {
        format!("This studio was opened pointing at {base} with demo keys: the first click makes an image. Change it here.")
    });
    Startup {
        settings,
        demo_keys: config.api_keys,
        notice,
    }
}

/// A warning about a pasted key that cannot be right for `provider`, before anything is sent.
/// The rules are the core's ([`gpt_image::ApiKey::parse`]); its message becomes a sentence.
pub fn key_problem(provider: Provider, key: &str) -> Option<String> {
    match gpt_image::ApiKey::parse(provider, key) {
        Ok(_) => None,
        Err(gpt_image::Error::InvalidRequest { message, .. }) => {
            let mut chars = message.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            Some(first.into_iter().chain(chars).chain(['.']).collect())
        }
        Err(_) => Some("This key cannot be used.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_serves_each_provider_under_its_id() {
        let mut s = Settings {
            route: Route::Proxy,
            proxy_url: " https://app.example/api/gpt-image/ ".into(),
            ..Settings::default()
        };
        assert_eq!(
            s.endpoint(Provider::Apiframe),
            "https://app.example/api/gpt-image/apiframe"
        );
        assert_eq!(
            s.endpoint(Provider::ApiInOne),
            "https://app.example/api/gpt-image/apiinone"
        );
        assert!(s.proxy_url_problem().is_none());
        assert_eq!(
            s.summary(""),
            "Apiframe · proxy app.example · key on the server"
        );
        s.proxy_url = String::new();
        assert!(s.proxy_url_problem().unwrap().contains("proxy's URL"));
        s.proxy_url = "app.example".into();
        assert!(s.proxy_url_problem().is_some());
        // Saved settings from before proxies existed read as direct.
        let old: Settings = serde_json::from_str(r#"{"provider":"apiinone"}"#).unwrap();
        assert_eq!(old.route, Route::Direct);
    }

    #[test]
    fn the_summary_says_where_and_which_key() {
        let mut s = startup(None, Some(CONFIG)).settings;
        assert_eq!(
            s.summary("afk_demo_studio"),
            "Apiframe · local emulator · demo key"
        );
        assert_eq!(s.summary(""), "Apiframe · local emulator · no key yet");
        s.base_urls = PerProvider::default();
        s.provider = Provider::ApiInOne;
        assert_eq!(
            s.summary("aio_123"),
            "API in One · apiin.one · your key, this tab"
        );
        s.provider = Provider::Apiframe;
        s.remember_key = true;
        assert_eq!(
            s.summary("afk_123"),
            "Apiframe · apiframe.ai · your key, remembered"
        );
    }

    const CONFIG: &str = r#"{"provider":"apiframe","baseUrl":"http://127.0.0.1:8787","apiKeys":{"apiframe":"afk_demo_studio","apiinone":"aio_demo_studio"}}"#;

    #[test]
    fn a_config_points_a_newcomer_at_the_emulator() {
        let s = startup(None, Some(CONFIG));
        assert_eq!(s.settings.provider, Provider::Apiframe);
        assert_eq!(
            s.settings.base_url(Provider::ApiInOne),
            "http://127.0.0.1:8787"
        );
        assert_eq!(s.demo_keys.apiframe.as_deref(), Some("afk_demo_studio"));
        assert!(s.notice.unwrap().contains("127.0.0.1:8787"));
    }

    #[test]
    fn saved_settings_win_over_the_config() {
        let mut saved = Settings {
            provider: Provider::ApiInOne,
            ..Settings::default()
        };
        saved.form.prompt = "draft".into();
        let text = serde_json::to_string(&saved).unwrap();
        let s = startup(Some(&text), Some(CONFIG));
        assert_eq!(s.settings, saved);
        assert_eq!(s.demo_keys, PerProvider::default());
        assert!(s.notice.is_none());
    }

    #[test]
    fn broken_inputs_fall_back_to_defaults() {
        let s = startup(Some("{not json"), Some("<html>404</html>"));
        assert_eq!(s.settings, Settings::default());
        assert_eq!(
            s.settings.base_url(Provider::Apiframe),
            "https://api.apiframe.ai"
        );
    }

    #[test]
    fn settings_never_serialise_a_key() {
        let text = serde_json::to_string(&Settings::default()).unwrap();
        assert!(!text.contains("apiKey") && !text.contains("afk_"), "{text}");
    }

    #[test]
    fn base_url_overrides_are_trimmed_and_checked() {
        let mut s = Settings::default();
        *s.base_urls.get_mut(Provider::Apiframe) = " http://proxy.local/api/ ".into();
        assert_eq!(s.base_url(Provider::Apiframe), "http://proxy.local/api");
        assert!(s.base_url_problem(Provider::Apiframe).is_none());
        *s.base_urls.get_mut(Provider::Apiframe) = "proxy.local".into();
        assert!(s.base_url_problem(Provider::Apiframe).is_some());
    }

    #[test]
    fn keys_for_the_other_provider_are_spotted() {
        assert!(
            key_problem(Provider::Apiframe, "aio_x")
                .unwrap()
                .contains("API in One")
        );
        assert!(key_problem(Provider::Apiframe, "").is_some());
        assert!(key_problem(Provider::Apiframe, "afk_ok").is_none());
        assert!(key_problem(Provider::ApiInOne, "aio ok").is_some());
    }
}
