//! The full-size view: a modal `<dialog>` over the page showing one image fitted to the window
//! or at 100 % (to check detail), moving through the gallery's images with the arrow keys.
//! Escape closes it and the focus goes back where it was. Download and "use as reference" are
//! here too.

use leptos::prelude::*;

use crate::history::ImageRef;
use crate::state::Studio;
use crate::ui::image_actions::{ImageActions, Picture, use_as_reference};
use crate::ui::{close_dialog, restore_focus};

/// Moves the view `step` images along the gallery (wrapping round).
fn step(studio: Studio, step: isize) {
    let all = untrack(|| studio.gallery_images());
    let Some(current) = studio.viewing.get_untracked() else {
        return;
    };
    if all.is_empty() {
        return;
    }
    let at = all.iter().position(|r| *r == current).unwrap_or(0) as isize;
    let len = all.len() as isize;
    let next = (at + step).rem_euclid(len) as usize;
    studio.viewing.set(all.get(next).cloned());
}

/// The dialog; its content follows [`Studio::viewing`].
#[component]
pub fn Viewer() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let actual = RwSignal::new(false);
    let position = move || {
        let current = studio.viewing.get()?;
        let all = studio.gallery_images();
        let at = all.iter().position(|r| *r == current)?;
        Some(format!("{} of {}", at + 1, all.len()))
    };
    let title = move || {
        let current = studio.viewing.get()?;
        studio.entry_signal(&current.entry)?.with(|e| {
            let prompt: String = e.request.prompt.chars().take(80).collect();
            Some(format!("Image {} · {prompt}", current.index + 1))
        })
    };
    let body = move || {
        let image: ImageRef = studio.viewing.get()?;
        let for_reference = image.clone();
        Some(view! {
            <div class="viewer-body" class:actual=move || actual.get() tabindex="0" aria-label="Image, scroll to see all of it at 100 %">
                <Picture image=image.clone()/>
            </div>
            <div class="viewer-foot">
                <ImageActions image=image without_reference=true/>
                <button
                    type="button"
                    class="primary"
                    on:click=move |_| {
                        use_as_reference(studio, &for_reference);
                        close_dialog("viewer");
                        crate::ui::focus("prompt");
                    }
                >
                    "Use as reference and edit"
                </button>
            </div>
        })
    };
    view! {
        <dialog
            id="viewer"
            class="dialog viewer"
            aria-labelledby="viewer-title"
            on:close=move |_| {
                studio.viewing.set(None);
                actual.set(false);
                restore_focus();
            }
            on:keydown=move |ev| match ev.key().as_str() {
                "ArrowRight" => {
                    ev.prevent_default();
                    step(studio, 1);
                }
                "ArrowLeft" => {
                    ev.prevent_default();
                    step(studio, -1);
                }
                _ => {}
            }
        >
            <div class="dialog-head">
                <h2 id="viewer-title">{title}</h2>
                <span class="hint" id="viewer-position">{position}</span>
                <div class="actions">
                    <button type="button" class="secondary" aria-label="Previous image" on:click=move |_| step(studio, -1)>
                        "←"
                    </button>
                    <button type="button" class="secondary" aria-label="Next image" on:click=move |_| step(studio, 1)>
                        "→"
                    </button>
                    <button
                        type="button"
                        class="secondary"
                        id="viewer-actual"
                        aria-pressed=move || actual.get().to_string()
                        on:click=move |_| actual.update(|a| *a = !*a)
                    >
                        {move || if actual.get() { "Fit to window" } else { "Actual size (100 %)" }}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| close_dialog("viewer")>
                        "Close"
                    </button>
                </div>
            </div>
            {body}
        </dialog>
    }
}
