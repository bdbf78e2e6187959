//! Running jobs (wasm32 only): send, wait, resume after a reload, stop waiting, retry, and
//! keep the result bytes.
//!
//! The entry is saved before the submit leaves, so nothing is lost if the tab dies: on the
//! next start every running entry is resumed. An Apiframe submit that was never answered is
//! resent with its saved idempotency key (the same job, never a second charge); an API in One
//! submit cannot be made safe, so the studio says so instead of resending on its own.

use std::cell::{Cell, RefCell};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use gpt_image::{
    Client, ClientOptions, ConcurrencyLimit, Error, JobUpdate, Provider, Request, SubmitOptions,
    WaitOptions,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{AbortController, AbortSignal};

use crate::browser::{db, files, now_ms, storage};
use crate::cross_origin;
use crate::explain::{self, Place, explain};
use crate::history::{Entry, SavedImage, Status, image_key};
use crate::resubmit::{resubmit_after_ms, waiting_note};
use crate::state::Studio;

thread_local! {
    /// Abort handles of the waits in progress, each with its entry id (a list: see
    /// [`stop_waiting`]).
    static WAITING: RefCell<Vec<(String, AbortController)>> = const { RefCell::new(Vec::new()) };
    /// One client per connection for the page's life: its waits share Apiframe's job listing,
    /// its queue holds submits beyond the account's limit, and what it learns of job
    /// durations serves every later job.
    static CLIENTS: RefCell<Vec<(Connection, Rc<Client>)>> = const { RefCell::new(Vec::new()) };
}

/// Takes the abort handle of entry `id`'s wait out of [`WAITING`]. A list, not a map: a
/// search among a few hundred ids is quick, and a `HashMap` of its own cost about 1.2 KB of
/// the first load, gzipped.
fn stop_waiting(id: &str) -> Option<AbortController> {
    WAITING.with(|w| {
        let mut w = w.borrow_mut();
        let at = w.iter().position(|(known, _)| known == id)?;
        Some(w.swap_remove(at).1)
    })
}

/// Where a client sends its requests, and with which key (empty through a proxy). Held in
/// memory only, never shown.
#[derive(PartialEq)]
struct Connection {
    provider: Provider,
    base_url: String,
    via_proxy: bool,
    key: String,
}

/// The page's client for a connection: the one made earlier, or a new one (replacing the
/// connection's client with another key), warmed with the durations learned in earlier
/// sessions. Direct Apiframe clients hold submits beyond the account's `maxConcurrentJobs`.
fn client_for(connection: Connection) -> Result<Rc<Client>, Error> {
    let known = CLIENTS.with(|c| {
        c.borrow()
            .iter()
            .find(|(known, _)| *known == connection)
            .map(|(_, client)| client.clone())
    });
    if let Some(client) = known {
        return Ok(client);
    }
    let provider = connection.provider;
    let mut options = ClientOptions::new(provider).with_base_url(connection.base_url.clone());
    // The account's limit is read from Apiframe's `GET /v2/me`, which a proxy does not
    // forward: through a proxy, a 429 is waited out instead (see `resubmit`).
    if provider == Provider::Apiframe && !connection.via_proxy {
        options.max_concurrent_jobs = Some(ConcurrencyLimit::Account);
    }
    let config = if connection.via_proxy {
        // The proxy adds the key on the server: this page sends none.
        options.check(gpt_image::Runtime::Browser)
    } else {
        // "Direct, with my key" is a personal tool: the user enters their own key, on purpose.
        gpt_image::ApiKey::parse(provider, &connection.key).and_then(|key| {
            options
                .with_key(key)
                .dangerously_allow_browser()
                .check(gpt_image::Runtime::Browser)
        })
    }?;
    let client = Rc::new(Client::new(config));
    if let Some(learned) = storage::saved_durations(provider) {
        client.import_durations(&learned);
    }
    CLIENTS.with(|c| {
        let mut clients = c.borrow_mut();
        clients.retain(|(known, _)| {
            (known.provider, &known.base_url, known.via_proxy)
                != (provider, &connection.base_url, connection.via_proxy)
        });
        clients.push((connection, client.clone()));
    });
    Ok(client)
}

/// Sends a new job to `base_url` (through a proxy when `via_proxy`) and follows it.
pub fn send(
    studio: Studio,
    provider: Provider,
    base_url: String,
    via_proxy: bool,
    request: Request,
) {
    let idempotency_key = provider.capabilities().idempotency.then(gpt_image::new_id);
    let entry = Entry {
        id: gpt_image::new_id(),
        provider,
        base_url,
        via_proxy,
        request,
        job_id: None,
        idempotency_key,
        status: Status::Sending,
        progress: None,
        progress_at: None,
        submitted_at: now_ms(),
        finished_at: None,
        credit_cost: None,
        error: None,
        refused_by_browser: false,
        images: Vec::new(),
    };
    spawn_local(async move {
        let id = entry.id.clone();
        studio.add(entry).await;
        run(studio, id, false).await;
    });
}

/// Resumes every job that was running when the page last closed.
pub fn resume_all(studio: Studio) {
    let running: Vec<String> = studio.entries.with_untracked(|all| {
        all.iter()
            .filter_map(|e| e.with_untracked(|e| e.status.is_running().then(|| e.id.clone())))
            .collect()
    });
    for id in running {
        spawn_local(run(studio, id, true));
    }
}

/// Stops waiting for a job. The job itself goes on at the provider.
pub fn stop(studio: Studio, id: &str) {
    if let Some(controller) = stop_waiting(id) {
        controller.abort();
    }
    studio.update(id, |e| {
        if e.status.is_running() {
            e.status = Status::Stopped;
            e.error = None;
        }
    });
    studio.announce("Stopped waiting. The job may still finish at the provider.");
}

/// Waits for a stopped job again.
pub fn resume(studio: Studio, id: &str) {
    studio.update(id, |e| {
        e.status = if e.job_id.is_some() {
            Status::Queued
        } else {
            Status::Sending
        };
        e.error = None;
        e.refused_by_browser = false;
    });
    spawn_local(run(studio, id.to_owned(), false));
}

/// Tries again: a submit that never got a job id is resent as the same entry (with the same
/// idempotency key); otherwise a new job is sent with the same settings.
pub fn retry(studio: Studio, id: &str) {
    let Some(entry) = studio.entry(id) else {
        return;
    };
    if entry.job_id.is_none() {
        resume(studio, id);
    } else {
        send(
            studio,
            entry.provider,
            entry.base_url,
            entry.via_proxy,
            entry.request,
        );
    }
}

async fn run(studio: Studio, id: String, after_reload: bool) {
    let Some(entry) = studio.entry(&id) else {
        return;
    };
    let provider = entry.provider;
    let key = studio.key(provider);
    if key.is_empty() && !entry.via_proxy {
        studio.update(&id, |e| {
            e.status = Status::Stopped;
            e.error = Some(format!(
                "Paste your {} key in Settings, then resume: the job is kept.",
                provider.name()
            ));
        });
        return;
    }
    let connection = Connection {
        provider,
        base_url: entry.base_url.clone(),
        via_proxy: entry.via_proxy,
        key: if entry.via_proxy { String::new() } else { key },
    };
    let client = match client_for(connection) {
        Ok(client) => client,
        Err(error) => return fail(studio, &id, provider, &error, true),
    };
    let Ok(controller) = AbortController::new() else {
        return;
    };
    let signal = controller.signal();
    stop_waiting(&id);
    WAITING.with(|w| w.borrow_mut().push((id.clone(), controller)));

    let job_id = match entry.job_id.clone() {
        Some(job_id) => job_id,
        None if after_reload && entry.idempotency_key.is_none() => {
            stop_waiting(&id);
            studio.update(&id, |e| {
                e.status = Status::Failed;
                e.error = Some(format!(
                    "The page closed before {} confirmed this job, and it offers no way to resend safely: the task may exist. Check your dashboard before retrying.",
                    provider.name()
                ));
            });
            return;
        }
        None => {
            // Beyond the core's own retries, a refused submit (429: no job was made) waits its
            // turn, and one with an idempotency key is resent after a lost reply: see `resubmit`.
            let first_try = now_ms();
            let mut tries = 0;
            loop {
                if client.submit_would_wait() {
                    studio.update(&id, |e| e.status = Status::Waiting);
                }
                let submitted = client
                    .submit(
                        &entry.request,
                        SubmitOptions {
                            idempotency_key: entry.idempotency_key.clone(),
                            signal: Some(signal.clone()),
                        },
                    )
                    .await;
                let error = match submitted {
                    Ok(job) => {
                        studio.update(&id, |e| {
                            e.job_id = Some(job.id.clone());
                            e.status = Status::from_job(job.status);
                            e.error = None;
                        });
                        break job.id;
                    }
                    Err(error) => error,
                };
                // A bare network error from a direct call to another origin may be the browser
                // refusing it (no CORS): probe, and if so say so instead of sending again.
                if !entry.via_proxy
                    && suspected_refusal(&error, &entry.base_url)
                    && cross_origin::confirmed(files::probe(&entry.base_url).await)
                {
                    return fail_refused(studio, &id, provider, &error);
                }
                let waited = (now_ms() - first_try).max(0.0) as u64;
                let idempotent = entry.idempotency_key.is_some();
                let Some(delay) = resubmit_after_ms(&error, idempotent, tries, waited) else {
                    return fail(studio, &id, provider, &error, false);
                };
                let note = waiting_note(&error, provider, delay);
                studio.update(&id, |e| {
                    if e.status.is_running() {
                        e.error = Some(note);
                    }
                });
                gloo_timers::future::TimeoutFuture::new(delay.min(u64::from(u32::MAX)) as u32)
                    .await;
                if signal.aborted() {
                    return; // `stop` already recorded it.
                }
                tries += 1;
            }
        }
    };

    let mut on_update = |update: &JobUpdate| {
        let at = now_ms();
        studio.update(&id, |e| {
            if e.status.is_running() {
                e.status = Status::from_job(update.status);
            }
            if update.progress.is_some() && update.progress != e.progress {
                e.progress = update.progress;
                e.progress_at = Some(at);
            }
        });
    };
    let wait = client.wait(
        &job_id,
        WaitOptions {
            signal: None,
            timeout_ms: None,
            on_update: Some(&mut on_update),
        },
    );
    let waited = until_aborted(&signal, wait).await;
    stop_waiting(&id);
    match waited {
        Ok(generation) => {
            // One listing reply can end dozens of jobs at once: each shows and keeps its
            // images in a task of its own, so the page is never busy with all of them at once.
            gloo_timers::future::TimeoutFuture::new(0).await;
            let count = generation.images.len();
            studio.update(&id, |e| {
                e.status = Status::Completed;
                e.progress = Some(100);
                e.finished_at = Some(now_ms());
                e.credit_cost = generation.credit_cost;
                e.error = None;
                e.images = generation
                    .images
                    .iter()
                    .map(|i| SavedImage {
                        url: i.url.clone(),
                        stored: false,
                        mime: None,
                        removed: false,
                    })
                    .collect();
            });
            storage::save_durations(provider, &client.export_durations());
            let plural = if count == 1 { "image" } else { "images" };
            studio.announce(format!("Job finished: {count} {plural}."));
            keep_images(studio, &id).await;
        }
        Err(error) => fail(studio, &id, provider, &error, false),
    }
}

/// Runs `work` until `signal` aborts, then drops it (the core stops its timers and requests
/// when a wait is dropped) and returns [`Error::Aborted`]. One abort listener for the whole
/// wait: given the signal itself, the core adds and removes a listener around each of its
/// sleeps, and a wait that joins a listing under way sleeps every 20 ms; with 200 jobs that
/// was tens of thousands of listeners, and of `signal.aborted` calls, per run.
async fn until_aborted<T>(
    signal: &AbortSignal,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let aborted = Rc::new(Cell::new(signal.aborted()));
    let waker: Rc<RefCell<Option<Waker>>> = Rc::default();
    let on_abort = {
        let (aborted, waker) = (aborted.clone(), waker.clone());
        move || {
            aborted.set(true);
            if let Some(waker) = waker.borrow_mut().take() {
                waker.wake();
            }
        }
    };
    let _listening = gpt_image::AbortListener::new(signal, on_abort);
    let mut work = pin!(work);
    std::future::poll_fn(|cx| {
        if aborted.get() {
            return Poll::Ready(Err(Error::Aborted));
        }
        if let Poll::Ready(result) = work.as_mut().poll(cx) {
            return Poll::Ready(result);
        }
        *waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

/// Records an error on the entry (and on the key field when the key is the cause).
fn fail(studio: Studio, id: &str, provider: Provider, error: &Error, before_sending: bool) {
    stop_waiting(id);
    if matches!(error, Error::Aborted) {
        return; // `stop` already recorded it.
    }
    let explanation = explain(error, provider);
    record_failure(studio, id, error, explanation, before_sending, false);
}

/// Whether `error` from a direct call to `base_url` looks like the browser refusing it.
fn suspected_refusal(error: &Error, base_url: &str) -> bool {
    let window = web_sys::window();
    let page = window
        .as_ref()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let online = window.is_none_or(|w| w.navigator().on_line());
    cross_origin::refused_by_browser(error, &page, base_url, online)
}

/// Records a direct call the browser refused (confirmed by a probe): the provider does not
/// accept calls from web pages, and the card points to the proxy.
fn fail_refused(studio: Studio, id: &str, provider: Provider, error: &Error) {
    stop_waiting(id);
    let message = match error {
        Error::Network { message } => message.as_str(),
        _ => "",
    };
    let explanation = explain::refused_by_browser(provider, message);
    record_failure(studio, id, error, explanation, false, true);
}

/// Writes a failure onto the entry (and onto the key field when the key is the cause).
fn record_failure(
    studio: Studio,
    id: &str,
    error: &Error,
    explanation: crate::explain::Explanation,
    before_sending: bool,
    refused: bool,
) {
    if explanation.place == Place::Key {
        studio.key_error.set(Some(explanation.clone()));
    }
    // A job that exists and may still finish is "stopped", so it can be resumed.
    let may_finish = !before_sending
        && !matches!(error, Error::JobFailed { .. } | Error::Auth { .. })
        && studio.entry(id).is_some_and(|e| e.job_id.is_some());
    let text = explanation.text();
    studio.update(id, |e| {
        e.status = if may_finish {
            Status::Stopped
        } else {
            Status::Failed
        };
        e.finished_at = Some(now_ms());
        e.error = Some(text.clone());
        e.refused_by_browser = refused;
    });
    studio.announce(format!("Job problem: {}", explanation.headline));
}

/// Downloads and stores the result bytes, so history outlives expiring provider URLs.
async fn keep_images(studio: Studio, id: &str) {
    let Some(entry) = studio.entry(id) else {
        return;
    };
    for (i, image) in entry.images.iter().enumerate() {
        if crate::image_src::safe_image_src(&image.url).is_none() {
            continue;
        }
        let Ok(blob) = files::image_bytes(&image.url).await else {
            continue; // The provider URL still shows it; it just will not outlive the URL.
        };
        let key = image_key(id, i);
        if db::put_image(&key, &blob).await.is_err() {
            continue;
        }
        let mime = blob.type_();
        if let Some(url) = files::object_url(&blob) {
            studio.show_stored(id, i, url);
        }
        studio.update(id, |e| {
            if let Some(saved) = e.images.get_mut(i) {
                saved.stored = true;
                saved.mime = (!mime.is_empty()).then_some(mime);
            }
        });
    }
}
