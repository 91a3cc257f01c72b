//! `cargo xtask`: nice-plug-xtask's `bundle` plus three verbs of our own.
//!
//! - `cargo xtask bundle-all [--release]`: installs the missing system libraries first
//!   (`scripts/setup.sh build`: apt, through sudo when not root), then bundles every plugin
//!   listed in `bundler.toml` in one cargo build (VST3 and CLAP under `target/bundled/`).
//! - `cargo xtask install`: copies the bundles from `target/bundled/` into `~/.vst3` and
//!   `~/.clap`, the standard per-user plugin folders on Linux.
//! - `cargo xtask new-plugin NAME [--description TEXT]`: writes a working plugin on the kit
//!   into `plugins/NAME/` and adds it to the workspace members, `bundler.toml` and the command
//!   line's dependencies (see [`new_plugin`]).
//! - anything else (`bundle <crate> --release`, `known-packages`, …) goes to nice-plug-xtask.

mod new_plugin;

use std::path::{Path, PathBuf};

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("bundle-all") => bundle_all(&args[1..]),
        Some("install") => install(),
        Some("new-plugin") => new_plugin_command(&args[1..]),
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

fn new_plugin_command(args: &[String]) -> nice_plug_xtask::Result<()> {
    let usage = "usage: cargo xtask new-plugin NAME [--description TEXT]  (NAME: e.g. reverb)";
    let (mut name, mut description) = (None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--description" => description = it.next().cloned(),
            _ if name.is_none() && !a.starts_with('-') => name = Some(a.clone()),
            _ => return Err(anyhow::anyhow!("{usage}")),
        }
    }
    let name = name.ok_or_else(|| anyhow::anyhow!("{usage}"))?;
    let names =
        new_plugin::Names::new(&name, description.as_deref()).map_err(anyhow::Error::msg)?;
    nice_plug_xtask::chdir_workspace_root()?;
    let root = std::env::current_dir()?;
    new_plugin::new_plugin(&root, &names).map_err(anyhow::Error::msg)?;
    // The templates are formatted for one name length; rustfmt lays them out for this one.
    let fmt = std::process::Command::new("cargo")
        .args(["fmt", "-p", &names.krate])
        .status()?;
    if !fmt.success() {
        eprintln!(
            "warning: `cargo fmt -p {}` failed; run it before committing",
            names.krate
        );
    }
    println!(
        "wrote plugins/{dir}/ ({display}, crate {krate}) and added it to Cargo.toml's members, \
         bundler.toml and cli/Cargo.toml.\n\
         It builds, bundles and passes every test as it is (a stereo width and output gain \
         stage). Next, see docs/ARCHITECTURE.md, \"Adding a plugin\":\n\
         - src/dsp.rs: the settings, their ranges and the core;  src/params.rs: the \
         parameters;  src/editor.rs: the layout;\n\
         - presets/factory.json: at least six presets with their expect blocks;  \
         host-checks.json: what the host checks set;\n\
         - params.json: `LATHE_UPDATE_PARAM_TABLES=1 cargo test --profile ci-test -p {krate} \
         --test engine` rewrites it;\n\
         - tests/engine.rs: the plugin's behaviour against analytic expectations.",
        dir = names.dir,
        display = names.display,
        krate = names.krate,
    );
    Ok(())
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

#[cfg(test)]
mod registry_tests {
    use super::*;

    /// The one list of plugins is `bundler.toml`; the workspace members, the `plugins/`
    /// folders and the command line's dependencies must name the same plugins (what
    /// `cargo xtask new-plugin` writes).
    #[test]
    fn bundler_toml_the_workspace_the_plugin_folders_and_the_command_line_agree() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
        let mut crates = new_plugin::bundler_crates(&read("bundler.toml"));
        crates.sort();
        let mut folders: Vec<String> = std::fs::read_dir(root.join("plugins"))
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.path().join("Cargo.toml").exists())
            .map(|e| e.file_name().to_string_lossy().replace('-', "_"))
            .collect();
        folders.sort();
        assert_eq!(crates, folders, "bundler.toml vs plugins/*");
        let cargo = read("Cargo.toml");
        let cli = read("cli/Cargo.toml");
        for c in &crates {
            let dir = c.replace('_', "-");
            assert!(
                cargo.contains(&format!("\"plugins/{dir}\"")),
                "Cargo.toml's members lack plugins/{dir}"
            );
            assert!(
                cli.contains(&format!("{c} = {{ path = \"../plugins/{dir}\" }}")),
                "cli/Cargo.toml lacks {c}"
            );
        }
        assert_eq!(
            cargo.matches("\"plugins/").count(),
            crates.len(),
            "Cargo.toml's members name a plugin bundler.toml does not list"
        );
    }
}
