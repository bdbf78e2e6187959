//! The Connection panel: provider, API key (masked, with show/hide, remember, forget) and the
//! base URL override.

use gpt_image::Provider;
use leptos::prelude::*;

use crate::settings::key_problem;
use crate::state::Studio;

/// Provider, key and base URL.
#[component]
pub fn Connection() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let provider = Memo::new(move |_| studio.settings.with(|s| s.provider));
    let shown = RwSignal::new(false);
    let key = move || studio.keys.with(|k| k.get(provider.get()).clone());
    let key_message = move || {
        if let Some(e) = studio.key_error.get() {
            return Some((e.headline, e.detail));
        }
        let k = key();
        if k.trim().is_empty() {
            return None; // the hint already asks for it
        }
        key_problem(provider.get(), &k).map(|p| (p, None))
    };
    let base_problem = move || studio.settings.with(|s| s.base_url_problem(s.provider));

    let providers = Provider::ALL
        .into_iter()
        .map(|p| {
            view! {
                <label class="choice">
                    <input
                        type="radio"
                        name="provider"
                        value=p.id()
                        prop:checked=move || provider.get() == p
                        on:change=move |_| {
                            studio
                                .change_settings(|s| {
                                    s.provider = p;
                                    s.form.adapt_to(p);
                                });
                            studio.key_error.set(None);
                        }
                    />
                    {p.name()}
                </label>
            }
        })
        .collect_view();

    view! {
        <section class="panel connection" aria-labelledby="connection-title">
            <h2 id="connection-title">"Connection"</h2>
            // A form (never submitted) so the masked key field sits where browsers expect it.
            <form on:submit=|ev| ev.prevent_default()>
            <fieldset class="providers">
                <legend>"Provider"</legend>
                {providers}
            </fieldset>
            <label for="api-key">{move || format!("{} API key", provider.get().name())}</label>
            <div class="row">
                <input
                    id="api-key"
                    name="api-key"
                    type=move || if shown.get() { "text" } else { "password" }
                    autocomplete="off"
                    spellcheck="false"
                    placeholder=move || format!("{}…", provider.get().key_prefix())
                    aria-describedby="api-key-hint api-key-error"
                    aria-invalid=move || key_message().is_some().to_string()
                    prop:value=key
                    on:input=move |ev| studio.set_key(provider.get_untracked(), event_target_value(&ev))
                />
                <button
                    type="button"
                    class="secondary"
                    aria-controls="api-key"
                    aria-pressed=move || shown.get().to_string()
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { "Hide key" } else { "Show key" }}
                </button>
            </div>
            <p id="api-key-hint" class="hint">
                {move || {
                    let place = if studio.settings.with(|s| s.remember_key) {
                        "on this device (localStorage) until you forget it"
                    } else {
                        "for this tab only (sessionStorage)"
                    };
                    format!(
                        "Kept {place}. It is sent only to the base URL below, never stored in the history.",
                    )
                }}
            </p>
            <div id="api-key-error" class="error" role="alert">
                {move || {
                    key_message()
                        .map(|(headline, detail)| {
                            view! {
                                <p>{headline}</p>
                                {detail.map(|d| view! { <p class="detail">{d}</p> })}
                            }
                        })
                }}
            </div>
            <div class="row">
                <label class="check">
                    <input
                        type="checkbox"
                        id="remember-key"
                        prop:checked=move || studio.settings.with(|s| s.remember_key)
                        on:change=move |ev| studio.set_remember(event_target_checked(&ev))
                    />
                    "Remember on this device"
                </label>
                <button
                    type="button"
                    class="secondary"
                    on:click=move |_| {
                        studio.forget_key(provider.get_untracked());
                        studio.announce("Key forgotten.");
                    }
                >
                    "Forget key"
                </button>
            </div>
            <label for="base-url">"Base URL"</label>
            <input
                id="base-url"
                name="base-url"
                type="url"
                inputmode="url"
                spellcheck="false"
                autocomplete="off"
                placeholder=move || provider.get().default_base_url()
                aria-describedby="base-url-hint base-url-error"
                aria-invalid=move || base_problem().is_some().to_string()
                prop:value=move || studio.settings.with(|s| s.base_urls.get(s.provider).clone())
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    studio.change_settings(|s| *s.base_urls.get_mut(s.provider) = value);
                }
            />
            <p id="base-url-hint" class="hint">
                {move || {
                    format!(
                        "Empty means {}. Point it at your proxy or the local emulator.",
                        provider.get().default_base_url(),
                    )
                }}
            </p>
            <p id="base-url-error" class="error" role="alert">
                {base_problem}
            </p>
            </form>
        </section>
    }
}
