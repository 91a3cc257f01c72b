//! `lathe compare MIX REFERENCE` (being written).

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `lathe compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The mix or master under test.
    #[arg(value_name = "MIX")]
    pub mix: PathBuf,
    /// The reference track.
    #[arg(value_name = "REFERENCE")]
    pub reference: PathBuf,
}

/// Runs `lathe compare`.
pub fn run(_args: CompareArgs) -> ExitCode {
    ExitCode::from(2)
}
