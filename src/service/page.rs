//! Keyset pagination: the one page-size rule ([`page_size`]) and the one cursor codec
//! ([`encode_cursor`], [`decode_cursor`]) of every list. A cursor is the URL-safe
//! base64 of a JSON value holding the sort key of the last row seen (an id for the
//! id-ordered lists, the ordering's values and the id for the client list, a tuple for
//! the nested lists), so deep pages cost the same as the first (no OFFSET).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Page size when `first` is not given.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// Largest page; asking for more is BAD_USER_INPUT, not silently clipped.
pub const MAX_PAGE_SIZE: usize = 100;

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub first: usize,
    pub after: Option<Uuid>,
}

/// A page size given as `field` (`first`, `last`): 1 to [`MAX_PAGE_SIZE`], default
/// [`DEFAULT_PAGE_SIZE`]; anything else is BAD_USER_INPUT, never silently clipped.
pub fn page_size(value: Option<i32>, field: &str) -> AppResult<usize> {
    match value {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE as i32).contains(&n) => Ok(n as usize),
        Some(_) => Err(AppError::bad_input(
            field,
            format!("`{field}` must be between 1 and {MAX_PAGE_SIZE}"),
        )),
    }
}

impl PageRequest {
    pub fn new(first: Option<i32>, after: Option<&str>) -> AppResult<Self> {
        let first = page_size(first, "first")?;
        let after = after.map(|c| decode_cursor(c, "after")).transpose()?;
        Ok(PageRequest { first, after })
    }

    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn limit(&self) -> u64 {
        self.first as u64 + 1
    }
}

/// A page of rows and whether more follow.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// Cuts the extra row fetched by [`PageRequest::limit`].
    pub fn from_rows(mut rows: Vec<T>, request: &PageRequest) -> Self {
        let has_next = rows.len() > request.first;
        rows.truncate(request.first);
        Page {
            items: rows,
            has_next,
        }
    }
}

/// An opaque cursor holding a row's sort key.
pub fn encode_cursor(key: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// Reads a cursor made by [`encode_cursor`] and given as `field` (`after`, `before`); a
/// foreign or damaged one is BAD_USER_INPUT naming the field.
pub fn decode_cursor<K: DeserializeOwned>(cursor: &str, field: &str) -> AppResult<K> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            AppError::bad_input(field, format!("`{field}` is not a cursor of this list"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_and_cursors_are_validated() {
        assert_eq!(
            PageRequest::new(None, None).unwrap().first,
            DEFAULT_PAGE_SIZE
        );
        assert!(PageRequest::new(Some(101), None).is_err());
        assert!(PageRequest::new(Some(0), None).is_err());
        let id = Uuid::now_v7();
        let request = PageRequest::new(Some(5), Some(&encode_cursor(&id))).unwrap();
        assert_eq!(request.after, Some(id));
        assert!(PageRequest::new(None, Some("garbage!")).is_err());
    }
}
