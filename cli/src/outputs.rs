//! Where outputs go, and the guard that never lets an output replace an input.

use crate::write::{Container, Depth, OutFormat};
use std::path::{Path, PathBuf};

/// Output options shared by `process` and `master`.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Output file (one input) or folder (any number; created if missing). In a folder each
    /// output keeps its input's name with the format's extension.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,

    /// Container when OUT is a folder or has no known extension: wav or flac [default: from
    /// OUT's extension, else wav].
    #[arg(long, value_name = "FORMAT", value_parser = Container::parse)]
    pub format: Option<Container>,

    /// Sample format: 16, 24 or 32f (float; WAV only).
    #[arg(long, value_name = "BITS", value_parser = Depth::parse)]
    pub bits: Option<Depth>,

    /// No TPDF dither when reducing to 16 or 24 bits (plain rounding).
    #[arg(long)]
    pub no_dither: bool,
}

/// Each input's output path and the format, after the safety checks.
pub struct Plan {
    /// Output path per input, in input order.
    pub outputs: Vec<PathBuf>,
    /// What to write.
    pub format: OutFormat,
}

/// Works out the outputs. Refuses (in words) an output that is one of the inputs (by path or
/// by identity, so a hard link or another spelling counts), two inputs writing the same output,
/// and an unknown extension. `default_depth` is used when `--bits` is not given (FLAC: 24-bit
/// when it would be float).
pub fn plan(inputs: &[PathBuf], args: &OutputArgs, default_depth: Depth) -> Result<Plan, String> {
    let out = &args.output;
    let to_folder = inputs.len() > 1
        || out.is_dir()
        || out
            .as_os_str()
            .to_string_lossy()
            .ends_with(std::path::MAIN_SEPARATOR);
    let container = if to_folder {
        args.format.unwrap_or(Container::Wav)
    } else {
        match (args.format, Container::from_path(out)) {
            (Some(f), _) => f,
            (None, Some(c)) => c,
            (None, None) => {
                return Err(format!(
                    "{}: unknown output extension; use .wav or .flac, or --format",
                    out.display()
                ))
            }
        }
    };
    let depth = match (args.bits, container) {
        (Some(d), _) => d,
        (None, Container::Flac) if default_depth == Depth::F32 => Depth::I24,
        (None, _) => default_depth,
    };
    let format = OutFormat {
        container,
        depth,
        dither: !args.no_dither,
    }
    .check()?;
    let outputs: Vec<PathBuf> = if to_folder {
        std::fs::create_dir_all(out)
            .map_err(|e| format!("{}: cannot create the output folder: {e}", out.display()))?;
        inputs
            .iter()
            .map(|i| {
                let stem = i.file_stem().unwrap_or(i.as_os_str());
                out.join(stem).with_extension(container.extension())
            })
            .collect()
    } else {
        vec![out.clone()]
    };
    for (i, o) in outputs.iter().enumerate() {
        if let Some(input) = inputs.iter().find(|input| same_file(input, o)) {
            return Err(format!(
                "{}: the output would replace the input {}; choose another output",
                o.display(),
                input.display()
            ));
        }
        if let Some(j) = outputs[..i].iter().position(|p| same_path(p, o)) {
            return Err(format!(
                "{} and {} would both be written to {}",
                inputs[j].display(),
                inputs[i].display(),
                o.display()
            ));
        }
    }
    Ok(Plan { outputs, format })
}

/// Whether two paths name the same file (the same device and inode, or the same canonical
/// path).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            if ma.dev() == mb.dev() && ma.ino() == mb.ino() {
                return true;
            }
        }
    }
    same_path(a, b)
}

/// Whether two paths (existing or not) spell the same place: compared by their canonical
/// folder and file name.
fn same_path(a: &Path, b: &Path) -> bool {
    let norm = |p: &Path| {
        let parent = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (
            parent.canonicalize().unwrap_or(parent),
            p.file_name().map(|n| n.to_owned()),
        )
    };
    norm(a) == norm(b)
}
