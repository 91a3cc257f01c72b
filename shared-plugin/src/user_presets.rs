//! User presets: one JSON file per preset under the platform's configuration directory
//! (`$XDG_CONFIG_HOME/lathe/presets/<plugin>/` on Linux, `~/Library/Application Support/…` on
//! macOS, `%APPDATA%\…` on Windows, found with the `directories` crate).
//!
//! A file stores every parameter's **plain** value (the number in the parameter's own unit, as
//! nice-plug's saved state does), so it restores exactly and keeps its meaning if a range is
//! widened later:
//!
//! ```json
//! { "format": "lathe-preset", "format_version": 1,
//!   "plugin": "com.lathe-audio.bus-compressor", "name": "My drum bus",
//!   "description": "", "values": { "thr": -18.5, "c_ratio": 0.0, "mix": 70.0 } }
//! ```
//!
//! Writes are atomic: the file is written beside its target under a hidden temporary name,
//! flushed to disk and renamed over the target, so an interrupted save leaves the old preset as
//! it was. Every failure is an `Err` with a sentence for the editor's status line; a corrupt,
//! unreadable, foreign or future-version file changes nothing.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `format` field every preset file carries.
pub const FORMAT: &str = "lathe-preset";
/// The preset file format this build writes and reads (older ones are read too).
pub const FORMAT_VERSION: u32 = 1;
/// File name (hidden, so it is not listed) of the preset new instances start from.
pub const DEFAULT_FILE: &str = ".default.json";
/// Longest preset name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// A user preset as stored on disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserPreset {
    /// Always [`FORMAT`].
    pub format: String,
    /// The file format version ([`FORMAT_VERSION`] when written by this build).
    pub format_version: u32,
    /// The CLAP ID of the plugin the preset belongs to.
    pub plugin: String,
    /// The preset's name (also its file name).
    pub name: String,
    /// What the preset is for (may be empty).
    #[serde(default)]
    pub description: String,
    /// Parameter ID → plain value in the parameter's unit.
    pub values: BTreeMap<String, f32>,
}

impl UserPreset {
    /// A preset of the current format for `plugin` with the given values.
    pub fn new(plugin: &str, name: &str, values: BTreeMap<String, f32>) -> Self {
        Self {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            plugin: plugin.to_string(),
            name: name.to_string(),
            description: String::new(),
            values,
        }
    }

    /// Parses a preset file's text for `plugin`; `what` names the file in error messages.
    pub fn parse(text: &str, plugin: &str, what: &str) -> Result<Self, String> {
        // The envelope first, so a future file is reported as such even if its shape changed.
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("{what} is damaged and was not loaded ({e})"))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(format!("{what} is not a Lathe preset"));
        }
        let version = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| format!("{what} has no format version and was not loaded"))?;
        if version > FORMAT_VERSION as u64 {
            return Err(format!(
                "{what} was saved by a newer version of Lathe (preset format {version}; this \
                 version reads up to {FORMAT_VERSION}): update Lathe to load it"
            ));
        }
        let preset: UserPreset = serde_json::from_value(value)
            .map_err(|e| format!("{what} is damaged and was not loaded ({e})"))?;
        if preset.plugin != plugin {
            return Err(format!(
                "{what} is a preset for another plugin ({}), not this one",
                preset.plugin
            ));
        }
        if let Some((id, v)) = preset.values.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!(
                "{what} is damaged: \"{id}\" has no valid value ({v})"
            ));
        }
        Ok(preset)
    }

    /// The file's text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a preset always serialises")
    }
}

/// Checks a preset name typed by the user; the name becomes a file name.
pub fn check_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a preset needs a name".to_string());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "a preset name can have at most {MAX_NAME_CHARS} characters"
        ));
    }
    if name.starts_with('.') || name.ends_with('.') {
        return Err("a preset name cannot start or end with a dot".to_string());
    }
    // Names Windows reserves for devices, with or without an extension.
    let stem = name.split('.').next().unwrap_or("").trim().to_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        return Err(format!(
            "\"{name}\" is a device name on Windows; choose another"
        ));
    }
    if let Some(c) = name.chars().find(|c| {
        c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
    }) {
        return Err(format!("a preset name cannot contain {c:?}"));
    }
    Ok(name)
}

/// Whether two existing paths name the same file (a case-insensitive disk, a link).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        // Windows disks are case-insensitive: the same name but for case is the same file.
        a.to_string_lossy().to_lowercase() == b.to_string_lossy().to_lowercase()
    }
}

/// The user presets of one plugin: a directory of JSON files.
#[derive(Clone, Debug)]
pub struct PresetStore {
    dir: PathBuf,
    plugin_id: String,
}

impl PresetStore {
    /// The store of the plugin with CLAP ID `plugin_id` in the platform's configuration
    /// directory, under `lathe/presets/<folder>` (the directory is created when first saved to).
    pub fn for_plugin(folder: &str, plugin_id: &str) -> Result<Self, String> {
        let base = directories::BaseDirs::new()
            .ok_or_else(|| "no home directory: user presets are unavailable".to_string())?;
        Ok(Self::at(
            base.config_dir().join("lathe").join("presets").join(folder),
            plugin_id,
        ))
    }

    /// A store in `dir` (for tests and the command line).
    pub fn at(dir: impl Into<PathBuf>, plugin_id: &str) -> Self {
        Self {
            dir: dir.into(),
            plugin_id: plugin_id.to_string(),
        }
    }

    /// The directory the presets live in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, name: &str) -> Result<PathBuf, String> {
        Ok(self.dir.join(format!("{}.json", check_name(name)?)))
    }

    /// The names of the stored presets, sorted case-insensitively (no directory: none).
    pub fn list(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let stem = name.strip_suffix(".json")?;
                (!stem.starts_with('.')).then(|| stem.to_string())
            })
            .collect();
        names.sort_by_key(|n| n.to_lowercase());
        names
    }

    fn read(&self, path: &Path, what: &str) -> Result<UserPreset, String> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("{what} no longer exists"),
            std::io::ErrorKind::InvalidData => format!("{what} is not a text file"),
            _ => format!("{what} could not be read ({e})"),
        })?;
        UserPreset::parse(&text, &self.plugin_id, what)
    }

    /// Loads the preset called `name`.
    pub fn load(&self, name: &str) -> Result<UserPreset, String> {
        self.read(&self.path_of(name)?, &format!("preset \"{name}\""))
    }

    /// Saves `preset` under its name, replacing a preset of that name atomically.
    pub fn save(&self, preset: &UserPreset) -> Result<(), String> {
        let path = self.path_of(&preset.name)?;
        self.write(&path, preset, || Ok(()))
    }

    /// Writes `preset` to `path` through a temporary file; `before_rename` runs between the
    /// write and the rename (tests use it to interrupt a save).
    fn write(
        &self,
        path: &Path,
        preset: &UserPreset,
        before_rename: impl FnOnce() -> std::io::Result<()>,
    ) -> Result<(), String> {
        let what = format!("preset \"{}\"", preset.name);
        std::fs::create_dir_all(&self.dir).map_err(|e| {
            format!(
                "{what} could not be saved: cannot create {} ({e})",
                self.dir.display()
            )
        })?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Unique per process and per save, so two instances saving at once never share one.
        static SAVES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let tmp = self.dir.join(format!(
            ".{file_name}.{}-{}.tmp",
            std::process::id(),
            SAVES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let result = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            file.write_all(preset.to_json().as_bytes())?;
            file.sync_all()?;
            drop(file);
            before_rename()?;
            std::fs::rename(&tmp, path)?;
            // The rename itself reaches the disk with the directory (best effort: not every
            // platform can open a directory).
            if let Ok(dir) = std::fs::File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            Ok::<(), std::io::Error>(())
        })();
        result.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("{what} could not be saved ({e}); nothing was changed")
        })
    }

    /// Renames the preset `old` to `new` (refused when another preset is called `new`; a
    /// change of case only is a rename of the same file, also on case-insensitive disks).
    pub fn rename(&self, old: &str, new: &str) -> Result<(), String> {
        let new = check_name(new)?;
        let from = self.path_of(old)?;
        let to = self.path_of(new)?;
        let mut preset = self.load(old)?;
        preset.name = new.to_string();
        if from == to {
            return self.write(&to, &preset, || Ok(()));
        }
        if to.exists() && !same_file(&from, &to) {
            return Err(format!("a preset called \"{new}\" already exists"));
        }
        // Move the file first (a case-only rename on a case-insensitive disk is this one step),
        // then rewrite it with its new name inside.
        std::fs::rename(&from, &to)
            .map_err(|e| format!("preset \"{old}\" could not be renamed ({e})"))?;
        self.write(&to, &preset, || Ok(()))
    }

    /// Deletes the preset `name`.
    pub fn delete(&self, name: &str) -> Result<(), String> {
        std::fs::remove_file(self.path_of(name)?)
            .map_err(|e| format!("preset \"{name}\" could not be deleted ({e})"))
    }

    /// Saves `preset` as the one new instances start from.
    pub fn save_default(&self, preset: &UserPreset) -> Result<(), String> {
        self.write(&self.dir.join(DEFAULT_FILE), preset, || Ok(()))
    }

    /// The preset new instances start from, if one was saved (`Ok(None)`: none).
    pub fn load_default(&self) -> Result<Option<UserPreset>, String> {
        let path = self.dir.join(DEFAULT_FILE);
        if !path.exists() {
            return Ok(None);
        }
        self.read(&path, "the default preset").map(Some)
    }

    /// Forgets the default preset: new instances start from the factory defaults again.
    pub fn clear_default(&self) -> Result<(), String> {
        match std::fs::remove_file(self.dir.join(DEFAULT_FILE)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("the default preset could not be removed ({e})")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const PLUGIN: &str = "com.lathe-audio.test";

    fn temp_store() -> PresetStore {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "lathe-presets-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        PresetStore::at(dir, PLUGIN)
    }

    fn preset(name: &str, thr: f32) -> UserPreset {
        let mut values = BTreeMap::new();
        values.insert("thr".to_string(), thr);
        values.insert("ratio".to_string(), 4.0);
        UserPreset::new(PLUGIN, name, values)
    }

    #[test]
    fn save_load_list_rename_delete() {
        let store = temp_store();
        assert!(store.list().is_empty(), "no directory yet: no presets");
        let p = preset("Drum bus", -18.37);
        store.save(&p).unwrap();
        store.save(&preset("acoustic", -10.0)).unwrap();
        assert_eq!(store.list(), ["acoustic", "Drum bus"]);
        assert_eq!(store.load("Drum bus").unwrap(), p, "exact round trip");

        store.rename("Drum bus", "Drums 2").unwrap();
        assert_eq!(store.list(), ["acoustic", "Drums 2"]);
        let renamed = store.load("Drums 2").unwrap();
        assert_eq!(renamed.name, "Drums 2");
        assert_eq!(renamed.values, p.values);
        let err = store.rename("Drums 2", "acoustic").unwrap_err();
        assert!(err.contains("already exists"), "{err}");
        // A change of case only renames the same preset and loses nothing.
        store.rename("Drums 2", "drums 2").unwrap();
        assert_eq!(store.list(), ["acoustic", "drums 2"]);
        assert_eq!(store.load("drums 2").unwrap().values, p.values);
        store.rename("drums 2", "Drums 2").unwrap();

        store.delete("acoustic").unwrap();
        assert_eq!(store.list(), ["Drums 2"]);
        assert!(store
            .load("acoustic")
            .unwrap_err()
            .contains("no longer exists"));
        let _ = std::fs::remove_dir_all(store.dir());
    }

    #[test]
    fn saving_again_replaces_and_the_default_is_not_listed() {
        let store = temp_store();
        store.save(&preset("A", -1.0)).unwrap();
        store.save(&preset("A", -2.0)).unwrap();
        assert_eq!(store.load("A").unwrap().values["thr"], -2.0);
        assert_eq!(store.load_default().unwrap(), None);
        store.save_default(&preset("Default", -7.0)).unwrap();
        assert_eq!(store.list(), ["A"]);
        assert_eq!(store.load_default().unwrap().unwrap().values["thr"], -7.0);
        store.clear_default().unwrap();
        assert_eq!(store.load_default().unwrap(), None);
        let _ = std::fs::remove_dir_all(store.dir());
    }

    #[test]
    fn an_interrupted_save_leaves_the_old_preset_intact() {
        let store = temp_store();
        let old = preset("Master", -3.0);
        store.save(&old).unwrap();
        let path = store.path_of("Master").unwrap();
        let err = store
            .write(&path, &preset("Master", -30.0), || {
                Err(std::io::Error::other("power cut"))
            })
            .unwrap_err();
        assert!(
            err.contains("power cut") && err.contains("nothing was changed"),
            "{err}"
        );
        assert_eq!(store.load("Master").unwrap(), old);
        // No temporary file is left behind, and one left by a crash is never listed.
        let leftovers: Vec<_> = std::fs::read_dir(store.dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        std::fs::write(store.dir().join(".Master.json.999.tmp"), "{\"format\":").unwrap();
        assert_eq!(store.list(), ["Master"]);
        assert_eq!(store.load("Master").unwrap(), old);
        let _ = std::fs::remove_dir_all(store.dir());
    }

    #[test]
    fn corrupt_foreign_and_future_files_are_refused_in_words() {
        let store = temp_store();
        std::fs::create_dir_all(store.dir()).unwrap();
        let write = |name: &str, text: &str| {
            std::fs::write(store.dir().join(format!("{name}.json")), text).unwrap()
        };
        write("Cut", "{\"format\": \"lathe-preset\", \"format_ver");
        write("Other", "{\"some\": \"json\"}");
        let mut future = serde_json::to_value(preset("Future", 0.0)).unwrap();
        future["format_version"] = 2.into();
        future["values"] = serde_json::json!([1, 2, 3]);
        write("Future", &future.to_string());
        let mut foreign = preset("Foreign", 0.0);
        foreign.plugin = "com.lathe-audio.other".into();
        write("Foreign", &foreign.to_json());
        std::fs::write(store.dir().join("Binary.json"), [0xff, 0xfe, 0x00, 0x81]).unwrap();
        // 1e300 parses, but is no f32: it arrives as infinity and is caught as such.
        write("Nan", &preset("Nan", 0.0).to_json().replace("0.0", "1e300"));

        let expect = [
            ("Cut", "damaged"),
            ("Other", "not a Lathe preset"),
            ("Future", "newer version of Lathe (preset format 2"),
            ("Foreign", "another plugin (com.lathe-audio.other)"),
            ("Binary", "not a text file"),
            ("Nan", "\"thr\" has no valid value"),
        ];
        for (name, words) in expect {
            let err = store.load(name).unwrap_err();
            assert!(err.contains(words), "{name}: {err}");
            assert!(
                err.contains(&format!("\"{name}\"")),
                "names the preset: {err}"
            );
        }
        let _ = std::fs::remove_dir_all(store.dir());
    }

    #[test]
    fn names_that_cannot_be_file_names_are_refused() {
        for bad in [
            "",
            "  ",
            ".hidden",
            "a/b",
            "a\\b",
            "tab\there",
            &"x".repeat(81),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check_name("  Vocal – bright  ").unwrap(), "Vocal – bright");
        let store = temp_store();
        assert!(store.save(&preset("../escape", 0.0)).is_err());
        assert!(!store.dir().exists(), "nothing written");
    }

    #[test]
    fn the_store_lives_in_the_platform_config_directory() {
        let store = PresetStore::for_plugin("bus-compressor", PLUGIN).unwrap();
        let base = directories::BaseDirs::new().unwrap();
        assert_eq!(
            store.dir(),
            base.config_dir().join("lathe/presets/bus-compressor")
        );
    }
}
