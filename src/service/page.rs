//! Keyset pagination on time-ordered ids (UUIDv7): `after` is the last id seen, so deep
//! pages cost the same as the first (no OFFSET).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

impl PageRequest {
    pub fn new(first: Option<i32>, after: Option<&str>) -> AppResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (1..=MAX_PAGE_SIZE as i32).contains(&n) => n as usize,
            Some(_) => {
                return Err(AppError::bad_input(
                    "first",
                    format!("`first` must be between 1 and {MAX_PAGE_SIZE}"),
                ));
            }
        };
        let after = after.map(decode_cursor).transpose()?;
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

/// Opaque cursor for an id.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(cursor: &str) -> AppResult<Uuid> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| AppError::bad_input("after", "`after` is not a cursor of this list"))
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
        let request = PageRequest::new(Some(5), Some(&encode_cursor(id))).unwrap();
        assert_eq!(request.after, Some(id));
        assert!(PageRequest::new(None, Some("garbage!")).is_err());
    }
}
