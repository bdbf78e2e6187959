//! The Jobs panel: a card per job sent or resumed in this visit, with status, progress,
//! elapsed time, ETA, cost, errors, results, and stop / resume / retry.

use gpt_image::PollSchedule;
use gpt_image::schedule::ProgressSample;
use leptos::prelude::*;

use crate::clock;
use crate::cost;
use crate::history::{Entry, Status};
use crate::jobs;
use crate::state::Studio;
use crate::ui::result::ResultImage;

/// Every card, newest first.
#[component]
pub fn Jobs() -> impl IntoView {
    let studio = expect_context::<Studio>();
    let ids = move || {
        let mut ids = studio.cards.get();
        ids.reverse();
        ids
    };
    let any_finished = move || {
        studio.cards.with(|c| {
            studio.entries.with(|all| {
                all.iter()
                    .any(|e| c.contains(&e.id) && !e.status.is_running())
            })
        })
    };
    view! {
        <section class="panel jobs" aria-labelledby="jobs-title">
            <div class="panel-head">
                <h2 id="jobs-title">"Jobs"</h2>
                <Show when=any_finished>
                    <button
                        type="button"
                        class="secondary"
                        on:click=move |_| {
                            let running: Vec<String> = studio.entries.with_untracked(|all| {
                                all.iter()
                                    .filter(|e| e.status.is_running())
                                    .map(|e| e.id.clone())
                                    .collect()
                            });
                            studio.cards.update(|c| c.retain(|id| running.contains(id)));
                        }
                    >
                        "Clear finished"
                    </button>
                </Show>
            </div>
            <Show
                when=move || studio.cards.with(|c| !c.is_empty())
                fallback=|| view! { <p class="empty">"No jobs yet. Describe an image and press Generate."</p> }
            >
                <ul class="cards">
                    <For each=ids key=|id| id.clone() let:id>
                        <li>
                            <JobCard id=id/>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

/// Elapsed time and ETA of a running entry at `now`.
fn timing(entry: &Entry, now: f64) -> (String, Option<String>) {
    let end = entry.finished_at.unwrap_or(now);
    let elapsed = (end - entry.submitted_at).max(0.0);
    let eta = entry.status.is_running().then(|| {
        let caps = entry.provider.capabilities();
        let schedule = PollSchedule::for_typical_duration(caps.typical_duration_ms);
        let sample = match (entry.progress, entry.progress_at) {
            (Some(p), Some(at)) if p > 0 => Some(ProgressSample {
                percent: f64::from(p),
                at_ms: (at - entry.submitted_at).max(0.0) as u64,
            }),
            _ => None,
        };
        clock::eta(schedule.eta_ms(elapsed as u64, sample))
    });
    (clock::duration(elapsed), eta)
}

/// One job.
#[component]
fn JobCard(id: String) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let entry = studio.watch_entry(id.clone());
    let heading_id = format!("job-{id}");
    move || {
        let Some(e) = entry.get() else {
            return view! { <p class="empty">"Deleted."</p> }.into_any();
        };
        let id = e.id.clone();
        let status = e.status;
        let running = status.is_running();
        let prompt: String = e.request.prompt.chars().take(140).collect();
        let images = (0..e.images.len())
            .map(|i| view! { <ResultImage entry_id=id.clone() index=i/> })
            .collect_view();
        let (stop_id, resume_id, retry_id) = (id.clone(), id.clone(), id.clone());
        let has_job = e.job_id.is_some();
        let progress = e.progress;
        let card_entry = e.clone();
        view! {
            <article class=format!("card status-{}", status.label().to_lowercase().replace(' ', "-")) aria-labelledby=heading_id.clone() data-status=status.label()>
                <div class="card-head">
                    <h3 id=heading_id.clone() class="card-title">
                        <span class="badge">{status.label()}</span>
                        " "
                        <span class="provider">{e.provider.name()}</span>
                    </h3>
                    <span class="elapsed">
                        {move || {
                            let (elapsed, eta) = timing(&card_entry, studio.now.get());
                            match eta {
                                Some(eta) => format!("{elapsed} · {eta}"),
                                None => elapsed,
                            }
                        }}
                    </span>
                </div>
                <p class="card-prompt">{prompt}</p>
                {running
                    .then(|| {
                        view! {
                            <progress
                                max="100"
                                value=progress.map(|p| p.to_string())
                                aria-label=format!("Progress of this {} job", e.provider.name())
                            ></progress>
                        }
                    })}
                <p class="meta">
                    {e.job_id.clone().map(|j| format!("Job {j}")).unwrap_or_else(|| "Not yet accepted".into())}
                    {e.credit_cost.map(|c| format!(" · {} credits charged", cost::credits(c)))}
                </p>
                {e.error.clone().map(|err| view! { <p class="error" role="alert">{err}</p> })}
                <div class="results">{images}</div>
                <div class="actions">
                    {running
                        .then(|| {
                            view! {
                                <button type="button" class="secondary" on:click=move |_| jobs::stop(studio, &stop_id)>
                                    "Stop waiting"
                                </button>
                            }
                        })}
                    {(status == Status::Stopped && has_job)
                        .then(|| {
                            view! {
                                <button type="button" class="secondary" on:click=move |_| jobs::resume(studio, &resume_id)>
                                    "Resume waiting"
                                </button>
                            }
                        })}
                    {(!running)
                        .then(|| {
                            view! {
                                <button type="button" class="secondary" on:click=move |_| jobs::retry(studio, &retry_id)>
                                    {if status == Status::Completed { "Run again" } else { "Retry" }}
                                </button>
                            }
                        })}
                </div>
            </article>
        }
        .into_any()
    }
}
