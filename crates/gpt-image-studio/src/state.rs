//! The studio's live state (wasm32 only): the signals every panel shares, and the changes that
//! must also be saved (settings and keys to Web Storage, entries to IndexedDB).

use std::collections::HashMap;

use gpt_image::Provider;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{db, files, storage};
use crate::explain::Explanation;
use crate::history::{Entry, image_key};
use crate::settings::{PerProvider, Settings};

/// Shared, copyable handle on the studio's state; provided as a Leptos context.
#[derive(Clone, Copy)]
pub struct Studio {
    pub settings: RwSignal<Settings>,
    /// Keys in memory, mirrored to Web Storage.
    pub keys: RwSignal<PerProvider<String>>,
    /// Every history entry (newest last; views sort).
    pub entries: RwSignal<Vec<Entry>>,
    /// Ids of the jobs shown as cards: sent or resumed in this visit.
    pub cards: RwSignal<Vec<String>>,
    /// Object URLs of stored image bytes, by [`image_key`].
    pub object_urls: RwSignal<HashMap<String, String>>,
    /// The latest problem with the key, shown under the key field.
    pub key_error: RwSignal<Option<Explanation>>,
    /// A start-up note (e.g. "pointed at the emulator with demo keys").
    pub notice: RwSignal<Option<String>>,
    /// Set when history cannot be saved in this browser.
    pub storage_problem: RwSignal<Option<String>>,
    /// Whether the user tried to submit (so an empty prompt may now be flagged).
    pub submit_attempted: RwSignal<bool>,
    /// The clock, ticking while the page is open, for elapsed times and ETAs.
    pub now: RwSignal<f64>,
    /// Text for the polite live region (screen readers).
    pub announcement: RwSignal<String>,
}

impl Studio {
    /// Fresh state from `settings`.
    pub fn new(settings: Settings) -> Self {
        let keys = PerProvider {
            apiframe: storage::key(Provider::Apiframe).unwrap_or_default(),
            apiinone: storage::key(Provider::ApiInOne).unwrap_or_default(),
        };
        Studio {
            settings: RwSignal::new(settings),
            keys: RwSignal::new(keys),
            entries: RwSignal::new(Vec::new()),
            cards: RwSignal::new(Vec::new()),
            object_urls: RwSignal::new(HashMap::new()),
            key_error: RwSignal::new(None),
            notice: RwSignal::new(None),
            storage_problem: RwSignal::new(None),
            submit_attempted: RwSignal::new(false),
            now: RwSignal::new(crate::browser::now_ms()),
            announcement: RwSignal::new(String::new()),
        }
    }

    /// Changes the settings and saves them.
    pub fn change_settings(&self, change: impl FnOnce(&mut Settings)) {
        self.settings.update(change);
        self.settings.with_untracked(storage::save_settings);
    }

    /// The key for `provider` (not tracked).
    pub fn key(&self, provider: Provider) -> String {
        self.keys
            .with_untracked(|k| k.get(provider).trim().to_owned())
    }

    /// Sets and stores the key for `provider` where the "remember" choice says.
    pub fn set_key(&self, provider: Provider, key: String) {
        let remember = self.settings.with_untracked(|s| s.remember_key);
        storage::save_key(provider, key.trim(), remember);
        self.keys.update(|k| *k.get_mut(provider) = key);
        self.key_error.set(None);
    }

    /// Moves every key to `localStorage` (remember) or `sessionStorage`.
    pub fn set_remember(&self, remember: bool) {
        self.change_settings(|s| s.remember_key = remember);
        for p in Provider::ALL {
            let key = self.key(p);
            if !key.is_empty() {
                storage::save_key(p, &key, remember);
            }
        }
    }

    /// Removes the key for `provider` from memory and both stores.
    pub fn forget_key(&self, provider: Provider) {
        storage::forget_key(provider);
        self.keys.update(|k| k.get_mut(provider).clear());
    }

    /// A copy of one entry (not tracked).
    pub fn entry(&self, id: &str) -> Option<Entry> {
        self.entries
            .with_untracked(|all| all.iter().find(|e| e.id == id).cloned())
    }

    /// One entry, tracked: a view built on it redraws when that entry changes.
    pub fn watch_entry(&self, id: String) -> Memo<Option<Entry>> {
        let entries = self.entries;
        Memo::new(move |_| entries.with(|all| all.iter().find(|e| e.id == id).cloned()))
    }

    /// Saves a new entry to IndexedDB first, then shows it as a card.
    pub async fn add(&self, entry: Entry) {
        if let Err(problem) = db::put_entry(&entry).await {
            self.storage_problem.set(Some(format!(
                "This job is not saved across reloads: {problem}"
            )));
        }
        let id = entry.id.clone();
        self.entries.update(|all| all.push(entry));
        self.cards.update(|c| c.push(id));
    }

    /// Changes an entry and saves it.
    pub fn update(&self, id: &str, change: impl FnOnce(&mut Entry)) {
        let mut saved = None;
        self.entries.update(|all| {
            if let Some(e) = all.iter_mut().find(|e| e.id == id) {
                change(e);
                saved = Some(e.clone());
            }
        });
        if let Some(entry) = saved {
            let studio = *self;
            spawn_local(async move {
                if let Err(problem) = db::put_entry(&entry).await {
                    studio
                        .storage_problem
                        .set(Some(format!("The history could not be saved: {problem}")));
                }
            });
        }
    }

    /// Deletes an entry, its stored images and its object URLs.
    pub fn delete(&self, id: &str) {
        let prefix = format!("{id}/");
        self.object_urls.update(|urls| {
            urls.retain(|k, url| {
                let keep = !k.starts_with(&prefix);
                if !keep {
                    files::revoke(url);
                }
                keep
            })
        });
        self.entries.update(|all| all.retain(|e| e.id != id));
        self.cards.update(|c| c.retain(|c| c != id));
        let id = id.to_owned();
        let studio = *self;
        spawn_local(async move {
            if let Err(problem) = db::delete_entry(&id).await {
                studio
                    .storage_problem
                    .set(Some(format!("The entry could not be deleted: {problem}")));
            }
        });
    }

    /// Makes stored image bytes showable, once per image.
    pub async fn load_stored_images(&self, entry: &Entry) {
        for (i, image) in entry.images.iter().enumerate() {
            let key = image_key(&entry.id, i);
            if !image.stored || self.object_urls.with_untracked(|u| u.contains_key(&key)) {
                continue;
            }
            if let Ok(Some(blob)) = db::image(&key).await
                && let Some(url) = files::object_url(&blob)
            {
                self.object_urls.update(|u| {
                    u.insert(key, url);
                });
            }
        }
    }

    /// Tells screen-reader users what changed.
    pub fn announce(&self, text: impl Into<String>) {
        self.announcement.set(text.into());
    }
}
