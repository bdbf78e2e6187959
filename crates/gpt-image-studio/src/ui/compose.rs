//! The Compose panel: the prompt with its counter, the options row, reference images, the cost
//! estimate and the Generate button. Problems are caught here, next to their control, before
//! anything is sent.

use gpt_image::Provider;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::cost;
use crate::explain::{Explanation, Place};
use crate::form::{Control, Form};
use crate::settings::key_problem;
use crate::state::Studio;
use crate::ui::options::Options;
use crate::ui::references::References;

/// The element id of each control, for labels and focus.
pub(super) fn control_id(control: Control) -> &'static str {
    match control {
        Control::Prompt => "prompt",
        Control::Quality => "quality",
        Control::AspectRatio => "aspect-ratio",
        Control::Background => "background",
        Control::Count => "count",
        Control::OutputFormat => "output-format",
        Control::InputFidelity => "input-fidelity",
        Control::References => "reference-url",
    }
}

pub(super) fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The problem to show under `control` now: prompt length problems only once the user tried
/// to send or went over the limit, so an empty box is not an error.
pub(super) fn shown_problem(
    studio: Studio,
    provider: Provider,
    form: &Form,
    control: Control,
) -> Option<String> {
    let problem = form.problem(provider)?;
    if problem.control != control {
        return None;
    }
    if control == Control::Prompt {
        let (count, max) = form.prompt_count(provider);
        if !studio.submit_attempted.get() && count <= max {
            return None;
        }
    }
    Some(problem.message)
}

/// Sends the form, or shows why it cannot be sent; nothing leaves the page in that case.
fn generate(studio: Studio) {
    studio.submit_attempted.set(true);
    let (provider, form, base_url) = studio
        .settings
        .with_untracked(|s| (s.provider, s.form.clone(), s.base_url(s.provider)));
    if let Some(problem) = form.problem(provider) {
        studio.announce(format!("Not sent: {}", problem.message));
        focus(control_id(problem.control));
        return;
    }
    if let Some(problem) = key_problem(provider, &studio.key(provider)) {
        studio.key_error.set(Some(Explanation {
            place: Place::Key,
            headline: format!("Not sent: {problem}"),
            detail: None,
        }));
        focus("api-key");
        return;
    }
    if studio
        .settings
        .with_untracked(|s| s.base_url_problem(provider))
        .is_some()
    {
        focus("base-url");
        return;
    }
    crate::jobs::send(studio, provider, base_url, form.to_request(provider));
    studio.submit_attempted.set(false);
    studio.announce("Sent. Follow it under Jobs.");
}

/// Prompt, options, references, cost and Generate.
#[component]
pub fn Compose() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let provider = Memo::new(move |_| studio.settings.with(|s| s.provider));
    let prompt_problem = move || {
        studio
            .settings
            .with(|s| shown_problem(studio, s.provider, &s.form, Control::Prompt))
    };
    let counter = move || {
        let (count, max) = studio.settings.with(|s| s.form.prompt_count(s.provider));
        (count, max)
    };
    let estimate = move || {
        studio.settings.with(|s| {
            let request = s.form.to_request(s.provider);
            cost::estimate_line(s.provider, &cost::estimate(s.provider, &request))
        })
    };
    let observed = move || {
        let (p, quality) = studio
            .settings
            .with(|s| (s.provider, s.form.to_request(s.provider).quality));
        let seen: Vec<cost::Observed> = studio.entries.with(|all| {
            let mut done: Vec<_> = all.iter().filter(|e| e.credit_cost.is_some()).collect();
            done.sort_by(|a, b| b.submitted_at.total_cmp(&a.submitted_at));
            done.iter()
                .map(|e| cost::Observed {
                    provider: e.provider,
                    quality: e.request.quality,
                    images: e.images.len() as u32,
                    credit_cost: e.credit_cost.unwrap_or(0.0),
                })
                .collect()
        });
        cost::last_observed_per_image(&seen, p, quality).map(|per| {
            format!(
                "Your last {} job at this quality really cost {} credits per image.",
                p.name(),
                cost::credits(per)
            )
        })
    };

    view! {
        <section class="panel compose" aria-labelledby="compose-title">
            <h2 id="compose-title">"Describe"</h2>
            <form
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    generate(studio);
                }
            >
                <div class="field">
                    <label for="prompt">"Prompt"</label>
                    <textarea
                        id="prompt"
                        name="prompt"
                        rows="5"
                        placeholder="A lighthouse at dawn, watercolour, soft light"
                        aria-describedby="prompt-count prompt-error"
                        aria-invalid=move || prompt_problem().is_some().to_string()
                        prop:value=move || studio.settings.with(|s| s.form.prompt.clone())
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            studio.change_settings(|s| s.form.prompt = text);
                        }
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                                ev.prevent_default();
                                generate(studio);
                            }
                        }
                    ></textarea>
                    <p id="prompt-count" class="hint" class:over=move || { let (c, m) = counter(); c > m }>
                        {move || {
                            let (count, max) = counter();
                            format!("{count} / {max} characters · Ctrl+Enter (⌘+Enter) to generate")
                        }}
                    </p>
                    <p id="prompt-error" class="error" role="alert">{prompt_problem}</p>
                </div>
                <Options/>
                <References/>
                <p class="cost" id="cost" aria-live="polite">
                    {estimate}
                    {move || observed().map(|o| view! { <span class="observed">" "{o}</span> })}
                </p>
                <div class="actions">
                    <button type="submit" class="primary" id="generate">
                        {move || format!("Generate with {}", provider.get().name())}
                    </button>
                </div>
            </form>
        </section>
    }
}
