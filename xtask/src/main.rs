//! `cargo xtask`: nice-plug-xtask's `bundle` plus two verbs of our own.
//!
//! - `cargo xtask bundle-all [--release]`: installs the missing system libraries first
//!   (`scripts/setup.sh build`: apt, through sudo when not root), then bundles every plugin
//!   listed in `bundler.toml` in one cargo build (VST3 and CLAP under `target/bundled/`).
//! - `cargo xtask install`: copies the bundles from `target/bundled/` into `~/.vst3` and
//!   `~/.clap`, the standard per-user plugin folders on Linux.
//! - anything else (`bundle <crate> --release`, `known-packages`, …) goes to nice-plug-xtask.

use std::path::{Path, PathBuf};

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bundle-all") => bundle_all(&args[1..]),
        Some("install") => install(),
        _ => nice_plug_xtask::main_with_args("cargo xtask", args),
    }
}

/// Reads the plugin package names (the table names) from `bundler.toml`.
fn plugin_packages(root: &Path) -> nice_plug_xtask::Result<Vec<String>> {
    let text = std::fs::read_to_string(root.join("bundler.toml"))?;
    let packages: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
        .collect();
    if packages.is_empty() {
        return Err(anyhow::anyhow!("bundler.toml lists no plugins"));
    }
    Ok(packages)
}

fn bundle_all(extra: &[String]) -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::chdir_workspace_root()?;
    let root = std::env::current_dir()?;
    let setup = std::process::Command::new("bash")
        .arg(root.join("scripts/setup.sh"))
        .arg("build")
        .status()?;
    if !setup.success() {
        return Err(anyhow::anyhow!(
            "scripts/setup.sh could not install the system libraries the plugins need"
        ));
    }
    let mut args = vec!["bundle".to_string()];
    for p in plugin_packages(&root)? {
        args.push("-p".into());
        args.push(p);
    }
    args.extend(extra.iter().cloned());
    nice_plug_xtask::main_with_args("cargo xtask", args)
}

fn install() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::chdir_workspace_root()?;
    let bundled = std::env::current_dir()?.join("target").join("bundled");
    let home = PathBuf::from(std::env::var("HOME")?);
    let mut count = 0;
    for entry in std::fs::read_dir(&bundled).map_err(|e| {
        anyhow::anyhow!(
            "cannot read {}: {e}; run `cargo xtask bundle-all --release` first",
            bundled.display()
        )
    })? {
        let path = entry?.path();
        let dest_dir = match path.extension().and_then(|e| e.to_str()) {
            Some("vst3") => home.join(".vst3"),
            Some("clap") => home.join(".clap"),
            _ => continue,
        };
        std::fs::create_dir_all(&dest_dir)?;
        let dest = dest_dir.join(path.file_name().unwrap_or_default());
        copy_recursive(&path, &dest)?;
        println!("installed {}", dest.display());
        count += 1;
    }
    if count == 0 {
        return Err(anyhow::anyhow!(
            "no bundles in {}; run `cargo xtask bundle-all --release` first",
            bundled.display()
        ));
    }
    Ok(())
}

fn copy_recursive(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_dir() {
        if to.exists() && !to.is_dir() {
            std::fs::remove_file(to)?;
        }
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_recursive(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}
