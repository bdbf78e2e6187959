//! The Compose panel: the prompt with its counter, the options row, reference images, the cost
//! estimate and the Generate button. Problems are caught here, next to their control, before
//! anything is sent.

use gpt_image::Provider;
use leptos::prelude::*;

use crate::cost;
use crate::explain::{Explanation, Place};
use crate::form::{Control, Form};
use crate::settings::{Route, key_problem};
use crate::state::Studio;
use crate::ui::options::Options;
use crate::ui::references::{self, Intake, References};
use crate::ui::{focus, show_dialog};

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
    let (provider, form, route, endpoint) = studio
        .settings
        .with_untracked(|s| (s.provider, s.form.clone(), s.route, s.endpoint(s.provider)));
    if let Some(problem) = form.problem(provider) {
        studio.announce(format!("Not sent: {}", problem.message));
        focus(control_id(problem.control));
        return;
    }
    match route {
        Route::Direct => {
            if let Some(problem) = key_problem(provider, &studio.key(provider)) {
                studio.key_error.set(Some(Explanation {
                    place: Place::Key,
                    headline: format!("Not sent: {problem}"),
                    detail: None,
                }));
                show_dialog("settings");
                focus("api-key");
                return;
            }
            if studio
                .settings
                .with_untracked(|s| s.base_url_problem(provider))
                .is_some()
            {
                show_dialog("settings");
                focus("base-url");
                return;
            }
        }
        Route::Proxy => {
            if studio
                .settings
                .with_untracked(|s| s.proxy_url_problem())
                .is_some()
            {
                show_dialog("settings");
                focus("proxy-url");
                return;
            }
        }
    }
    crate::jobs::send(
        studio,
        provider,
        endpoint,
        route == Route::Proxy,
        form.to_request(provider),
    );
    studio.submit_attempted.set(false);
    studio.announce("Sent. It shows below, with its progress.");
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
        let seen: Vec<cost::Observed> = studio.with_entries(|all| {
            // Newest last in, so reversed they are nearly in order already.
            let mut done: Vec<_> = all
                .iter()
                .rev()
                .filter(|e| e.credit_cost.is_some())
                .collect();
            gpt_image::sort_small(&mut done, |a, b| {
                b.submitted_at.total_cmp(&a.submitted_at).is_lt()
            });
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

    let intake = Intake::new();
    provide_context(intake);
    let dragging = RwSignal::new(false);

    view! {
        <section class="panel compose" aria-labelledby="compose-title">
            <h2 id="compose-title" class="sr-only">"Describe your image"</h2>
            <form
                novalidate
                on:submit=move |ev| {
                    ev.prevent_default();
                    generate(studio);
                }
            >
                <div
                    class="prompt-box"
                    class:dragging=move || dragging.get()
                    on:dragover=move |ev| {
                        if references::carries_files(&ev) {
                            ev.prevent_default();
                            dragging.set(true);
                        }
                    }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=move |ev| {
                        dragging.set(false);
                        if let Some(files) = references::dropped_files(&ev) {
                            ev.prevent_default();
                            references::take(studio, intake, files);
                        }
                    }
                >
                    <label for="prompt">"Prompt"</label>
                    <textarea
                        id="prompt"
                        name="prompt"
                        rows="4"
                        placeholder="A lighthouse at dawn, watercolour, soft light. Paste or drop images here to edit them."
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
                        on:paste=move |ev| {
                            if let Some(files) = references::pasted_files(&ev) {
                                ev.prevent_default();
                                references::take(studio, intake, files);
                            }
                        }
                    ></textarea>
                    <References/>
                </div>
                <p id="prompt-count" class="hint" class:over=move || { let (c, m) = counter(); c > m }>
                    {move || {
                        let (count, max) = counter();
                        format!("{count} / {max} characters · Ctrl+Enter (⌘+Enter) to generate")
                    }}
                </p>
                <p id="prompt-error" class="error" role="alert">{prompt_problem}</p>
                <div class="generate-row">
                    <button type="submit" class="primary" id="generate">
                        {move || format!("Generate with {}", provider.get().name())}
                    </button>
                    <p class="cost" id="cost" aria-live="polite">
                        {estimate}
                        {move || observed().map(|o| view! { <span class="observed">" "{o}</span> })}
                    </p>
                </div>
                <Options/>
            </form>
        </section>
    }
}
