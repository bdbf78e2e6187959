//! The stage: the newest job, large. While it runs, its box is already the size the image will
//! have (reserved from the aspect ratio), with progress and ETA in it, so nothing moves when
//! the image arrives. Then the image with its actions: download, copy, use as reference, run
//! again, delete. Clicking the image opens the full-size view.

use leptos::prelude::*;

use crate::history::ImageRef;
use crate::state::Studio;
use crate::ui::gallery::{In, job_actions, job_error, timing};
use crate::ui::image_actions::{ImageActions, Picture, ratio_class, view as open_view};

/// The newest job, or a placeholder of the form's shape before the first one.
#[component]
pub fn Stage() -> impl IntoView {
    let studio = expect_context::<Studio>();
    // Only the list is tracked: an entry's `submitted_at` never changes once it is sent.
    let newest = Memo::new(move |_| {
        studio.entries.with(|all| {
            all.iter()
                .map(|e| e.with_untracked(|e| (e.submitted_at, e.id.clone())))
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, id)| id)
        })
    });
    view! {
        <section class="stage" aria-labelledby="stage-title">
            <h2 id="stage-title" class="sr-only">"Latest result"</h2>
            {move || match newest.get() {
                Some(id) => view! { <Newest id=id/> }.into_any(),
                None => {
                    let ratio = studio.settings.with(|s| s.form.aspect_ratio);
                    view! {
                        <div class=format!("frame empty-frame {}", ratio_class(ratio))>
                            <p>"Your image appears here. Describe it and press Generate."</p>
                        </div>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// The newest job: its reserved boxes or its images, and its actions. Laid out again only when
/// what it lays out changes; the progress and the times update in place.
#[component]
fn Newest(id: String) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let entry = RwSignal::from(studio.entry_signal(&id)?);
    let shape = Memo::new(move |_| {
        entry.with(|e| {
            (
                e.status,
                e.images.len(),
                e.kept_images().map(|(i, _)| i).collect::<Vec<_>>(),
                e.error.clone(),
                e.refused_by_browser,
                e.job_id.is_some(),
            )
        })
    });
    let progress = Memo::new(move |_| entry.with(|e| e.progress));
    let note = move || {
        entry.with(|e| {
            let (elapsed, eta) = timing(e, || studio.now.get());
            match eta {
                Some(eta) => format!("{} · {elapsed} · {eta}", e.status.label()),
                None => format!("{} · {elapsed}", e.status.label()),
            }
        })
    };
    Some(move || {
        // Read, not only tracked: a memo runs (and so follows the entry) only once read.
        shape.with(|_| ());
        let e = entry.get_untracked();
        let ratio = ratio_class(
            e.request
                .aspect_ratio
                .unwrap_or(gpt_image::AspectRatio::Square),
        );
        let running = e.status.is_running();
        let count = if e.images.is_empty() {
            usize::from(e.request.n.unwrap_or(1).max(1))
        } else {
            e.kept_images().count().max(1)
        };
        let several = count > 1;
        let frames = if e.images.is_empty() {
            (0..count)
                .map(|i| {
                    let error = (!running && i == 0).then(|| job_error(&e)).flatten();
                    view! {
                        <figure class="shot">
                            <div class=format!("frame {ratio}") class:working=running>
                                <div class="frame-status">
                                    <p class="frame-note">{note}</p>
                                    {running
                                        .then(|| view! {
                                            <progress max="100" value=move || progress.get().map(|p| p.to_string()) aria-label="Progress of the newest job"></progress>
                                        })}
                                    {error}
                                </div>
                            </div>
                            <figcaption class="image-actions"></figcaption>
                        </figure>
                    }
                })
                .collect_view()
                .into_any()
        } else {
            e.kept_images()
                .map(|(index, _)| {
                    let image = ImageRef {
                        entry: e.id.clone(),
                        index,
                    };
                    let open = image.clone();
                    view! {
                        <figure class="shot">
                            <button
                                type="button"
                                class=format!("frame {ratio}")
                                aria-label=format!("View image {} full size", index + 1)
                                on:click=move |_| open_view(studio, open.clone())
                            >
                                <Picture image=image.clone()/>
                            </button>
                            <figcaption>
                                <ImageActions image=image/>
                            </figcaption>
                        </figure>
                    }
                })
                .collect_view()
                .into_any()
        };
        let status = e.status;
        view! {
            <div class="stage-job" data-status=status.label()>
                <div class="stage-frames" class:several=several>{frames}</div>
                <div class="stage-bar">
                    <p class="stage-prompt">{e.request.prompt.clone()}</p>
                    {job_actions(&e, In::Stage)}
                </div>
            </div>
        }
    })
}
