//! Parsing raw input into value types, collecting every field error at once
//! so a client sees all its mistakes in one answer.

use super::error::{DomainError, ErrorCode, FieldError};
use crate::rules::error::ValueError;

/// A change to one optional field: leave it, clear it, or set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }

    /// The field's value after the change.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(v) => Some(v),
        }
    }
}

/// The field errors of one input, gathered while its fields are parsed.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    pub fn new() -> Self {
        Self::default()
    }

    fn parsed<T>(&mut self, field: &str, result: Result<T, ValueError>) -> Option<T> {
        result
            .map_err(|e| self.errors.push(FieldError::from_value(field, e)))
            .ok()
    }

    /// Free text that must be present (trimmed): blank is REQUIRED, longer
    /// than `max` characters TOO_LONG.
    pub fn text(&mut self, field: &str, raw: &str, max: usize) -> Option<String> {
        self.text_at(&[field], raw, max)
    }

    /// [`Fields::text`] for a nested field, e.g. `["shippingAddress", "line1"]`.
    pub fn text_at(&mut self, path: &[&str], raw: &str, max: usize) -> Option<String> {
        let field = path.last().copied().unwrap_or_default();
        let text = raw.trim();
        if text.is_empty() {
            self.refuse_at(path, ErrorCode::Required, format!("{field} is required"));
            None
        } else if text
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
        {
            // Names reach email subjects, headers and logs: one plain line.
            self.refuse_at(
                path,
                ErrorCode::InvalidText,
                format!("{field} must be one line without control characters"),
            );
            None
        } else if text.chars().count() > max {
            self.refuse_at(
                path,
                ErrorCode::TooLong,
                format!("{field} must be at most {max} characters"),
            );
            None
        } else {
            Some(text.to_owned())
        }
    }

    /// Optional free text of several lines (a comment, notes): blank is
    /// `None`; line breaks are kept (CR LF and CR read as LF) and the text
    /// trimmed; longer than `max` characters is TOO_LONG and other control
    /// characters INVALID_TEXT, each refused at `path` with `what` (e.g.
    /// "comment") named in its message.
    pub fn free_text(
        &mut self,
        path: &[&str],
        what: &str,
        raw: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let text = raw
            .map(|c| c.replace("\r\n", "\n").replace('\r', "\n"))
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())?;
        if text.chars().count() > max {
            self.refuse_at(
                path,
                ErrorCode::TooLong,
                format!("the {what} must be at most {max} characters"),
            );
            None
        } else if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.refuse_at(
                path,
                ErrorCode::InvalidText,
                format!("the {what} holds characters that cannot be stored"),
            );
            None
        } else {
            Some(text)
        }
    }

    /// A value that must be present: blank is REQUIRED.
    pub fn required<T>(
        &mut self,
        field: &str,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        if raw.trim().is_empty() {
            self.refuse(field, ErrorCode::Required, format!("{field} is required"));
            return None;
        }
        self.optional(field, Some(raw), parse)
    }

    /// An optional value: absent or blank is `None`.
    pub fn optional<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Option<T> {
        let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
        let result = parse(raw);
        self.parsed(field, result)
    }

    /// A change to an optional field: a blank value clears it like null.
    pub fn patch<T>(
        &mut self,
        field: &str,
        raw: &Patch<String>,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
    ) -> Patch<T> {
        match raw {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(s) if s.trim().is_empty() => Patch::Clear,
            Patch::Set(s) => {
                let result = parse(s.trim());
                self.parsed(field, result).map_or(Patch::Keep, Patch::Set)
            }
        }
    }

    /// Refuse `field` with `code` unless `ok`.
    pub fn ensure(&mut self, ok: bool, field: &str, code: ErrorCode, message: impl Into<String>) {
        if !ok {
            self.refuse(field, code, message);
        }
    }

    pub fn refuse(&mut self, field: &str, code: ErrorCode, message: impl Into<String>) {
        self.errors.push(FieldError::new(&[field], code, message));
    }

    /// Refuse a nested field, e.g. `["lines", "2", "quantity"]`.
    pub fn refuse_at(&mut self, path: &[&str], code: ErrorCode, message: impl Into<String>) {
        self.errors.push(FieldError::new(path, code, message));
    }

    /// A parsed value of a nested field, or its refusal recorded.
    pub fn at<T>(&mut self, path: &[&str], result: Result<T, ValueError>) -> Option<T> {
        result
            .map_err(|e| {
                self.errors.push(FieldError::new(path, e.code, e.message));
            })
            .ok()
    }

    /// The parsed input, or every refusal at once. `build` sees the parsed
    /// values; it returns `None` only when a field was refused.
    pub fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, DomainError> {
        if !self.errors.is_empty() {
            return Err(DomainError::Rejected(self.errors));
        }
        build().ok_or_else(|| DomainError::internal("a field was missing without an error"))
    }
}

/// The reason a state change is made with, when it is the input's one
/// field (a cancellation, a hold, a withdrawal): required, one line, at most
/// 500 characters.
pub fn reason(text: &str) -> Result<String, DomainError> {
    let mut fields = Fields::new();
    let reason = fields.text("reason", text, 500);
    fields.finish(|| reason)
}

/// A reporting period of whole local dates `from` to `to` (inclusive),
/// checked and turned into the instants `[start, end)` it covers: `to`
/// before `from` is OUT_OF_RANGE on `to`; more than `max_days` is refused on
/// `to` as `too_long` says (its code and message).
pub fn period(
    calendar: &crate::rules::calendar::BusinessCalendar,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    max_days: i64,
    too_long: (ErrorCode, &str),
) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), DomainError> {
    if to < from {
        return Err(DomainError::rejected(
            &["to"],
            ErrorCode::OutOfRange,
            "to is before from",
        ));
    }
    if (to - from).num_days() > max_days {
        return Err(DomainError::rejected(&["to"], too_long.0, too_long.1));
    }
    Ok(calendar.days_window(from, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::email::Email;

    #[test]
    fn one_line_text_refuses_every_control_character() {
        for sneaky in [
            "A\nB",
            "A\rB",
            "Tab\there",
            "Nul\0",
            "Bell\u{7}",
            "Del\u{7f}",
            "Ne\u{85}l",
            "Line\u{2028}Separator",
        ] {
            let mut fields = Fields::new();
            assert_eq!(fields.text("name", sneaky, 100), None, "{sneaky:?}");
        }
        let mut fields = Fields::new();
        assert_eq!(
            fields.text("name", " Café Ünïcode & Co. ", 100).as_deref(),
            Some("Café Ünïcode & Co.")
        );
    }

    #[test]
    fn every_refusal_is_kept_and_blank_optionals_are_absent() {
        let mut fields = Fields::new();
        assert_eq!(fields.text("name", "  ", 10), None);
        assert_eq!(fields.text("title", "x".repeat(11).as_str(), 10), None);
        assert_eq!(
            fields.text("legalName", "Acme\r\nBcc: x@evil.example", 100),
            None
        );
        assert_eq!(fields.optional("email", Some("  "), Email::parse), None);
        assert!(
            fields
                .optional("email", Some("nope"), Email::parse)
                .is_none()
        );
        let Err(DomainError::Rejected(errors)) = fields.finish(|| Some(())) else {
            panic!("expected refusals");
        };
        let codes: Vec<_> = errors
            .iter()
            .map(|e| (e.field[0].as_str(), e.code))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("name", ErrorCode::Required),
                ("title", ErrorCode::TooLong),
                ("legalName", ErrorCode::InvalidText),
                ("email", ErrorCode::InvalidEmail),
            ]
        );
    }

    #[test]
    fn patches_keep_clear_or_set() {
        let mut fields = Fields::new();
        assert_eq!(
            fields.patch("email", &Patch::Keep, Email::parse),
            Patch::Keep
        );
        assert_eq!(
            fields.patch("email", &Patch::Set(" ".into()), Email::parse),
            Patch::Clear
        );
        assert_eq!(Patch::Set(2).apply(Some(1)), Some(2));
        assert_eq!(Patch::<i32>::Keep.apply(Some(1)), Some(1));
        assert_eq!(Patch::<i32>::Clear.apply(Some(1)), None);
        assert!(fields.finish(|| Some(())).is_ok());
    }

    #[test]
    fn nested_text_is_checked_like_any_text_and_named_by_its_path() {
        let mut fields = Fields::new();
        assert_eq!(
            fields.text_at(&["shippingAddress", "line1"], " 1 George St ", 10),
            None,
            "too long"
        );
        assert_eq!(fields.text_at(&["guest", "name"], "Ann\nLee", 50), None);
        assert_eq!(
            fields.text_at(&["guest", "name"], " Ann ", 50).as_deref(),
            Some("Ann")
        );
        let Err(DomainError::Rejected(errors)) = fields.finish(|| Some(())) else {
            panic!("refused");
        };
        let got: Vec<(Vec<String>, ErrorCode)> =
            errors.into_iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            got,
            [
                (
                    vec!["shippingAddress".into(), "line1".into()],
                    ErrorCode::TooLong
                ),
                (vec!["guest".into(), "name".into()], ErrorCode::InvalidText),
            ]
        );
    }

    #[test]
    fn free_text_keeps_its_lines_and_refuses_at_its_path() {
        let mut fields = Fields::new();
        assert_eq!(fields.free_text(&["note"], "note", None, 5), None);
        assert_eq!(fields.free_text(&["note"], "note", Some(" \r\n "), 5), None);
        assert_eq!(
            fields
                .free_text(&["note"], "note", Some(" A\r\nB\rC\t "), 10)
                .as_deref(),
            Some("A\nB\nC")
        );
        assert_eq!(
            fields.free_text(&["a", "0"], "note", Some("123456"), 5),
            None
        );
        assert_eq!(fields.free_text(&["b"], "note", Some("nul\0"), 50), None);
        let Err(DomainError::Rejected(errors)) = fields.finish(|| Some(())) else {
            panic!("refused");
        };
        let got: Vec<(Vec<String>, ErrorCode, String)> = errors
            .into_iter()
            .map(|e| (e.field, e.code, e.message))
            .collect();
        assert_eq!(
            got,
            [
                (
                    vec!["a".into(), "0".into()],
                    ErrorCode::TooLong,
                    "the note must be at most 5 characters".into()
                ),
                (
                    vec!["b".into()],
                    ErrorCode::InvalidText,
                    "the note holds characters that cannot be stored".into()
                ),
            ]
        );
    }
}
