//! The `newsd` binary: parses the command line, sets up logging (text or JSON lines), runs the
//! command.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use newsd::cli::{self, Cli};
use newsd::config::{self, LogFormat};
use tracing_subscriber::EnvFilter;

/// jemalloc rather than glibc's malloc: the page workers allocate and free parsed pages on
/// several threads, and glibc's per-thread arenas held ~100 MB more at peak for the same work
/// (bench/e2e.sh), with more time in malloc and free.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = match config::log_format(&config::config_path(cli.config.clone())) {
        Ok(format) => format,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let filter = EnvFilter::try_from_env("NEWSD_LOG")
        .unwrap_or_else(|_| EnvFilter::new(cli.command.default_log_level()));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => logs.json().with_ansi(false).init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::execute(cli)) {
        Ok(code) => code,
        // A closed stdout (`newsd search … | head`) is how the reader says "enough".
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
