//! The schema keeps tenants apart by itself: read back from the migrated database, every
//! tenant table has a `tenant_id`, its indexes lead with it, its unique keys contain it,
//! and (PostgreSQL) every foreign key between tenant tables carries it — so the database
//! refuses a row that points at another tenant's parent, and the schema can be
//! distributed by `tenant_id`.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::helpers::spawn_app;

/// Tables that belong to no tenant: the tenants themselves, the migration log, and the
/// SQLite full-text shadow tables (`*_search*`, maintained by triggers).
fn is_tenant_table(name: &str) -> bool {
    !matches!(name, "tenants" | "seaql_migrations" | "event_stream") && !name.contains("_search")
}

/// The queues the event relay and the webhook worker read across tenants, in order.
const CROSS_TENANT_QUEUES: [&str; 3] = [
    "ix_event_outbox_seq",
    "ix_event_outbox_unpublished",
    "ix_webhook_deliveries_due",
];

/// Lookup indexes that cannot lead with the tenant: a credential or stored file is
/// looked up by its (random, 256-bit) digest before any tenant is known.
const TENANTLESS_LOOKUPS: [(&str, &str); 3] = [
    ("api_keys", "secret_hash"),
    ("refresh_tokens", "token_hash"),
    ("document_versions", "storage_key"),
];

struct Index {
    table: String,
    name: String,
    unique: bool,
    primary: bool,
    /// `btree`, or `gin` for the PostgreSQL full-text and trigram indexes.
    method: String,
    columns: Vec<String>,
}

async fn rows(conn: &impl ConnectionTrait, sql: &str) -> Vec<sea_orm::QueryResult> {
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
}

/// Every table with its columns.
async fn tables(conn: &impl ConnectionTrait) -> BTreeMap<String, Vec<String>> {
    let sql = match conn.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        }
        _ => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' ORDER BY m.name, p.cid"
        }
    };
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows(conn, sql).await {
        let table: String = row.try_get("", "t").unwrap();
        out.entry(table)
            .or_default()
            .push(row.try_get("", "c").unwrap());
    }
    out
}

/// Every index (primary keys and unique constraints included) with its columns in order.
async fn indexes(conn: &impl ConnectionTrait) -> Vec<Index> {
    let sql = match conn.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT t.relname::text AS t, i.relname::text AS i, x.indisunique AS u, \
                    x.indisprimary AS p, am.amname::text AS m, a.attname::text AS c \
             FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid \
             JOIN pg_am am ON am.oid = i.relam \
             JOIN pg_class t ON t.oid = x.indrelid \
             JOIN unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) ON true \
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
             WHERE t.relnamespace = current_schema()::regnamespace \
             ORDER BY t.relname, i.relname, k.ord"
        }
        _ => {
            "SELECT m.name AS t, l.name AS i, l.\"unique\" = 1 AS u, l.origin = 'pk' AS p, \
                    'btree' AS m, ii.name AS c \
             FROM sqlite_master m JOIN pragma_index_list(m.name) l \
             JOIN pragma_index_info(l.name) ii \
             WHERE m.type = 'table' ORDER BY m.name, l.name, ii.seqno"
        }
    };
    let mut out: Vec<Index> = Vec::new();
    for row in rows(conn, sql).await {
        let (table, name): (String, String) =
            (row.try_get("", "t").unwrap(), row.try_get("", "i").unwrap());
        let column: String = row.try_get("", "c").unwrap();
        match out.last_mut() {
            Some(last) if last.table == table && last.name == name => last.columns.push(column),
            _ => out.push(Index {
                table,
                name,
                unique: row.try_get("", "u").unwrap(),
                primary: row.try_get("", "p").unwrap(),
                method: row.try_get("", "m").unwrap(),
                columns: vec![column],
            }),
        }
    }
    out
}

#[tokio::test]
async fn every_tenant_table_has_a_tenant_id_that_leads_its_indexes() {
    let app = spawn_app().await;
    let conn = app.db.system("test: schema inspection").conn();
    let tables = tables(conn).await;
    let tenant_tables: Vec<&String> = tables.keys().filter(|t| is_tenant_table(t)).collect();
    assert!(tenant_tables.len() >= 19, "{tenant_tables:?}");
    for table in &tenant_tables {
        assert!(
            tables[*table].iter().any(|c| c == "tenant_id"),
            "{table} has no tenant_id column"
        );
    }
    let postgres = conn.get_database_backend() == DbBackend::Postgres;
    let mut checked = 0;
    for index in indexes(conn).await {
        if !is_tenant_table(&index.table) {
            continue;
        }
        checked += 1;
        let lookup = index.columns.len() == 1
            && TENANTLESS_LOOKUPS.contains(&(index.table.as_str(), index.columns[0].as_str()));
        // SQLite cannot change a table's primary key in place; PostgreSQL's lead with
        // the tenant (the migration `tenant_keys`).
        let sqlite_primary = index.primary && !postgres;
        // A GIN trigram index cannot hold a uuid (without `btree_gin`); the planner
        // ANDs it with the tenant's btree index.
        let text_search = index.method == "gin";
        let queue = CROSS_TENANT_QUEUES.contains(&index.name.as_str());
        if lookup || sqlite_primary || text_search || queue {
            continue;
        }
        assert_eq!(
            index.columns.first().map(String::as_str),
            Some("tenant_id"),
            "index {} on {} ({:?}) does not lead with tenant_id",
            index.name,
            index.table,
            index.columns
        );
    }
    assert!(checked >= 60, "checked only {checked} indexes");
}

#[tokio::test]
async fn every_unique_key_of_a_tenant_table_contains_tenant_id() {
    let app = spawn_app().await;
    let conn = app.db.system("test: schema inspection").conn();
    let postgres = conn.get_database_backend() == DbBackend::Postgres;
    let mut unique = 0;
    for index in indexes(conn).await {
        if !is_tenant_table(&index.table) || !index.unique {
            continue;
        }
        // SQLite keeps its original single-column keys (a table rebuild each to change
        // them); on PostgreSQL, the distributable schema, every one holds the tenant.
        let sqlite_original = !postgres
            && (index.primary
                || (index.columns.len() == 1
                    && TENANTLESS_LOOKUPS
                        .contains(&(index.table.as_str(), index.columns[0].as_str()))));
        if sqlite_original {
            continue;
        }
        unique += 1;
        assert!(
            index.columns.iter().any(|c| c == "tenant_id"),
            "unique index {} on {} ({:?}) lacks tenant_id",
            index.name,
            index.table,
            index.columns
        );
    }
    assert!(
        unique >= if postgres { 30 } else { 8 },
        "only {unique} unique keys"
    );
}

/// PostgreSQL only: SQLite cannot add a composite foreign key without rebuilding each
/// table; there the store is the only line (it stamps and filters every statement).
#[tokio::test]
async fn the_database_refuses_a_row_pointing_at_another_tenants_parent() {
    let app = spawn_app().await;
    let conn = app.db.system("test: schema inspection").conn();
    if conn.get_database_backend() != DbBackend::Postgres {
        return;
    }
    // Every foreign key from one tenant table to another carries the tenant.
    let fks = rows(
        conn,
        "SELECT c.conrelid::regclass::text AS t, c.conname::text AS n, \
                (SELECT a.attname::text FROM pg_attribute a \
                 WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1]) AS first, \
                cardinality(c.conkey) AS width, c.confrelid::regclass::text AS parent \
         FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    )
    .await;
    let mut between_tenant_tables = 0;
    for fk in &fks {
        let parent: String = fk.try_get("", "parent").unwrap();
        if parent == "tenants" {
            continue;
        }
        between_tenant_tables += 1;
        let (name, first, width): (String, String, i32) = (
            fk.try_get("", "n").unwrap(),
            fk.try_get("", "first").unwrap(),
            fk.try_get("", "width").unwrap(),
        );
        assert!(
            first == "tenant_id" && width == 2,
            "foreign key {name} does not carry tenant_id"
        );
    }
    assert!(between_tenant_tables >= 15, "{between_tenant_tables}");

    // And the database enforces it: a note of tenant B about a client of tenant A.
    let a = app.create_tenant("keys-a").await;
    let b = app.create_tenant("keys-b").await;
    let token = app.token(&a, clientgraph::auth::Role::Admin).await;
    let client_id = app.create_client(&token, "Tenant A Client").await;
    let client_id = client_id.as_str().unwrap();
    let insert = |tenant: uuid::Uuid| {
        format!(
            "INSERT INTO client_notes (id, tenant_id, client_id, title, body, format, note_type, \
             tags, priority, status, pinned, word_count, interaction_at, created_at, updated_at, \
             version) VALUES ('{}', '{tenant}', '{client_id}', 't', 'b', 'PLAIN', 'GENERAL', \
             '[]', 'NORMAL', 'ACTIVE', false, 1, now(), now(), now(), 1)",
            uuid::Uuid::now_v7()
        )
    };
    let refused = conn.execute_unprepared(&insert(b.id)).await.unwrap_err();
    assert!(
        refused.to_string().contains("fk_client_notes_client"),
        "{refused}"
    );
    // The same row in the client's own tenant is accepted: the refusal was the tenant.
    conn.execute_unprepared(&insert(a.id)).await.unwrap();
    let notes = app
        .ok_as(
            &token,
            "query($id: ID!) { client(id: $id) { notes { totalCount } } }",
            json!({ "id": client_id }),
        )
        .await;
    assert_eq!(notes["client"]["notes"]["totalCount"], 1);
}

#[tokio::test]
async fn every_named_unique_index_becomes_a_field_level_conflict() {
    let app = spawn_app().await;
    let conn = app.db.system("test: schema inspection").conn();
    let mut named = 0;
    for index in indexes(conn).await {
        if !index.unique || !index.name.starts_with("ux_") {
            continue;
        }
        named += 1;
        assert!(
            clientgraph::error::UNIQUE_KEYS
                .iter()
                .any(|key| key.index == index.name),
            "unique index {} on {} has no field in error::UNIQUE_KEYS",
            index.name,
            index.table
        );
    }
    assert!(named >= 8, "only {named} named unique indexes");

    // The database's own refusal (what a write that lost the race to the duplicate
    // pre-check gets) names the field, on either database.
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
    let tenant = app.create_tenant("acme").await;
    let admin = entity::user::Entity::find()
        .one(conn)
        .await
        .unwrap()
        .expect("the admin exists");
    assert_eq!(admin.tenant_id, tenant.id);
    let mut twin = admin.clone();
    twin.id = uuid::Uuid::now_v7();
    let refused = twin
        .into_active_model()
        .reset_all()
        .insert(conn)
        .await
        .expect_err("a second user with the same email");
    match clientgraph::error::AppError::from(refused) {
        clientgraph::error::AppError::Duplicate { field, .. } => assert_eq!(field, "email"),
        other => panic!("not a field-level conflict: {other:?}"),
    }
}
