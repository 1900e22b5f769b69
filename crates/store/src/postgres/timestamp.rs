//! Timestamps are `timestamptz`, which keeps microseconds. Every value is truncated here before it is
//! bound: sqlx would round towards 2000-01-01 (up, for earlier instants), while SQLite's text keeps the
//! microsecond field as it is, and both backends must return the same values.

use time::OffsetDateTime;

pub(super) fn micros(at: OffsetDateTime) -> OffsetDateTime {
    let nanosecond = at.nanosecond() / 1_000 * 1_000;
    // Truncating never leaves the valid range, so this never falls back.
    at.replace_nanosecond(nanosecond).unwrap_or(at)
}

pub(super) fn micros_optional(at: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    at.map(micros)
}

/// The application's clock (not the database's), as SQLite does, so that "now" means the same in both.
pub(super) fn now() -> OffsetDateTime {
    micros(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn truncates_to_the_microsecond_field() {
        assert_eq!(
            micros(datetime!(2025-01-31 12:00:00.123456789 UTC)),
            datetime!(2025-01-31 12:00:00.123456 UTC)
        );
        assert_eq!(
            micros(datetime!(1969-12-31 23:59:59.999999999 UTC)),
            datetime!(1969-12-31 23:59:59.999999 UTC)
        );
    }
}
