//! The studio's live state (wasm32 only): the signals every panel shares, and the changes that
//! must also be saved (settings and keys to Web Storage, entries to IndexedDB).
//!
//! Each history entry is a signal of its own, inside a list that changes only when an entry is
//! added or deleted: an update to one job wakes what shows that job, not every card. With one
//! signal for the whole history, each of 200 running jobs' updates re-ran all 200 cards.

use std::cell::RefCell;

use gpt_image::Provider;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{db, files, storage};
use crate::explain::Explanation;
use crate::history::{Entry, Filter, ImageRef, image_key};
use crate::image_src::safe_image_src;
use crate::settings::{PerProvider, Settings};

thread_local! {
    /// Entries changed since the last write, the latest version of each, in the order they
    /// first changed: written [`SAVE_CHUNK`] at a time, each chunk in one IndexedDB transaction
    /// and a task of its own (a listing reply updates up to 100 jobs in one go).
    static UNSAVED: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Entries written per IndexedDB transaction: a put costs about 0.15 ms of the page's main
/// thread and a transaction about 0.5 ms (Chromium, measured with 200 jobs running).
const SAVE_CHUNK: usize = 20;

/// One history entry, as a signal of its own (see the module's comment).
pub type EntrySignal = ArcRwSignal<Entry>;

/// Shared, copyable handle on the studio's state; provided as a Leptos context.
#[derive(Clone, Copy)]
pub struct Studio {
    pub settings: RwSignal<Settings>,
    /// Keys in memory, mirrored to Web Storage.
    pub keys: RwSignal<PerProvider<String>>,
    /// Every history entry (newest last; views sort). The list is tracked only by views that
    /// show several entries; change an entry through [`Studio::update`].
    pub entries: RwSignal<Vec<EntrySignal>>,
    /// The gallery's search and filters (the full-size view follows the same order).
    pub filter: RwSignal<Filter>,
    /// Images picked in the gallery, in the order they were picked.
    pub selected: RwSignal<Vec<ImageRef>>,
    /// The image open in the full-size view.
    pub viewing: RwSignal<Option<ImageRef>>,
    /// The two images open in the compare view.
    pub comparing: RwSignal<Option<(ImageRef, ImageRef)>>,
    /// Object URLs of stored image bytes, each with its [`image_key`]. Not tracked: whoever
    /// adds one notifies that entry's signal ([`Studio::show_stored`]), so only its pictures
    /// look again. A list, not a map: a search among a few hundred keys is quick, and a
    /// `HashMap` of its own cost about 1.2 KB of the first load, gzipped.
    object_urls: StoredValue<Vec<(String, String)>>,
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
            filter: RwSignal::new(Filter::default()),
            selected: RwSignal::new(Vec::new()),
            viewing: RwSignal::new(None),
            comparing: RwSignal::new(None),
            object_urls: StoredValue::new(Vec::new()),
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
        let mut change = Some(change);
        self.change_settings_with(&mut |s| {
            if let Some(change) = change.take() {
                change(s);
            }
        });
    }

    /// [`Studio::change_settings`] without generics: one copy of the signal update and the
    /// save in the wasm, whatever the caller's closure.
    fn change_settings_with(&self, change: &mut dyn FnMut(&mut Settings)) {
        self.settings.update(|s| change(s));
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

    /// One entry's signal, looked up without tracking the list: a view that reads it redraws
    /// when that entry changes, and for no other.
    pub fn entry_signal(&self, id: &str) -> Option<EntrySignal> {
        self.entries.with_untracked(|all| {
            all.iter()
                .find(|e| e.with_untracked(|e| e.id == id))
                .cloned()
        })
    }

    /// A copy of one entry (not tracked).
    pub fn entry(&self, id: &str) -> Option<Entry> {
        self.entry_signal(id).map(|e| e.get_untracked())
    }

    /// Runs `f` on every entry (newest last), tracking the list and each entry: for the views
    /// that show or sum up several entries.
    pub fn with_entries<R>(&self, f: impl FnOnce(&[&Entry]) -> R) -> R {
        self.entries.with(|all| {
            let read: Vec<_> = all.iter().map(|e| e.read()).collect();
            let entries: Vec<&Entry> = read.iter().map(|e| &**e).collect();
            f(&entries)
        })
    }

    /// Shows the history read from IndexedDB at start-up.
    pub fn load_history(&self, entries: Vec<Entry>) {
        self.entries
            .set(entries.into_iter().map(ArcRwSignal::new).collect());
    }

    /// Saves a new entry to IndexedDB first, then shows it.
    pub async fn add(&self, entry: Entry) {
        self.save(&entry).await;
        self.entries.update(|all| all.push(ArcRwSignal::new(entry)));
    }

    /// Writes one entry in a transaction of its own; says so when it cannot.
    async fn save(&self, entry: &Entry) {
        if let Err(problem) = db::put_entries(std::slice::from_ref(entry)).await {
            self.storage_problem.set(Some(format!(
                "This job is not saved across reloads: {problem}"
            )));
        }
    }

    /// Changes an entry and saves it.
    pub fn update(&self, id: &str, change: impl FnOnce(&mut Entry)) {
        let mut change = Some(change);
        self.update_with(id, &mut |e| {
            if let Some(change) = change.take() {
                change(e);
            }
        });
    }

    /// [`Studio::update`] without generics: one copy of the signal update and the save in
    /// the wasm, whatever the caller's closure. A change that leaves the entry as it was (a
    /// poll with the same progress) neither redraws nor saves anything.
    fn update_with(&self, id: &str, change: &mut dyn FnMut(&mut Entry)) {
        let Some(signal) = self.entry_signal(id) else {
            return;
        };
        let saved = signal
            .try_maybe_update(|e| {
                let before = e.clone();
                change(e);
                if *e == before {
                    (false, None)
                } else {
                    (
                        true,
                        Some((e.clone(), before.job_id.is_none() && e.job_id.is_some())),
                    )
                }
            })
            .flatten();
        match saved {
            Some((entry, true)) => self.save_now(entry),
            Some((entry, false)) => self.save_soon(entry),
            None => {}
        }
    }

    /// Writes `entry` at once, in a transaction begun before this task ends: the first version
    /// that carries its job id. That id is a paid job's only handle, and a reload the moment
    /// it shows must still find it; a batch would wait for a task of its own.
    fn save_now(&self, entry: Entry) {
        // A queued older version must not overwrite it.
        UNSAVED.with(|unsaved| unsaved.borrow_mut().retain(|e| e.id != entry.id));
        let studio = *self;
        spawn_local(async move { studio.save(&entry).await });
    }

    /// Queues `entry` for [`UNSAVED`]'s next write, starting one if none is pending. The write
    /// waits for a task of its own (after the updates that queued it), so the updates of one
    /// reply share it and none of them waits for it.
    fn save_soon(&self, entry: Entry) {
        let first = UNSAVED.with(|unsaved| {
            let mut unsaved = unsaved.borrow_mut();
            let first = unsaved.is_empty();
            match unsaved.iter_mut().find(|e| e.id == entry.id) {
                Some(older) => *older = entry,
                None => unsaved.push(entry),
            }
            first
        });
        if !first {
            return;
        }
        let studio = *self;
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(0).await;
                let chunk: Vec<Entry> = UNSAVED.with(|unsaved| {
                    let mut unsaved = unsaved.borrow_mut();
                    let n = unsaved.len().min(SAVE_CHUNK);
                    unsaved.drain(..n).collect()
                });
                if chunk.is_empty() {
                    break;
                }
                if let Err(problem) = db::put_entries(&chunk).await {
                    studio
                        .storage_problem
                        .set(Some(format!("The history could not be saved: {problem}")));
                }
            }
        });
    }

    /// Deletes an entry, its stored images and its object URLs.
    pub fn delete(&self, id: &str) {
        let prefix = format!("{id}/");
        self.object_urls.update_value(|urls| {
            urls.retain(|(k, url)| {
                let keep = !k.starts_with(&prefix);
                if !keep {
                    files::revoke(url);
                }
                keep
            })
        });
        self.entries
            .update(|all| all.retain(|e| e.with_untracked(|e| e.id != id)));
        // A write still queued must not bring it back.
        UNSAVED.with(|unsaved| unsaved.borrow_mut().retain(|e| e.id != id));
        self.selected.update(|s| s.retain(|r| r.entry != id));
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

    /// Deletes one image: the whole entry when it was its last kept image, else the image's
    /// bytes and object URL, leaving a gap so the others keep their numbers.
    pub fn delete_image(&self, image: &ImageRef) {
        let last = self
            .entry(&image.entry)
            .is_none_or(|e| e.kept_images().all(|(i, _)| i == image.index));
        if last {
            self.delete(&image.entry);
            return;
        }
        let key = image_key(&image.entry, image.index);
        if let Some(url) = self.object_url(&key) {
            files::revoke(&url);
            self.object_urls
                .update_value(|u| u.retain(|(k, _)| *k != key));
        }
        self.selected.update(|s| s.retain(|r| r != image));
        self.update(&image.entry, |e| {
            if let Some(saved) = e.images.get_mut(image.index) {
                saved.removed = true;
                saved.stored = false;
            }
        });
        let studio = *self;
        spawn_local(async move {
            if let Err(problem) = db::delete_image(&key).await {
                studio
                    .storage_problem
                    .set(Some(format!("The image could not be deleted: {problem}")));
            }
        });
    }

    /// The address to show image `index` of `entry` from, tracked on that entry: its stored
    /// bytes when kept, else the provider's URL when it is an allowed image source.
    pub fn image_src(&self, entry: &EntrySignal, index: usize) -> Option<String> {
        entry.with(|e| {
            let key = image_key(&e.id, index);
            if let Some(url) = self.object_url(&key) {
                return Some(url);
            }
            let saved = e.images.get(index)?;
            safe_image_src(&saved.url).map(str::to_owned)
        })
    }

    /// The object URL of the stored bytes under `key` ([`image_key`]), if made.
    fn object_url(&self, key: &str) -> Option<String> {
        self.object_urls
            .with_value(|u| u.iter().find(|(k, _)| k == key).map(|(_, url)| url.clone()))
    }

    /// Shows image `index` of entry `id` from its stored bytes at `url` (an object URL) from
    /// now on, and tells that entry's pictures.
    pub fn show_stored(&self, id: &str, index: usize, url: String) {
        let key = image_key(id, index);
        self.object_urls
            .update_value(|u| match u.iter_mut().find(|(k, _)| *k == key) {
                Some(known) => known.1 = url,
                None => u.push((key, url)),
            });
        if let Some(entry) = self.entry_signal(id) {
            entry.notify();
        }
    }

    /// The image's bytes: from IndexedDB when kept, else downloaded from its URL.
    pub async fn image_blob(&self, image: &ImageRef) -> Result<web_sys::Blob, String> {
        let key = image_key(&image.entry, image.index);
        if let Ok(Some(blob)) = db::image(&key).await {
            return Ok(blob);
        }
        let url = self
            .entry(&image.entry)
            .and_then(|e| e.images.get(image.index).map(|i| i.url.clone()))
            .ok_or("this image is no longer in the history")?;
        files::image_bytes(&url).await
    }

    /// Every kept image in gallery order (search and filters applied), tracked.
    pub fn gallery_images(&self) -> Vec<ImageRef> {
        let filter = self.filter.get();
        self.with_entries(|all| filter.images(all.iter().copied()))
    }

    /// Makes stored image bytes showable, once per image.
    pub async fn load_stored_images(&self, entry: &Entry) {
        for (i, image) in entry.kept_images() {
            let key = image_key(&entry.id, i);
            if !image.stored || self.object_url(&key).is_some() {
                continue;
            }
            if let Ok(Some(blob)) = db::image(&key).await
                && let Some(url) = files::object_url(&blob)
            {
                self.show_stored(&entry.id, i, url);
            }
        }
    }

    /// Tells screen-reader users what changed.
    pub fn announce(&self, text: impl Into<String>) {
        self.announcement.set(text.into());
    }
}
