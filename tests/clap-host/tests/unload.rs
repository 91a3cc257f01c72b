//! Unloading a plugin's CLAP library while a thread that used it is still alive.
//!
//! A host may `dlclose` a plugin library (after a scan, or when the last instance is removed)
//! while its audio or worker threads live on. A Rust `cdylib` registers Rust std's
//! TLS-destructor pthread key from inside the library the first time a thread touches a
//! thread-local with a destructor; when that thread exits after the unload, glibc calls into
//! unmapped code and the host crashes (rust-lang/rust#91979). Linking the plugin with
//! `-Wl,-z,nodelete` keeps the library mapped and avoids it.
//!
//! The scenario runs in a child process so a crash fails this test instead of the whole run.
//! Every plugin is linked that way (`shared-plugin/link-nodelete.rs`, the build script of every
//! plugin crate), so this must pass for each of them.

use lathe_clap_host_tests::signal::sine;
use lathe_clap_host_tests::{load_entry, plugin_id, Harness, PLUGINS};
use std::process::Command;

const CHILD_ENV: &str = "LATHE_UNLOAD_CHILD";

/// The child's scenario, for every plugin: threads load the library, process audio, drop every
/// reference (clack-host unloads the library with the last one) and exit, two at a time. Once
/// a thread that used the plugin exits after the other one unloaded the library, the process
/// crashes.
#[test]
#[ignore = "the child half of unload_then_thread_exit_does_not_crash_the_host, which runs it"]
fn unload_child_scenario() {
    assert!(
        std::env::var_os(CHILD_ENV).is_some(),
        "run by unload_then_thread_exit_does_not_crash_the_host in a child process"
    );
    for plugin in PLUGINS {
        let use_and_unload = move || {
            let entry = load_entry(&plugin.bundle_path());
            let mut h = Harness::new(&entry, plugin_id(&entry), 48_000.0, 1024);
            h.activate();
            let x = sine(1000.0, 0.1, 48_000.0, 4096);
            h.process(&[x.clone(), x], &[]);
            drop(h);
            drop(entry);
        };
        // Threads loading, using and unloading the library, two at a time, as a test runner
        // does.
        for _ in 0..20 {
            let threads: Vec<_> = (0..2).map(|_| std::thread::spawn(use_and_unload)).collect();
            for t in threads {
                t.join().expect("scenario thread panicked");
            }
        }
    }
}

#[test]
fn unload_then_thread_exit_does_not_crash_the_host() {
    // Fail early, with instructions, when a bundle is missing.
    for plugin in PLUGINS {
        plugin.bundle_path();
    }
    let out = Command::new(std::env::current_exe().expect("test binary path"))
        .args([
            "--exact",
            "unload_child_scenario",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .output()
        .expect("cannot run the child test process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the host process died after unloading a plugin: {}\n{stdout}",
        out.status
    );
    assert!(
        stdout.contains("1 passed"),
        "the child scenario did not run:\n{stdout}"
    );
}
