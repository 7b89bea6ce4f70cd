//! Demo data for `serve --demo`: tenant `demo` with one user per role and a second
//! tenant `globex`, so a newcomer can sign in with any role in GraphiQL and see tenancy
//! at work. Seeding is idempotent: whatever exists already is kept.

mod activity;
mod clients;
mod files;

use crate::auth::Role;
use crate::crypto::FieldCipher;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::service::clients::{bulk, read};
use crate::service::documents::FileSettings;
use crate::service::tenants::{self, FirstAdmin};
use crate::service::users::{self, NewUser};
use crate::service::{communications, contacts, notes};

/// The demo tenants: (slug, name).
pub const DEMO_TENANTS: [(&str, &str); 2] =
    [("demo", "Demo Agency"), ("globex", "Globex Services")];

/// The password of every demo user (documented in the README; demo data only).
pub const DEMO_PASSWORD: &str = "demo-password";

/// The demo user of `role` in tenant `slug`.
pub fn demo_email(slug: &str, role: Role) -> String {
    format!("{}@{slug}.example", role.as_str())
}

/// Creates whatever part of the demo data is missing and prints how to sign in.
pub async fn seed(db: &Db, cipher: &FieldCipher, documents: &FileSettings) -> AppResult<()> {
    for (slug, name) in DEMO_TENANTS {
        let admin = FirstAdmin {
            email: demo_email(slug, Role::Admin),
            full_name: format!("{name} Admin"),
            password: DEMO_PASSWORD.to_owned(),
        };
        match tenants::create_with_admin(db, slug, name, admin).await {
            Ok(_) | Err(AppError::Conflict(_) | AppError::Duplicate { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    let demo = tenants::by_slug(db, "demo").await?;
    let scope = db.system("seed the demo tenant").scope(demo.id);
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let user = NewUser {
            email: demo_email("demo", role),
            full_name: format!("Demo {}", role.as_str()),
            role,
            password: DEMO_PASSWORD.to_owned(),
        };
        match users::create(db, &scope, user).await {
            Ok(_) | Err(AppError::Conflict(_) | AppError::Duplicate { .. }) => {}
            Err(err) => return Err(err),
        }
    }
    let existing = read::count(db, &scope, &read::ClientQuery::default()).await?;
    if existing == 0 {
        let all: Vec<_> = (0..clients::COUNT).map(clients::demo_client).collect();
        // Chunks of 50: each transaction stays well inside the write budget, so seeding
        // never holds the write lock long (the server may already be serving).
        const CHUNK: usize = 50;
        for (c, chunk) in all.chunks(CHUNK).enumerate() {
            let results = bulk::bulk_create(db, &scope, cipher, chunk.to_vec(), true).await?;
            for (i, item) in results.into_iter().enumerate() {
                let created = item.outcome?;
                let index = c * CHUNK + i;
                let mut contact_ids = Vec::new();
                for contact in clients::demo_contacts(index, &created.name) {
                    contact_ids.push(contacts::add(db, &scope, created.id, contact).await?.id);
                }
                for note in activity::notes(index, &contact_ids) {
                    notes::create(db, &scope, created.id, note).await?;
                }
                for communication in activity::communications(index, &contact_ids) {
                    communications::log(db, &scope, created.id, communication).await?;
                }
                activity::recruiting(db, &scope, index, created.id).await?;
                activity::feedback(db, &scope, index, created.id).await?;
                files::documents(db, documents, &scope, index, &created).await?;
            }
        }
    }
    println!(
        "demo data ready: {} clients with 3 contacts, 3 notes and 4 communications each (jobs with candidates for a third, feedback for a quarter, documents for a fifth) in tenant \"demo\".",
        clients::COUNT
    );
    println!("Sign in with login(tenant: \"demo\", email: …, password: \"{DEMO_PASSWORD}\"):");
    for role in Role::ALL {
        println!("  {:<11} {}", role.as_str(), demo_email("demo", role));
    }
    println!(
        "  (tenant \"globex\" has {})",
        demo_email("globex", Role::Admin)
    );
    Ok(())
}
