//! The `clientgraph` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use clientgraph::auth::JwtKeys;
use clientgraph::cli::{
    AnalyticsAction, Cli, Command, DocumentsAction, MigrateAction, ServeArgs, TenantAction,
};
use clientgraph::config::AuthSettings;
use clientgraph::db::Db;
use clientgraph::service::tenants::{self, FirstAdmin};
use clientgraph::{Application, demo, telemetry};

/// mimalloc instead of glibc malloc: the GraphQL response of a nested view is thousands
/// of small allocations per request, and glibc's arena locks serialised them across
/// worker threads (see the nested benchmark in the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(*args).await,
        Some(Command::Migrate { action, database }) => {
            migrate(action, &database.database_url).await
        }
        Some(Command::Tenant { action }) => tenant(action).await,
        Some(Command::Analytics { action }) => analytics(action).await,
        Some(Command::Documents { action }) => documents(action).await,
        Some(Command::Token {
            tenant,
            email,
            ttl_minutes,
            database,
            auth,
        }) => token(&tenant, &email, ttl_minutes, &database.database_url, &auth).await,
        Some(Command::ExportSchema { out }) => export_schema(&out),
        Some(Command::Healthcheck { url }) => clientgraph::healthcheck::probe(&url).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config;
    telemetry::init(config.log_format, &config.log_filter);
    let app = Application::build(config).await?;
    if args.demo {
        demo::seed(app.db(), app.cipher(), app.files()).await?;
    }
    let addr = app.local_addr();
    tracing::info!(%addr, database = app.db().backend_name(), "clientgraph listening");
    println!("clientgraph is listening on http://{addr}");
    println!("GraphiQL: http://{addr}/graphql");
    app.run_until_stopped().await?;
    tracing::info!("clientgraph stopped");
    Ok(())
}

async fn migrate(action: MigrateAction, database_url: &str) -> anyhow::Result<()> {
    let db = Db::connect(database_url, 1).await?;
    match action {
        MigrateAction::Up { steps } => {
            db.migrate_up_steps(steps).await?;
        }
        MigrateAction::Down { steps, all } => {
            db.migrate_down(if all { None } else { Some(steps) })
                .await?;
        }
        MigrateAction::Status => {}
    }
    for (name, applied) in db.migration_status().await? {
        println!("{} {name}", if applied { "applied" } else { "pending" });
    }
    Ok(())
}

async fn tenant(action: TenantAction) -> anyhow::Result<()> {
    let TenantAction::Create {
        slug,
        name,
        admin_email,
        admin_name,
        password_stdin,
        database,
    } = action;
    let db = Db::connect(&database.database_url, 1).await?;
    db.migrate_up().await?;
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (clientgraph::auth::secrets::generate_password(), true)
    };
    let admin = FirstAdmin {
        email: admin_email,
        full_name: admin_name,
        password: password.clone(),
    };
    let (tenant, user) = tenants::create_with_admin(&db, &slug, &name, admin).await?;
    println!(
        "tenant {} ({}) created with admin {}",
        tenant.slug, tenant.id, user.email
    );
    if generated {
        println!("admin password: {password}");
    }
    Ok(())
}

async fn analytics(action: AnalyticsAction) -> anyhow::Result<()> {
    let AnalyticsAction::Run { date, database } = action;
    let db = Db::connect(&database.database_url, 2).await?;
    db.migrate_up().await?;
    let date = date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let report = clientgraph::service::insights::analytics::run(&db, date).await?;
    println!(
        "analytics for {}: {} clients in {} tenants",
        report.date, report.clients, report.tenants
    );
    Ok(())
}

async fn documents(action: DocumentsAction) -> anyhow::Result<()> {
    let DocumentsAction::Purge {
        after_days,
        database,
        files,
    } = action;
    anyhow::ensure!(after_days >= 0, "--after-days must not be negative");
    let db = Db::connect(&database.database_url, 2).await?;
    db.migrate_up().await?;
    let storage = clientgraph::storage::from_config(&files)?;
    let before = chrono::Utc::now() - chrono::Duration::days(after_days);
    let report = clientgraph::service::documents::purge::purge(&db, &storage, before).await?;
    println!(
        "purged {} documents ({} files); {} deleted documents kept by retention or legal hold; {} orphaned files removed",
        report.documents, report.files, report.retained, report.orphans
    );
    Ok(())
}

async fn token(
    tenant: &str,
    email: &str,
    ttl_minutes: i64,
    database_url: &str,
    auth: &AuthSettings,
) -> anyhow::Result<()> {
    if auth.jwt_secret.is_none() {
        anyhow::bail!(
            "set CLIENTGRAPH_JWT_SECRET to the server's secret, or the token will not verify there"
        );
    }
    let db = Db::connect(database_url, 1).await?;
    let user = clientgraph::service::sessions::user_for_token(&db, tenant, email).await?;
    let role = clientgraph::auth::Role::parse(&user.role)
        .ok_or_else(|| anyhow::anyhow!("unknown role"))?;
    let keys = JwtKeys::new(
        &auth.signing_secret()?,
        &auth.jwt_issuer,
        &auth.jwt_audience,
        chrono::Duration::seconds(auth.access_token_ttl_secs),
    );
    let issued = keys.issue_with_ttl(
        user.id,
        user.tenant_id,
        uuid::Uuid::now_v7(),
        role,
        chrono::Duration::minutes(ttl_minutes),
    )?;
    println!("{}", issued.token);
    Ok(())
}

fn export_schema(out: &std::path::Path) -> anyhow::Result<()> {
    let sdl = clientgraph::graphql::sdl();
    if out.as_os_str() == "-" {
        print!("{sdl}");
    } else {
        std::fs::write(out, sdl)?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}
