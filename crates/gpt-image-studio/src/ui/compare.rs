//! Compare two images picked in the gallery: side by side, or one over the other with a
//! slider that moves the dividing line (keyboard: the slider's arrow keys).

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::Studio;
use crate::ui::image_actions::Picture;
use crate::ui::{close_dialog, restore_focus};

/// The compare dialog; its content follows [`Studio::comparing`].
#[component]
pub fn Compare() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let slider = RwSignal::new(false);
    let split = RwSignal::new(50u8);
    let stack = NodeRef::<Div>::new();
    // The split goes through a CSS custom property set with the CSSOM, which the page's
    // Content-Security-Policy allows (a `style` attribute it would refuse).
    Effect::new(move |_| {
        let at = split.get();
        if let Some(el) = stack.get() {
            let el: &web_sys::HtmlElement = el.unchecked_ref();
            let _ = el.style().set_property("--split", &format!("{at}%"));
        }
    });
    let caption = move |which: usize| {
        let pair = studio.comparing.get()?;
        let image = if which == 0 { pair.0 } else { pair.1 };
        studio.entry_signal(&image.entry)?.with(|e| {
            let prompt: String = e.request.prompt.chars().take(60).collect();
            Some(format!(
                "{} · image {} · {prompt}",
                e.provider.name(),
                image.index + 1
            ))
        })
    };
    let pictures = move || {
        let (a, b) = studio.comparing.get()?;
        Some((a, b))
    };
    view! {
        <dialog
            id="compare"
            class="dialog compare"
            aria-labelledby="compare-title"
            on:close=move |_| {
                studio.comparing.set(None);
                restore_focus();
            }
        >
            <div class="dialog-head">
                <h2 id="compare-title">"Compare"</h2>
                <fieldset class="choices">
                    <legend class="sr-only">"Layout"</legend>
                    <label class="choice">
                        <input type="radio" name="compare-mode" prop:checked=move || !slider.get() on:change=move |_| slider.set(false)/>
                        "Side by side"
                    </label>
                    <label class="choice">
                        <input type="radio" name="compare-mode" prop:checked=move || slider.get() on:change=move |_| slider.set(true)/>
                        "Slider"
                    </label>
                </fieldset>
                <button type="button" class="secondary" on:click=move |_| close_dialog("compare")>
                    "Close"
                </button>
            </div>
            {move || pictures().map(|(a, b)| {
                let (a2, b2) = (a.clone(), b.clone());
                view! {
                    <div class="compare-side" hidden=move || slider.get()>
                        <figure><Picture image=a/><figcaption>{move || caption(0)}</figcaption></figure>
                        <figure><Picture image=b/><figcaption>{move || caption(1)}</figcaption></figure>
                    </div>
                    <div class="compare-slide" hidden=move || !slider.get()>
                        <div class="compare-stack" node_ref=stack>
                            <Picture image=a2/>
                            <div class="compare-top"><Picture image=b2/></div>
                        </div>
                        <label for="compare-split">"Divider: left shows the first image, right the second"</label>
                        <input
                            id="compare-split"
                            type="range"
                            min="0"
                            max="100"
                            prop:value=move || split.get().to_string()
                            on:input=move |ev| split.set(event_target_value(&ev).parse().unwrap_or(50))
                        />
                    </div>
                }
            })}
        </dialog>
    }
}
