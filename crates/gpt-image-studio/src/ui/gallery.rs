//! The gallery: every job kept in this browser, running and queued ones first with their
//! progress and ETA, each with its images as a grid of thumbnails. Search and filters; pick
//! several images to download them as one ZIP, delete them, or compare two.

use gpt_image::schedule::ProgressSample;
use gpt_image::{PollSchedule, Provider};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{files, images, now_ms};
use crate::clock;
use crate::cost;
use crate::explain::PROXY_DOCS;
use crate::form::Form;
use crate::history::{Entry, ImageRef, Status, StatusFilter};
use crate::jobs;
use crate::state::Studio;
use crate::ui::image_actions::{Picture, file_name, ratio_class, view as open_view};
use crate::ui::show_dialog;
use crate::zip;

/// Where a job's actions are shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// The stage (the newest job): Stop, Retry or Run again, Delete.
    Stage,
    /// A gallery card: also Resume waiting and Load into form, and a Delete named by prompt.
    Gallery,
}

/// A job's buttons, one function for the stage and the gallery, so the wasm holds one copy.
pub fn job_actions(e: &Entry, place: In) -> AnyView {
    let studio = expect_context::<Studio>();
    let status = e.status;
    let running = status.is_running();
    let in_gallery = place == In::Gallery;
    let (stop_id, resume_id, retry_id, delete_id) =
        (e.id.clone(), e.id.clone(), e.id.clone(), e.id.clone());
    let load = in_gallery.then(|| (e.provider, e.request.clone()));
    let delete_label = in_gallery.then(|| {
        let prompt_short: String = e.request.prompt.chars().take(60).collect();
        format!("Delete “{prompt_short}”")
    });
    let deleted = if in_gallery {
        "Job deleted."
    } else {
        "Job and its images deleted."
    };
    view! {
        <div class="actions">
            {running
                .then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| jobs::stop(studio, &stop_id)>
                        "Stop waiting"
                    </button>
                })}
            {(in_gallery && status == Status::Stopped && e.job_id.is_some())
                .then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| jobs::resume(studio, &resume_id)>
                        "Resume waiting"
                    </button>
                })}
            {(!running)
                .then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| jobs::retry(studio, &retry_id)>
                        {if status == Status::Completed { "Run again" } else { "Retry" }}
                    </button>
                })}
            {load
                .map(|(provider, request)| view! {
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| {
                            studio.change_settings(|s| {
                                s.provider = provider;
                                s.form = Form::from_request(&request);
                            });
                            studio.announce("Settings loaded into the form.");
                            crate::ui::focus("prompt");
                        }
                    >
                        "Load into form"
                    </button>
                })}
            <button
                type="button"
                class="danger"
                aria-label=delete_label
                on:click=move |_| {
                    studio.delete(&delete_id);
                    studio.announce(deleted);
                }
            >
                "Delete"
            </button>
        </div>
    }
    .into_any()
}

/// Elapsed time and, while it runs, the ETA of `entry`. The clock (`now`) is read only while the
/// job has no end, so a finished job's view stops following it.
pub fn timing(entry: &Entry, now: impl FnOnce() -> f64) -> (String, Option<String>) {
    let end = entry.finished_at.unwrap_or_else(now);
    let elapsed = (end - entry.submitted_at).max(0.0);
    let eta = entry.status.is_running().then(|| {
        let caps = entry.provider.capabilities();
        let schedule = PollSchedule::for_typical_duration(caps.typical_duration_ms);
        let sample = match (entry.progress, entry.progress_at) {
            (Some(p), Some(at)) if p > 0 => Some(ProgressSample {
                percent: f64::from(p),
                at_ms: (at - entry.submitted_at).max(0.0) as u64,
            }),
            _ => None,
        };
        clock::eta(schedule.eta_ms(elapsed as u64, sample))
    });
    (clock::duration(elapsed), eta)
}

/// A job's error, with the way to the proxy when the browser refused a direct call.
pub fn job_error(e: &Entry) -> Option<AnyView> {
    let text = e.error.clone()?;
    let refused = e.refused_by_browser;
    Some(
        view! {
            <div class="error" role="alert">
                <p>{text}</p>
                {refused
                    .then(|| view! {
                        <p class="proxy-links">
                            <a
                                href="#proxy-help"
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    show_dialog("settings");
                                    crate::ui::focus("proxy-help-title");
                                }
                            >
                                "How to run the proxy"
                            </a>
                            " · "
                            <a href=PROXY_DOCS target="_blank" rel="noopener">"Proxy documentation"</a>
                        </p>
                    })}
            </div>
        }
        .into_any(),
    )
}

fn local_time(ms: f64) -> String {
    String::from(
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
            .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED),
    )
}

/// Downloads the selected images as one ZIP, each file stored as it is.
fn download_zip(studio: Studio, status: RwSignal<Option<String>>) {
    let picked = studio.selected.get_untracked();
    if picked.is_empty() {
        return;
    }
    status.set(Some(format!("Preparing {} images…", picked.len())));
    spawn_local(async move {
        let mut names = Vec::new();
        let mut contents = Vec::new();
        for image in &picked {
            let bytes = match studio.image_blob(image).await {
                Ok(blob) => images::bytes(&blob).await,
                Err(e) => Err(e),
            };
            match bytes {
                Ok(bytes) => {
                    names.push(file_name(studio, image));
                    contents.push(bytes);
                }
                Err(e) => {
                    status.set(Some(format!(
                        "Not downloaded: one image could not be read ({e})."
                    )));
                    return;
                }
            }
        }
        let files: Vec<(String, Vec<u8>)> =
            zip::unique_names(names).into_iter().zip(contents).collect();
        let saved = zip::store(&files, now_ms())
            .map_err(|e| e.to_string())
            .and_then(|archive| images::blob(&archive, "application/zip"))
            .and_then(|blob| {
                files::save(
                    &blob,
                    &format!("gpt-image-studio-{}-images.zip", files.len()),
                )
            });
        let text = match saved {
            Ok(()) => format!("{} images saved as one ZIP.", files.len()),
            Err(e) => format!("Not downloaded: {e}."),
        };
        studio.announce(text.clone());
        status.set(Some(text));
    });
}

/// Search, filters, the selection bar and the jobs.
#[component]
pub fn Gallery() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let status = RwSignal::new(None::<String>);
    // The jobs shown, in gallery order, as two lists: the running ones (which lead), then the
    // others. A job that ends leaves the first list and joins the second; in one list, the
    // keyed diff would move every card it passes, one DOM move each.
    let shown = Memo::new(move |_| {
        let filter = studio.filter.get();
        studio.with_entries(|all| {
            let order = filter.apply(all.iter().copied());
            let split = order.partition_point(|e| e.status.is_running());
            let ids = |part: &[&Entry]| part.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
            (ids(&order[..split]), ids(&order[split..]))
        })
    });
    let total = move || studio.entries.with(Vec::len);
    let picked = move || studio.selected.with(Vec::len);
    view! {
        <section class="panel gallery" aria-labelledby="gallery-title">
            <div class="gallery-head">
                <h2 id="gallery-title">"History"</h2>
                <p class="hint" id="history-count">
                    {move || format!("Showing {} of {} jobs kept in this browser.", shown.with(|(running, rest)| running.len() + rest.len()), total())}
                </p>
            </div>
            <div class="filters">
                <div class="field">
                    <label for="history-search">"Search prompts and job ids"</label>
                    <input
                        id="history-search"
                        type="search"
                        prop:value=move || studio.filter.with(|f| f.query.clone())
                        on:input=move |ev| {
                            let q = event_target_value(&ev);
                            studio.filter.update(|f| f.query = q);
                        }
                    />
                </div>
                <div class="field">
                    <label for="history-provider">"Provider"</label>
                    <select
                        id="history-provider"
                        on:change=move |ev| {
                            let p = event_target_value(&ev).parse::<Provider>().ok();
                            studio.filter.update(|f| f.provider = p);
                        }
                    >
                        <option value="">"All providers"</option>
                        {Provider::ALL
                            .into_iter()
                            .map(|p| view! { <option value=p.id()>{p.name()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="history-status">"Status"</label>
                    <select
                        id="history-status"
                        on:change=move |ev| {
                            let s = StatusFilter::parse(&event_target_value(&ev));
                            studio.filter.update(|f| f.status = s);
                        }
                    >
                        <option value="">"Any status"</option>
                        <option value="running">"Running or stopped"</option>
                        <option value="completed">"Completed"</option>
                        <option value="failed">"Failed"</option>
                    </select>
                </div>
            </div>
            <div class="selection" role="toolbar" aria-label="Selected images" hidden=move || picked() == 0>
                <span class="selection-count">
                    {move || match picked() {
                        1 => "1 image selected".to_string(),
                        n => format!("{n} images selected"),
                    }}
                </span>
                <button type="button" class="secondary" on:click=move |_| download_zip(studio, status)>
                    "Download ZIP"
                </button>
                <button
                    type="button"
                    class="secondary"
                    disabled=move || picked() != 2
                    title="Pick exactly two images to compare them"
                    on:click=move |_| {
                        let two = studio.selected.get_untracked();
                        if let [a, b] = two.as_slice() {
                            studio.comparing.set(Some((a.clone(), b.clone())));
                            show_dialog("compare");
                        }
                    }
                >
                    "Compare"
                </button>
                <button
                    type="button"
                    class="danger"
                    on:click=move |_| {
                        let all = studio.selected.get_untracked();
                        let n = all.len();
                        let mut sorted = all;
                        // Highest index first, so deleting one never renumbers another.
                        gpt_image::sort_small(&mut sorted, |a, b| a.index > b.index);
                        for image in &sorted {
                            studio.delete_image(image);
                        }
                        studio.selected.set(Vec::new());
                        let text = format!("{n} images deleted.");
                        studio.announce(text.clone());
                        status.set(Some(text));
                    }
                >
                    "Delete"
                </button>
                <button type="button" class="secondary" on:click=move |_| studio.selected.set(Vec::new())>
                    "Clear selection"
                </button>
            </div>
            <p class="hint" role="status">{move || status.get()}</p>
            <Show
                when=move || { total() > 0 }
                fallback=|| view! { <p class="empty">"No jobs yet. Describe an image and press Generate."</p> }
            >
                <ol class="jobs">
                    <For each=move || shown.with(|s| s.0.clone()) key=|id| id.clone() let:id>
                        <Job id=id/>
                    </For>
                    <For each=move || shown.with(|s| s.1.clone()) key=|id| id.clone() let:id>
                        <Job id=id/>
                    </For>
                </ol>
            </Show>
        </section>
    }
}

/// One job: status, progress and ETA while it runs, its thumbnails and its actions. Built once:
/// each part follows only what it shows of the entry, so a progress figure sets one value
/// instead of rebuilding the card (with 200 jobs running, rebuilding whole cards was most of
/// each update's script time).
#[component]
fn Job(id: String) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let entry = RwSignal::from(studio.entry_signal(&id)?);
    // What never changes once a job is sent.
    let e = entry.get_untracked();
    let provider = e.provider;
    let prompt = e.request.prompt.clone();
    let prompt_short: String = prompt.chars().take(60).collect();
    let ratio = ratio_class(
        e.request
            .aspect_ratio
            .unwrap_or(gpt_image::AspectRatio::Square),
    );
    let pending = usize::from(e.request.n.unwrap_or(1).max(1));
    let sent = format!(" · {}", local_time(e.submitted_at));
    let heading = format!("job-{id}");

    let status = Memo::new(move |_| entry.with(|e| e.status));
    let progress = Memo::new(move |_| entry.with(|e| e.progress));
    // Boxes while it runs and has no image yet, else the kept images' indexes.
    let thumbs = Memo::new(move |_| {
        entry.with(|e| {
            if e.images.is_empty() && e.status.is_running() {
                Err(pending)
            } else {
                Ok(e.kept_images().map(|(i, _)| i).collect::<Vec<_>>())
            }
        })
    });
    let error = Memo::new(move |_| entry.with(|e| (e.error.clone(), e.refused_by_browser)));
    let actions = Memo::new(move |_| entry.with(|e| (e.status, e.job_id.is_some())));

    let thumbs = move || match thumbs.get() {
        Err(pending) => (0..pending)
            .map(|_| view! { <li class=format!("thumb pending {ratio}") aria-hidden="true"></li> })
            .collect_view()
            .into_any(),
        Ok(kept) => kept
            .into_iter()
            .map(|index| {
                let image = ImageRef {
                    entry: id.clone(),
                    index,
                };
                let (open, check) = (image.clone(), image.clone());
                let checked = image.clone();
                let number = index + 1;
                view! {
                    <li class=format!("thumb {ratio}")>
                        <button
                            type="button"
                            class="thumb-open"
                            aria-label=format!("View image {number} of “{prompt_short}” full size")
                            on:click=move |_| open_view(studio, open.clone())
                        >
                            <Picture image=image/>
                        </button>
                        <input
                            type="checkbox"
                            class="thumb-pick"
                            aria-label=format!("Select image {number} of “{prompt_short}”")
                            prop:checked=move || studio.selected.with(|s| s.contains(&checked))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                let image = check.clone();
                                studio.selected.update(|s| {
                                    s.retain(|r| *r != image);
                                    if on {
                                        s.push(image);
                                    }
                                });
                            }
                        />
                    </li>
                }
            })
            .collect_view()
            .into_any(),
    };
    let meta = move || {
        entry.with(|e| {
            let mut line = e
                .job_id
                .as_ref()
                .map_or_else(|| "Not yet accepted".into(), |j| format!("Job {j}"));
            if let Some(c) = e.credit_cost {
                line.push_str(&format!(" · {} credits charged", cost::credits(c)));
            }
            line.push_str(&sent);
            let kept = e.kept_images().count();
            if kept > 0 {
                let stored = e.kept_images().filter(|(_, i)| i.stored).count();
                line.push_str(&format!(" · {stored} of {kept} kept offline"));
            }
            line
        })
    };
    let elapsed = move || {
        entry.with(|e| {
            let (elapsed, eta) = timing(e, || studio.now.get());
            match eta {
                Some(eta) => format!("{elapsed} · {eta}"),
                None => elapsed,
            }
        })
    };
    Some(view! {
        <li class="job" data-provider=provider.id() data-status=move || status.get().label()>
            <article
                class=move || format!("job-card status-{}", status.get().label().to_ascii_lowercase().replace(' ', "-"))
                aria-labelledby=heading
                data-status=move || status.get().label()
            >
                <div class="job-head">
                    <h3 id=heading.clone() class="job-title">
                        <span class="badge">{move || status.get().label()}</span>
                        " "
                        <span class="provider">{provider.name()}</span>
                    </h3>
                    <span class="elapsed">{elapsed}</span>
                </div>
                <p class="job-prompt">{prompt}</p>
                {move || {
                    status
                        .get()
                        .is_running()
                        .then(|| view! {
                            <progress
                                max="100"
                                value=move || progress.get().map(|p| p.to_string())
                                aria-label=format!("Progress of this {} job", provider.name())
                            ></progress>
                        })
                }}
                <p class="meta">{meta}</p>
                // Reading the memo (not only tracking it) runs it, so it follows the entry.
                {move || error.with(|_| entry.with_untracked(job_error))}
                <ul class="thumbs">{thumbs}</ul>
                {move || actions.with(|_| entry.with_untracked(|e| job_actions(e, In::Gallery)))}
            </article>
        </li>
    })
}
