//! Tenant-inclusive keys: the database itself keeps every row with its own tenant's
//! parents, and the schema becomes distributable by `tenant_id` (Citus requires every
//! primary, unique and foreign key of a distributed table to contain the distribution
//! column).
//!
//! On both backends: the analytics upsert target and the revoked-token key become
//! `(tenant_id, …)` unique indexes (the store's conflict targets name the tenant).
//!
//! On PostgreSQL only (SQLite cannot alter keys without rebuilding every table; its
//! backstop is the store, which stamps and filters the tenant on every statement):
//! - every primary key of a tenant table becomes `(tenant_id, <its columns>)`;
//! - every foreign key from a tenant table to another becomes composite,
//!   `(tenant_id, client_id) → clients (tenant_id, id)`, so a row can never point at
//!   another tenant's parent, whatever the code does;
//! - the three credential/storage digests unique across the database (API key secret,
//!   refresh token, stored file key) become unique per tenant, each with a plain lookup
//!   index: they are looked up before the tenant is known, and are random 256-bit
//!   values, so uniqueness per tenant loses nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP_POSTGRES: &str = r#"
DO $$
DECLARE r record;
BEGIN
  CREATE TEMP TABLE tenant_fks AS
  SELECT c.conname::text AS name,
         c.conrelid::regclass AS child,
         c.confrelid::regclass AS parent,
         a.attname::text AS col,
         c.confdeltype AS on_delete
  FROM pg_constraint c
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
  WHERE c.contype = 'f'
    AND c.connamespace = current_schema()::regnamespace
    AND cardinality(c.conkey) = 1
    AND a.attname <> 'tenant_id'
    AND EXISTS (SELECT 1 FROM pg_attribute t
                WHERE t.attrelid = c.conrelid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
    AND EXISTS (SELECT 1 FROM pg_attribute t
                WHERE t.attrelid = c.confrelid AND t.attname = 'tenant_id' AND NOT t.attisdropped);
  FOR r IN SELECT * FROM tenant_fks LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.child, r.name);
  END LOOP;
  -- Primary keys lead with the tenant.
  FOR r IN
    SELECT c.conname::text AS name, c.conrelid::regclass AS tbl,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
              FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols
    FROM pg_constraint c
    WHERE c.contype = 'p'
      AND c.connamespace = current_schema()::regnamespace
      AND EXISTS (SELECT 1 FROM pg_attribute t
                  WHERE t.attrelid = c.conrelid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
      AND NOT EXISTS (SELECT 1 FROM unnest(c.conkey) AS k(attnum)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                      WHERE a.attname = 'tenant_id')
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.name);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (tenant_id, %s)', r.tbl, r.name, r.cols);
  END LOOP;
  -- Children point at a parent of their own tenant.
  FOR r IN SELECT * FROM tenant_fks LOOP
    EXECUTE format(
      'ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (tenant_id, %I) REFERENCES %s (tenant_id, id) ON DELETE %s',
      r.child, r.name, r.col, r.parent,
      CASE r.on_delete
        WHEN 'c' THEN 'CASCADE'
        WHEN 'n' THEN format('SET NULL (%I)', r.col)
        WHEN 'r' THEN 'RESTRICT'
        ELSE 'NO ACTION'
      END);
  END LOOP;
  DROP TABLE tenant_fks;
END $$;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_secret_hash_key;
ALTER TABLE api_keys ADD CONSTRAINT ux_api_keys_tenant_secret UNIQUE (tenant_id, secret_hash);
CREATE INDEX ix_api_keys_secret_hash ON api_keys (secret_hash);
ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_token_hash_key;
ALTER TABLE refresh_tokens ADD CONSTRAINT ux_refresh_tokens_tenant_hash UNIQUE (tenant_id, token_hash);
CREATE INDEX ix_refresh_tokens_token_hash ON refresh_tokens (token_hash);
ALTER TABLE document_versions DROP CONSTRAINT document_versions_storage_key_key;
ALTER TABLE document_versions ADD CONSTRAINT ux_document_versions_tenant_key UNIQUE (tenant_id, storage_key);
CREATE INDEX ix_document_versions_storage_key ON document_versions (storage_key);
"#;

const DOWN_POSTGRES: &str = r#"
DROP INDEX ix_document_versions_storage_key;
ALTER TABLE document_versions DROP CONSTRAINT ux_document_versions_tenant_key;
ALTER TABLE document_versions ADD CONSTRAINT document_versions_storage_key_key UNIQUE (storage_key);
DROP INDEX ix_refresh_tokens_token_hash;
ALTER TABLE refresh_tokens DROP CONSTRAINT ux_refresh_tokens_tenant_hash;
ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash);
DROP INDEX ix_api_keys_secret_hash;
ALTER TABLE api_keys DROP CONSTRAINT ux_api_keys_tenant_secret;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash);
DO $$
DECLARE r record;
BEGIN
  CREATE TEMP TABLE tenant_fks AS
  SELECT c.conname::text AS name,
         c.conrelid::regclass AS child,
         c.confrelid::regclass AS parent,
         a.attname::text AS col,
         c.confdeltype AS on_delete
  FROM pg_constraint c
  JOIN pg_attribute t ON t.attrelid = c.conrelid AND t.attnum = c.conkey[1]
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[2]
  WHERE c.contype = 'f'
    AND c.connamespace = current_schema()::regnamespace
    AND cardinality(c.conkey) = 2
    AND t.attname = 'tenant_id';
  FOR r IN SELECT * FROM tenant_fks LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.child, r.name);
  END LOOP;
  FOR r IN
    SELECT c.conname::text AS name, c.conrelid::regclass AS tbl,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
              FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
              WHERE k.ord > 1) AS cols
    FROM pg_constraint c
    JOIN pg_attribute t ON t.attrelid = c.conrelid AND t.attnum = c.conkey[1]
    WHERE c.contype = 'p'
      AND c.connamespace = current_schema()::regnamespace
      AND t.attname = 'tenant_id'
      AND cardinality(c.conkey) > 1
      AND c.conrelid <> 'client_code_counters'::regclass
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.name);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY (%s)', r.tbl, r.name, r.cols);
  END LOOP;
  FOR r IN SELECT * FROM tenant_fks LOOP
    EXECUTE format(
      'ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %s (id) ON DELETE %s',
      r.child, r.name, r.col, r.parent,
      CASE r.on_delete
        WHEN 'c' THEN 'CASCADE'
        WHEN 'n' THEN 'SET NULL'
        WHEN 'r' THEN 'RESTRICT'
        ELSE 'NO ACTION'
      END);
  END LOOP;
  DROP TABLE tenant_fks;
END $$;
"#;

#[derive(DeriveIden)]
enum ClientAnalytics {
    Table,
    TenantId,
    ClientId,
    Date,
}

#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    TenantId,
    Jti,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ux_client_analytics_client_date")
                    .table(ClientAnalytics::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_client_analytics_tenant_client_date")
                    .table(ClientAnalytics::Table)
                    .to_owned(),
            )
            .await?;
        // The upsert's conflict target: one row per client per day, within the tenant.
        manager
            .create_index(
                Index::create()
                    .name("ux_client_analytics_tenant_client_date")
                    .table(ClientAnalytics::Table)
                    .col(ClientAnalytics::TenantId)
                    .col(ClientAnalytics::ClientId)
                    .col(ClientAnalytics::Date)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The conflict target of "revoke unless already revoked".
        manager
            .create_index(
                Index::create()
                    .name("ux_revoked_tokens_tenant_jti")
                    .table(RevokedTokens::Table)
                    .col(RevokedTokens::TenantId)
                    .col(RevokedTokens::Jti)
                    .unique()
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(UP_POSTGRES).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(DOWN_POSTGRES).await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ux_revoked_tokens_tenant_jti")
                    .table(RevokedTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_client_analytics_tenant_client_date")
                    .table(ClientAnalytics::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_client_analytics_client_date")
                    .table(ClientAnalytics::Table)
                    .col(ClientAnalytics::ClientId)
                    .col(ClientAnalytics::Date)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_client_analytics_tenant_client_date")
                    .table(ClientAnalytics::Table)
                    .col(ClientAnalytics::TenantId)
                    .col(ClientAnalytics::ClientId)
                    .col(ClientAnalytics::Date)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
