//! Upstream headers as form rows: repeated `header_name` / `header_value` fields, paired in order.
//! Empty rows are ignored; errors from the service (`headers.NAME`) are shown at their row.

use std::collections::BTreeMap;

use crate::dashboard::form::{FieldErrors, FormFields};

/// Rows shown when the form is empty (JavaScript can add more).
const EMPTY_ROWS: usize = 2;

pub struct HeaderRow {
    pub index: usize,
    pub name: String,
    pub value: String,
    pub error: Option<String>,
}

/// The rows as typed, plus empty ones to fill in.
pub fn rows(fields: &FormFields, errors: &FieldErrors) -> Vec<HeaderRow> {
    let names = fields.all("header_name");
    let values = fields.all("header_value");
    let mut rows: Vec<HeaderRow> = names
        .iter()
        .zip(values.iter().chain(std::iter::repeat(&"")))
        .filter(|(name, value)| !name.trim().is_empty() || !value.is_empty())
        .enumerate()
        .map(|(index, (name, value))| HeaderRow {
            index,
            name: (*name).to_owned(),
            value: (*value).to_owned(),
            error: errors.get(&format!("headers.{}", name.trim())),
        })
        .collect();
    let filled = rows.len();
    rows.extend((filled..filled + EMPTY_ROWS).map(|index| HeaderRow {
        index,
        name: String::new(),
        value: String::new(),
        error: None,
    }));
    rows
}

pub fn empty_rows() -> Vec<HeaderRow> {
    rows(&FormFields::default(), &FieldErrors::none())
}

/// The headers to save, or errors at `headers` (a value without a name, a name given twice).
pub fn parse(fields: &FormFields) -> Result<BTreeMap<String, String>, FieldErrors> {
    let names = fields.all("header_name");
    let values = fields.all("header_value");
    let mut headers = BTreeMap::new();
    let mut errors = FieldErrors::none();
    for (position, (name, value)) in names
        .iter()
        .zip(values.iter().chain(std::iter::repeat(&"")))
        .enumerate()
    {
        let name = name.trim();
        if name.is_empty() {
            if !value.is_empty() {
                errors.0.push(crate::error::FieldError::new(
                    "headers",
                    format!("row {} has a value but no header name", position + 1),
                ));
            }
            continue;
        }
        if headers.insert(name.to_owned(), (*value).to_owned()).is_some() {
            errors.0.push(crate::error::FieldError::new(
                format!("headers.{name}"),
                "is given twice",
            ));
        }
    }
    if errors.is_empty() {
        Ok(headers)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormFields {
        FormFields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn pairs_rows_and_skips_empty_ones() {
        let fields = form(&[
            ("header_name", "X-Key"),
            ("header_value", "secret"),
            ("header_name", ""),
            ("header_value", ""),
        ]);
        let headers = parse(&fields).expect("valid");
        assert_eq!(headers.get("X-Key").map(String::as_str), Some("secret"));
        assert_eq!(headers.len(), 1);
        assert_eq!(rows(&fields, &FieldErrors::none()).len(), 1 + EMPTY_ROWS);
    }

    #[test]
    fn refuses_values_without_names_and_repeats() {
        let fields = form(&[
            ("header_name", ""),
            ("header_value", "lost"),
            ("header_name", "A"),
            ("header_value", "1"),
            ("header_name", "A"),
            ("header_value", "2"),
        ]);
        let errors = parse(&fields).expect_err("invalid");
        assert!(errors.get("headers").is_some());
        assert!(errors.get("headers.A").is_some());
    }
}
