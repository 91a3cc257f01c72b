//! The preset bar every editor shows in its header: the preset menu (factory bank and user
//! presets), previous/next, save, save as, rename, delete, save as default, the lock, A/B
//! compare and undo/redo, with a status line that says what happened or what went wrong.
//!
//! Everything that changes parameters goes through the editor's
//! [`Recorder`](shared_plugin::session::Recorder), so it reaches the host as begin/set/end
//! gestures (automation lanes and the host's display follow) and undo can take it back.

use egui::{RichText, Ui};
use shared_plugin::session::{PresetKit, Recorder};
use shared_plugin::user_presets::{check_name, PresetStore};

use crate::theme;

/// Environment variable with editor commands (separated by `;`, see
/// [`PresetBar::run_command`]) that a newly opened editor runs one by one, each once the host
/// has taken the previous one's changes: how the CLAP host tests press the editor's preset, A/B
/// and undo buttons.
pub const SCRIPT_ENV: &str = "LATHE_EDITOR_SCRIPT";

/// A preset in the menu.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    /// A factory preset (index into the kit's bank).
    Factory(usize),
    /// A user preset (its name).
    User(String),
}

/// What the name field is for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Naming {
    SaveAs,
    Rename,
}

/// The preset bar's state in one open editor.
pub struct PresetBar {
    store: Result<PresetStore, String>,
    user: Vec<String>,
    /// The name field, while saving as or renaming.
    naming: Option<(Naming, String)>,
    /// The last outcome, and whether it is an error.
    status: Option<(String, bool)>,
}

impl PresetBar {
    /// A bar for a plugin's kit (reads the user preset folder).
    pub fn new(kit: &PresetKit) -> Self {
        let mut bar = Self {
            store: kit.store(),
            user: Vec::new(),
            naming: None,
            status: None,
        };
        bar.refresh();
        bar
    }

    /// The user preset store, or why there is none.
    fn store(&self) -> Result<&PresetStore, String> {
        self.store.as_ref().map_err(|e| e.clone())
    }

    /// Re-reads the user preset folder.
    pub fn refresh(&mut self) {
        self.user = self.store.as_ref().map(|s| s.list()).unwrap_or_default();
    }

    fn entries(&self, kit: &PresetKit) -> Vec<Entry> {
        (0..kit.factory.len())
            .map(Entry::Factory)
            .chain(self.user.iter().cloned().map(Entry::User))
            .collect()
    }

    /// Shows an error in the status line (e.g. a grouped change the recorder refused).
    pub fn say_error(&mut self, e: String) {
        self.say(Err(e));
    }

    fn say(&mut self, result: Result<String, String>) {
        self.status = Some(match result {
            Ok(s) => (s, false),
            Err(e) => (e, true),
        });
    }

    /// Loads a menu entry through the host.
    fn load(&mut self, rec: &Recorder, kit: &PresetKit, entry: &Entry) {
        let result = match entry {
            Entry::Factory(i) => rec
                .load_factory(kit, &kit.factory[*i])
                .map(|()| format!("Loaded {}", kit.factory[*i].name)),
            Entry::User(name) => self.store().and_then(|store| {
                store
                    .load(name)
                    .and_then(|p| rec.load_user(kit, name, &p))
                    .map(|()| format!("Loaded {name}"))
            }),
        };
        self.say(result);
    }

    /// Loads the previous (`step` −1) or next (+1) preset after the current one.
    fn step(&mut self, rec: &Recorder, kit: &PresetKit, step: isize) {
        let entries = self.entries(kit);
        if entries.is_empty() {
            return;
        }
        let current = rec.session().preset.clone();
        let at = entries.iter().position(|e| match e {
            Entry::Factory(i) => kit.factory[*i].name == current,
            Entry::User(n) => *n == current,
        });
        let n = entries.len() as isize;
        let next = match at {
            Some(i) => (i as isize + step).rem_euclid(n),
            None if step > 0 => 0,
            None => n - 1,
        };
        self.load(rec, kit, &entries[next as usize]);
    }

    fn is_user(&self, name: &str) -> bool {
        self.user.iter().any(|n| n == name)
    }

    /// Saves the live settings as the user preset `name`; `replace` allows writing over an
    /// existing one (Save on the current user preset), otherwise an existing name is refused.
    fn save_as(
        &mut self,
        rec: &Recorder,
        kit: &PresetKit,
        name: &str,
        replace: bool,
    ) -> Result<String, String> {
        let store = self.store()?;
        let name = check_name(name)?;
        if !replace
            && self
                .user
                .iter()
                .any(|n| n.to_lowercase() == name.to_lowercase())
        {
            return Err(format!(
                "a preset called \"{name}\" already exists: load it and Save to replace it"
            ));
        }
        store.save(&rec.snapshot_as(kit, name))?;
        rec.set_preset_name(name);
        self.refresh();
        Ok(format!("Saved {name}"))
    }

    /// Runs one editor command, as the bar's buttons would: `preset:NAME` (factory or user),
    /// `next`, `previous`, `ab:swap`, `ab:copy`, `undo`, `redo`, `lock:on`, `lock:off`. Used by
    /// the host tests through [`SCRIPT_ENV`], which drive a real editor in a CLAP host.
    pub fn run_command(&mut self, rec: &Recorder, kit: &PresetKit, command: &str) {
        match command.trim() {
            "next" => self.step(rec, kit, 1),
            "previous" => self.step(rec, kit, -1),
            "ab:swap" => {
                let r = rec.ab_swap().map(|()| "Switched".to_string());
                self.say(r);
            }
            "ab:copy" => {
                let r = rec.ab_copy().map(|()| "Copied".to_string());
                self.say(r);
            }
            "undo" => {
                rec.undo();
            }
            "redo" => {
                rec.redo();
            }
            "lock:on" => rec.session().lock = true,
            "lock:off" => rec.session().lock = false,
            other => match other.strip_prefix("preset:") {
                Some(name) => {
                    let entry = self.entries(kit).into_iter().find(|e| match e {
                        Entry::Factory(i) => kit.factory[*i].name == name,
                        Entry::User(n) => n == name,
                    });
                    match entry {
                        Some(entry) => self.load(rec, kit, &entry),
                        None => self.say(Err(format!("no preset called \"{name}\""))),
                    }
                }
                None => self.say(Err(format!("unknown editor command \"{other}\""))),
            },
        }
    }

    /// Draws the bar on one row.
    pub fn draw(&mut self, ui: &mut Ui, rec: &Recorder, kit: &PresetKit) {
        let (preset, slot, lock) = {
            let s = rec.session();
            (s.preset.clone(), s.slot, s.lock)
        };
        if ui
            .small_button("<")
            .on_hover_text("Previous preset")
            .clicked()
        {
            self.step(rec, kit, -1);
        }
        let shown = if preset.is_empty() {
            "(no preset)".to_string()
        } else {
            preset.clone()
        };
        let mut chosen = None;
        egui::ComboBox::from_id_salt("lathe_presets")
            .selected_text(shown)
            .width(170.0)
            .show_ui(ui, |ui| {
                ui.label(RichText::new("Factory").small().color(theme::DIM));
                for (i, p) in kit.factory.iter().enumerate() {
                    if ui
                        .selectable_label(p.name == preset, &p.name)
                        .on_hover_text(&p.description)
                        .clicked()
                    {
                        chosen = Some(Entry::Factory(i));
                    }
                }
                ui.separator();
                ui.label(RichText::new("User").small().color(theme::DIM));
                if self.user.is_empty() {
                    ui.label(RichText::new("none saved yet").small().italics());
                }
                for name in &self.user {
                    if ui.selectable_label(*name == preset, name).clicked() {
                        chosen = Some(Entry::User(name.clone()));
                    }
                }
            });
        if let Some(entry) = chosen {
            self.load(rec, kit, &entry);
        }
        if ui.small_button(">").on_hover_text("Next preset").clicked() {
            self.step(rec, kit, 1);
        }

        // Save over the current user preset, or ask for a name.
        let can_overwrite = self.is_user(&preset);
        if ui
            .button("Save")
            .on_hover_text(if can_overwrite {
                "Save over this user preset"
            } else {
                "Save the settings as a new user preset"
            })
            .clicked()
        {
            if can_overwrite {
                let r = self.save_as(rec, kit, &preset, true);
                self.say(r);
            } else {
                self.naming = Some((Naming::SaveAs, preset.clone()));
            }
        }
        ui.menu_button("...", |ui| {
            if ui.button("Save as…").clicked() {
                self.naming = Some((Naming::SaveAs, preset.clone()));
                ui.close();
            }
            if ui
                .add_enabled(can_overwrite, egui::Button::new("Rename…"))
                .clicked()
            {
                self.naming = Some((Naming::Rename, preset.clone()));
                ui.close();
            }
            if ui
                .add_enabled(can_overwrite, egui::Button::new("Delete"))
                .clicked()
            {
                let r = self.store().and_then(|store| {
                    store.delete(&preset).map(|()| {
                        rec.set_preset_name("");
                        format!("Deleted {preset}")
                    })
                });
                self.refresh();
                self.say(r);
                ui.close();
            }
            ui.separator();
            if ui
                .button("Save as default")
                .on_hover_text("New instances of this plugin start with these settings")
                .clicked()
            {
                let r = self.store().and_then(|store| {
                    store
                        .save_default(&rec.snapshot_as(kit, "Default"))
                        .map(|()| "New instances will start with these settings".to_string())
                });
                self.say(r);
                ui.close();
            }
            if ui
                .button("Clear default")
                .on_hover_text("New instances start with the factory settings again")
                .clicked()
            {
                let r = self.store().and_then(|store| {
                    store
                        .clear_default()
                        .map(|()| "New instances will start with the factory settings".into())
                });
                self.say(r);
                ui.close();
            }
            if ui.button("Rescan user presets").clicked() {
                self.refresh();
                ui.close();
            }
            if let Ok(store) = &self.store {
                ui.label(
                    RichText::new(store.dir().display().to_string())
                        .small()
                        .color(theme::DIM),
                );
            }
        });

        let mut locked = lock;
        if ui
            .toggle_value(&mut locked, kit.lock_label)
            .on_hover_text(format!(
                "Presets leave {} as they are",
                kit.locked_ids.join(", ")
            ))
            .changed()
        {
            rec.session().lock = locked;
        }

        ui.separator();
        for s in [
            shared_plugin::session::Slot::A,
            shared_plugin::session::Slot::B,
        ] {
            let live = s == slot;
            let text = RichText::new(s.label()).strong();
            let button = egui::Button::new(if live {
                text.color(theme::ACCENT)
            } else {
                text
            })
            .selected(live);
            if ui
                .add(button)
                .on_hover_text("A/B compare: two complete settings; click the other to switch")
                .clicked()
                && !live
            {
                let r = rec
                    .ab_swap()
                    .map(|()| format!("Comparing: {} is live", s.label()));
                self.say(r);
            }
        }
        let copy_label = format!("Copy to {}", slot.other().label());
        if ui
            .small_button(&copy_label)
            .on_hover_text("Copy the live settings into the other slot")
            .clicked()
        {
            let r = rec
                .ab_copy()
                .map(|()| format!("Copied {} to {}", slot.label(), slot.other().label()));
            self.say(r);
        }

        ui.separator();
        let (undo_label, redo_label) = {
            let h = rec.history();
            (
                h.undo_label().map(str::to_string),
                h.redo_label().map(str::to_string),
            )
        };
        let undo_clicked = ui
            .add_enabled(undo_label.is_some(), egui::Button::new("Undo").small())
            .on_hover_text(format!(
                "Undo {} (Ctrl+Z)",
                undo_label.as_deref().unwrap_or("")
            ))
            .clicked();
        let redo_clicked = ui
            .add_enabled(redo_label.is_some(), egui::Button::new("Redo").small())
            .on_hover_text(format!(
                "Redo {} (Ctrl+Shift+Z)",
                redo_label.as_deref().unwrap_or("")
            ))
            .clicked();
        // Not while a text field has the keyboard (its own undo), nor mid-drag (the recorder
        // refuses then).
        let typing = ui.ctx().egui_wants_keyboard_input();
        let (undo_key, redo_key) = ui.input_mut(|i| {
            if typing {
                return (false, false);
            }
            let redo = i.consume_shortcut(&egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                egui::Key::Z,
            )) || i.consume_shortcut(&egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND,
                egui::Key::Y,
            ));
            let undo = i.consume_shortcut(&egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND,
                egui::Key::Z,
            ));
            (undo, redo)
        });
        if undo_clicked || undo_key {
            if let Some(what) = rec.undo() {
                self.say(Ok(format!("Undid {what}")));
            }
        }
        if redo_clicked || redo_key {
            if let Some(what) = rec.redo() {
                self.say(Ok(format!("Redid {what}")));
            }
        }
    }

    /// Draws the name field (save as, rename) and the status line, when there is something to
    /// show; the session's load note is shown (and dismissed) here too.
    pub fn draw_status(&mut self, ui: &mut Ui, rec: &Recorder, kit: &PresetKit) {
        if let Some((mode, mut text)) = self.naming.take() {
            let mut keep = true;
            ui.horizontal(|ui| {
                ui.label(match mode {
                    Naming::SaveAs => "Save as:",
                    Naming::Rename => "Rename to:",
                });
                let field = ui.add(egui::TextEdit::singleline(&mut text).desired_width(220.0));
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if ui.button("OK").clicked() || enter {
                    let r = match mode {
                        Naming::SaveAs => self.save_as(rec, kit, &text, false),
                        Naming::Rename => {
                            let old = rec.session().preset.clone();
                            self.store().and_then(|store| {
                                store.rename(&old, &text).map(|()| {
                                    rec.set_preset_name(text.trim());
                                    format!("Renamed {old} to {}", text.trim())
                                })
                            })
                        }
                    };
                    self.refresh();
                    keep = r.is_err();
                    self.say(r);
                }
                if ui.button("Cancel").clicked() {
                    keep = false;
                }
            });
            if keep {
                self.naming = Some((mode, text));
            }
        }
        let note = rec.session().note.clone();
        if !note.is_empty() {
            ui.horizontal(|ui| {
                ui.label(RichText::new(&note).color(theme::WARN));
                if ui.small_button("✕").clicked() {
                    rec.session().note.clear();
                }
            });
        }
        if let Some((text, is_error)) = &self.status {
            let colour = if *is_error { theme::WARN } else { theme::DIM };
            let mut dismiss = false;
            ui.horizontal(|ui| {
                ui.label(RichText::new(text).small().color(colour));
                dismiss = *is_error && ui.small_button("✕").clicked();
            });
            if dismiss {
                self.status = None;
            }
        }
    }
}
