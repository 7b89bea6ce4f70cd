//! Documents: multipart upload, versions, signed downloads (sha256, Range, expiry,
//! tampering), limits, MIME sniffing, filename sanitizing, legal hold and purge,
//! tenancy, permissions, and no orphan files when an upload fails.

use std::path::{Path, PathBuf};

use clientgraph::auth::Role;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{
    Part, TestApp, TestTenant, first_error_code, multipart, part, spawn_app, spawn_app_with,
};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0";

const UPLOAD: &str = "mutation($c: ID!, $f: Upload!, $i: UploadDocumentInput!) {
    uploadDocument(clientId: $c, file: $f, input: $i) {
        id name docType visibility version
        currentVersion { versionNo filename mimeType sizeBytes sha256 uploadedBy { id } }
    }
}";

const NEW_VERSION: &str = "mutation($d: ID!, $f: Upload!, $n: String) {
    uploadDocumentVersion(documentId: $d, file: $f, changeNote: $n) {
        id currentVersion { versionNo sha256 changeNote } versions { versionNo }
    }
}";

impl TestApp {
    /// Uploads `bytes` as a new document of `client`; the document (must succeed).
    pub(crate) async fn upload_document(
        &self,
        token: &str,
        client: &Value,
        filename: &str,
        bytes: &[u8],
        input: Value,
    ) -> Value {
        let body = self
            .upload(
                token,
                UPLOAD,
                json!({ "c": client, "f": null, "i": input }),
                &[part("variables.f", filename, bytes)],
            )
            .await;
        assert!(body["errors"].is_null(), "{body}");
        body["data"]["uploadDocument"].clone()
    }

    /// A download link of a document (a version, or the current one).
    async fn download_url(&self, token: &str, document: &Value, version: Option<i32>) -> String {
        let data = self
            .ok_as(
                token,
                "query($id: ID!, $v: Int) { document(id: $id) { downloadUrl(version: $v) } }",
                json!({ "id": document["id"], "v": version }),
            )
            .await;
        data["document"]["downloadUrl"].as_str().unwrap().to_owned()
    }

    async fn get_file(&self, url: &str, range: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(url));
        if let Some(range) = range {
            request = request.header("range", range);
        }
        request.send().await.unwrap()
    }

    /// Every file in this app's file store.
    fn stored_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.files.path(), &mut out);
        out
    }

    async fn document_rows(&self) -> (u64, u64) {
        let documents = entity::client_document::Entity::find()
            .count(self.db.system("test inspection").conn())
            .await
            .unwrap();
        let versions = entity::document_version::Entity::find()
            .count(self.db.system("test inspection").conn())
            .await
            .unwrap();
        (documents, versions)
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn tenant_with_client(app: &TestApp, slug: &str) -> (TestTenant, String, Value) {
    let tenant = app.create_tenant(slug).await;
    let admin = app.token(&tenant, Role::Admin).await;
    let client = app.create_client(&admin, &format!("{slug} client")).await;
    (tenant, admin, client)
}

#[tokio::test]
async fn upload_sniffs_sanitizes_hashes_lists_and_downloads() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-e2e").await;
    // The declared type (text/html) is ignored; the name tries to climb out and hide
    // its extension behind a right-to-left override.
    let body = app
        .upload(
            &admin,
            UPLOAD,
            json!({ "c": client, "f": null, "i": { "tags": ["Legal", "legal", "2026"], "category": "Contracts" } }),
            &[Part {
                path: "variables.f",
                filename: "../../etc/con\u{202e}fdp.tract.pdf",
                content_type: "text/html",
                bytes: PDF,
            }],
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let document = &body["data"]["uploadDocument"];
    let current = &document["currentVersion"];
    assert_eq!(current["filename"], "confdp.tract.pdf");
    assert_eq!(document["name"], "confdp.tract.pdf");
    assert_eq!(document["docType"], "OTHER");
    assert_eq!(document["visibility"], "TENANT");
    assert_eq!(current["mimeType"], "application/pdf");
    assert_eq!(current["sizeBytes"], PDF.len());
    assert_eq!(current["sha256"], sha256_hex(PDF));
    assert_eq!(current["versionNo"], 1);
    assert!(current["uploadedBy"]["id"].is_string());
    // Stored under a random key, never under the client's name.
    let stored = app.stored_files();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].to_string_lossy().contains("tract"));

    let listed = app
        .ok_as(
            &admin,
            "query($id: ID!) { client(id: $id) {
                documents(filter: { tags: [\"legal\"], category: \"contracts\", docType: [OTHER] }, search: \"TRACT\") {
                    totalCount edges { node { id tags category } }
                }
                none: documents(filter: { docType: [INVOICE] }) { totalCount }
            } }",
            json!({ "id": client }),
        )
        .await;
    assert_eq!(listed["client"]["documents"]["totalCount"], 1);
    assert_eq!(
        listed["client"]["documents"]["edges"][0]["node"]["tags"],
        json!(["legal", "2026"])
    );
    assert_eq!(listed["client"]["none"]["totalCount"], 0);

    let url = app.download_url(&admin, document, None).await;
    assert!(url.starts_with("/files/") && url.contains("&sig="), "{url}");
    let response = app.get_file(&url, None).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["content-length"], PDF.len().to_string().as_str());
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.get("content-encoding").is_none());
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"confdp.tract.pdf\""),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), PDF);

    let audited = app
        .ok_as(
            &admin,
            "query { auditEvents(filter: { action: \"document.downloaded\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(audited["auditEvents"]["totalCount"], 1);
}

#[tokio::test]
async fn new_versions_become_current_and_old_ones_stay_downloadable() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-versions").await;
    let document = app
        .upload_document(&admin, &client, "notes.txt", b"first draft\n", json!({}))
        .await;
    let body = app
        .upload(
            &admin,
            NEW_VERSION,
            json!({ "d": document["id"], "f": null, "n": "final wording" }),
            &[part("variables.f", "notes-v2.txt", b"final text\n")],
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let updated = &body["data"]["uploadDocumentVersion"];
    assert_eq!(updated["currentVersion"]["versionNo"], 2);
    assert_eq!(updated["currentVersion"]["changeNote"], "final wording");
    assert_eq!(
        updated["currentVersion"]["sha256"],
        sha256_hex(b"final text\n")
    );
    assert_eq!(
        updated["versions"],
        json!([{ "versionNo": 2 }, { "versionNo": 1 }])
    );

    let current = app.download_url(&admin, &document, None).await;
    let current = app.get_file(&current, None).await;
    assert_eq!(current.headers()["content-type"], "text/plain");
    assert_eq!(current.bytes().await.unwrap().as_ref(), b"final text\n");
    let first = app.download_url(&admin, &document, Some(1)).await;
    let first = app.get_file(&first, None).await.bytes().await.unwrap();
    assert_eq!(first.as_ref(), b"first draft\n");

    let missing = app
        .graphql_as(
            &admin,
            "query($id: ID!) { document(id: $id) { downloadUrl(version: 3) } }",
            json!({ "id": document["id"] }),
        )
        .await;
    assert_eq!(first_error_code(&missing), Some("NOT_FOUND"));
    assert_eq!(app.stored_files().len(), 2);
}

#[tokio::test]
async fn a_file_corrupted_on_disk_is_refused_not_served() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-corrupt").await;
    let document = app
        .upload_document(
            &admin,
            &client,
            "ledger.csv",
            b"account,amount\nA,100\n",
            json!({}),
        )
        .await;
    assert_eq!(document["currentVersion"]["mimeType"], "text/csv");
    let stored = app.stored_files();
    // Same length, one byte changed: only the hash can tell.
    std::fs::write(&stored[0], b"account,amount\nA,900\n").unwrap();
    let url = app.download_url(&admin, &document, None).await;
    let response = app.get_file(&url, None).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = response.text().await.unwrap();
    assert!(body.contains("integrity"), "{body}");
    assert!(!body.contains("A,900"));
    let ranged = app.get_file(&url, Some("bytes=0-3")).await;
    assert_eq!(ranged.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn range_requests_get_partial_content() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-range").await;
    let text = b"0123456789abcdef";
    let document = app
        .upload_document(&admin, &client, "digits.txt", text, json!({}))
        .await;
    let url = app.download_url(&admin, &document, None).await;

    let part = app.get_file(&url, Some("bytes=2-5")).await;
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()["content-range"], "bytes 2-5/16");
    assert_eq!(part.headers()["content-length"], "4");
    assert_eq!(part.bytes().await.unwrap().as_ref(), b"2345");

    let tail = app.get_file(&url, Some("bytes=-3")).await;
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap().as_ref(), b"def");

    let open = app.get_file(&url, Some("bytes=10-")).await;
    assert_eq!(open.bytes().await.unwrap().as_ref(), b"abcdef");

    let outside = app.get_file(&url, Some("bytes=99-")).await;
    assert_eq!(outside.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(outside.headers()["content-range"], "bytes */16");

    let whole = app.get_file(&url, None).await;
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), text);
}

#[tokio::test]
async fn links_expire_and_tampered_or_foreign_links_are_refused() {
    let app = spawn_app_with(|c| c.download_url_ttl_secs = 3).await;
    let (tenant, admin, client) = tenant_with_client(&app, "docs-links").await;
    let document = app
        .upload_document(&admin, &client, "a.txt", b"alpha\n", json!({}))
        .await;
    let version2 = app
        .upload(
            &admin,
            NEW_VERSION,
            json!({ "d": document["id"], "f": null }),
            &[part("variables.f", "b.txt", b"beta\n")],
        )
        .await;
    assert!(version2["errors"].is_null());
    let url = app.download_url(&admin, &document, Some(1)).await;
    assert_eq!(app.get_file(&url, None).await.status(), 200);

    // Any changed part breaks the signature: version, tenant, actor, expiry, signature.
    let tampered = [
        url.replacen("/1?", "/2?", 1),
        url.replacen(&tenant.id.to_string(), &uuid::Uuid::new_v4().to_string(), 1),
        url.replacen("by=USER:", "by=API_KEY:", 1),
        {
            let (head, exp_and_sig) = url.split_once("&exp=").unwrap();
            let (exp, sig) = exp_and_sig.split_once("&sig=").unwrap();
            let later: i64 = exp.parse::<i64>().unwrap() + 3600;
            format!("{head}&exp={later}&sig={sig}")
        },
        format!("{}A", url),
        url.split("&sig=").next().unwrap().to_owned(),
    ];
    for bad in &tampered {
        let response = app.get_file(bad, None).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }

    // Another tenant's admin cannot see the document, so gets no link for it.
    let (_, other_admin, _) = tenant_with_client(&app, "docs-links-other").await;
    let foreign = app
        .graphql_as(
            &other_admin,
            "query($id: ID!) { document(id: $id) { downloadUrl } }",
            json!({ "id": document["id"] }),
        )
        .await;
    assert_eq!(first_error_code(&foreign), Some("NOT_FOUND"));

    // Deleted after the link was made: 404 without saying more.
    let current = app.download_url(&admin, &document, None).await;
    app.ok_as(
        &admin,
        "mutation($id: ID!) { deleteDocument(id: $id) { id } }",
        json!({ "id": document["id"] }),
    )
    .await;
    assert_eq!(
        app.get_file(&current, None).await.status(),
        StatusCode::NOT_FOUND
    );

    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    app.ok_as(
        &admin,
        "mutation($id: ID!) { restoreDocument(id: $id) { id } }",
        json!({ "id": document["id"] }),
    )
    .await;
    assert_eq!(
        app.get_file(&url, None).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn size_count_and_body_limits_are_enforced_while_streaming() {
    let app = spawn_app_with(|c| {
        c.upload_max_file_bytes = 1000;
        c.logo_max_bytes = 60;
        c.upload_max_files = 1;
        c.upload_max_body_bytes = 5000;
    })
    .await;
    let (_, admin, client) = tenant_with_client(&app, "docs-limits").await;
    let big = vec![b'a'; 1500];
    let too_big = app
        .upload_raw(
            &admin,
            UPLOAD,
            json!({ "c": client, "f": null, "i": {} }),
            &[part("variables.f", "big.txt", &big)],
        )
        .await;
    assert_eq!(too_big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = too_big.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");

    let two = app
        .upload_raw(
            &admin,
            "mutation($c: ID!, $a: Upload!, $b: Upload!) {
                a: uploadDocument(clientId: $c, file: $a, input: {}) { id }
                b: uploadDocument(clientId: $c, file: $b, input: {}) { id }
            }",
            json!({ "c": client, "a": null, "b": null }),
            &[
                part("variables.a", "a.txt", b"a\n"),
                part("variables.b", "b.txt", b"b\n"),
            ],
        )
        .await;
    assert_eq!(two.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Unmapped parts are not files of the request, but they still count to the body.
    let (content_type, mut body) = multipart(
        UPLOAD,
        json!({ "c": client, "f": null, "i": {} }),
        &[part("variables.f", "s.txt", b"s\n")],
    );
    let filler = format!(
        "--cgboundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"junk\"\r\n\r\n{}\r\n",
        "x".repeat(900)
    );
    let mut padded = Vec::new();
    for _ in 0..6 {
        padded.extend_from_slice(filler.as_bytes());
    }
    padded.append(&mut body);
    let huge = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin)
        .header("content-type", content_type)
        .header("graphql-require-preflight", "1")
        .body(padded)
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A logo has its own, smaller limit.
    let logo = app
        .upload(
            &admin,
            UPLOAD,
            json!({ "c": client, "f": null, "i": { "docType": "LOGO" } }),
            &[part("variables.f", "logo.png", PNG)],
        )
        .await;
    assert_eq!(first_error_code(&logo), Some("PAYLOAD_TOO_LARGE"), "{logo}");

    assert!(app.stored_files().is_empty());
    assert_eq!(app.document_rows().await, (0, 0));
}

#[tokio::test]
async fn types_are_sniffed_and_refused_types_leave_nothing() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-mime").await;
    for (name, bytes) in [
        ("report.pdf", ELF),
        ("page.txt", &b"<!DOCTYPE html><script>alert(1)</script>"[..]),
        ("run.txt", b"#!/bin/sh\necho hi\n"),
        (
            "archive.docx",
            b"PK\x03\x04\x14\0\0\0\x08\0random-zip-that-is-no-office-file",
        ),
        ("empty.txt", b""),
    ] {
        let body = app
            .upload(
                &admin,
                UPLOAD,
                json!({ "c": client, "f": null, "i": {} }),
                &[part("variables.f", name, bytes)],
            )
            .await;
        assert_eq!(
            first_error_code(&body),
            Some("BAD_USER_INPUT"),
            "{name}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "file", "{name}");
    }
    // A PDF is no logo; a PNG is, and becomes the client's logo.
    let pdf_logo = app
        .upload(
            &admin,
            UPLOAD,
            json!({ "c": client, "f": null, "i": { "docType": "LOGO" } }),
            &[part("variables.f", "logo.pdf", PDF)],
        )
        .await;
    assert_eq!(first_error_code(&pdf_logo), Some("BAD_USER_INPUT"));
    assert!(app.stored_files().is_empty());
    assert_eq!(app.document_rows().await, (0, 0));

    let logo = app
        .upload_document(
            &admin,
            &client,
            "logo.bin",
            PNG,
            json!({ "docType": "LOGO" }),
        )
        .await;
    assert_eq!(logo["currentVersion"]["mimeType"], "image/png");
    let data = app
        .ok_as(
            &admin,
            "query($id: ID!) { client(id: $id) { logo { id docType } } }",
            json!({ "id": client }),
        )
        .await;
    assert_eq!(data["client"]["logo"]["id"], logo["id"]);
    // Turning a PDF document into the logo is refused as well.
    let pdf = app
        .upload_document(&admin, &client, "brochure.pdf", PDF, json!({}))
        .await;
    let retype = app
        .graphql_as(
            &admin,
            "mutation($id: ID!) { updateDocument(id: $id, input: { docType: LOGO }, expectedVersion: 1) { id } }",
            json!({ "id": pdf["id"] }),
        )
        .await;
    assert_eq!(first_error_code(&retype), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn multipart_without_a_preflight_header_is_refused_as_csrf() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-csrf").await;
    let (content_type, body) = multipart(
        UPLOAD,
        json!({ "c": client, "f": null, "i": {} }),
        &[part("variables.f", "a.txt", b"hello\n")],
    );
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&admin)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(app.stored_files().is_empty());
    assert_eq!(app.document_rows().await, (0, 0));
}

#[tokio::test]
async fn metadata_updates_lock_optimistically_and_legal_hold_stops_deletion() {
    let app = spawn_app().await;
    let (tenant, admin, client) = tenant_with_client(&app, "docs-hold").await;
    let member = app.token(&tenant, Role::Member).await;
    let manager = app.token(&tenant, Role::Manager).await;
    let document = app
        .upload_document(
            &member,
            &client,
            "msa.pdf",
            PDF,
            json!({ "docType": "CONTRACT" }),
        )
        .await;
    let updated = app
        .ok_as(
            &member,
            "mutation($id: ID!) { updateDocument(id: $id, input: { name: \"MSA 2026\", description: \"signed\" }, expectedVersion: 1) { name description version } }",
            json!({ "id": document["id"] }),
        )
        .await;
    assert_eq!(updated["updateDocument"]["name"], "MSA 2026");
    assert_eq!(updated["updateDocument"]["version"], 2);
    let stale = app
        .graphql_as(
            &member,
            "mutation($id: ID!) { updateDocument(id: $id, input: { name: \"x\" }, expectedVersion: 1) { id } }",
            json!({ "id": document["id"] }),
        )
        .await;
    assert_eq!(first_error_code(&stale), Some("CONFLICT"));

    const RETAIN: &str = "mutation($id: ID!, $hold: Boolean) { setRetention(documentId: $id, legalHold: $hold, until: \"2030-01-01T00:00:00Z\") { legalHold retentionUntil } }";
    let refused = app
        .graphql_as(
            &member,
            RETAIN,
            json!({ "id": document["id"], "hold": true }),
        )
        .await;
    assert_eq!(first_error_code(&refused), Some("FORBIDDEN"));
    let held = app
        .ok_as(
            &manager,
            RETAIN,
            json!({ "id": document["id"], "hold": true }),
        )
        .await;
    assert_eq!(held["setRetention"]["legalHold"], true);
    assert_eq!(
        held["setRetention"]["retentionUntil"],
        "2030-01-01T00:00:00+00:00"
    );

    const DELETE: &str = "mutation($id: ID!) { deleteDocument(id: $id) { deletedAt } }";
    let blocked = app
        .graphql_as(&admin, DELETE, json!({ "id": document["id"] }))
        .await;
    assert_eq!(first_error_code(&blocked), Some("CONFLICT"));

    app.ok_as(
        &admin,
        RETAIN,
        json!({ "id": document["id"], "hold": false }),
    )
    .await;
    let deleted = app
        .ok_as(&member, DELETE, json!({ "id": document["id"] }))
        .await;
    assert!(deleted["deleteDocument"]["deletedAt"].is_string());
    let gone = app
        .graphql_as(
            &member,
            "query($id: ID!) { document(id: $id) { id } }",
            json!({ "id": document["id"] }),
        )
        .await;
    assert_eq!(first_error_code(&gone), Some("NOT_FOUND"));
    let bin = app
        .ok_as(
            &member,
            "query($id: ID!) { client(id: $id) { documents(filter: { deleted: true }) { totalCount edges { node { id deletedAt } } } } }",
            json!({ "id": client }),
        )
        .await;
    assert_eq!(bin["client"]["documents"]["totalCount"], 1);
    let restored = app
        .ok_as(
            &member,
            "mutation($id: ID!) { restoreDocument(id: $id) { deletedAt } }",
            json!({ "id": document["id"] }),
        )
        .await;
    assert!(restored["restoreDocument"]["deletedAt"].is_null());
    // The bytes never left.
    assert_eq!(app.stored_files().len(), 1);
}

#[tokio::test]
async fn purge_removes_expired_deleted_files_and_keeps_retained_ones() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-purge").await;
    let doomed = app
        .upload_document(&admin, &client, "old.txt", b"old\n", json!({}))
        .await;
    app.upload(
        &admin,
        NEW_VERSION,
        json!({ "d": doomed["id"], "f": null }),
        &[part("variables.f", "older.txt", b"older\n")],
    )
    .await;
    let retained = app
        .upload_document(&admin, &client, "keep.txt", b"keep\n", json!({}))
        .await;
    let live = app
        .upload_document(&admin, &client, "live.txt", b"live\n", json!({}))
        .await;
    app.ok_as(
        &admin,
        "mutation($id: ID!) { setRetention(documentId: $id, until: \"2199-01-01T00:00:00Z\") { id } }",
        json!({ "id": retained["id"] }),
    )
    .await;
    for id in [&doomed["id"], &retained["id"]] {
        app.ok_as(
            &admin,
            "mutation($id: ID!) { deleteDocument(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    }
    assert_eq!(app.stored_files().len(), 4);

    let run = |after_days: &'static str| {
        let (url, files) = (app.database_url.clone(), app.files.path().to_owned());
        async move {
            let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_clientgraph"))
                .args(["documents", "purge", "--after-days", after_days])
                .env("DATABASE_URL", url)
                .env("CLIENTGRAPH_STORAGE_PATH", files)
                .output()
                .await
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout).unwrap()
        }
    };
    // Files no version refers to (as a crash between storing and committing leaves):
    // an old one is an orphan, a fresh one may still be an upload in flight.
    let tenant_dir = app.stored_files()[0].parent().unwrap().to_owned();
    let old_orphan = tenant_dir.join("0rphan0ld");
    let fresh_orphan = tenant_dir.join("0rphanfresh");
    std::fs::write(&old_orphan, b"left behind\n").unwrap();
    std::fs::write(&fresh_orphan, b"in flight\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&old_orphan)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200))
        .unwrap();

    // Deleted moments ago: not yet old enough.
    let report = run("30").await;
    assert!(report.starts_with("purged 0 documents"), "{report}");
    assert!(report.ends_with("1 orphaned files removed\n"), "{report}");
    assert!(!old_orphan.exists() && fresh_orphan.exists());
    assert_eq!(app.stored_files().len(), 5);

    let report = run("0").await;
    assert!(
        report.starts_with("purged 1 documents (2 files); 1 deleted"),
        "{report}"
    );
    assert_eq!(app.stored_files().len(), 3);
    assert_eq!(app.document_rows().await, (2, 2));
    let purged = entity::client_document::Entity::find_by_id(
        doomed["id"]
            .as_str()
            .unwrap()
            .parse::<uuid::Uuid>()
            .unwrap(),
    )
    .one(app.db.system("test inspection").conn())
    .await
    .unwrap();
    assert!(purged.is_none());
    // The live document still downloads.
    let url = app.download_url(&admin, &live, None).await;
    assert_eq!(
        app.get_file(&url, None)
            .await
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        b"live\n"
    );
}

#[tokio::test]
async fn another_tenant_cannot_touch_documents() {
    let app = spawn_app().await;
    let (_, owner, client) = tenant_with_client(&app, "docs-owner").await;
    let document = app
        .upload_document(
            &owner,
            &client,
            "secret.txt",
            b"secret\n",
            json!({ "tags": ["x"] }),
        )
        .await;
    let (_, intruder, own_client) = tenant_with_client(&app, "docs-intruder").await;
    let id = &document["id"];
    for (query, variables) in [
        (
            "query($id: ID!) { document(id: $id) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { updateDocument(id: $id, input: { name: \"mine\" }, expectedVersion: 1) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { deleteDocument(id: $id) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { restoreDocument(id: $id) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { setRetention(documentId: $id, legalHold: true) { id } }",
            json!({ "id": id }),
        ),
        (
            "query($id: ID!) { client(id: $id) { documents { totalCount } } }",
            json!({ "id": client }),
        ),
    ] {
        let body = app.graphql_as(&intruder, query, variables).await;
        assert_eq!(
            first_error_code(&body),
            Some("NOT_FOUND"),
            "{query}: {body}"
        );
    }
    // Listing and counting the intruder's own client never includes the owner's rows.
    let own = app
        .ok_as(
            &intruder,
            "query($id: ID!) { client(id: $id) { documents(filter: { tags: [\"x\"] }) { totalCount edges { node { id } } } logo { id } } }",
            json!({ "id": own_client }),
        )
        .await;
    assert_eq!(own["client"]["documents"]["totalCount"], 0);
    // Neither a new version of the document nor an upload to the other client lands,
    // and nothing is left in the store.
    let version = app
        .upload(
            &intruder,
            NEW_VERSION,
            json!({ "d": id, "f": null }),
            &[part("variables.f", "x.txt", b"overwrite\n")],
        )
        .await;
    assert_eq!(first_error_code(&version), Some("NOT_FOUND"));
    let upload = app
        .upload(
            &intruder,
            UPLOAD,
            json!({ "c": client, "f": null, "i": {} }),
            &[part("variables.f", "x.txt", b"planted\n")],
        )
        .await;
    assert_eq!(first_error_code(&upload), Some("NOT_FOUND"));
    assert_eq!(app.stored_files().len(), 1);
    assert_eq!(app.document_rows().await, (1, 1));
}

#[tokio::test]
async fn roles_decide_who_uploads_who_downloads_and_who_sees_private_documents() {
    let app = spawn_app().await;
    let (tenant, admin, client) = tenant_with_client(&app, "docs-roles").await;
    let document = app
        .upload_document(&admin, &client, "deck.pdf", PDF, json!({}))
        .await;
    let viewer = app.token(&tenant, Role::Viewer).await;
    let url = app.download_url(&viewer, &document, None).await;
    assert_eq!(app.get_file(&url, None).await.status(), 200);
    for role in [Role::Viewer, Role::Accountant] {
        let token = app.token(&tenant, role).await;
        let body = app
            .upload(
                &token,
                UPLOAD,
                json!({ "c": client, "f": null, "i": {} }),
                &[part("variables.f", "a.txt", b"a\n")],
            )
            .await;
        assert_eq!(first_error_code(&body), Some("FORBIDDEN"), "{role:?}");
        let delete = app
            .graphql_as(
                &token,
                "mutation($id: ID!) { deleteDocument(id: $id) { id } }",
                json!({ "id": document["id"] }),
            )
            .await;
        assert_eq!(first_error_code(&delete), Some("FORBIDDEN"), "{role:?}");
    }
    for role in [Role::Member, Role::Technician, Role::Manager] {
        let token = app.token(&tenant, role).await;
        app.upload_document(&token, &client, "ok.txt", b"ok\n", json!({}))
            .await;
    }
    assert_eq!(app.stored_files().len(), 4);

    // PRIVATE: its uploader and admins see it, other members do not (NOT_FOUND).
    let (owner_id, _) = app.create_user(&tenant, Role::Member).await;
    let owner = app.token_for(&tenant, owner_id, Role::Member);
    let private = app
        .upload_document(
            &owner,
            &client,
            "mine.txt",
            b"mine\n",
            json!({ "visibility": "PRIVATE" }),
        )
        .await;
    let colleague = app.token(&tenant, Role::Member).await;
    const ONE: &str = "query($id: ID!) { document(id: $id) { id } }";
    let hidden = app
        .graphql_as(&colleague, ONE, json!({ "id": private["id"] }))
        .await;
    assert_eq!(first_error_code(&hidden), Some("NOT_FOUND"));
    app.ok_as(&owner, ONE, json!({ "id": private["id"] })).await;
    app.ok_as(&admin, ONE, json!({ "id": private["id"] })).await;
    const COUNT: &str = "query($id: ID!) { client(id: $id) { documents { totalCount } } }";
    let seen = app.ok_as(&colleague, COUNT, json!({ "id": client })).await;
    assert_eq!(seen["client"]["documents"]["totalCount"], 4);
    let seen = app.ok_as(&admin, COUNT, json!({ "id": client })).await;
    assert_eq!(seen["client"]["documents"]["totalCount"], 5);
    // A link made while the owner could see it stops working for a colleague's token:
    // links are bound to the actor who asked.
    let owner_link = app.download_url(&owner, &private, None).await;
    assert_eq!(app.get_file(&owner_link, None).await.status(), 200);
}

#[tokio::test]
async fn attachments_and_contact_documents_hang_off_their_parents() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-parents").await;
    let contact = app
        .ok_as(
            &admin,
            "mutation($c: ID!) { addContact(clientId: $c, input: { firstName: \"Ana\", lastName: \"Silva\", email: \"ana@example.com\" }) { id } }",
            json!({ "c": client }),
        )
        .await["addContact"]["id"]
        .clone();
    let communication = app
        .ok_as(
            &admin,
            "mutation($c: ID!) { logCommunication(clientId: $c, input: { communicationType: EMAIL, subject: \"Proposal\" }) { id } }",
            json!({ "c": client }),
        )
        .await["logCommunication"]["id"]
        .clone();
    let attachment = app
        .upload_document(
            &admin,
            &client,
            "proposal.pdf",
            PDF,
            json!({ "communicationId": communication, "contactId": contact }),
        )
        .await;
    assert_eq!(attachment["docType"], "ATTACHMENT");
    let data = app
        .ok_as(
            &admin,
            "query($c: ID!) { client(id: $c) {
                contacts(first: 10) { edges { node { documents { totalCount edges { node { id } } } } } }
                communications { edges { node { attachments { id name } } } }
            } }",
            json!({ "c": client }),
        )
        .await;
    let contact_docs = &data["client"]["contacts"]["edges"][0]["node"]["documents"];
    assert_eq!(contact_docs["totalCount"], 1);
    assert_eq!(contact_docs["edges"][0]["node"]["id"], attachment["id"]);
    let attachments = &data["client"]["communications"]["edges"][0]["node"]["attachments"];
    assert_eq!(
        attachments,
        &json!([{ "id": attachment["id"], "name": "proposal.pdf" }])
    );
}

#[tokio::test]
async fn a_failed_database_write_leaves_no_orphan_file_and_no_half_row() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-orphans").await;
    let other_client = app.create_client(&admin, "Other client").await;
    let contact = app
        .ok_as(
            &admin,
            "mutation($c: ID!) { addContact(clientId: $c, input: { firstName: \"Bo\", lastName: \"Lee\" }) { id } }",
            json!({ "c": other_client }),
        )
        .await["addContact"]["id"]
        .clone();
    // The contact belongs to another client: found out inside the transaction, after
    // the file was stored.
    let body = app
        .upload(
            &admin,
            UPLOAD,
            json!({ "c": client, "f": null, "i": { "contactId": contact } }),
            &[part("variables.f", "a.txt", b"a\n")],
        )
        .await;
    assert_eq!(first_error_code(&body), Some("NOT_FOUND"));
    assert!(app.stored_files().is_empty());

    // The version insert itself fails (a trigger refuses it): the document row goes too.
    let trigger = if app.database.is_postgres() {
        vec![
            "CREATE FUNCTION refuse_version() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_version BEFORE INSERT ON document_versions FOR EACH ROW EXECUTE FUNCTION refuse_version()",
        ]
    } else {
        vec![
            "CREATE TRIGGER refuse_version BEFORE INSERT ON document_versions BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ]
    };
    for statement in trigger {
        app.db
            .system("test inspection")
            .conn()
            .execute_unprepared(statement)
            .await
            .unwrap();
    }
    let body = app
        .upload(
            &admin,
            UPLOAD,
            json!({ "c": client, "f": null, "i": {} }),
            &[part("variables.f", "b.txt", b"b\n")],
        )
        .await;
    assert_eq!(first_error_code(&body), Some("INTERNAL_SERVER_ERROR"));
    assert!(!body.to_string().contains("refused"), "{body}");
    assert!(app.stored_files().is_empty());
    assert_eq!(app.document_rows().await, (0, 0));
}

#[tokio::test]
async fn uploads_show_in_the_dashboards_recent_activity_as_their_viewer_may_see_them() {
    let app = spawn_app().await;
    let (tenant, admin, client) = tenant_with_client(&app, "docs-activity").await;
    let shared = app
        .upload_document(
            &admin,
            &client,
            "plan.pdf",
            PDF,
            json!({ "name": "Launch plan" }),
        )
        .await;
    app.upload_document(
        &admin,
        &client,
        "own.txt",
        b"own\n",
        json!({ "visibility": "PRIVATE" }),
    )
    .await;
    const ACTIVITY: &str = "query($id: ID!) { client(id: $id) { dashboard { recentActivities(first: 10) { kind summary entityId actor { id } } } } }";
    let kinds = |data: &Value| -> Vec<(String, String)> {
        data["client"]["dashboard"]["recentActivities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "DOCUMENT")
            .map(|a| {
                (
                    a["summary"].as_str().unwrap().to_owned(),
                    a["entityId"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let for_admin = kinds(&app.ok_as(&admin, ACTIVITY, json!({ "id": client })).await);
    assert_eq!(for_admin.len(), 2);
    assert_eq!(
        for_admin[1],
        (
            "Launch plan".to_owned(),
            shared["id"].as_str().unwrap().to_owned()
        )
    );
    let member = app.token(&tenant, Role::Member).await;
    let for_member = kinds(&app.ok_as(&member, ACTIVITY, json!({ "id": client })).await);
    assert_eq!(
        for_member,
        vec![(
            "Launch plan".to_owned(),
            shared["id"].as_str().unwrap().to_owned()
        )]
    );
}

/// The S3 option end to end, against the S3-compatible server named by
/// `TEST_S3_ENDPOINT` (CI starts one: moto's server). Without it there is nothing to
/// talk to, and the test says so and passes.
#[tokio::test]
async fn the_s3_store_uploads_downloads_ranges_and_purges() {
    let Ok(endpoint) = std::env::var("TEST_S3_ENDPOINT") else {
        eprintln!("TEST_S3_ENDPOINT is not set: the S3 store is not exercised");
        return;
    };
    let bucket = format!("cg-{}", uuid::Uuid::new_v4().simple());
    let created = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success(), "bucket created");
    let app = spawn_app_with(|c| {
        c.files.kind = clientgraph::config::StorageKind::S3;
        c.files.s3_bucket = Some(bucket.clone());
        c.files.s3_endpoint = Some(endpoint.clone());
        c.files.s3_allow_http = true;
        c.files.s3_access_key_id = Some("test".into());
        c.files.s3_secret_access_key = Some("test".parse().unwrap());
    })
    .await;
    let (_, admin, client) = tenant_with_client(&app, "docs-s3").await;
    let document = app
        .upload_document(&admin, &client, "report.pdf", PDF, json!({}))
        .await;
    assert!(app.stored_files().is_empty(), "nothing on the local disk");
    let url = app.download_url(&admin, &document, None).await;
    let whole = app.get_file(&url, None).await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.bytes().await.unwrap().as_ref(), PDF);
    let head = app.get_file(&url, Some("bytes=0-3")).await;
    assert_eq!(head.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(head.bytes().await.unwrap().as_ref(), b"%PDF");

    // A failed upload leaves no object in the bucket either.
    let refused = app
        .upload(
            &admin,
            UPLOAD,
            json!({ "c": client, "f": null, "i": { "contactId": uuid::Uuid::new_v4() } }),
            &[part("variables.f", "a.txt", b"a\n")],
        )
        .await;
    assert_eq!(first_error_code(&refused), Some("NOT_FOUND"));
    let listing = reqwest::get(format!("{endpoint}/{bucket}?list-type=2"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(listing.matches("<Key>").count(), 1, "{listing}");

    app.ok_as(
        &admin,
        "mutation($id: ID!) { deleteDocument(id: $id) { id } }",
        json!({ "id": document["id"] }),
    )
    .await;
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_clientgraph"))
        .args(["documents", "purge", "--after-days", "0"])
        .env("DATABASE_URL", &app.database_url)
        .env("CLIENTGRAPH_STORAGE", "s3")
        .env("CLIENTGRAPH_S3_BUCKET", &bucket)
        .env("CLIENTGRAPH_S3_ENDPOINT", &endpoint)
        .env("CLIENTGRAPH_S3_ALLOW_HTTP", "true")
        .env("CLIENTGRAPH_S3_ACCESS_KEY_ID", "test")
        .env("CLIENTGRAPH_S3_SECRET_ACCESS_KEY", "test")
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listing = reqwest::get(format!("{endpoint}/{bucket}?list-type=2"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(listing.matches("<Key>").count(), 0, "{listing}");
}

#[tokio::test]
async fn an_aborted_or_malformed_upload_leaves_nothing() {
    let app = spawn_app().await;
    let (_, admin, client) = tenant_with_client(&app, "docs-aborted").await;
    let send = |content_type: String, body: Vec<u8>| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&admin)
            .header("content-type", content_type)
            .header("graphql-require-preflight", "1")
            .body(body)
            .send()
    };
    // The body stops in the middle of the file: no closing boundary ever comes.
    let (content_type, body) = multipart(
        UPLOAD,
        json!({ "c": client, "f": null, "i": {} }),
        &[part("variables.f", "cut.txt", &[b'x'; 4000])],
    );
    let cut = body[..body.len() - 2500].to_vec();
    let response = send(content_type.clone(), cut).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // A map naming a file the request does not carry, and files before the operations.
    let (_, no_file) = multipart(UPLOAD, json!({ "c": client, "f": null, "i": {} }), &[]);
    let no_file = String::from_utf8(no_file)
        .unwrap()
        .replace(
            "name=\"map\"\r\n\r\n{}",
            "name=\"map\"\r\n\r\n{\"0\":[\"variables.f\"]}",
        )
        .into_bytes();
    let response = send(content_type.clone(), no_file).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert!(answer.to_string().contains("does not carry"), "{answer}");
    let files_first = "--cgboundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.txt\"\r\n\r\nabc\r\n--cgboundary7MA4YWxkTrZu0gW--\r\n";
    let response = send(content_type, files_first.as_bytes().to_vec())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    assert!(app.stored_files().is_empty());
    assert_eq!(app.document_rows().await, (0, 0));
}
