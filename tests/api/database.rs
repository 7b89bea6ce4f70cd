//! Migrations and the write discipline of the database layer.

use std::sync::Arc;

use clientgraph::db::Db;
use entity::tenant;
use migration::SchemaManager;
use sea_orm::{ActiveModelTrait, EntityTrait, PaginatorTrait, Set};

use crate::helpers::{TestDatabase, spawn_app};

#[tokio::test]
async fn migrations_go_up_and_down_cleanly() {
    let (_database, url) = TestDatabase::create().await;
    let db = Db::connect(&url, 2).await.unwrap();
    let tables = |db: Db| async move {
        SchemaManager::new(db.system("test inspection").conn())
            .has_table("tenants")
            .await
            .unwrap()
    };
    assert!(!tables(db.clone()).await);

    db.migrate_up().await.unwrap();
    assert!(tables(db.clone()).await);
    let status = db.migration_status().await.unwrap();
    assert!(!status.is_empty() && status.iter().all(|(_, applied)| *applied));

    db.migrate_down(None).await.unwrap();
    assert!(!tables(db.clone()).await);
    let status = db.migration_status().await.unwrap();
    assert!(!status.is_empty() && status.iter().all(|(_, applied)| !*applied));

    // And up again: `down` left nothing behind that would make `up` fail.
    db.migrate_up().await.unwrap();
    assert!(tables(db.clone()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_read_then_write_transactions_lose_nothing() {
    let app = spawn_app().await;
    let db = Arc::new(app.db.clone());
    let mut tasks = Vec::new();
    for i in 0..50 {
        let db = Arc::clone(&db);
        tasks.push(tokio::spawn(async move {
            db.system("test: concurrent writers")
                .write(move |x| {
                    Box::pin(async move {
                        let txn = x.conn();
                        // Read first, then write: the pattern that makes a deferred SQLite
                        // transaction fail with "database is locked" under concurrency.
                        let before = tenant::Entity::find().count(txn).await?;
                        tokio::task::yield_now().await;
                        let now = chrono::Utc::now();
                        tenant::ActiveModel {
                            id: Set(uuid::Uuid::now_v7()),
                            slug: Set(format!("t{i}-{before}")),
                            name: Set(format!("Tenant {i}")),
                            settings: Set(serde_json::json!({})),
                            created_at: Set(now),
                            updated_at: Set(now),
                        }
                        .insert(txn)
                        .await?;
                        Ok(())
                    })
                })
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("no write fails");
    }
    let count = tenant::Entity::find()
        .count(app.db.system("test inspection").conn())
        .await
        .unwrap();
    assert_eq!(count, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_mutations_over_http_all_succeed() {
    use clientgraph::auth::Role;
    use serde_json::{Value, json};
    let app = spawn_app().await;
    let tenant = app.create_tenant("acme").await;
    let admin = app.token(&tenant, Role::Admin).await;
    let app = Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (app, admin) = (Arc::clone(&app), admin.clone());
        tasks.push(tokio::spawn(async move {
            app.graphql_as(
                &admin,
                "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
                json!({ "input": { "email": format!("user{i}@acme.test"), "fullName": format!("User {i}"), "role": "VIEWER", "password": "a-long-password" } }),
            )
            .await
        }));
    }
    for task in tasks {
        let body: Value = task.await.unwrap();
        assert!(body["data"]["createUser"]["id"].is_string(), "{body}");
    }
    let body = app
        .graphql_as(
            &admin,
            "{ users(filter: {role: VIEWER}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["users"]["totalCount"], 50);
}
