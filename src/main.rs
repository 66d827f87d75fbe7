//! The `marketedge` command: serve the app (default), apply migrations, seed demo data, or print
//! the resolved configuration. Thin on purpose: the work lives in `marketedge::server`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use marketedge::host::demo;
use marketedge::host::demo::markets;
use marketedge::host::serve;
use marketedge::host::telemetry;
use marketedge::platform::bootstrap;
use marketedge::runtime::config::Config;
use marketedge::runtime::db;

#[derive(Parser)]
#[command(name = "marketedge", version, about = "MarketEdge pricing intelligence server")]
struct Cli {
    /// The Leptos runtime options file (output name, site root, address).
    #[arg(long, env = "LEPTOS_CONFIG_FILE", default_value = "Leptos.toml", global = true)]
    leptos_config: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply migrations, then serve HTTP until SIGTERM or Ctrl-C (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the demo super-admin and organisation (development and test only) and print logins.
    SeedDemo,
    /// Print the resolved configuration, secrets masked, with where each value came from.
    Config,
    /// Create a platform super-admin. The password comes from MARKETEDGE_SUPER_ADMIN_PASSWORD or
    /// is asked for (not echoed); it must pass the password policy.
    CreateSuperAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Add generated prices to a demo market for benchmarks (development and test only): about
    /// `--observations` rows spread over the last year across its competitors and products.
    GeneratePrices {
        #[arg(long, default_value = "northwind-cinemas")]
        organisation: String,
        #[arg(long, default_value = "City Centre")]
        market: String,
        #[arg(long, default_value_t = 1_000_000)]
        observations: usize,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("marketedge: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let leptos_options = leptos::config::get_configuration(Some(&cli.leptos_config))
        .map_err(|error| format!("could not read {}: {error}", cli.leptos_config))?
        .leptos_options;
    let config =
        Config::from_process_env(leptos_options.site_addr).map_err(|errors| errors.to_string())?;

    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve::run(config, leptos_options).await,
        Command::Config => {
            for (name, value, source) in config.describe() {
                println!("{name:<28} {value:<60} ({source})");
            }
            Ok(())
        }
        Command::Migrate => {
            db::migrate(&config).await?;
            let pool = db::connect(&config).await.map_err(|error| error.to_string())?;
            let schema = db::schema_state(&pool).await.map_err(|error| error.to_string())?;
            println!("migrations applied: {}, pending: {}", schema.applied, schema.pending);
            Ok(())
        }
        Command::CreateSuperAdmin { email, name } => {
            let password = match std::env::var("MARKETEDGE_SUPER_ADMIN_PASSWORD") {
                Ok(password) if !password.is_empty() => password,
                _ => rpassword::prompt_password("Password for the new super-admin: ")
                    .map_err(|error| format!("could not read the password: {error}"))?,
            };
            let pool = db::connect(&config).await.map_err(|error| error.to_string())?;
            let now = time::OffsetDateTime::now_utc();
            let id = bootstrap::create_super_admin(&pool, &email, &name, &password, now)
                .await
                .map_err(|error| error.to_string())?;
            println!("super-admin created: {email} ({id})");
            Ok(())
        }
        Command::GeneratePrices { organisation, market, observations } => {
            let pool = db::connect(&config).await.map_err(|error| error.to_string())?;
            let written = markets::generate_for_benchmark(
                &pool,
                config.app_env.value,
                &organisation,
                &market,
                observations,
            )
            .await
            .map_err(|error| error.to_string())?;
            println!("{written} price observations added to {market} ({organisation})");
            Ok(())
        }
        Command::SeedDemo => {
            let pool = db::connect(&config).await.map_err(|error| error.to_string())?;
            let outcome =
                demo::seed(&pool, config.app_env.value).await.map_err(|error| error.to_string())?;
            println!(
                "demo data ready ({} organisation(s), {} user(s), {} price observation(s) and {} alert(s) created this run)",
                outcome.organisations_created, outcome.users_created, outcome.observations_created,
                outcome.alerts_created
            );
            println!("demo logins (development only; existing passwords are not reset):");
            for login in &demo::DEMO_LOGINS {
                let role = login.role.map_or("super-admin", |role| role.label());
                println!(
                    "  {:<12} {:<32} {:<22} {}",
                    role, login.email, login.password, login.organisation
                );
            }
            Ok(())
        }
    }
}
