//! Settings and API keys in Web Storage.
//!
//! A key goes to `sessionStorage` (gone when the tab closes) unless the user opted in to
//! "Remember on this device", which moves it to `localStorage`. Forgetting removes it from
//! both. Keys are never written anywhere else: not in settings, IndexedDB, URLs or logs.
//! The polling schedule's learned job durations are kept per provider in `localStorage`.

use gpt_image::Provider;
use gpt_image::schedule::ModelData;
use web_sys::Storage;

use crate::settings::Settings;

const SETTINGS: &str = "gpt-image-studio.settings";

fn durations_name(provider: Provider) -> String {
    format!("gpt-image-studio.durations.{}", provider.id())
}

/// How long jobs of `provider` took, as the client learned it in earlier sessions.
pub fn saved_durations(provider: Provider) -> Option<ModelData> {
    let text = local()?.get_item(&durations_name(provider)).ok()??;
    // Parsed by the core's parser (the browser's own on wasm32), then read field by field.
    ModelData::from_value(&gpt_image::json::parse(&text).ok()?)
}

/// Keeps what a client learned of `provider`'s job durations, so polling starts warm next
/// time (figures only: no prompt, key or job id).
pub fn save_durations(provider: Provider, data: &ModelData) {
    // Through a `Value`, written by the core's writer (see `saved_durations`).
    if let (Some(store), Ok(value)) = (local(), serde_json::to_value(data)) {
        let _ = store.set_item(&durations_name(provider), &gpt_image::json::to_text(&value));
    }
}

fn key_name(provider: Provider) -> String {
    format!("gpt-image-studio.key.{}", provider.id())
}

fn local() -> Option<Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session() -> Option<Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The saved settings text, if any.
pub fn saved_settings() -> Option<String> {
    local()?.get_item(SETTINGS).ok()?
}

/// Saves settings (which never hold a key).
pub fn save_settings(settings: &Settings) {
    if let Some(store) = local() {
        let _ = store.set_item(SETTINGS, &crate::stored::settings_to_json(settings));
    }
}

/// The stored key for `provider`: this tab's first, then this device's.
pub fn key(provider: Provider) -> Option<String> {
    let name = key_name(provider);
    [session(), local()]
        .into_iter()
        .flatten()
        .find_map(|s| s.get_item(&name).ok().flatten())
        .filter(|k| !k.is_empty())
}

/// Stores `key` in the place `remember` selects and removes it from the other.
pub fn save_key(provider: Provider, key: &str, remember: bool) {
    let name = key_name(provider);
    let (keep, drop) = if remember {
        (local(), session())
    } else {
        (session(), local())
    };
    if let Some(s) = drop {
        let _ = s.remove_item(&name);
    }
    if let Some(s) = keep {
        let _ = if key.is_empty() {
            s.remove_item(&name)
        } else {
            s.set_item(&name, key)
        };
    }
}

/// Removes the key for `provider` from both stores.
pub fn forget_key(provider: Provider) {
    let name = key_name(provider);
    for s in [session(), local()].into_iter().flatten() {
        let _ = s.remove_item(&name);
    }
}
