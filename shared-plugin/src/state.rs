//! Saved-state versioning. Each plugin keeps a `#[persist = "version"]` field holding the layout
//! version of its state; `Plugin::filter_state` calls [`migrate`] before nice-plug restores a
//! state, and each step rewrites a state of version `n` into version `n + 1`.
//!
//! A state without a version field is version 1 (the first release). A state from a newer
//! version than this build knows is loaded as it is (unknown parameters are ignored by
//! nice-plug) and reported with a warning, never a crash.

use nice_plug::prelude::*;

/// The persisted field that holds the state layout version.
pub const VERSION_FIELD: &str = "version";

/// One migration step: rewrites a state of version `from` into version `from + 1`.
pub struct Migration {
    /// The version this step starts from.
    pub from: u32,
    /// What changed, for the log.
    pub what: &'static str,
    /// The rewrite.
    pub apply: fn(&mut PluginState),
}

/// What [`migrate`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MigrationOutcome {
    /// Already current.
    Current,
    /// Migrated from the given version.
    Migrated {
        /// The version the state was saved with.
        from: u32,
    },
    /// Saved by a newer version; loaded as it is.
    Newer {
        /// The version the state was saved with.
        saved: u32,
    },
}

/// The layout version of a saved state (1 when it has none; a corrupt field counts as 1).
pub fn saved_version(state: &PluginState) -> u32 {
    state
        .fields
        .get(VERSION_FIELD)
        .and_then(|v| serde_json::from_str::<u32>(v).ok())
        .unwrap_or(1)
}

/// Runs every migration step from the state's version up to `current`, stamps the state with
/// `current`, and checks its session (`session::filter_session`), leaving the editor a note
/// when the state came from a newer version or its session could not be read.
pub fn migrate(state: &mut PluginState, current: u32, steps: &[Migration]) -> MigrationOutcome {
    let saved = saved_version(state);
    let outcome = migrate_params(state, saved, current, steps);
    let note = match outcome {
        MigrationOutcome::Newer { saved } => format!(
            "This session was saved by a newer version of Lathe (state layout {saved}; this \
             version knows {current}): the settings this version understands were loaded."
        ),
        _ => String::new(),
    };
    crate::session::filter_session(state, &note);
    outcome
}

fn migrate_params(
    state: &mut PluginState,
    saved: u32,
    current: u32,
    steps: &[Migration],
) -> MigrationOutcome {
    if saved > current {
        nice_warn!(
            "this session was saved by a newer version (state layout {saved}, this build knows \
             {current}); loading what this version understands"
        );
        // What is loaded is read in this build's layout, and saved again in it.
        state
            .fields
            .insert(VERSION_FIELD.to_string(), current.to_string());
        return MigrationOutcome::Newer { saved };
    }
    if saved == current {
        return MigrationOutcome::Current;
    }
    for v in saved..current {
        for step in steps.iter().filter(|s| s.from == v) {
            (step.apply)(state);
        }
    }
    state
        .fields
        .insert(VERSION_FIELD.to_string(), current.to_string());
    MigrationOutcome::Migrated { from: saved }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::plugin::ParamValue;
    use std::collections::BTreeMap;

    fn state(version: Option<&str>) -> PluginState {
        let mut fields = BTreeMap::new();
        if let Some(v) = version {
            fields.insert(VERSION_FIELD.to_string(), v.to_string());
        }
        PluginState {
            version: String::new(),
            params: BTreeMap::new(),
            fields,
        }
    }

    fn add_a(s: &mut PluginState) {
        s.params.insert("a".into(), ParamValue::F32(1.0));
    }
    fn double_a(s: &mut PluginState) {
        if let Some(ParamValue::F32(v)) = s.params.get_mut("a") {
            *v *= 2.0;
        }
    }

    const STEPS: &[Migration] = &[
        Migration {
            from: 1,
            what: "add a",
            apply: add_a,
        },
        Migration {
            from: 2,
            what: "double a",
            apply: double_a,
        },
    ];

    #[test]
    fn steps_run_in_order_from_the_saved_version() {
        let mut s = state(None);
        assert_eq!(
            migrate(&mut s, 3, STEPS),
            MigrationOutcome::Migrated { from: 1 }
        );
        assert!(matches!(s.params["a"], ParamValue::F32(v) if v == 2.0));
        assert_eq!(saved_version(&s), 3);
        let mut s = state(Some("2"));
        s.params.insert("a".into(), ParamValue::F32(5.0));
        migrate(&mut s, 3, STEPS);
        assert!(matches!(s.params["a"], ParamValue::F32(v) if v == 10.0));
    }

    #[test]
    fn newer_and_corrupt_versions_do_not_crash() {
        let mut s = state(Some("99"));
        assert_eq!(
            migrate(&mut s, 3, STEPS),
            MigrationOutcome::Newer { saved: 99 }
        );
        assert!(s.params.is_empty(), "a newer state is left as it is");
        let mut s = state(Some("\"garbage\""));
        assert_eq!(saved_version(&s), 1);
        assert_eq!(
            migrate(&mut s, 3, STEPS),
            MigrationOutcome::Migrated { from: 1 }
        );
    }
}
