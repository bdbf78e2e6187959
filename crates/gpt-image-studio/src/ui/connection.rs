//! The connection: a one-line summary in the header ("Apiframe · local emulator · demo key")
//! that opens the Settings dialog, where the user picks the provider and how to reach it:
//! directly with their own key (kept in this tab), or through their proxy, which holds the keys
//! on the server.

use gpt_image::Provider;
use leptos::prelude::*;

use crate::explain::PROXY_DOCS;
use crate::settings::{Route, key_problem};
use crate::state::Studio;
use crate::ui::{close_dialog, restore_focus, show_dialog};

/// The header's summary of the connection; opens Settings.
#[component]
pub fn Summary() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let text = move || {
        let key = studio
            .keys
            .with(|k| studio.settings.with(|s| k.get(s.provider).clone()));
        studio.settings.with(|s| s.summary(&key))
    };
    let trouble = move || studio.key_error.with(Option::is_some);
    view! {
        <button
            type="button"
            id="connection-summary"
            class="summary"
            class:trouble=trouble
            aria-haspopup="dialog"
            aria-controls="settings"
            on:click=move |_| show_dialog("settings")
        >
            <span class="summary-text">{text}</span>
            {move || trouble().then(|| view! { <span class="summary-alert">" · key problem"</span> })}
            <span class="summary-action">"Settings"</span>
        </button>
    }
}

/// The Settings dialog: provider, route, key or proxy URL, base URL, and how to run the proxy.
#[component]
pub fn Settings() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let provider = Memo::new(move |_| studio.settings.with(|s| s.provider));
    let route = Memo::new(move |_| studio.settings.with(|s| s.route));
    let shown = RwSignal::new(false);
    // Whether Settings has been opened (focus entered it). The key field gets its value only
    // then: the first time a page sets a password field's value, Chromium spends 5-12 ms on
    // it (its password manager wakes up), which made the start-up a long task.
    let opened = RwSignal::new(false);
    let key = move || studio.keys.with(|k| k.get(provider.get()).clone());
    let key_field = move || if opened.get() { key() } else { String::new() };
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
    let proxy_problem = move || {
        studio.settings.with(|s| {
            (s.route == Route::Proxy && !s.proxy_url.trim().is_empty())
                .then(|| s.proxy_url_problem())
                .flatten()
        })
    };

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
    let route_choice = move |value: Route, label: &'static str| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="route"
                    prop:checked=move || route.get() == value
                    on:change=move |_| {
                        studio.change_settings(|s| s.route = value);
                        studio.key_error.set(None);
                    }
                />
                {label}
            </label>
        }
    };

    view! {
        <dialog
            id="settings"
            class="dialog settings"
            aria-labelledby="settings-title"
            on:close=move |_| restore_focus()
            on:focusin=move |_| {
                if !opened.get_untracked() {
                    opened.set(true);
                }
            }
        >
            <div class="dialog-head">
                <h2 id="settings-title">"Connection"</h2>
                <button type="button" class="secondary" on:click=move |_| close_dialog("settings")>
                    "Done"
                </button>
            </div>
            {move || studio.notice.get().map(|n| view! { <p class="notice">{n}</p> })}
            // A form (never submitted) so the masked key field sits where browsers expect it.
            <form on:submit=|ev| ev.prevent_default()>
                <fieldset class="choices">
                    <legend>"Provider"</legend>
                    {providers}
                </fieldset>
                <fieldset class="choices">
                    <legend>"How the studio reaches it"</legend>
                    {route_choice(Route::Direct, "Direct, with my key")}
                    {route_choice(Route::Proxy, "Through a proxy")}
                </fieldset>
                <div class="route" hidden=move || route.get() != Route::Direct>
                    <p class="hint">
                        {move || format!(
                            "The studio calls {} from this page with your key. Fine for your own key on your own machine; in a page other people use, run the proxy instead.",
                            provider.get().name(),
                        )}
                    </p>
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
                            prop:value=key_field
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
                            format!("Kept {place}. It is sent only to the base URL below, never stored in the history.")
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
                        {move || format!(
                            "Empty means {}. Point it at the local emulator to try things out.",
                            provider.get().default_base_url(),
                        )}
                    </p>
                    <p id="base-url-error" class="error" role="alert">{base_problem}</p>
                </div>
                <div class="route" hidden=move || route.get() != Route::Proxy>
                    <label for="proxy-url">"Proxy URL"</label>
                    <input
                        id="proxy-url"
                        name="proxy-url"
                        type="url"
                        inputmode="url"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="https://app.example/api/gpt-image"
                        aria-describedby="proxy-url-hint proxy-url-error"
                        aria-invalid=move || proxy_problem().is_some().to_string()
                        prop:value=move || studio.settings.with(|s| s.proxy_url.clone())
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            studio.change_settings(|s| s.proxy_url = value);
                        }
                    />
                    <p id="proxy-url-hint" class="hint">
                        {move || format!(
                            "Your proxy's origin and base path. Requests go to {}; the proxy adds the key on the server, so this page holds none.",
                            studio.settings.with(|s| s.endpoint(s.provider)),
                        )}
                    </p>
                    <p id="proxy-url-error" class="error" role="alert">{proxy_problem}</p>
                </div>
            </form>
            <section id="proxy-help" class="proxy-help" aria-labelledby="proxy-help-title">
                <h3 id="proxy-help-title" tabindex="-1">"Run the proxy"</h3>
                <p>
                    "Most providers refuse calls from web pages, and a key in a page is visible to everyone who opens it. The proxy runs on your server, holds the keys and answers only your site's origin:"
                </p>
                <pre class="code" tabindex="0" aria-label="Proxy set-up"><code>{PROXY_SNIPPET}</code></pre>
                <p>
                    "Then choose “Through a proxy” above and enter its URL. "
                    <a href=PROXY_DOCS target="_blank" rel="noopener">"The proxy's documentation"</a>
                </p>
            </section>
        </dialog>
    }
}

/// The shortest proxy set-up, for the help section.
const PROXY_SNIPPET: &str = "npm i gpt-image-wasm

// server.js (Node)
import { createServer } from 'node:http';
import { createProxy } from 'gpt-image-wasm/proxy';

const proxy = await createProxy({
  keys: { apiframe: process.env.APIFRAME_KEY, apiinone: process.env.APIINONE_KEY },
  allowedOrigins: ['https://app.example'],
  basePath: '/api/gpt-image',
});
createServer((req, res) => proxy.node(req, res)).listen(8080);";
