//! Connection settings: which provider, which base URL, whether the key is remembered, and the
//! form draft, plus how the studio starts from saved settings or a `studio-config.json`.
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

/// What the studio remembers between visits (in `localStorage`). Never holds a key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub provider: Provider,
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
        gpt_image::config::check_base_url(&self.base_url(provider))
            .err()
            .map(|e| match e {
                gpt_image::Error::InvalidRequest { message, .. } => message,
                _ => "this base URL cannot be used".into(),
            })
    }
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
    if let Some(settings) = saved.and_then(|s| serde_json::from_str::<Settings>(s).ok()) {
        return Startup {
            settings,
            demo_keys: PerProvider::default(),
            notice: None,
        };
    }
    let mut settings = Settings::default();
    let Some(config) = config.and_then(|c| serde_json::from_str::<StudioConfig>(c).ok()) else {
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
        format!("This studio was opened pointing at {base} with demo keys: the first click makes an image. Change it under Connection.")
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
