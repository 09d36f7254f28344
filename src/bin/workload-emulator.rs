//! `workload-emulator`: serves the Workload Security API emulator until interrupted.
//!
//! The first line on stdout is `listening on http://HOST:PORT`, so that scripts can start it on
//! port 0 and read the address. Request logs go to stderr.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use terraform_provider_workload::emulator::{Emulator, EmulatorConfig};

const HELP: &str = "\
workload-emulator: an emulator of the Trend Micro Workload Security API v1 (integrity monitoring)

Usage: workload-emulator --api-key KEY [--listen ADDR] [--state-file FILE] [--rate-limit N]

Options:
  --api-key KEY       The only API key accepted, sent as `api-secret-key: KEY` or
                      `Authorization: ApiKey KEY`. Required.
  --listen ADDR       The address and port to listen on; port 0 picks a free port.
                      Default: 127.0.0.1:4119 (the Deep Security Manager port).
  --state-file FILE   A JSON file that keeps the state across restarts. It is loaded on start
                      if it exists and rewritten atomically after every change.
                      Default: state in memory only.
  --rate-limit N      The requests each API key may make per rolling minute; more get
                      429 `Too many API requests`. Default: no limit.
  --fixed-time MS     Stamps every `lastUpdated` with this time in epoch milliseconds, for
                      reproducible output. Default: the system clock.
  -h, --help          Prints this help.

The first stdout line is `listening on http://HOST:PORT`; the API base URL is that plus `/api`.
Test controls are served without a key under /_emulator/. Request logs go to stderr; set
RUST_LOG (such as RUST_LOG=debug) to change their level. SIGINT and SIGTERM stop the server.
";

/// The parsed command line.
#[derive(Debug)]
struct Options {
    config: EmulatorConfig,
    fixed_time: Option<i64>,
}

/// The outcome of parsing: run, or print the help.
#[derive(Debug)]
enum Command {
    Run(Options),
    Help,
}

fn main() -> ExitCode {
    let command = match parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("workload-emulator: {message}\nRun `workload-emulator --help` for usage.");
            return ExitCode::from(2);
        }
    };
    let options = match command {
        Command::Help => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Command::Run(options) => options,
    };

    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(log_level())
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("workload-emulator: failed to start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> ExitCode {
    let emulator = match Emulator::start(options.config).await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("workload-emulator: {}", error_chain(&error));
            return ExitCode::FAILURE;
        }
    };
    emulator.set_fixed_time(options.fixed_time);

    // Scripts wait for this line, so it must reach them before any request does.
    let mut stdout = std::io::stdout().lock();
    let announced =
        writeln!(stdout, "listening on http://{}", emulator.addr()).and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = announced {
        eprintln!("workload-emulator: failed to write the listening address: {error}");
        return ExitCode::FAILURE;
    }

    wait_for_signal().await;
    emulator.shutdown().await;
    ExitCode::SUCCESS
}

/// Waits for SIGINT or, on Unix, SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::error!(%error, "failed to listen for SIGTERM, only SIGINT stops the emulator");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn log_level() -> tracing::Level {
    match std::env::var("RUST_LOG")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "error" => tracing::Level::ERROR,
        "warn" => tracing::Level::WARN,
        "debug" => tracing::Level::DEBUG,
        "trace" => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Parses the arguments after the program name. Flags take their value as the next argument or
/// after `=`.
fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut listen: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 4119));
    let mut api_key = None;
    let mut state_file = None;
    let mut rate_limit = None;
    let mut fixed_time = None;

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(Command::Help);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("missing value for {flag}"))
        };
        match flag.as_str() {
            "--listen" => {
                let text = value()?;
                listen = text.parse().map_err(|_| {
                    format!(
                        "invalid --listen address {text:?}: expected IP:PORT such as 127.0.0.1:0"
                    )
                })?;
            }
            "--api-key" => {
                let key = value()?;
                if key.is_empty() {
                    return Err("--api-key must not be empty".to_string());
                }
                api_key = Some(key);
            }
            "--state-file" => state_file = Some(PathBuf::from(value()?)),
            "--rate-limit" => {
                let text = value()?;
                let limit = text
                    .parse::<u32>()
                    .ok()
                    .filter(|limit| *limit > 0)
                    .ok_or_else(|| {
                        format!("invalid --rate-limit {text:?}: expected a positive integer")
                    })?;
                rate_limit = Some(limit);
            }
            "--fixed-time" => {
                let text = value()?;
                let millis = text.parse::<i64>().map_err(|_| {
                    format!("invalid --fixed-time {text:?}: expected epoch milliseconds")
                })?;
                fixed_time = Some(millis);
            }
            _ => return Err(format!("unknown argument {arg:?}")),
        }
    }

    let api_key = api_key.ok_or("missing required --api-key")?;
    Ok(Command::Run(Options {
        config: EmulatorConfig {
            listen,
            api_key,
            state_file,
            rate_limit_per_minute: rate_limit,
        },
        fixed_time,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parse_reads_every_flag() {
        let parsed = parse(args(
            "--listen 127.0.0.1:0 --api-key k --state-file s.json --rate-limit=5 --fixed-time 7",
        ));
        let Ok(Command::Run(options)) = parsed else {
            panic!("expected run options, got {parsed:?}");
        };
        assert_eq!(options.config.listen.port(), 0);
        assert_eq!(options.config.api_key, "k");
        assert_eq!(options.config.state_file, Some(PathBuf::from("s.json")));
        assert_eq!(options.config.rate_limit_per_minute, Some(5));
        assert_eq!(options.fixed_time, Some(7));
    }

    #[test]
    fn parse_rejects_bad_arguments() {
        let cases = [
            ("missing key", ""),
            ("unknown flag", "--api-key k --verbose"),
            ("missing value", "--api-key"),
            ("bad address", "--api-key k --listen localhost"),
            ("zero rate", "--api-key k --rate-limit 0"),
            ("bad time", "--api-key k --fixed-time soon"),
        ];
        for (name, line) in cases {
            assert!(parse(args(line)).is_err(), "case {name}");
        }
    }

    #[test]
    fn parse_help_wins() {
        assert!(matches!(parse(args("--help")), Ok(Command::Help)));
        assert!(matches!(parse(args("--api-key k -h")), Ok(Command::Help)));
    }
}
