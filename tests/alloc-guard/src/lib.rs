//! Test support for the realtime rule "no allocation while processing" (DESIGN §4).
//!
//! nice-plug's `assert_process_allocs` only acts in debug builds, and our tests run in
//! release, so test binaries install this counting allocator instead:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: alloc_guard::CountingAlloc = alloc_guard::CountingAlloc;
//!
//! assert_eq!(alloc_guard::count_allocs(|| engine.process_block(&mut chans)), 0);
//! ```
//!
//! Counting is per thread, so other tests running in parallel do not interfere.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static GUARD: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn note_alloc() {
    // `try_with`: the allocator can run while thread-locals are being torn down.
    let _ = GUARD.try_with(|g| {
        if g.get() {
            ALLOCS.with(|a| a.set(a.get() + 1));
        }
    });
}

/// The system allocator, counting allocations and reallocations made on a thread while it is
/// inside [`count_allocs`].
pub struct CountingAlloc;

// SAFETY: every call is forwarded unchanged to the system allocator; counting only touches
// thread-local cells.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Runs `f` and returns how many allocations it made on this thread. Only meaningful in a
/// binary whose `#[global_allocator]` is [`CountingAlloc`].
pub fn count_allocs(f: impl FnOnce()) -> usize {
    ALLOCS.with(|a| a.set(0));
    GUARD.with(|g| g.set(true));
    f();
    GUARD.with(|g| g.set(false));
    ALLOCS.with(|a| a.get())
}
