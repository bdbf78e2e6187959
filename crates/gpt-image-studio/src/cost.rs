//! The live cost estimate, in the provider's own credits, and what finished jobs really cost.
//!
//! Only API in One publishes a per-image price (10 credits at medium, 28 at high). Apiframe
//! publishes none, so the studio says so instead of inventing one, and shows each finished
//! job's real `creditCost` (and the last one seen for the same quality) instead.

use gpt_image::{Provider, Quality, Request};

/// What a request is expected to cost before it is sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Estimate {
    /// A published per-image price times the number of images.
    Credits {
        total: f64,
        per_image: f64,
        images: u32,
    },
    /// The provider publishes no price table.
    Unpublished,
}

/// API in One's published price per image, by quality.
fn api_in_one_per_image(quality: Option<Quality>) -> f64 {
    match quality {
        Some(Quality::High) => 28.0,
        _ => 10.0,
    }
}

/// The estimate for sending `request` to `provider`.
pub fn estimate(provider: Provider, request: &Request) -> Estimate {
    match provider {
        Provider::ApiInOne => {
            let per_image = api_in_one_per_image(request.quality);
            let images = u32::from(request.n.unwrap_or(1).max(1));
            Estimate::Credits {
                total: per_image * f64::from(images),
                per_image,
                images,
            }
        }
        Provider::Apiframe => Estimate::Unpublished,
    }
}

/// The estimate in one line, marked as an estimate.
pub fn estimate_line(provider: Provider, estimate: &Estimate) -> String {
    match estimate {
        Estimate::Credits {
            total,
            per_image,
            images,
        } => {
            let plural = if *images == 1 { "image" } else { "images" };
            format!(
                "Estimate: {} credits ({images} {plural} × {} on {})",
                credits(*total),
                credits(*per_image),
                provider.name()
            )
        }
        Estimate::Unpublished => format!(
            "{} publishes no per-image price: the real credit cost shows on each finished job.",
            provider.name()
        ),
    }
}

/// A credit figure without a needless `.0`.
pub fn credits(value: f64) -> String {
    // Integer arithmetic only: float formatting would add kilobytes to the wasm.
    let cents = (value * 100.0).round() as i64;
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    if cents.is_multiple_of(100) {
        format!("{sign}{}", cents / 100)
    } else {
        format!("{sign}{}.{:02}", cents / 100, cents % 100)
    }
}

/// A finished job's real cost, for "last time" hints: provider, quality, images, credits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observed {
    pub provider: Provider,
    pub quality: Option<Quality>,
    pub images: u32,
    pub credit_cost: f64,
}

/// The per-image cost last observed for this provider and quality (newest first in `seen`).
pub fn last_observed_per_image(
    seen: &[Observed],
    provider: Provider,
    quality: Option<Quality>,
) -> Option<f64> {
    seen.iter()
        .find(|o| {
            o.provider == provider && o.quality == quality && o.images > 0 && o.credit_cost > 0.0
        })
        .map(|o| o.credit_cost / f64::from(o.images))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(quality: Option<Quality>) -> Request {
        Request {
            quality,
            ..Request::new("fox")
        }
    }

    #[test]
    fn api_in_one_prices_follow_the_published_table() {
        let e = estimate(Provider::ApiInOne, &req(Some(Quality::High)));
        assert_eq!(
            e,
            Estimate::Credits {
                total: 28.0,
                per_image: 28.0,
                images: 1
            }
        );
        let e = estimate(Provider::ApiInOne, &req(Some(Quality::Medium)));
        assert_eq!(
            estimate_line(Provider::ApiInOne, &e),
            "Estimate: 10 credits (1 image × 10 on API in One)"
        );
        // The provider's default quality is medium.
        assert_eq!(estimate(Provider::ApiInOne, &req(None)), e);
    }

    #[test]
    fn apiframe_is_honest_about_having_no_table() {
        let e = estimate(Provider::Apiframe, &req(Some(Quality::High)));
        assert_eq!(e, Estimate::Unpublished);
        assert!(estimate_line(Provider::Apiframe, &e).contains("publishes no per-image price"));
    }

    #[test]
    fn observed_costs_are_per_image_and_per_quality() {
        let seen = [
            Observed {
                provider: Provider::Apiframe,
                quality: Some(Quality::High),
                images: 2,
                credit_cost: 16.0,
            },
            Observed {
                provider: Provider::Apiframe,
                quality: Some(Quality::Low),
                images: 1,
                credit_cost: 2.0,
            },
        ];
        assert_eq!(
            last_observed_per_image(&seen, Provider::Apiframe, Some(Quality::High)),
            Some(8.0)
        );
        assert_eq!(
            last_observed_per_image(&seen, Provider::ApiInOne, Some(Quality::High)),
            None
        );
        assert_eq!(credits(2.5), "2.50");
        assert_eq!(credits(28.0), "28");
        assert_eq!(credits(-0.5), "-0.50");
    }
}
