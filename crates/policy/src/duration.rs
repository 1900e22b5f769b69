//! Durations as written in policies: a number of seconds, or text like "30s", "10m", "1h30m".

use serde_json::Value;

const MS_PER_SECOND: f64 = 1_000.0;
/// Anything longer is certainly a mistake; the bound also keeps the float-to-integer cast exact.
const LONGEST_MS: f64 = 1e15;

pub(crate) const SHAPE: &str =
    "must be a duration such as \"30s\", \"10m\" or \"1h\", or a number of seconds";

/// Reads a duration in milliseconds, or `None` if `value` is not one.
pub(crate) fn duration_ms(value: &Value) -> Option<u64> {
    let total = match value {
        Value::Number(number) => number.as_f64()? * MS_PER_SECOND,
        Value::String(text) => text_ms(text)?,
        _ => return None,
    };
    (total.is_finite() && (0.0..=LONGEST_MS).contains(&total)).then(|| total.round() as u64)
}

/// One or more `<number><unit>` parts, units `ms`, `s`, `m`, `h`, `d`, summed.
fn text_ms(text: &str) -> Option<f64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after_number) = rest.split_at(number_end);
        let amount: f64 = number.parse().ok()?;
        let unit_end = after_number
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after_number.len());
        let (unit, after_unit) = after_number.split_at(unit_end);
        let unit_ms = match unit {
            "ms" => 1.0,
            "s" => MS_PER_SECOND,
            "m" => 60.0 * MS_PER_SECOND,
            "h" => 3_600.0 * MS_PER_SECOND,
            "d" => 86_400.0 * MS_PER_SECOND,
            _ => return None,
        };
        total += amount * unit_ms;
        rest = after_unit;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_text_and_seconds() {
        let cases = [
            (json!("10m"), Some(600_000)),
            (json!("30s"), Some(30_000)),
            (json!("1h"), Some(3_600_000)),
            (json!("24h"), Some(86_400_000)),
            (json!("1d"), Some(86_400_000)),
            (json!("1h30m"), Some(5_400_000)),
            (json!("1.5s"), Some(1_500)),
            (json!("250ms"), Some(250)),
            (json!(" 5s "), Some(5_000)),
            (json!("0s"), Some(0)),
            (json!(90), Some(90_000)),
            (json!(0.5), Some(500)),
            (json!("10"), None),
            (json!("10 m"), None),
            (json!("m"), None),
            (json!("10M"), None),
            (json!("1.2.3s"), None),
            (json!(""), None),
            (json!(-1), None),
            (json!(true), None),
            (json!(1e300), None),
        ];
        for (value, expected) in cases {
            assert_eq!(duration_ms(&value), expected, "{value}");
        }
    }
}
