//! Limit windows: "second" | "minute" | "hour" | "day", a whole number of seconds, or a duration
//! string of whole seconds.

use serde_json::Value;

use crate::duration;
use crate::fields::whole_number;

const SECOND_MS: u64 = 1_000;
const LONGEST_MS: u64 = 31 * 86_400 * SECOND_MS;

/// Reads a window in milliseconds, or the message explaining what is wrong.
pub(crate) fn window_ms(value: &Value) -> Result<u64, &'static str> {
    let window = match value {
        Value::String(name) => match name.as_str() {
            "second" => SECOND_MS,
            "minute" => 60 * SECOND_MS,
            "hour" => 3_600 * SECOND_MS,
            "day" => 86_400 * SECOND_MS,
            _ => duration::duration_ms(value).ok_or(SHAPE)?,
        },
        Value::Number(_) => {
            let seconds = whole_number(value).ok_or("must be a whole number of seconds")?;
            seconds.checked_mul(SECOND_MS).ok_or(RANGE)?
        }
        _ => return Err(SHAPE),
    };
    if !window.is_multiple_of(SECOND_MS) {
        return Err("must be a whole number of seconds");
    }
    if !(SECOND_MS..=LONGEST_MS).contains(&window) {
        return Err(RANGE);
    }
    Ok(window)
}

const SHAPE: &str =
    "must be \"second\", \"minute\", \"hour\", \"day\", a duration such as \"5m\", or a number of seconds";
const RANGE: &str = "must be between 1 second and 31 days";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_names_numbers_and_durations() {
        let cases = [
            (json!("second"), Ok(1_000)),
            (json!("minute"), Ok(60_000)),
            (json!("hour"), Ok(3_600_000)),
            (json!("day"), Ok(86_400_000)),
            (json!(90), Ok(90_000)),
            (json!(60.0), Ok(60_000)),
            (json!("5m"), Ok(300_000)),
            (json!(2_678_400), Ok(2_678_400_000)),
            (json!(2_678_401), Err(RANGE)),
            (json!(0), Err(RANGE)),
            (json!(1.5), Err("must be a whole number of seconds")),
            (json!("1500ms"), Err("must be a whole number of seconds")),
            (json!(-5), Err("must be a whole number of seconds")),
            (json!("minutes"), Err(SHAPE)),
            (json!("week"), Err(SHAPE)),
            (json!(null), Err(SHAPE)),
            (json!(u64::MAX), Err(RANGE)),
        ];
        for (value, expected) in cases {
            assert_eq!(window_ms(&value), expected, "{value}");
        }
    }
}
