//! Elapsed time and ETA as people read them: `0.8 s`, `12 s`, `2 min 05 s`.

/// A duration in milliseconds, short.
pub fn duration(ms: f64) -> String {
    // Integer arithmetic only: float formatting would add kilobytes to the wasm.
    let ms = if ms.is_finite() {
        ms.max(0.0) as u64
    } else {
        0
    };
    if ms < 10_000 {
        let tenths = (ms + 50) / 100;
        format!("{}.{} s", tenths / 10, tenths % 10)
    } else if ms < 60_000 {
        format!("{} s", (ms + 500) / 1000)
    } else {
        let s = (ms + 500) / 1000;
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// The ETA line of a running job: "about 3.2 s left", or "any moment now" once overdue.
pub fn eta(ms: u64) -> String {
    if ms == 0 {
        "any moment now".into()
    } else {
        format!("about {} left", duration(ms as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_a_person_would_say_it() {
        assert_eq!(duration(840.0), "0.8 s");
        assert_eq!(duration(12_400.0), "12 s");
        assert_eq!(duration(125_000.0), "2 min 05 s");
        assert_eq!(duration(-5.0), "0.0 s");
        assert_eq!(duration(f64::NAN), "0.0 s");
        assert_eq!(eta(0), "any moment now");
        assert_eq!(eta(3_200), "about 3.2 s left");
    }
}
