//! Pieces of SQL that several lists share: LIKE patterns, full-text terms for both
//! databases, JSON-array membership, and "the parent client is live".

use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, SimpleExpr};

/// Most words of a full-text search that are used (the rest are ignored).
const MAX_WORDS: usize = 8;

/// `%term%` with LIKE's wildcards escaped (use with `ESCAPE '\'`).
pub fn like_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The words of a full-text search: lower-cased runs of letters and digits, so no
/// character of the caller's text reaches a query syntax. `None` when there is none.
pub fn words(text: &str) -> Option<Vec<String>> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_lowercase)
        .collect();
    (!words.is_empty()).then_some(words)
}

/// A PostgreSQL `to_tsquery` text: every word as a prefix, all required.
pub fn tsquery_prefixes(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("{w}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// An SQLite FTS5 query: every word as a quoted prefix, all required.
pub fn fts5_prefixes(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `table.column` (a JSON array of strings) holds any of `values`. `table` and `column`
/// are names from our code, never from a caller.
pub fn json_array_has_any(
    backend: DbBackend,
    table: &'static str,
    column: &'static str,
    values: &[String],
) -> SimpleExpr {
    let placeholders = |first: &dyn Fn(usize) -> String| {
        (0..values.len()).map(first).collect::<Vec<_>>().join(", ")
    };
    let sql = match backend {
        DbBackend::Postgres => format!(
            "EXISTS (SELECT 1 FROM json_array_elements_text(\"{table}\".\"{column}\") AS e(v) \
             WHERE e.v IN ({}))",
            placeholders(&|i| format!("${}", i + 1))
        ),
        _ => format!(
            "EXISTS (SELECT 1 FROM json_each(\"{table}\".\"{column}\") AS e WHERE e.value IN ({}))",
            placeholders(&|_| "?".to_owned())
        ),
    };
    Expr::cust_with_values(sql, values.iter().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_every_query_syntax_character() {
        assert_eq!(words("  !!  "), None);
        assert_eq!(
            words("Renewal: \"Q3\" & (budget)*"),
            Some(vec!["renewal".into(), "q3".into(), "budget".into()])
        );
        let w = words("a' OR 1=1 --").unwrap();
        assert_eq!(w, vec!["a", "or", "1", "1"]);
        assert_eq!(tsquery_prefixes(&w), "a:* & or:* & 1:* & 1:*");
        assert_eq!(fts5_prefixes(&w), "\"a\"* \"or\"* \"1\"* \"1\"*");
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
