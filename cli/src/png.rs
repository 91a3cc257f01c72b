//! A minimal PNG encoder for the plots: 8-bit RGB, not interlaced, one `IDAT` chunk compressed
//! with zlib (`miniz_oxide`), per-row filters chosen by the minimum-sum-of-absolute-differences
//! heuristic. Format: W3C "Portable Network Graphics (PNG) Specification (Second Edition)",
//! ISO/IEC 15948:2004 (signature §5.2, chunks §5.3, IHDR §11.2.2, filters §9, CRC Annex D).

/// The 8 bytes every PNG file starts with (§5.2).
pub const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// The CRC-32 table of ISO 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320), PNG Annex D.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// CRC-32 of the concatenation of `parts` (PNG Annex D).
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for part in parts {
        for &b in *part {
            c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
        }
    }
    c ^ 0xFFFF_FFFF
}

/// Appends one chunk: length, type, data, CRC of type and data (§5.3).
fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
}

/// Encodes `rgb` (`width × height` pixels, 3 bytes each, rows top to bottom) as a PNG file.
pub fn encode_rgb8(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, String> {
    let stride = width as usize * 3;
    if width == 0 || height == 0 || rgb.len() != stride * height as usize {
        return Err(format!("bad image size {width}x{height}"));
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // Bit depth 8, colour type 2 (truecolour), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);

    // Filters (§9.2) with bpp = 3: 0 None, 1 Sub (left), 2 Up (above); per row the one whose
    // output has the smallest sum of |signed bytes| (§12.8's recommended heuristic).
    let mut raw = Vec::with_capacity((stride + 1) * height as usize);
    let mut candidates = [vec![0u8; stride], vec![0u8; stride], vec![0u8; stride]];
    let zeros = vec![0u8; stride];
    for (y, row) in rgb.chunks_exact(stride).enumerate() {
        let above = if y == 0 {
            &zeros[..]
        } else {
            &rgb[(y - 1) * stride..y * stride]
        };
        for (i, &x) in row.iter().enumerate() {
            let left = if i >= 3 { row[i - 3] } else { 0 };
            candidates[0][i] = x;
            candidates[1][i] = x.wrapping_sub(left);
            candidates[2][i] = x.wrapping_sub(above[i]);
        }
        let cost = |c: &Vec<u8>| {
            c.iter()
                .map(|&b| u64::from((b as i8).unsigned_abs()))
                .sum::<u64>()
        };
        let (filter, best) = candidates
            .iter()
            .enumerate()
            .min_by_key(|(_, c)| cost(c))
            .unwrap_or((0, &candidates[0]));
        raw.push(filter as u8);
        raw.extend_from_slice(best);
    }
    let idat = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6);

    let mut out = Vec::with_capacity(idat.len() + 64);
    out.extend_from_slice(&SIGNATURE);
    push_chunk(&mut out, b"IHDR", &ihdr);
    push_chunk(&mut out, b"IDAT", &idat);
    push_chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_published_check_values() {
        // CRC-32/ISO-HDLC check value (the CRC catalogue), and the constant CRC of every IEND.
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
        assert_eq!(crc32(&[b"1234", b"56789"]), crc32(&[b"123456789"]));
    }

    /// Undoes filters 0–2 (all this encoder writes).
    fn unfilter(raw: &[u8], width: usize, height: usize) -> Vec<u8> {
        let stride = width * 3;
        let mut out = vec![0u8; stride * height];
        for y in 0..height {
            let line = &raw[y * (stride + 1)..(y + 1) * (stride + 1)];
            for i in 0..stride {
                let left = if i >= 3 { out[y * stride + i - 3] } else { 0 };
                let up = if y > 0 { out[(y - 1) * stride + i] } else { 0 };
                let predictor = match line[0] {
                    0 => 0,
                    1 => left,
                    2 => up,
                    f => panic!("unexpected filter {f}"),
                };
                out[y * stride + i] = line[1 + i].wrapping_add(predictor);
            }
        }
        out
    }

    #[test]
    fn round_trip() {
        let (w, h) = (37usize, 11usize);
        let rgb: Vec<u8> = (0..w * h * 3)
            .map(|i| ((i * 7919) % 251) as u8 ^ if (i / 3) % 5 == 0 { 0 } else { 0x40 })
            .collect();
        let png = encode_rgb8(w as u32, h as u32, &rgb).unwrap();
        assert_eq!(&png[..8], &SIGNATURE);
        let mut pos = 8;
        let mut idat = Vec::new();
        let mut kinds = Vec::new();
        while pos < png.len() {
            let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
            let kind = &png[pos + 4..pos + 8];
            let data = &png[pos + 8..pos + 8 + len];
            let crc = u32::from_be_bytes(png[pos + 8 + len..pos + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&[kind, data]));
            if kind == b"IHDR" {
                assert_eq!(u32::from_be_bytes(data[0..4].try_into().unwrap()), w as u32);
                assert_eq!(u32::from_be_bytes(data[4..8].try_into().unwrap()), h as u32);
            }
            if kind == b"IDAT" {
                idat.extend_from_slice(data);
            }
            kinds.push(String::from_utf8_lossy(kind).into_owned());
            pos += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).unwrap();
        assert_eq!(unfilter(&raw, w, h), rgb);
        assert!(encode_rgb8(2, 2, &[0; 11]).is_err());
    }
}
