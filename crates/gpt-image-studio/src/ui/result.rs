//! One result image: shown from its stored bytes when kept (else the provider URL, if it is
//! an allowed source), with open, download and "use as reference".

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::files;
use crate::download;
use crate::history::image_key;
use crate::image_src::safe_image_src;
use crate::state::Studio;

/// Image `index` of entry `entry_id`.
#[component]
pub fn ResultImage(entry_id: String, index: usize) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let key = image_key(&entry_id, index);
    let id = entry_id.clone();
    let info = Memo::new(move |_| {
        studio.entries.with(|all| {
            all.iter().find(|e| e.id == id).and_then(|e| {
                let image = e.images.get(index)?;
                let (w, h) = e
                    .request
                    .aspect_ratio
                    .unwrap_or(gpt_image::AspectRatio::Square)
                    .dimensions();
                Some((
                    image.url.clone(),
                    image.mime.clone(),
                    e.request.prompt.clone(),
                    e.request.output_format,
                    (w, h),
                ))
            })
        })
    });
    let src = Memo::new(move |_| {
        if let Some(url) = studio.object_urls.with(|u| u.get(&key).cloned()) {
            return Some(url);
        }
        info.with(|i| {
            i.as_ref()
                .and_then(|(url, ..)| safe_image_src(url).map(str::to_owned))
        })
    });
    let name = move || {
        info.with(|i| {
            i.as_ref().map(|(url, mime, prompt, format, _)| {
                download::file_name(
                    prompt,
                    index,
                    download::extension(mime.as_deref(), *format, url),
                )
            })
        })
        .unwrap_or_else(|| "image.png".into())
    };
    let problem = RwSignal::new(None::<String>);
    let number = index + 1;
    view! {
        <figure class="result">
            {move || match src.get() {
                Some(s) => {
                    let (w, h) = info.with(|i| i.as_ref().map(|i| i.4).unwrap_or((1024, 1024)));
                    let href = s.clone();
                    view! {
                        <a href=href target="_blank" rel="noopener" title="Open full size">
                            <img
                                src=s
                                alt=move || {
                                    info.with(|i| {
                                        format!(
                                            "Result {number}: {}",
                                            i.as_ref().map(|i| i.2.as_str()).unwrap_or(""),
                                        )
                                    })
                                }
                                width=w
                                height=h
                                loading="lazy"
                                decoding="async"
                            />
                        </a>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p class="why">"This image's address is not an allowed image source, so it is not shown."</p>
                    }
                        .into_any()
                }
            }}
            <figcaption class="result-actions">
                <a
                    class="button secondary"
                    href=move || src.get().unwrap_or_default()
                    target="_blank"
                    rel="noopener"
                    aria-label=format!("Open image {number} full size")
                >
                    "Open"
                </a>
                <button
                    type="button"
                    class="secondary"
                    aria-label=format!("Download image {number}")
                    on:click=move |_| {
                        let Some(s) = src.get_untracked() else { return };
                        let file = name();
                        spawn_local(async move {
                            problem.set(files::download(&s, &file).await.err());
                        });
                    }
                >
                    "Download"
                </button>
                <button
                    type="button"
                    class="secondary"
                    aria-label=format!("Use as reference (image {number})")
                    on:click=move |_| {
                        let Some(url) = info.with_untracked(|i| i.as_ref().map(|i| i.0.clone())) else {
                            return;
                        };
                        studio.change_settings(|s| s.form.references.push(url));
                        studio.announce("Added as a reference image. Describe the edit and generate.");
                        if let Some(el) = web_sys::window()
                            .and_then(|w| w.document())
                            .and_then(|d| d.get_element_by_id("prompt"))
                        {
                            use wasm_bindgen::JsCast;
                            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                                let _ = el.focus();
                            }
                        }
                    }
                >
                    "Use as reference"
                </button>
            </figcaption>
            {move || problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
        </figure>
    }
}
