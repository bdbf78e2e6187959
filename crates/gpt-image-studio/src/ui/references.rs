//! Reference images for edits: thumbnails with remove, added by URL or from a local file,
//! with the caveat that neither provider documents local files (data URLs).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::browser::files;
use crate::form::{Control, data_url_warning};
use crate::image_src::safe_image_src;
use crate::state::Studio;
use crate::ui::compose::shown_problem;

/// Reference images: add by URL or from a local file, remove, with the data-URL caveat.
#[component]
pub fn References() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let draft = RwSignal::new(String::new());
    let file_problem = RwSignal::new(None::<String>);
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
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        if !file.type_().starts_with("image/") {
            file_problem.set(Some(format!("{} is not an image.", file.name())));
            return;
        }
        file_problem.set(None);
        spawn_local(async move {
            match files::data_url(&file).await {
                Ok(url) => studio.change_settings(|s| s.form.references.push(url)),
                Err(e) => file_problem.set(Some(e)),
            }
        });
    };
    let rows = move || {
        let (provider, refs) = studio
            .settings
            .with(|s| (s.provider, s.form.references.clone()));
        refs.into_iter()
            .enumerate()
            .map(|(i, r)| {
                let warning = data_url_warning(provider, &r);
                let shown = if r.starts_with("data:") {
                    format!("Local file ({} KB as a data URL)", r.len() * 3 / 4 / 1024)
                } else {
                    r.clone()
                };
                let thumb = safe_image_src(&r).map(str::to_owned);
                view! {
                    <li class="reference">
                        {thumb.map(|src| view! { <img src=src alt="" width="48" height="48"/> })}
                        <span class="reference-text">{shown.clone()}</span>
                        <button
                            type="button"
                            class="secondary"
                            aria-label=format!("Remove reference {}", i + 1)
                            on:click=move |_| {
                                studio
                                    .change_settings(|s| {
                                        if i < s.form.references.len() {
                                            s.form.references.remove(i);
                                        }
                                    })
                            }
                        >
                            "Remove"
                        </button>
                        {warning.map(|w| view! { <p class="why">{w}</p> })}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <fieldset class="references">
            <legend>"Reference images (optional, for edits)"</legend>
            <ul class="reference-list">{rows}</ul>
            <div class="row">
                <label for="reference-url" class="sr-only">"Reference image URL"</label>
                <input
                    id="reference-url"
                    type="url"
                    inputmode="url"
                    placeholder="https://… image URL"
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
            <label class="file">
                "Add a local file: "
                <input type="file" accept="image/png,image/jpeg,image/webp" on:change=on_file/>
            </label>
            <p class="hint">
                "Neither provider documents local files (sent as data URLs): they may be refused. A public https URL always works."
            </p>
            <p id="reference-error" class="error" role="alert">
                {move || file_problem.get().or_else(problem)}
            </p>
        </fieldset>
    }
}
