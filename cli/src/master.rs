//! `lathe master` (being written).
