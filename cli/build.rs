//! Link arguments for the `lathe` executable.
//!
//! The CLI links all four plugin crates as libraries for their engines, and each of them
//! carries its plugin entry points (`clap_entry`, `GetPluginFactory`, `ModuleEntry`,
//! `ModuleExit`), which an executable never uses. With LTO (the release profile) they are
//! internalised before linking; without it (the `ci-test` profile the tests build with) the
//! linker sees four definitions of each. They are never called, so any one of them may stand.
//! (Moving the engines out of the plugin crates would remove the clash.)

fn main() {
    println!("cargo:rustc-link-arg=-Wl,--allow-multiple-definition");
}
