//! What the command-line tests share: scratch folders, running the built `lathe`, WAV I/O.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh scratch directory for one test, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A path inside the scratch directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A new, empty scratch directory named after the test.
pub fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("lathe-cli-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    Scratch(dir)
}

/// Runs the built `lathe` binary.
pub fn lathe(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(args)
        .output()
        .expect("run lathe")
}

/// Like [`lathe`], with paths among the arguments.
pub fn lathe_os<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(args)
        .output()
        .expect("run lathe")
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Interleaved samples as 32-bit float WAV.
pub fn write_wav_f32(path: &Path, rate_hz: u32, channels: u16, samples: &[f64]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate_hz,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create wav");
    for &s in samples {
        w.write_sample(s as f32).expect("write sample");
    }
    w.finalize().expect("finalize wav");
}

/// Planar channels as 32-bit float WAV.
pub fn write_planar_f32(path: &Path, rate_hz: u32, planes: &[Vec<f32>]) {
    let n = planes[0].len();
    let interleaved: Vec<f64> = (0..n)
        .flat_map(|i| planes.iter().map(move |p| f64::from(p[i])))
        .collect();
    write_wav_f32(path, rate_hz, planes.len() as u16, &interleaved);
}

/// A WAV file (integer or float) as planar channels scaled to ±1, with its spec.
pub fn read_wav(path: &Path) -> (hound::WavSpec, Vec<Vec<f32>>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let nc = spec.channels as usize;
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap()).collect(),
        hound::SampleFormat::Int => {
            let scale = (1u64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    let planes = (0..nc)
        .map(|c| interleaved.iter().skip(c).step_by(nc).copied().collect())
        .collect();
    (spec, planes)
}

/// A few seconds of one of the recordings in `tests/data`, as stereo planes at its rate.
pub fn excerpt(name: &'static str, seconds: f64) -> (u32, Vec<Vec<f32>>) {
    let rec = engine_checks::recordings::load(name);
    let [l, r] = engine_checks::presets::stereo_excerpt(&rec, seconds);
    (rec.sample_rate_hz, vec![l, r])
}
