//! Demo documents: every fifth client gets meeting minutes (text), an invoice list
//! (CSV) with a second version, and every tenth a logo (PNG), uploaded through the
//! same service as real uploads so they are stored, hashed and downloadable.

use entity::client;
use std::io::{Seek, Write};

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::documents::{self, DocType, DocumentPatch, FileSettings, IncomingFile};

/// A 1×1 PNG.
const LOGO_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

fn file(name: &str, bytes: &[u8]) -> AppResult<IncomingFile> {
    let mut content = tempfile::tempfile().map_err(AppError::internal)?;
    content.write_all(bytes).map_err(AppError::internal)?;
    content.rewind().map_err(AppError::internal)?;
    Ok(IncomingFile {
        filename: name.to_owned(),
        content,
    })
}

/// Seeds the documents of demo client number `i`.
pub async fn documents(
    db: &Db,
    files: &FileSettings,
    scope: &TenantScope,
    i: usize,
    client: &client::Model,
) -> AppResult<()> {
    if !i.is_multiple_of(5) {
        return Ok(());
    }
    let minutes = format!(
        "Kick-off with {}\n\nAttendees: account team, client leads.\nDecisions: weekly status call; shared drive for contracts.\n",
        client.name
    );
    let meeting = DocumentPatch {
        doc_type: Some(DocType::Report),
        category: Some("meetings".to_owned()).into(),
        tags: Some(vec!["kick-off".to_owned()]),
        ..DocumentPatch::default()
    };
    documents::upload(
        db,
        files,
        scope,
        client.id,
        meeting,
        file("Kick-off minutes.txt", minutes.as_bytes())?,
    )
    .await?;

    let invoices = DocumentPatch {
        doc_type: Some(DocType::Invoice),
        category: Some("finance".to_owned()).into(),
        ..DocumentPatch::default()
    };
    let first = "number,issued_on,amount\nINV-1001,2026-09-01,1200.00\n";
    let list = documents::upload(
        db,
        files,
        scope,
        client.id,
        invoices,
        file("invoices-2026.csv", first.as_bytes())?,
    )
    .await?;
    let second = format!("{first}INV-1002,2026-10-01,1350.00\n");
    documents::upload_version(
        db,
        files,
        scope,
        list.id,
        file("invoices-2026.csv", second.as_bytes())?,
        Some("October invoice added".to_owned()),
    )
    .await?;

    if i.is_multiple_of(10) {
        let logo = DocumentPatch {
            doc_type: Some(DocType::Logo),
            ..DocumentPatch::default()
        };
        documents::upload(
            db,
            files,
            scope,
            client.id,
            logo,
            file("logo.png", LOGO_PNG)?,
        )
        .await?;
    }
    Ok(())
}
