//! The Describe panel: prompt with its counter, the options each provider offers (the others
//! disabled with a reason), reference images, the cost estimate and the Generate button.
//! Problems are caught here, next to their control, before anything is sent.

use gpt_image::{AspectRatio, Background, InputFidelity, OutputFormat, Provider, Quality};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::browser::files;
use crate::cost;
use crate::explain::{Explanation, Place};
use crate::form::{Control, Form, data_url_warning, offers_quality, unavailable};
use crate::image_src::safe_image_src;
use crate::settings::key_problem;
use crate::state::Studio;

/// The element id of each control, for labels and focus.
fn control_id(control: Control) -> &'static str {
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

fn focus(id: &str) {
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
fn shown_problem(
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

/// A labelled `<select>` bound to one form field, disabled with a reason where the provider
/// lacks it, with its validation message under it. Values travel as the providers spell them,
/// so one (non-generic) function serves every option and the wasm stays small.
fn select_field(
    control: Control,
    label: &'static str,
    choices: &'static [(&'static str, &'static str)],
    get: fn(&Form) -> String,
    set: fn(&mut Form, &str),
    offered: fn(Provider, &str) -> bool,
) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let id = control_id(control);
    let provider = move || studio.settings.with(|s| s.provider);
    let why = move || {
        studio
            .settings
            .with(|s| unavailable(s.provider, control, &s.form))
    };
    let problem = move || {
        studio
            .settings
            .with(|s| shown_problem(studio, s.provider, &s.form, control))
    };
    let options = choices
        .iter()
        .map(|&(value, text)| {
            view! {
                <option
                    value=value
                    disabled=move || !offered(provider(), value)
                    selected=move || studio.settings.with(|s| get(&s.form) == value)
                >
                    {move || {
                        if offered(provider(), value) {
                            text.to_string()
                        } else {
                            format!("{text} (not on {})", provider().name())
                        }
                    }}
                </option>
            }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select
                id=id
                name=id
                disabled=move || why().is_some()
                aria-invalid=move || problem().is_some().to_string()
                aria-describedby=format!("{id}-why {id}-error")
                prop:value=move || studio.settings.with(|s| get(&s.form))
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    studio.change_settings(|s| set(&mut s.form, &value));
                }
            >
                {options}
            </select>
            <p id=format!("{id}-why") class="why">{why}</p>
            <p id=format!("{id}-error") class="error" role="alert">{problem}</p>
        </div>
    }
}

const QUALITIES: &[(&str, &str)] = &[
    ("auto", "Auto"),
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
];
const RATIOS: &[(&str, &str)] = &[
    ("1:1", "Square 1:1 (1024×1024)"),
    ("3:2", "Landscape 3:2 (1536×1024)"),
    ("2:3", "Portrait 2:3 (1024×1536)"),
];
const BACKGROUNDS: &[(&str, &str)] = &[
    ("auto", "Auto"),
    ("opaque", "Opaque"),
    ("transparent", "Transparent"),
];
const COUNTS: &[(&str, &str)] = &[
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5"),
    ("6", "6"),
    ("7", "7"),
    ("8", "8"),
    ("9", "9"),
    ("10", "10"),
];
const FORMATS: &[(&str, &str)] = &[("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WebP")];
const FIDELITIES: &[(&str, &str)] = &[("low", "Low"), ("high", "High")];

/// Prompt, options, references, cost and Generate.
#[component]
pub fn Describe() -> impl IntoView {
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
            cost::describe(s.provider, &cost::estimate(s.provider, &request))
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
        <section class="panel describe" aria-labelledby="describe-title">
            <h2 id="describe-title">"Describe"</h2>
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
                <div class="options">
                    {select_field(
                        Control::Quality,
                        "Quality",
                        QUALITIES,
                        |f| f.quality.as_str().into(),
                        |f, v| f.quality = Quality::parse(v).unwrap_or(f.quality),
                        |p, v| Quality::parse(v).is_some_and(|q| offers_quality(p, q)),
                    )}
                    {select_field(
                        Control::AspectRatio,
                        "Aspect ratio",
                        RATIOS,
                        |f| f.aspect_ratio.as_str().into(),
                        |f, v| f.aspect_ratio = AspectRatio::parse(v).unwrap_or(f.aspect_ratio),
                        |p, v| AspectRatio::parse(v).is_some_and(|r| p.capabilities().aspect_ratios.contains(&r)),
                    )}
                    {select_field(
                        Control::Background,
                        "Background",
                        BACKGROUNDS,
                        |f| f.background.as_str().into(),
                        |f, v| f.background = Background::parse(v).unwrap_or(f.background),
                        |_, _| true,
                    )}
                    {select_field(
                        Control::Count,
                        "Number of images",
                        COUNTS,
                        |f| f.count.to_string(),
                        |f, v| f.count = v.parse().unwrap_or(f.count),
                        |p, v| {
                            let n: u8 = v.parse().unwrap_or(1);
                            p.capabilities().max_images.is_none_or(|most| n <= most)
                        },
                    )}
                    {select_field(
                        Control::OutputFormat,
                        "Output format",
                        FORMATS,
                        |f| f.output_format.as_str().into(),
                        |f, v| f.output_format = OutputFormat::parse(v).unwrap_or(f.output_format),
                        |_, _| true,
                    )}
                    {select_field(
                        Control::InputFidelity,
                        "Input fidelity",
                        FIDELITIES,
                        |f| f.input_fidelity.as_str().into(),
                        |f, v| f.input_fidelity = InputFidelity::parse(v).unwrap_or(f.input_fidelity),
                        |_, _| true,
                    )}
                </div>
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

/// Reference images: add by URL or from a local file, remove, with the data-URL caveat.
#[component]
fn References() -> impl IntoView {
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
