//! Turning a panic while measuring one file into that file's one-line error, without hiding
//! any other panic.
//!
//! `lathe loudness` runs each file's decoding and measuring under [`catch`] so that a decoder
//! bug on one corrupt file (symphonia can panic on malformed input) gives
//! `lathe: FILE: undecodable: ... (internal error: MESSAGE at FILE:LINE)` and the other files are
//! still measured, instead of a multi-line panic message and backtrace in the middle of the
//! report. The hook installed by [`install`] stays quiet only for panics inside [`catch`] on the
//! panicking thread (it records the message and location for the one-line error instead); every
//! other panic goes to the previous hook (normally the default one: "thread '...' panicked at
//! ...", backtrace when `RUST_BACKTRACE` is set). (The CLI used to install an empty hook for
//! the decoder case, which silenced every panic in the process, bugs outside decoding included,
//! leaving only exit status 101.) Broken pipes need no hook: stdout write errors are handled.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, PanicHookInfo};

thread_local! {
    /// How many [`catch`] calls are running on this thread.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
    /// The last panic caught on this thread, as "message at file:line".
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic payload's message (`panic!` gives a `&str` or a `String`).
fn payload_str(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// The message with its whitespace (line breaks included) collapsed to single spaces.
fn one_line(message: Option<&str>) -> String {
    let message = message.unwrap_or("non-string panic payload");
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "message at file:line" on one line.
fn describe(info: &PanicHookInfo<'_>) -> String {
    let message = one_line(payload_str(info.payload()));
    match info.location() {
        Some(loc) => format!("{message} at {}:{}", loc.file(), loc.line()),
        None => message,
    }
}

/// Installs the panic hook: panics inside [`catch`] are recorded for the caller, all others
/// go to the hook that was installed before (the default one unless someone replaced it).
pub fn install() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if CATCHING.with(Cell::get) > 0 {
            let described = describe(info);
            CAUGHT.with(|c| *c.borrow_mut() = Some(described));
        } else {
            previous(info);
        }
    }));
}

/// Runs `f`; a panic in it (on this thread) becomes `Err("message at file:line")`.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    /// Leaves the catching state even if the catch itself unwinds.
    struct Depth;
    impl Drop for Depth {
        fn drop(&mut self) {
            CATCHING.with(|c| c.set(c.get().saturating_sub(1)));
        }
    }
    CAUGHT.with(|c| c.borrow_mut().take());
    CATCHING.with(|c| c.set(c.get() + 1));
    let depth = Depth;
    let result = panic::catch_unwind(panic::AssertUnwindSafe(f));
    drop(depth);
    result.map_err(|payload| {
        CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_else(|| {
            // The hook was not ours (not installed, or replaced): use the payload.
            one_line(payload_str(payload.as_ref()))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn caught_panics_become_a_reason_and_other_panics_reach_the_previous_hook() {
        static OUTSIDE: AtomicUsize = AtomicUsize::new(0);
        static INSIDE_REACHED_PREVIOUS: AtomicUsize = AtomicUsize::new(0);
        // A "previous" hook that counts this test's panics and passes on everything else
        // (other tests run in the same process) to the default hook.
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| match payload_str(info.payload()) {
            Some("lathe-test: outside") => {
                OUTSIDE.fetch_add(1, Ordering::SeqCst);
            }
            Some(m) if m.starts_with("lathe-test: inside") => {
                INSIDE_REACHED_PREVIOUS.fetch_add(1, Ordering::SeqCst);
            }
            _ => default(info),
        }));
        install();

        let caught = catch(|| -> u32 { panic!("lathe-test: inside {}\nsecond line", 7) });
        let reason = caught.expect_err("the panic is caught");
        assert!(
            reason.starts_with("lathe-test: inside 7 second line at "),
            "{reason}"
        );
        assert!(reason.contains("panics.rs:"), "location given: {reason}");
        assert!(!reason.contains('\n'));
        assert_eq!(catch(|| 5), Ok(5));

        // A panic outside `catch` (here on another thread, as a real bug would be) is not
        // swallowed: it reaches the previous hook.
        let outside = std::thread::spawn(|| panic!("lathe-test: outside")).join();
        assert!(outside.is_err());
        // And after a catch, the same thread is back to normal.
        let after = std::panic::catch_unwind(|| panic!("lathe-test: outside"));
        assert!(after.is_err());

        assert_eq!(OUTSIDE.load(Ordering::SeqCst), 2);
        assert_eq!(INSIDE_REACHED_PREVIOUS.load(Ordering::SeqCst), 0);
        // Back to the default hook for the rest of the test process.
        let _ = panic::take_hook();
    }
}
