#!/usr/bin/env python3
"""Compare Ardour renders with each other and with the input (standard library only).

Usage: compare.py [--input IN.wav] [--require-identical] [--expect-lag N] RENDER.wav [RENDER.wav ...]

For every render it prints the length, the first sample above -60 dBFS ("onset"), the lag
against the input (samples; positive = the render is late, negative = the render starts early,
so its first samples are lost) with the normalised correlation at that lag, and the largest
absolute difference from the first render (the reference), with the first sample where they
differ, and the largest difference from the input (so a module that does nothing shows).

Exit status: 1 when --require-identical is given and a render differs from the reference by any
bit, or when --expect-lag N is given and a render's lag is not N; 0 otherwise.
"""
import argparse
import math
import struct
import sys
from array import array


def read_wav(path):
    """Returns (rate, [channel arrays of float]). PCM 16/24/32 and IEEE float 32/64."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SystemExit(f"{path}: not a RIFF/WAVE file")
    pos = 12
    fmt = None
    pcm = None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            tag, nch, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, nch, rate, bits)
        elif cid == b"data":
            pcm = body
        pos += 8 + size + (size & 1)
    if fmt is None or pcm is None:
        raise SystemExit(f"{path}: no fmt or data chunk")
    tag, nch, rate, bits = fmt
    if tag == 3 and bits == 32:
        flat = array("f", pcm[: len(pcm) // 4 * 4])
    elif tag == 3 and bits == 64:
        flat = array("d", pcm[: len(pcm) // 8 * 8])
    elif tag == 1 and bits == 16:
        flat = array("h", pcm[: len(pcm) // 2 * 2])
        flat = array("d", (x / 32768.0 for x in flat))
    elif tag == 1 and bits == 32:
        flat = array("i", pcm[: len(pcm) // 4 * 4])
        flat = array("d", (x / 2147483648.0 for x in flat))
    elif tag == 1 and bits == 24:
        n = len(pcm) // 3
        flat = array("d", (int.from_bytes(pcm[3 * i:3 * i + 3], "little", signed=True) / 8388608.0
                           for i in range(n)))
    else:
        raise SystemExit(f"{path}: unsupported WAV format tag {tag}, {bits} bits")
    frames = len(flat) // nch
    return rate, [flat[c:frames * nch:nch] for c in range(nch)]


def peak(x):
    return max((abs(v) for v in x), default=0.0)


def first_above(chans, thresh):
    best = None
    for ch in chans:
        for i, x in enumerate(ch):
            if x > thresh or x < -thresh:
                best = i if best is None else min(best, i)
                break
    return best


def mono(chans):
    if len(chans) == 1:
        return chans[0]
    n = min(len(c) for c in chans)
    return array("d", (sum(c[i] for c in chans) for i in range(n)))


def _fft(x, inverse=False):
    """In-place iterative radix-2 FFT of a list of complex numbers (len a power of two)."""
    n = len(x)
    j = 0
    for i in range(1, n):
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            x[i], x[j] = x[j], x[i]
    length = 2
    while length <= n:
        w_len = complex(math.cos(2 * math.pi / length), (1 if inverse else -1) * math.sin(2 * math.pi / length))
        half = length // 2
        ws = [1 + 0j]
        for _ in range(half - 1):
            ws.append(ws[-1] * w_len)
        for start in range(0, n, length):
            for k in range(half):
                u = x[start + k]
                v = x[start + k + half] * ws[k]
                x[start + k] = u + v
                x[start + k + half] = u - v
        length <<= 1
    return x


def xcorr(a, b, maxlag):
    """c[k] = sum a[i] * b[i + k] for k in -maxlag..maxlag (numpy when present)."""
    n = 1
    while n < len(a) + len(b):
        n <<= 1
    try:
        import numpy as np
        fa = np.fft.rfft(np.asarray(a, dtype=float), n)
        fb = np.fft.rfft(np.asarray(b, dtype=float), n)
        c = np.fft.irfft(np.conj(fa) * fb, n)
        return [float(c[k % n]) for k in range(-maxlag, maxlag + 1)]
    except ImportError:
        fa = _fft([complex(v) for v in a] + [0j] * (n - len(a)))
        fb = _fft([complex(v) for v in b] + [0j] * (n - len(b)))
        c = _fft([x.conjugate() * y for x, y in zip(fa, fb)], inverse=True)
        return [c[k % n].real / n for k in range(-maxlag, maxlag + 1)]


def lag_against(inp, out, length=1 << 16, maxlag=16384):
    """Lag of out against inp (positive: out is late), the peak of their cross-correlation over
    `length` samples from a little before the input's first sound above -30 dB re its peak,
    searched over +-maxlag samples; returns (lag, normalised correlation at that lag)."""
    onset = first_above([inp], peak(inp) * 0.0316)
    if onset is None:
        return None, None
    s0 = max(0, onset - 4096)
    a = inp[s0:s0 + length]
    b = out[s0:s0 + length]
    if not b or peak(b) == 0.0:
        return None, None
    c = xcorr(a, b, maxlag)
    k = max(range(len(c)), key=lambda i: c[i])
    lag = k - maxlag
    # normalise over the overlap at that lag
    if lag >= 0:
        x, y = a[:len(a) - lag], b[lag:]
    else:
        x, y = a[-lag:], b[:len(b) + lag]
    e = math.sqrt(sum(v * v for v in x) * sum(v * v for v in y)) or 1.0
    return lag, c[k] / e


def max_diff(a, b):
    n = min(len(a), len(b))
    m, first = 0.0, None
    for i in range(n):
        d = abs(a[i] - b[i])
        if d > m:
            m = d
        if d != 0.0 and first is None:
            first = i
    if len(a) != len(b) and first is None:
        first = n
    return m, first


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input")
    ap.add_argument("--require-identical", action="store_true")
    ap.add_argument("--expect-lag", type=int)
    ap.add_argument("--threshold-db", type=float, default=-60.0)
    ap.add_argument("renders", nargs="+")
    a = ap.parse_args()
    thresh = 10 ** (a.threshold_db / 20)

    inp = onset_in = inp_ch = None
    if a.input:
        rate_in, inp_ch = read_wav(a.input)
        onset_in = first_above(inp_ch, thresh)
        inp = mono(inp_ch)
        print(f"input {a.input}: {len(inp)} samples, {len(inp_ch)} ch, first sample above "
              f"{a.threshold_db:g} dBFS at {onset_in}")

    failed = []
    ref = None
    print(f"{'render':<40} {'samples':>8} {'onset':>7} {'lag':>6} {'corr':>7} {'max|diff| vs ref':>18} {'first diff':>10}")
    for path in a.renders:
        rate, ch = read_wav(path)
        onset = first_above(ch, thresh)
        lag = corr = None
        if inp is not None:
            lag, corr = lag_against(inp, mono(ch))
        if ref is None:
            ref = (path, ch)
            md, first = 0.0, None
        else:
            md, first = 0.0, None
            for c_ref, c in zip(ref[1], ch):
                m, f = max_diff(c_ref, c)
                md = max(md, m)
                if f is not None:
                    first = f if first is None else min(first, f)
            if len(ref[1][0]) != len(ch[0]) or len(ref[1]) != len(ch):
                md = float("inf")
                first = min(len(ref[1][0]), len(ch[0])) if first is None else first
        name = path if len(path) <= 40 else "..." + path[-37:]
        diff = "identical" if md == 0.0 and first is None else f"{md:.3g} ({20 * math.log10(md) if md > 0 else -math.inf:.1f} dB)"
        print(f"{name:<40} {len(ch[0]):>8} {str(onset):>7} {str(lag):>6} "
              f"{('%.4f' % corr) if corr is not None else '-':>7} {diff:>18} {str(first if first is not None else '-'):>10}")
        if inp_ch is not None:
            dv = max(max_diff(c_in, c)[0] for c_in, c in zip(inp_ch, ch))
            print(f"  {path}: max |render - input| at lag 0: {dv:.3g}"
                  f" ({20 * math.log10(dv) if dv > 0 else -math.inf:.1f} dB)")
        if lag is not None and lag < 0:
            print(f"  {path}: starts {-lag} samples early: the input's first {-lag} samples are lost")
        elif lag is not None and lag > 0:
            print(f"  {path}: {lag} samples late (latency not compensated): the last {lag} samples are cut")
        if a.require_identical and (md != 0.0 or first is not None):
            failed.append(f"{path} differs from {ref[0]} (max {md:.3g}, first at sample {first})")
        if a.expect_lag is not None and lag != a.expect_lag:
            failed.append(f"{path}: lag {lag} against the input, expected {a.expect_lag}")
    for f in failed:
        print("FAIL: " + f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
