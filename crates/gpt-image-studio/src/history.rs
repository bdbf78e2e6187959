//! The history: one entry per job, from the moment it is sent until it is deleted, with the
//! search and filters of the gallery.
//!
//! Entries are what IndexedDB stores (`browser::db`). They hold everything needed to resume a
//! job after a reload (provider, base URL, job id, idempotency key) but never the API key.

use gpt_image::{JobStatus, Provider, Request};
use serde::{Deserialize, Serialize};

/// Where a job stands, as the studio tracks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Saved, submit not yet answered.
    Sending,
    /// Saved, held by the client until one of the account's running jobs ends (Apiframe's
    /// `maxConcurrentJobs`): not sent yet.
    Waiting,
    Queued,
    Processing,
    Completed,
    Failed,
    /// The user stopped waiting; the job may still finish at the provider.
    Stopped,
}

impl Status {
    /// The studio's status for a provider's job status.
    pub fn from_job(status: JobStatus) -> Self {
        match status {
            JobStatus::Queued => Status::Queued,
            JobStatus::Processing => Status::Processing,
            JobStatus::Completed => Status::Completed,
            JobStatus::Failed => Status::Failed,
        }
    }

    /// Whether the studio should be polling this job.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            Status::Sending | Status::Waiting | Status::Queued | Status::Processing
        )
    }

    /// Every status, in the order declared.
    pub const ALL: [Status; 7] = [
        Status::Sending,
        Status::Waiting,
        Status::Queued,
        Status::Processing,
        Status::Completed,
        Status::Failed,
        Status::Stopped,
    ];

    /// The name it is stored under (the serde name).
    pub fn id(self) -> &'static str {
        match self {
            Status::Sending => "sending",
            Status::Waiting => "waiting",
            Status::Queued => "queued",
            Status::Processing => "processing",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Stopped => "stopped",
        }
    }

    /// The status stored under `id`.
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The word shown on a card.
    pub fn label(self) -> &'static str {
        match self {
            Status::Sending => "Sending",
            Status::Waiting => "Queued: waiting for a free slot",
            Status::Queued => "Queued",
            Status::Processing => "Processing",
            Status::Completed => "Completed",
            Status::Failed => "Failed",
            Status::Stopped => "Stopped waiting",
        }
    }
}

/// One result image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedImage {
    /// Where the provider serves it (such URLs expire).
    pub url: String,
    /// Whether its bytes are in IndexedDB under [`image_key`].
    pub stored: bool,
    /// MIME type of the stored bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// Deleted by the user (its bytes are gone); kept as a gap so the other images keep
    /// their numbers and storage keys.
    #[serde(default, skip_serializing_if = "is_false")]
    pub removed: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One image of one entry: the entry's id and the image's index in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageRef {
    pub entry: String,
    pub index: usize,
}

/// One job and everything about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Local id, fixed before the submit is sent.
    pub id: String,
    pub provider: Provider,
    /// Where the requests went: the provider, the emulator or a proxy's `{proxy}/{provider}`.
    pub base_url: String,
    /// Sent through a proxy that adds the key: no key is needed to resume it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub via_proxy: bool,
    pub request: Request,
    /// The provider's job id, once the submit was answered.
    pub job_id: Option<String>,
    /// Apiframe: resubmitting with this key after a crash returns the same job, never a second.
    pub idempotency_key: Option<String>,
    pub status: Status,
    pub progress: Option<u8>,
    /// When (ms since the epoch) the latest progress figure was seen, for the ETA.
    #[serde(default)]
    pub progress_at: Option<f64>,
    /// Milliseconds since the Unix epoch.
    pub submitted_at: f64,
    pub finished_at: Option<f64>,
    pub credit_cost: Option<f64>,
    /// What went wrong, in plain words, with the provider's message.
    pub error: Option<String>,
    /// The error was the browser refusing a direct cross-origin call: the card offers the proxy.
    #[serde(default, skip_serializing_if = "is_false")]
    pub refused_by_browser: bool,
    pub images: Vec<SavedImage>,
}

impl Entry {
    /// The images still kept (not deleted), with their indexes.
    pub fn kept_images(&self) -> impl Iterator<Item = (usize, &SavedImage)> {
        self.images.iter().enumerate().filter(|(_, i)| !i.removed)
    }
}

/// The key an image's bytes are stored under.
pub fn image_key(entry_id: &str, index: usize) -> String {
    format!("{entry_id}/{index}")
}

/// Which entries the gallery shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Words that must all appear in the prompt or the job id (any case).
    pub query: String,
    pub provider: Option<Provider>,
    pub status: Option<StatusFilter>,
}

/// The gallery's status filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    Running,
    Completed,
    Failed,
}

impl StatusFilter {
    /// Every filter, in menu order.
    pub const ALL: [StatusFilter; 3] = [
        StatusFilter::Running,
        StatusFilter::Completed,
        StatusFilter::Failed,
    ];

    /// The value in the `<select>`.
    pub fn id(self) -> &'static str {
        match self {
            StatusFilter::Running => "running",
            StatusFilter::Completed => "completed",
            StatusFilter::Failed => "failed",
        }
    }

    /// Reads a `<select>` value.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.id() == s)
    }

    fn admits(self, status: Status) -> bool {
        match self {
            StatusFilter::Running => status.is_running() || status == Status::Stopped,
            StatusFilter::Completed => status == Status::Completed,
            StatusFilter::Failed => status == Status::Failed,
        }
    }
}

/// `text` in lower case, for a search that ignores case in every script. In the browser the
/// page's own `toLowerCase` does it: Rust's `str::to_lowercase` carries its Unicode table in
/// the wasm (7.8 KB of the first load, gzipped, measured).
fn lowercase(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::JsString::from(text).to_lower_case().into();
    #[cfg(not(target_arch = "wasm32"))]
    return text.to_lowercase();
}

impl Filter {
    /// Whether `entry` passes.
    pub fn admits(&self, entry: &Entry) -> bool {
        if self.provider.is_some_and(|p| p != entry.provider) {
            return false;
        }
        if self.status.is_some_and(|s| !s.admits(entry.status)) {
            return false;
        }
        if self.query.split_whitespace().next().is_none() {
            // No search: nothing to lower-case, neither the search nor each of the entries.
            return true;
        }
        let query = lowercase(&self.query);
        let mut words = query.split_whitespace();
        let haystack = lowercase(&format!(
            "{} {}",
            entry.request.prompt,
            entry.job_id.as_deref().unwrap_or("")
        ));
        words.all(|word| haystack.contains(word))
    }

    /// The entries that pass: running ones first, then newest first.
    pub fn apply<'a>(&self, entries: impl IntoIterator<Item = &'a Entry>) -> Vec<&'a Entry> {
        let mut out: Vec<&Entry> = entries.into_iter().filter(|e| self.admits(e)).collect();
        // Newest last in, so reversed they are nearly in order already.
        out.reverse();
        gpt_image::sort_small(&mut out, |a, b| {
            b.status
                .is_running()
                .cmp(&a.status.is_running())
                .then(b.submitted_at.total_cmp(&a.submitted_at))
                .is_lt()
        });
        out
    }

    /// Every kept image of the entries that pass, in gallery order (the full-size view moves
    /// through these).
    pub fn images<'a>(&self, entries: impl IntoIterator<Item = &'a Entry>) -> Vec<ImageRef> {
        self.apply(entries)
            .into_iter()
            .flat_map(|e| {
                e.kept_images().map(|(index, _)| ImageRef {
                    entry: e.id.clone(),
                    index,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, prompt: &str, provider: Provider, status: Status, at: f64) -> Entry {
        Entry {
            id: id.into(),
            provider,
            base_url: provider.default_base_url().into(),
            via_proxy: false,
            request: Request::new(prompt),
            job_id: Some(format!("job-{id}")),
            idempotency_key: None,
            status,
            progress: None,
            progress_at: None,
            submitted_at: at,
            finished_at: None,
            credit_cost: None,
            error: None,
            refused_by_browser: false,
            images: vec![],
        }
    }

    fn all() -> Vec<Entry> {
        vec![
            entry(
                "a",
                "Red fox in snow",
                Provider::Apiframe,
                Status::Completed,
                1.0,
            ),
            entry("b", "Blue whale", Provider::ApiInOne, Status::Failed, 3.0),
            entry(
                "c",
                "A fox, red, running",
                Provider::ApiInOne,
                Status::Processing,
                2.0,
            ),
        ]
    }

    fn ids(f: &Filter, e: &[Entry]) -> Vec<String> {
        f.apply(e).iter().map(|e| e.id.clone()).collect()
    }

    #[test]
    fn search_matches_every_word_in_any_order_and_case() {
        let e = all();
        let f = Filter {
            query: "FOX red".into(),
            ..Filter::default()
        };
        assert_eq!(ids(&f, &e), ["c", "a"]);
        let by_job = Filter {
            query: "job-b".into(),
            ..Filter::default()
        };
        assert_eq!(ids(&by_job, &e), ["b"]);
        // The running job leads, then the newest first.
        assert_eq!(ids(&Filter::default(), &e), ["c", "b", "a"]);
        let blank = Filter {
            query: "  ".into(),
            ..Filter::default()
        };
        assert_eq!(ids(&blank, &e), ["c", "b", "a"]);
    }

    #[test]
    fn filters_by_provider_and_status() {
        let e = all();
        let f = Filter {
            provider: Some(Provider::ApiInOne),
            ..Filter::default()
        };
        assert_eq!(ids(&f, &e), ["c", "b"]);
        let f = Filter {
            status: Some(StatusFilter::Running),
            ..Filter::default()
        };
        assert_eq!(ids(&f, &e), ["c"]);
        assert_eq!(StatusFilter::parse("failed"), Some(StatusFilter::Failed));
        assert_eq!(StatusFilter::parse(""), None);
    }

    #[test]
    fn the_full_size_view_moves_through_kept_images_in_gallery_order() {
        let mut e = all();
        let image = |removed| SavedImage {
            url: "https://x/a.png".into(),
            stored: false,
            mime: None,
            removed,
        };
        e[0].images = vec![image(false), image(true), image(false)];
        e[1].images = vec![image(false)];
        let refs: Vec<(String, usize)> = Filter::default()
            .images(&e)
            .into_iter()
            .map(|r| (r.entry, r.index))
            .collect();
        assert_eq!(refs, [("b".into(), 0), ("a".into(), 0), ("a".into(), 2)]);
    }

    #[test]
    fn entries_round_trip_as_json_without_any_key() {
        let e = entry("a", "fox", Provider::Apiframe, Status::Sending, 1.0);
        let text = serde_json::to_string(&e).unwrap();
        assert!(!text.contains("apiKey"));
        assert_eq!(serde_json::from_str::<Entry>(&text).unwrap(), e);
        assert!(Status::Sending.is_running() && !Status::Stopped.is_running());
        assert_eq!(image_key("a", 2), "a/2");
    }
}
