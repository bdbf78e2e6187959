//! The Code panel: the exact submit request for the current form as cURL, JavaScript or
//! Python, key redacted unless revealed, with a copy button.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::files;
use crate::snippet::{self, Language};
use crate::state::Studio;

/// Language choice, reveal toggle, code and copy.
#[component]
pub fn Code() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let language = RwSignal::new(Language::Curl);
    let reveal = RwSignal::new(false);
    let copied = RwSignal::new(None::<&'static str>);
    let example_key = gpt_image::new_id();
    let code = Memo::new(move |_| {
        let (provider, base, request) = studio.settings.with(|s| {
            (
                s.provider,
                s.base_url(s.provider),
                s.form.to_request(s.provider),
            )
        });
        let key = studio.keys.with(|k| k.get(provider).clone());
        let idempotency = provider
            .capabilities()
            .idempotency
            .then_some(example_key.as_str());
        let http =
            snippet::submit_request(provider, &base, &key, reveal.get(), &request, idempotency);
        snippet::render(language.get(), &http)
    });
    let tabs = Language::ALL
        .into_iter()
        .map(|l| {
            view! {
                <label class="choice">
                    <input
                        type="radio"
                        name="code-language"
                        prop:checked=move || language.get() == l
                        on:change=move |_| language.set(l)
                    />
                    {l.label()}
                </label>
            }
        })
        .collect_view();
    view! {
        <details class="panel code-panel">
            <summary id="code-title">"Code for this request"</summary>
            <p class="hint">
                "The exact request the studio sends for this form, built by the same code. Apiframe jobs carry a fresh Idempotency-Key each time."
            </p>
            <fieldset class="choices">
                <legend>"Language"</legend>
                {tabs}
            </fieldset>
            <label class="check">
                <input
                    type="checkbox"
                    id="reveal-key"
                    prop:checked=move || reveal.get()
                    on:change=move |ev| reveal.set(event_target_checked(&ev))
                />
                "Reveal the key in the code"
            </label>
            <pre class="code" id="code-text" tabindex="0" aria-label="Request code"><code>{move || code.get()}</code></pre>
            <div class="actions">
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| {
                        let text = code.get_untracked();
                        spawn_local(async move {
                            copied.set(Some(if files::copy_text(&text).await { "Copied." } else {
                                "The browser refused the clipboard: select the code and copy it."
                            }));
                        });
                    }
                >
                    "Copy code"
                </button>
                <span role="status" class="hint">{move || copied.get()}</span>
            </div>
        </details>
    }
}
