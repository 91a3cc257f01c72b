//! Build script shared by every plugin crate (`build = "../../shared-plugin/link-nodelete.rs"`):
//! links the plugin library with `-z nodelete` on Linux. Hosts that unload a plugin while a
//! thread that called into it still runs would otherwise crash when that thread exits (Rust's
//! thread-local destructors live in the unloaded library; rust-lang/rust#91979).

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
}
