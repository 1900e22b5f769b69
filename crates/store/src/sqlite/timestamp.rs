//! Timestamps are stored as UTC RFC 3339 text with exactly six fraction digits
//! (`2025-01-31T12:00:00.123456Z`): text order is time order, the sqlite3 shell shows them readably, and
//! the precision is Postgres's `timestamptz` (microseconds, extra digits truncated) so that both backends
//! return the same values.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::{StoreError, StoreResult};

pub(super) fn encode(at: OffsetDateTime) -> String {
    let mut text = String::with_capacity(27);
    encode_into(&mut text, at);
    text
}

/// [`encode`] appended to `text`, for writers that reuse one buffer.
pub(super) fn encode_into(text: &mut String, at: OffsetDateTime) {
    use std::fmt::Write as _;
    let utc = at.to_offset(UtcOffset::UTC);
    // Writing into a String cannot fail.
    let _ = write!(
        text,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.microsecond()
    );
}

pub(super) fn encode_optional(at: Option<OffsetDateTime>) -> Option<String> {
    at.map(encode)
}

pub(super) fn now() -> String {
    encode(OffsetDateTime::now_utc())
}

pub(super) fn decode(text: &str) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| StoreError::Corrupt(format!("bad timestamp {text:?}")))
}

pub(super) fn decode_optional(text: Option<String>) -> StoreResult<Option<OffsetDateTime>> {
    text.as_deref().map(decode).transpose()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn encodes_utc_with_six_digits_and_round_trips() {
        let at = datetime!(2025-01-31 13:00:00.123456789 +01:00);
        let text = encode(at);
        assert_eq!(text, "2025-01-31T12:00:00.123456Z");
        assert_eq!(
            decode(&text).expect("decodes"),
            datetime!(2025-01-31 12:00:00.123456 UTC)
        );
        assert_eq!(
            encode(datetime!(2025-01-31 12:00:00 UTC)),
            "2025-01-31T12:00:00.000000Z"
        );
    }

    #[test]
    fn text_order_is_time_order() {
        let earlier = encode(datetime!(2025-01-31 12:00:00.9 UTC));
        let later = encode(datetime!(2025-01-31 12:00:01 UTC));
        assert!(earlier < later);
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(decode("yesterday"), Err(StoreError::Corrupt(_))));
    }
}
