//! The History panel: every job ever kept in this browser, searchable and filterable by
//! provider and status, each re-runnable, loadable into the form and deletable.

use gpt_image::Provider;
use leptos::prelude::*;

use crate::cost;
use crate::form::Form;
use crate::history::{Filter, StatusFilter};
use crate::jobs;
use crate::state::Studio;
use crate::ui::result::ResultImage;

fn local_time(ms: f64) -> String {
    String::from(
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
            .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED),
    )
}

/// Search, filters and the entries.
#[component]
pub fn Gallery() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let query = RwSignal::new(String::new());
    let provider = RwSignal::new(None::<Provider>);
    let status = RwSignal::new(None::<StatusFilter>);
    let shown = Memo::new(move |_| {
        let filter = Filter {
            query: query.get(),
            provider: provider.get(),
            status: status.get(),
        };
        studio.entries.with(|all| {
            filter
                .apply(all)
                .into_iter()
                .map(|e| e.id.clone())
                .collect::<Vec<_>>()
        })
    });
    let total = move || studio.entries.with(Vec::len);
    view! {
        <section class="panel gallery" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <div class="filters">
                <div class="field">
                    <label for="history-search">"Search prompts and job ids"</label>
                    <input
                        id="history-search"
                        type="search"
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for="history-provider">"Provider"</label>
                    <select
                        id="history-provider"
                        on:change=move |ev| provider.set(event_target_value(&ev).parse().ok())
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
                        on:change=move |ev| status.set(StatusFilter::parse(&event_target_value(&ev)))
                    >
                        <option value="">"Any status"</option>
                        <option value="running">"Running or stopped"</option>
                        <option value="completed">"Completed"</option>
                        <option value="failed">"Failed"</option>
                    </select>
                </div>
            </div>
            <p class="hint" id="history-count">
                {move || format!("Showing {} of {} kept in this browser.", shown.with(Vec::len), total())}
            </p>
            <ul class="history">
                <For each=move || shown.get() key=|id| id.clone() let:id>
                    <HistoryEntry id=id/>
                </For>
            </ul>
        </section>
    }
}

/// One entry of the history.
#[component]
fn HistoryEntry(id: String) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let entry = studio.watch_entry(id.clone());
    move || {
        let e = entry.get()?;
        let id = e.id.clone();
        let images = (0..e.images.len())
            .map(|i| view! { <ResultImage entry_id=id.clone() index=i/> })
            .collect_view();
        let (rerun, load, delete) = (e.clone(), e.clone(), id.clone());
        let stored = e.images.iter().filter(|i| i.stored).count();
        Some(view! {
            <li class="entry" data-provider=e.provider.id() data-status=e.status.label()>
                <p class="entry-prompt">{e.request.prompt.clone()}</p>
                <p class="meta">
                    {format!(
                        "{} · {} · {}",
                        e.provider.name(),
                        e.status.label(),
                        local_time(e.submitted_at),
                    )}
                    {e.job_id.clone().map(|j| format!(" · job {j}"))}
                    {e.credit_cost.map(|c| format!(" · {} credits", cost::credits(c)))}
                    {(!e.images.is_empty())
                        .then(|| format!(" · {stored} of {} images kept offline", e.images.len()))}
                </p>
                {e.error.clone().map(|err| view! { <p class="error">{err}</p> })}
                <div class="results">{images}</div>
                <div class="actions">
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| {
                            jobs::send(studio, rerun.provider, rerun.base_url.clone(), rerun.request.clone())
                        }
                    >
                        "Re-run"
                    </button>
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| {
                            studio
                                .change_settings(|s| {
                                    s.provider = load.provider;
                                    s.form = Form::from_request(&load.request);
                                });
                            studio.announce("Settings loaded into the form.");
                        }
                    >
                        "Load into form"
                    </button>
                    <button
                        type="button"
                        class="danger"
                        aria-label=format!("Delete “{}”", e.request.prompt.chars().take(40).collect::<String>())
                        on:click=move |_| {
                            studio.delete(&delete);
                            studio.announce("Entry deleted.");
                        }
                    >
                        "Delete"
                    </button>
                </div>
            </li>
        })
    }
}
