//! The `clientgraph` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use clientgraph::cli::{Cli, Command, MigrateAction, ServeArgs};
use clientgraph::db::Db;
use clientgraph::{Application, demo, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve).await,
        Some(Command::Serve(args)) => serve(args).await,
        Some(Command::Migrate {
            action,
            database_url,
        }) => migrate(action, &database_url).await,
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
        demo::seed(app.db()).await?;
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
