//! Input validation shared by services; each error names the offending field.

use crate::error::{AppError, AppResult};
use crate::service::kernel::Patch;

/// Applies a partial update of an optional text: keep, clear (also for blank text), or
/// set after checking it is 1 to `max` characters.
pub fn optional_text(
    patch: Patch<String>,
    slot: &mut Option<String>,
    field: &str,
    max: usize,
) -> AppResult<()> {
    match patch {
        Patch::Keep => {}
        Patch::Clear => *slot = None,
        Patch::Set(v) if v.trim().is_empty() => *slot = None,
        Patch::Set(v) => *slot = Some(text(field, &v, 1, max)?),
    }
    Ok(())
}

/// Trims and checks a required text's length in characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> AppResult<String> {
    let cleaned = without_invisible_controls(value);
    let trimmed = cleaned.trim();
    let length = trimmed.chars().count();
    if length < min || length > max {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be {min} to {max} characters long"),
        ));
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Normalises (trim, lower-case) and checks an email address.
pub fn email(field: &str, value: &str) -> AppResult<String> {
    let email = value.trim().to_lowercase();
    let valid = email.len() <= 320
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
        });
    if valid {
        Ok(email)
    } else {
        Err(AppError::bad_input(
            field,
            format!("{field} is not a valid email address"),
        ))
    }
}

/// Characters that change how text around them is displayed without being visible
/// themselves: bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069, the
/// marks U+200E/U+200F, U+061C) and zero-width characters (U+200B-U+200D, U+2060,
/// U+FEFF). In a name they let one entry pose as another ("Acme\u{202E}moc.live"), so
/// they are removed from every validated text.
pub fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// `value` without [`is_invisible_control`] characters (borrowed when it has none).
pub fn without_invisible_controls(value: &str) -> std::borrow::Cow<'_, str> {
    if value.chars().any(is_invisible_control) {
        std::borrow::Cow::Owned(
            value
                .chars()
                .filter(|c| !is_invisible_control(*c))
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            email("email", " Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        for bad in [
            "", "ann", "ann@", "@x.io", "a@b", "a b@x.io", "a@x..io", "a@@x.io",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(text("name", " A ", 1, 5).is_ok());
        assert!(text("name", "", 1, 5).is_err());
        assert!(text("name", "a\u{0}b", 1, 5).is_err());
    }
}
