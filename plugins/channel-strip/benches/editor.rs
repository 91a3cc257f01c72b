//! Editor frame cost, headless: the channel strip's editor (the suite's busiest: EQ display
//! with spectrum, nodes and 40 controls) laid out and tessellated by egui without a window,
//! at 100 % and 200 %. The GPU's share is not included; `scripts/idle-cpu.sh` measures the
//! whole process with the window open.
//!
//! Run: `cargo bench -p channel_strip --bench editor`. CI only compiles it.

fn main() {
    shared_gui::testing::bench_editor("channel strip", channel_strip::editor::headless, 300);
}
