//! Exporting clients. `request` checks the query against the caller's permissions,
//! audits the request and returns a signed, short-lived download token; `rows` streams
//! every matching client in keyset order, one page at a time, so an export of any size
//! never sits in memory. Billing columns appear only for callers with `billing:read`;
//! the tax id is never exported. CSV cells that a spreadsheet would run as a formula are
//! prefixed with a quote.

use async_graphql::Enum;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::client;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::read::{self, ClientQuery, Window};
use crate::auth::Permission;
use crate::auth::signed::UrlSigner;
use crate::db::Db;
use crate::error::AppResult;
use crate::service::TenantScope;
use crate::service::change::{Change, FieldChanges};

/// Purpose of export tokens (a token for another route is refused here).
pub const PURPOSE: &str = "clients-export";
/// Rows fetched per page while streaming.
const PAGE: i32 = 100;

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
pub enum ExportFormat {
    /// Comma-separated values with a header row (RFC 4180).
    Csv,
    /// A JSON array of objects.
    Json,
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// What a download token grants: this tenant, this actor, this query, this format.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportGrant {
    pub tenant_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_kind: String,
    pub query: ClientQuery,
    pub format: ExportFormat,
}

/// Checks the export against the caller's permissions, audits it and signs a token.
pub async fn request(
    db: &Db,
    scope: &TenantScope,
    signer: &UrlSigner,
    query: ClientQuery,
    format: ExportFormat,
    expires_at: DateTime<Utc>,
) -> AppResult<String> {
    scope.require(Permission::ClientsExport, "exporting clients")?;
    read::check(db, scope, &query)?;
    let grant = ExportGrant {
        tenant_id: scope.tenant_id(),
        actor_id: scope.actor().id,
        actor_kind: scope.actor().kind.as_str().to_owned(),
        query: query.clone(),
        format,
    };
    let token = signer.sign(PURPOSE, &grant, expires_at)?;
    db.write(scope, move |t| {
        Box::pin(async move {
            t.audit(Change {
                action: "client.export_requested",
                entity_type: "client",
                entity_id: None,
                changes: FieldChanges::new(),
                payload: json!({ "format": format, "query": query }),
            })
            .await
        })
    })
    .await?;
    Ok(token)
}

/// Audits the download itself (the moment data leaves).
pub async fn audit_download(db: &Db, scope: &TenantScope, grant: &ExportGrant) -> AppResult<()> {
    let details = FieldChanges::new()
        .initial("format", grant.format)
        .initial("query", &grant.query);
    db.write(scope, move |t| {
        Box::pin(async move {
            t.audit(Change {
                action: "client.exported",
                entity_type: "client",
                entity_id: None,
                changes: details,
                payload: Value::Null,
            })
            .await
        })
    })
    .await
}

struct Column {
    name: &'static str,
    value: fn(&client::Model) -> Value,
}

fn money(cents: Option<i64>) -> Value {
    cents.map_or(Value::Null, |c| json!(c as f64 / 100.0))
}

const COLUMNS: &[Column] = &[
    Column {
        name: "id",
        value: |c| json!(c.id),
    },
    Column {
        name: "clientCode",
        value: |c| json!(c.client_code),
    },
    Column {
        name: "name",
        value: |c| json!(c.name),
    },
    Column {
        name: "legalName",
        value: |c| json!(c.legal_name),
    },
    Column {
        name: "tradingName",
        value: |c| json!(c.trading_name),
    },
    Column {
        name: "industry",
        value: |c| json!(c.industry),
    },
    Column {
        name: "website",
        value: |c| json!(c.website),
    },
    Column {
        name: "email",
        value: |c| json!(c.email),
    },
    Column {
        name: "phone",
        value: |c| json!(c.phone),
    },
    Column {
        name: "status",
        value: |c| json!(c.status),
    },
    Column {
        name: "stage",
        value: |c| json!(c.stage),
    },
    Column {
        name: "tier",
        value: |c| json!(c.tier),
    },
    Column {
        name: "tags",
        value: |c| c.tags.clone(),
    },
    Column {
        name: "registrationNumber",
        value: |c| json!(c.registration_number),
    },
    Column {
        name: "employeeCount",
        value: |c| json!(c.employee_count),
    },
    Column {
        name: "currency",
        value: |c| json!(c.currency),
    },
    Column {
        name: "paymentTermsDays",
        value: |c| json!(c.payment_terms_days),
    },
    Column {
        name: "contractStart",
        value: |c| json!(c.contract_start),
    },
    Column {
        name: "contractEnd",
        value: |c| json!(c.contract_end),
    },
    Column {
        name: "createdAt",
        value: |c| json!(c.created_at),
    },
    Column {
        name: "updatedAt",
        value: |c| json!(c.updated_at),
    },
];

const BILLING_COLUMNS: &[Column] = &[
    Column {
        name: "annualRevenue",
        value: |c| money(c.annual_revenue_cents),
    },
    Column {
        name: "outstandingBalance",
        value: |c| money(c.outstanding_balance_cents),
    },
    Column {
        name: "totalRevenue",
        value: |c| money(c.total_revenue_cents),
    },
    Column {
        name: "hourlyRate",
        value: |c| money(c.hourly_rate_cents),
    },
];

fn columns(scope: &TenantScope) -> Vec<&'static Column> {
    let billing = scope.can(Permission::BillingRead);
    COLUMNS
        .iter()
        .chain(BILLING_COLUMNS.iter().filter(|_| billing))
        .collect()
}

/// One CSV cell: quoted when needed, formula triggers neutralised.
fn csv_cell(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    };
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && !matches!(value, Value::Number(_))
    {
        format!("'{text}")
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn render(
    format: ExportFormat,
    columns: &[&Column],
    rows: &[client::Model],
    first_chunk: bool,
) -> String {
    let mut out = String::new();
    match format {
        ExportFormat::Csv => {
            if first_chunk {
                out.push_str(&columns.iter().map(|c| c.name).collect::<Vec<_>>().join(","));
                out.push_str("\r\n");
            }
            for row in rows {
                let cells: Vec<String> =
                    columns.iter().map(|c| csv_cell(&(c.value)(row))).collect();
                out.push_str(&cells.join(","));
                out.push_str("\r\n");
            }
        }
        ExportFormat::Json => {
            for (i, row) in rows.iter().enumerate() {
                if !(first_chunk && i == 0) {
                    out.push(',');
                }
                let object: serde_json::Map<String, Value> = columns
                    .iter()
                    .map(|c| (c.name.to_owned(), (c.value)(row)))
                    .collect();
                out.push_str(&Value::Object(object).to_string());
                out.push('\n');
            }
        }
    }
    out
}

enum Step {
    Start,
    Page(Option<String>),
    Close,
    Done,
}

/// Every matching client, rendered page by page.
pub fn rows(
    db: Db,
    scope: TenantScope,
    grant: ExportGrant,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let columns = columns(&scope);
    let format = grant.format;
    futures_util::stream::unfold((Step::Start, true), move |(step, first)| {
        let (db, scope, query, columns) = (
            db.clone(),
            scope.clone(),
            grant.query.clone(),
            columns.clone(),
        );
        async move {
            match step {
                Step::Done => None,
                Step::Close => Some((
                    Ok(Bytes::from_static(if format == ExportFormat::Json {
                        b"]\n"
                    } else {
                        b""
                    })),
                    (Step::Done, false),
                )),
                Step::Start => {
                    let opening: &'static [u8] = if format == ExportFormat::Json {
                        b"["
                    } else {
                        b""
                    };
                    Some((Ok(Bytes::from_static(opening)), (Step::Page(None), true)))
                }
                Step::Page(after) => {
                    let window = Window {
                        first: Some(PAGE),
                        after,
                        ..Default::default()
                    };
                    match read::list(&db, &scope, &query, &window).await {
                        Ok(page) => {
                            let cursor = page.rows.last().map(|(c, _)| c.clone());
                            let models: Vec<client::Model> =
                                page.rows.into_iter().map(|(_, m)| m).collect();
                            let chunk = render(format, &columns, &models, first);
                            let next = if page.has_next_page {
                                Step::Page(cursor)
                            } else {
                                Step::Close
                            };
                            Some((Ok(Bytes::from(chunk)), (next, first && models.is_empty())))
                        }
                        Err(err) => {
                            tracing::error!(error = %err, "export stream failed");
                            Some((
                                Err(std::io::Error::other("export failed")),
                                (Step::Done, false),
                            ))
                        }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell(&json!("plain")), "plain");
        assert_eq!(csv_cell(&json!("a,b")), "\"a,b\"");
        assert_eq!(csv_cell(&json!("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(
            csv_cell(&json!("=HYPERLINK(\"x\")")),
            "\"'=HYPERLINK(\"\"x\"\")\""
        );
        assert_eq!(csv_cell(&json!(-5)), "-5");
        assert_eq!(csv_cell(&json!(["vip", "eu"])), "vip;eu");
        assert_eq!(csv_cell(&Value::Null), "");
    }
}
