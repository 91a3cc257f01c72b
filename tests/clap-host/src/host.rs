//! The host side of the CLAP connection: callbacks that record what the plugin asks for
//! (restart, flush, logging, latency and parameter rescans) so the tests can assert on them.

use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl};
use clack_extensions::latency::{HostLatency, HostLatencyImpl};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamRescanFlags,
};
use clack_extensions::state::{HostState, HostStateImpl};
use clack_host::prelude::*;
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Host callbacks shared between threads: records requests instead of acting on them, so the
/// tests can both service them and assert on them.
#[derive(Default)]
pub struct TestHostShared {
    /// The plugin asked for `on_main_thread` to be called.
    pub callback_requested: AtomicBool,
    /// The plugin asked to be deactivated and reactivated.
    pub restart_requested: AtomicBool,
    /// The plugin asked for a parameter flush.
    pub flush_requested: AtomicBool,
    /// Number of messages the plugin logged at warning level or above.
    pub num_warnings: AtomicUsize,
}

impl SharedHandler<'_> for TestHostShared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {}
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostLogImpl for TestHostShared {
    fn log(&self, severity: LogSeverity, message: &str) {
        if matches!(
            severity,
            LogSeverity::Warning | LogSeverity::Error | LogSeverity::Fatal
        ) {
            self.num_warnings.fetch_add(1, Ordering::SeqCst);
        }
        eprintln!("[plugin log {severity}] {message}");
    }
}

impl HostGuiImpl for TestHostShared {
    fn resize_hints_changed(&self) {}
    fn request_resize(&self, _new_size: GuiSize) -> Result<(), HostError> {
        Ok(())
    }
    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn closed(&self, _was_destroyed: bool) {}
}

impl HostParamsImplShared for TestHostShared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

/// Main-thread host callbacks: counts notifications.
#[derive(Default)]
pub struct TestHostMainThread {
    /// Times the plugin called `clap_host_latency::changed`.
    pub num_latency_changes: Cell<u32>,
    /// Times the plugin called `clap_host_params::rescan`.
    pub num_param_rescans: Cell<u32>,
    /// Times the plugin called `clap_host_state::mark_dirty`.
    pub num_state_dirty: Cell<u32>,
}

impl MainThreadHandler<'_> for TestHostMainThread {}

impl HostLatencyImpl for TestHostMainThread {
    fn changed(&self) {
        self.num_latency_changes
            .set(self.num_latency_changes.get() + 1);
    }
}

impl HostParamsImplMainThread for TestHostMainThread {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.num_param_rescans.set(self.num_param_rescans.get() + 1);
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostStateImpl for TestHostMainThread {
    fn mark_dirty(&self) {
        self.num_state_dirty.set(self.num_state_dirty.get() + 1);
    }
}

/// The host type: which handlers and extensions it offers to the plugin.
pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = TestHostShared;
    type MainThread<'a> = TestHostMainThread;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostGui>()
            .register::<HostLatency>()
            .register::<HostParams>()
            .register::<HostState>();
    }
}

/// A parameter event the plugin sends the host (from its editor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostEvent {
    /// `CLAP_EVENT_PARAM_GESTURE_BEGIN`.
    Begin(ClapId),
    /// `CLAP_EVENT_PARAM_VALUE` (CLAP value).
    Value(ClapId, f64),
    /// `CLAP_EVENT_PARAM_GESTURE_END`.
    End(ClapId),
}
