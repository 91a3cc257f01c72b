//! `cargo xtask new-plugin NAME`: writes a working plugin on the kit into `plugins/NAME/`
//! (parameters, an engine, an editor layout, factory presets, engine tests, a benchmark, its
//! parameter table and host-check settings) from the templates in `xtask/template/`, and adds
//! it to the three lists a plugin is named in: the workspace members, `bundler.toml` and the
//! command line's dependencies. Everything else (the CLAP host suite, the pedalboard tests,
//! the command line's registry) picks it up from `bundler.toml`.
//!
//! The generated plugin is a stereo width and output gain stage: it bundles, passes the host
//! suites and clap-validator as generated, and CI proves that on every run (`.ci/run`
//! generates one in its clone before testing).

use std::path::Path;

/// The template files: path inside the plugin's directory, and text.
const TEMPLATES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("../template/Cargo.toml.tmpl")),
    ("src/lib.rs", include_str!("../template/src/lib.rs.tmpl")),
    (
        "src/params.rs",
        include_str!("../template/src/params.rs.tmpl"),
    ),
    ("src/dsp.rs", include_str!("../template/src/dsp.rs.tmpl")),
    (
        "src/editor.rs",
        include_str!("../template/src/editor.rs.tmpl"),
    ),
    (
        "tests/engine.rs",
        include_str!("../template/tests/engine.rs.tmpl"),
    ),
    (
        "benches/realtime.rs",
        include_str!("../template/benches/realtime.rs.tmpl"),
    ),
    (
        "presets/factory.json",
        include_str!("../template/presets/factory.json.tmpl"),
    ),
    (
        "host-checks.json",
        include_str!("../template/host-checks.json.tmpl"),
    ),
    ("params.json", include_str!("../template/params.json.tmpl")),
];

/// The names a new plugin is written under, all derived from its directory name.
#[derive(Debug, Clone, PartialEq)]
pub struct Names {
    /// Directory under `plugins/` and the command line's name: `stereo-tool`.
    pub dir: String,
    /// Crate (and `bundler.toml` section): `stereo_tool`.
    pub krate: String,
    /// Rust type prefix: `StereoTool`.
    pub type_name: String,
    /// Short display name: `Stereo Tool`.
    pub short: String,
    /// Full display name (the host shows it): `Lathe Stereo Tool`.
    pub display: String,
    /// One line for the plugin's description.
    pub description: String,
    /// The VST3 class ID, 16 ASCII bytes: `LatheStereoTool1`.
    pub vst3_id: String,
}

impl Names {
    /// Names from a kebab-case directory name (`reverb`, `stereo-tool`), or an error in words.
    pub fn new(dir: &str, description: Option<&str>) -> Result<Self, String> {
        let valid = !dir.is_empty()
            && dir.starts_with(|c: char| c.is_ascii_lowercase())
            && dir
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !dir.ends_with('-')
            && !dir.contains("--");
        if !valid {
            return Err(format!(
                "\"{dir}\" is not a plugin name: use lower-case words joined by hyphens \
                 (e.g. reverb, stereo-tool)"
            ));
        }
        let words: Vec<String> = dir
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let type_name = words.concat();
        let short = words.join(" ");
        let mut vst3_id: String = format!("Lathe{type_name}").chars().take(15).collect();
        while vst3_id.len() < 15 {
            vst3_id.push('0');
        }
        vst3_id.push('1');
        Ok(Self {
            dir: dir.to_string(),
            krate: dir.replace('-', "_"),
            display: format!("Lathe {short}"),
            description: description
                .map(str::to_string)
                .unwrap_or_else(|| format!("{short}: stereo width and output gain")),
            type_name,
            short,
            vst3_id,
        })
    }

    /// `text` with every placeholder replaced.
    pub fn render(&self, text: &str) -> String {
        text.replace("__CRATE__", &self.krate)
            .replace("__DIR__", &self.dir)
            .replace("__TYPE__", &self.type_name)
            .replace("__SHORT__", &self.short)
            .replace("__NAME__", &self.display)
            .replace("__DESCRIPTION__", &self.description)
            .replace("__VST3_ID__", &self.vst3_id)
            .replace("__MIN_WIDTH__", &format!("{:.1}", self.min_width()))
            .replace(
                "__DEFAULT_WIDTH__",
                &format!("{:.1}", self.min_width() + 40.0),
            )
    }

    /// The editor's smallest width, points: the header holds the title, the preset bar, A/B
    /// and undo, about 800 points plus 8.4 per character of the title (measured with the
    /// kit's font), rounded up to 10 with a margin.
    pub fn min_width(&self) -> f32 {
        ((830.0 + 9.0 * self.display.chars().count() as f32) / 10.0).ceil() * 10.0
    }
}

/// The workspace's plugin crates, in `bundler.toml`'s order (its `[section]` names).
pub fn bundler_crates(bundler_toml: &str) -> Vec<String> {
    bundler_toml
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('[').and_then(|l| l.strip_suffix(']')))
        .map(|s| s.trim().to_string())
        .collect()
}

/// `text` with `line` inserted after the last line that contains `after`, or an error naming
/// `file`.
fn insert_after_last(text: &str, after: &str, line: &str, file: &str) -> Result<String, String> {
    let lines: Vec<&str> = text.lines().collect();
    let last = lines
        .iter()
        .rposition(|l| l.contains(after))
        .ok_or_else(|| format!("{file}: no line with `{after}`"))?;
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.insert(last + 1, line.to_string());
    Ok(out.join("\n") + "\n")
}

/// The workspace manifest with `plugins/<dir>` added to its members list (one line,
/// `members = [...]`).
pub fn add_member(cargo_toml: &str, dir: &str) -> Result<String, String> {
    let entry = format!("\"plugins/{dir}\"");
    let mut out = String::new();
    let mut done = false;
    for line in cargo_toml.lines() {
        if !done && line.trim_start().starts_with("members = [") {
            let at = line
                .rfind("\"plugins/")
                .and_then(|i| line[i + 1..].find('"').map(|j| i + j + 2))
                .ok_or("Cargo.toml: the members list has no plugins/ entry")?;
            out.push_str(&format!("{}, {entry}{}\n", &line[..at], &line[at..]));
            done = true;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !done {
        return Err("Cargo.toml: no `members = [` line".into());
    }
    Ok(out)
}

/// Writes the plugin and adds it to the lists. `root` is the workspace root.
pub fn new_plugin(root: &Path, names: &Names) -> Result<(), String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let dir = root.join("plugins").join(&names.dir);
    if dir.exists() {
        return Err(format!("{} exists already", dir.display()));
    }
    let bundler_path = root.join("bundler.toml");
    let bundler = std::fs::read_to_string(&bundler_path).map_err(|e| io("bundler.toml", e))?;
    if bundler_crates(&bundler).contains(&names.krate) {
        return Err(format!("bundler.toml lists [{}] already", names.krate));
    }
    // Every VST3 class ID is unique: no other plugin may use this one.
    for other in bundler_crates(&bundler) {
        let lib = root
            .join("plugins")
            .join(other.replace('_', "-"))
            .join("src/lib.rs");
        if let Ok(text) = std::fs::read_to_string(&lib) {
            if text.contains(&format!("*b\"{}\"", names.vst3_id)) {
                return Err(format!(
                    "the VST3 class ID {} is taken by {other}; choose another name",
                    names.vst3_id
                ));
            }
        }
    }
    let cargo_path = root.join("Cargo.toml");
    let cargo = std::fs::read_to_string(&cargo_path).map_err(|e| io("Cargo.toml", e))?;
    let cli_path = root.join("cli/Cargo.toml");
    let cli = std::fs::read_to_string(&cli_path).map_err(|e| io("cli/Cargo.toml", e))?;
    // Compute every edit before writing anything.
    let cargo = add_member(&cargo, &names.dir)?;
    let cli = insert_after_last(
        &cli,
        "path = \"../plugins/",
        &format!(
            "{} = {{ path = \"../plugins/{}\" }}",
            names.krate, names.dir
        ),
        "cli/Cargo.toml",
    )?;
    let bundler = format!(
        "{}{}[{}]\nname = \"{}\"\n",
        bundler,
        if bundler.ends_with('\n') { "" } else { "\n" },
        names.krate,
        names.display
    );
    for (path, text) in TEMPLATES {
        let dest = dir.join(path);
        std::fs::create_dir_all(dest.parent().expect("a file in a folder"))
            .map_err(|e| io(&dest.display().to_string(), e))?;
        std::fs::write(&dest, names.render(text))
            .map_err(|e| io(&dest.display().to_string(), e))?;
    }
    std::fs::write(&cargo_path, cargo).map_err(|e| io("Cargo.toml", e))?;
    std::fs::write(&cli_path, cli).map_err(|e| io("cli/Cargo.toml", e))?;
    std::fs::write(&bundler_path, bundler).map_err(|e| io("bundler.toml", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_from_the_directory_name() {
        let n = Names::new("stereo-tool", None).unwrap();
        assert_eq!(n.krate, "stereo_tool");
        assert_eq!(n.type_name, "StereoTool");
        assert_eq!(n.display, "Lathe Stereo Tool");
        assert_eq!(n.vst3_id, "LatheStereoTool1");
        assert_eq!(
            Names::new("reverb", None).unwrap().vst3_id,
            "LatheReverb00001"
        );
        assert_eq!(
            Names::new("a-very-long-plugin-name", None).unwrap().vst3_id,
            "LatheAVeryLongP1"
        );
        for bad in ["", "Reverb", "2band", "a_b", "a--b", "a-", "é"] {
            assert!(Names::new(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_placeholder_is_replaced() {
        let n = Names::new("stereo-tool", None).unwrap();
        for (path, text) in TEMPLATES {
            let out = n.render(text);
            assert!(!out.contains("__"), "{path}: a placeholder is left");
        }
        assert_eq!(n.vst3_id.len(), 16);
    }

    #[test]
    fn the_member_goes_after_the_last_plugin() {
        let toml = "[workspace]\nmembers = [\"xtask\", \"plugins/a\", \"plugins/b\", \"cli\"]\n";
        assert_eq!(
            add_member(toml, "c").unwrap(),
            "[workspace]\nmembers = [\"xtask\", \"plugins/a\", \"plugins/b\", \"plugins/c\", \"cli\"]\n"
        );
    }
}
