//! Reference images for edits, the easy way: paste (Ctrl/⌘+V) or drop images onto the prompt,
//! or pick a file, or add a URL; thumbnails with remove. An image the provider cannot take is
//! refused with the reason ([`crate::reference::check`]); a large one can be scaled down in the
//! browser, once the user agrees.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{File, FileList, HtmlInputElement};

use crate::browser::{files, images};
use crate::form::{Control, data_url_warning};
use crate::image_src::safe_image_src;
use crate::reference::{self, Verdict};
use crate::state::Studio;
use crate::ui::compose::shown_problem;

/// Local images on their way in: the latest refusal, and the large ones waiting for the user
/// to agree to scaling (with the sentence that asks).
#[derive(Clone, Copy)]
pub struct Intake {
    problem: RwSignal<Option<String>>,
    offers: RwSignal<Vec<(File, String)>, LocalStorage>,
}

impl Intake {
    /// Nothing refused, nothing waiting.
    pub fn new() -> Self {
        Intake {
            problem: RwSignal::new(None),
            offers: RwSignal::new_local(Vec::new()),
        }
    }
}

fn list(files: Option<FileList>) -> Option<Vec<File>> {
    let files = files?;
    let all: Vec<File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
    (!all.is_empty()).then_some(all)
}

/// Whether a drag carries files (text being dragged is left to the textarea).
pub fn carries_files(ev: &web_sys::DragEvent) -> bool {
    ev.data_transfer().is_some_and(|d| {
        d.types()
            .iter()
            .any(|t| t.as_string().as_deref() == Some("Files"))
    })
}

/// The files of a drop, if any.
pub fn dropped_files(ev: &web_sys::DragEvent) -> Option<Vec<File>> {
    list(ev.data_transfer()?.files())
}

/// The files of a paste, if any (pasted text is left to the textarea).
pub fn pasted_files(ev: &web_sys::ClipboardEvent) -> Option<Vec<File>> {
    list(ev.clipboard_data()?.files())
}

fn add_data_url(studio: Studio, intake: Intake, blob: web_sys::Blob, name: String) {
    spawn_local(async move {
        match files::data_url(&blob).await {
            Ok(url) => {
                studio.change_settings(|s| s.form.references.push(url));
                studio.announce(format!("{name} added as a reference."));
            }
            Err(e) => intake.problem.set(Some(format!("{name}: {e}"))),
        }
    });
}

/// Takes local images in: each one added, refused with its reason, or offered scaling.
pub fn take(studio: Studio, intake: Intake, files: Vec<File>) {
    let provider = studio.settings.with_untracked(|s| s.provider);
    let mut refused = Vec::new();
    for file in files {
        let name = file.name();
        match reference::check(provider, &name, &file.type_(), file.size() as u64) {
            Verdict::Take => add_data_url(studio, intake, file.into(), name),
            Verdict::Refuse(why) => refused.push(why),
            Verdict::Shrink(ask) => intake.offers.update(|o| o.push((file, ask))),
        }
    }
    let problem = (!refused.is_empty()).then(|| refused.join(" "));
    if let Some(p) = &problem {
        studio.announce(format!("Not added: {p}"));
    }
    intake.problem.set(problem);
}

/// Scales the waiting image `index` down and adds it.
fn scale(studio: Studio, intake: Intake, index: usize) {
    let Some((file, _)) = intake.offers.with_untracked(|o| o.get(index).cloned()) else {
        return;
    };
    intake.offers.update(|o| {
        o.remove(index);
    });
    let name = file.name();
    spawn_local(async move {
        match images::scale_down(&file).await {
            Ok(small) => {
                let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
                add_data_url(studio, intake, small, format!("{stem}.webp"));
            }
            Err(e) => intake.problem.set(Some(format!("{name}: {e}"))),
        }
    });
}

/// Thumbnails of the references with remove, scaling offers, and the ways to add more.
#[component]
pub fn References() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let intake = expect_context::<Intake>();
    let draft = RwSignal::new(String::new());
    let problem = move || {
        studio
            .settings
            .with(|s| shown_problem(studio, s.provider, &s.form, Control::References))
    };
    let add_url = move || {
        let url = draft.get_untracked().trim().to_owned();
        if !url.is_empty() {
            studio.change_settings(|s| s.form.references.push(url));
            draft.set(String::new());
        }
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let picked = list(input.files());
        input.set_value("");
        if let Some(picked) = picked {
            take(studio, intake, picked);
        }
    };
    let thumbs = move || {
        let (provider, refs) = studio
            .settings
            .with(|s| (s.provider, s.form.references.clone()));
        refs.into_iter()
            .enumerate()
            .map(|(i, r)| {
                let warning = data_url_warning(provider, &r);
                let title = if r.starts_with("data:") {
                    format!("Local image ({} KB)", r.len() * 3 / 4 / 1024)
                } else {
                    r.clone()
                };
                let thumb = safe_image_src(&r).map(str::to_owned);
                view! {
                    <li class="reference" title=title.clone()>
                        {match thumb {
                            Some(src) => view! { <img src=src alt=format!("Reference {}", i + 1) width="64" height="64"/> }.into_any(),
                            None => view! { <span class="reference-text">{title.clone()}</span> }.into_any(),
                        }}
                        <button
                            type="button"
                            class="remove"
                            aria-label=format!("Remove reference {}", i + 1)
                            on:click=move |_| {
                                studio
                                    .change_settings(|s| {
                                        if i < s.form.references.len() {
                                            s.form.references.remove(i);
                                        }
                                    });
                                studio.announce(format!("Reference {} removed.", i + 1));
                            }
                        >
                            "×"
                        </button>
                        {warning.map(|w| view! { <span class="sr-only">{w}</span> })}
                    </li>
                }
            })
            .collect_view()
    };
    let any_local = move || {
        studio.settings.with(|s| {
            s.form
                .references
                .iter()
                .find_map(|r| data_url_warning(s.provider, r))
        })
    };
    let offers = move || {
        intake
            .offers
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, (_, ask))| {
                view! {
                    <div class="offer" role="group" aria-label="Scale this image down?">
                        <p>{ask}</p>
                        <button type="button" class="secondary" on:click=move |_| scale(studio, intake, i)>
                            "Scale down and add"
                        </button>
                        <button
                            type="button"
                            class="secondary"
                            on:click=move |_| {
                                intake.offers.update(|o| {
                                    if i < o.len() {
                                        o.remove(i);
                                    }
                                })
                            }
                        >
                            "Don't add"
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        <div class="references">
            <ul class="reference-list" aria-label="Reference images">{thumbs}</ul>
            {offers}
            <div class="reference-add">
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| {
                        if let Some(input) = web_sys::window()
                            .and_then(|w| w.document())
                            .and_then(|d| d.get_element_by_id("reference-file"))
                            .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                        {
                            input.click();
                        }
                    }
                >
                    "Add image…"
                </button>
                <input
                    id="reference-file"
                    hidden
                    type="file"
                    multiple
                    accept="image/png,image/jpeg,image/webp,image/gif"
                    aria-label="Reference images from files"
                    on:change=on_pick
                />
                <label for="reference-url" class="sr-only">"Reference image URL"</label>
                <input
                    id="reference-url"
                    type="url"
                    inputmode="url"
                    placeholder="or an image URL"
                    aria-describedby="reference-error"
                    aria-invalid=move || problem().is_some().to_string()
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.ctrl_key() && !ev.meta_key() {
                            ev.prevent_default();
                            add_url();
                        }
                    }
                />
                <button type="button" class="secondary" on:click=move |_| add_url()>
                    "Add URL"
                </button>
            </div>
            <p class="why">{any_local}</p>
            <p id="reference-error" class="error" role="alert">
                {move || intake.problem.get().or_else(problem)}
            </p>
        </div>
    }
}
