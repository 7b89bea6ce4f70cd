//! What an uploaded file really is: its size, its sha256, its MIME type sniffed from
//! the bytes (the type a client declares is never trusted) and a filename that is safe
//! to store and to send back in `Content-Disposition`.

use std::io::Read;

use crate::error::{AppError, AppResult};

/// Bytes read from the start of a file to recognise its type (OOXML needs a few KB).
const SNIFF_BYTES: usize = 64 * 1024;

/// Longest stored filename, in bytes (most filesystems' limit).
const MAX_FILENAME_BYTES: usize = 255;

/// The types a document may have, by what its bytes are.
const DOCUMENT_TYPES: &[&str] = &[
    "application/pdf",
    "application/rtf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "text/plain",
    "text/csv",
];

/// Raster images: allowed as documents and as logos. (SVG is not: it is markup that can
/// carry script.)
const IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/bmp",
];

/// The MIME types allowed for documents, then for logos (for the docs and errors).
pub fn allowed_types(logo: bool) -> Vec<&'static str> {
    if logo {
        IMAGE_TYPES.to_vec()
    } else {
        DOCUMENT_TYPES.iter().chain(IMAGE_TYPES).copied().collect()
    }
}

/// What is known of a stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    pub size_bytes: u64,
    /// Lower-case hex.
    pub sha256: String,
    pub mime_type: &'static str,
}

/// The type of `file` sniffed from its first bytes, which must be allowed (`logo`:
/// images only). Reads only the start of the file and rewinds it; the sha256 is taken
/// while the file streams to the store. Blocking I/O: call it from `spawn_blocking`.
pub fn check_type(file: &mut std::fs::File, filename: &str, logo: bool) -> AppResult<&'static str> {
    use std::io::Seek;
    file.rewind().map_err(AppError::internal)?;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(AppError::internal)?;
    file.rewind().map_err(AppError::internal)?;
    let mime_type = sniff(&head, filename)?;
    if !allowed_types(logo).contains(&mime_type) {
        let what = if logo { "a logo" } else { "a document" };
        return Err(AppError::bad_input(
            "file",
            format!(
                "files of type {mime_type} are not accepted as {what}; allowed: {}",
                allowed_types(logo).join(", ")
            ),
        ));
    }
    Ok(mime_type)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The type of a file from its first bytes. Binary formats are recognised by their
/// magic numbers; anything else must be plain UTF-8 text (CSV when the name says so).
/// Executables, scripts and markup are refused whatever they are called.
fn sniff(head: &[u8], filename: &str) -> AppResult<&'static str> {
    let refuse = |what: &str| {
        Err(AppError::bad_input(
            "file",
            format!("{what} files are not accepted"),
        ))
    };
    if let Some(kind) = infer::get(head) {
        return match (kind.matcher_type(), kind.mime_type()) {
            (infer::MatcherType::App, _) => refuse("executable"),
            (_, "text/x-shellscript") => refuse("script"),
            (_, "text/html" | "text/xml") => refuse("HTML, SVG and XML"),
            (_, mime) => Ok(mime),
        };
    }
    if !is_plain_text(head) {
        return refuse("binary files of an unknown type are not accepted; such");
    }
    let start = String::from_utf8_lossy(&head[..head.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    if start.starts_with("#!") {
        return refuse("script");
    }
    const MARKUP: [&str; 6] = ["<!doctype", "<html", "<svg", "<?xml", "<script", "<body"];
    if MARKUP.iter().any(|m| start.starts_with(m)) {
        return refuse("HTML, SVG and XML");
    }
    let csv = filename.to_ascii_lowercase().ends_with(".csv");
    Ok(if csv { "text/csv" } else { "text/plain" })
}

/// UTF-8 (a character cut at the end of the sniffed window is fine) without NUL or
/// control characters other than tab, line feed, form feed and carriage return.
fn is_plain_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(err) if err.error_len().is_none() && head.len() >= SNIFF_BYTES => {
            // Only the last character is incomplete: the window cut it.
            std::str::from_utf8(&head[..err.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    valid
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

/// A filename safe to store and to send back: the last path component only, without
/// control, bidirectional-override or reserved characters, trimmed, at most 255 bytes
/// (the extension kept), never empty or a dot name.
pub fn sanitize_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c.is_whitespace() || c == '.');
    let name = if trimmed.is_empty() { "file" } else { trimmed };
    truncate_keeping_extension(name, MAX_FILENAME_BYTES)
}

/// Bidirectional overrides and isolates (which can make `exe.pdf` read as `fdp.exe`),
/// and zero-width characters.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}

fn truncate_keeping_extension(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if name.len() - dot <= 16 && dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    let mut cut = max - ext.len();
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", &stem[..cut])
}

/// An ASCII-only rendering of a filename for the plain `filename=` parameter of
/// `Content-Disposition` (the exact name goes in `filename*`).
pub fn ascii_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// RFC 5987 percent-encoding of a filename for `filename*=UTF-8''…`.
pub fn encode_rfc5987(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_controls_overrides_and_length() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\Users\\x\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_filename("a\0b.txt"), "ab.txt");
        assert_eq!(
            sanitize_filename("invoice\u{202e}fdp.exe"),
            "invoicefdp.exe"
        );
        assert_eq!(sanitize_filename("..."), "file");
        assert_eq!(sanitize_filename(""), "file");
        assert_eq!(sanitize_filename("  .hidden "), "hidden");
        assert_eq!(sanitize_filename("what?*.pdf"), "what__.pdf");
        let long = format!("{}.pdf", "é".repeat(300));
        let cut = sanitize_filename(&long);
        assert!(cut.len() <= 255 && cut.ends_with(".pdf"), "{cut}");
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "x.txt").unwrap(), "application/pdf");
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "x.pdf").unwrap(),
            "image/png"
        );
        assert_eq!(
            sniff(b"name,amount\nA,1\n", "data.CSV").unwrap(),
            "text/csv"
        );
        assert_eq!(sniff("héllo\n".as_bytes(), "notes").unwrap(), "text/plain");
        for refused in [
            &b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"[..],
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0",
            b"#!/bin/sh\nrm -rf /\n",
            b"<html><script>alert(1)</script>",
            b"  <svg onload=alert(1)>",
            b"\0\x01\x02\x03binary",
        ] {
            assert!(sniff(refused, "safe.pdf").is_err(), "{refused:?}");
        }
    }

    #[test]
    fn only_images_make_logos() {
        assert!(allowed_types(true).contains(&"image/png"));
        assert!(!allowed_types(true).contains(&"application/pdf"));
        assert!(allowed_types(false).contains(&"application/pdf"));
        assert!(!allowed_types(false).contains(&"application/zip"));
    }

    #[test]
    fn disposition_names_are_ascii_or_encoded() {
        assert_eq!(ascii_filename("Résumé \"q\".pdf"), "R_sum_ _q_.pdf");
        assert_eq!(encode_rfc5987("Résumé 1.pdf"), "R%C3%A9sum%C3%A9%201.pdf");
    }
}
