//! Minimal WAV writer for demo recordings and recording-download tests.
//!
//! The demo PBX needs real audio files behind its CDRs' `recordingfile` column so the recording
//! APIs (download, HTTP Range, streaming in a browser) have something genuine to serve, and the
//! tests need large files (10 MB, 100 MB) to check that downloads stream. A 16-bit mono PCM
//! RIFF/WAVE file is the format Asterisk's MixMonitor writes by default (`.wav`), every browser plays
//! it, and its 44-byte header is simple enough that pulling in an audio crate would buy nothing.
//!
//! Both writers stream through a [`BufWriter`]: neither ever holds the audio in memory.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Size of the canonical PCM WAV header (RIFF + `fmt ` + `data` chunk headers).
pub const HEADER_BYTES: u64 = 44;

/// Sample rate of [`write_silence_sized`] files (narrow-band telephony, as Asterisk records).
pub const SILENCE_SAMPLE_RATE: u32 = 8000;

/// Largest `data` chunk a RIFF file can describe (its sizes are 32-bit; the RIFF size adds 36).
const MAX_DATA_BYTES: u64 = u32::MAX as u64 - 36;

/// Writes the 44-byte header of a 16-bit mono PCM file whose `data` chunk holds `data_bytes`.
fn write_header(out: &mut impl Write, sample_rate: u32, data_bytes: u32) -> io::Result<()> {
    let channels: u16 = 1;
    let bits: u16 = 16;
    let block_align = channels * bits / 8;
    out.write_all(b"RIFF")?;
    out.write_all(&(36 + data_bytes).to_le_bytes())?;
    out.write_all(b"WAVE")?;
    out.write_all(b"fmt ")?;
    out.write_all(&16u32.to_le_bytes())?; // fmt chunk size for PCM
    out.write_all(&1u16.to_le_bytes())?; // format 1 = PCM
    out.write_all(&channels.to_le_bytes())?;
    out.write_all(&sample_rate.to_le_bytes())?;
    out.write_all(&(sample_rate * u32::from(block_align)).to_le_bytes())?; // byte rate
    out.write_all(&block_align.to_le_bytes())?;
    out.write_all(&bits.to_le_bytes())?;
    out.write_all(b"data")?;
    out.write_all(&data_bytes.to_le_bytes())
}

fn too_large(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{what} does not fit a WAV file's 32-bit sizes"))
}

/// Writes `seconds` of a soft tone at `frequency_hz` (with a quieter fifth above it, faded in and
/// out over 40 ms so it starts and ends without a click) as a 16-bit mono PCM WAV at `path`.
/// The parent directory must exist. Returns the file's size in bytes (44 + 2 × samples).
pub fn write_tone(path: &Path, seconds: f32, frequency_hz: f32, sample_rate: u32) -> io::Result<u64> {
    if sample_rate == 0 || !seconds.is_finite() || seconds < 0.0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a tone needs a positive sample rate and a duration ≥ 0",
        ));
    }
    let samples = (f64::from(seconds) * f64::from(sample_rate)).round() as u64;
    let data_bytes = samples.checked_mul(2).filter(|b| *b <= MAX_DATA_BYTES).ok_or_else(|| too_large("the tone"))?;
    let mut out = BufWriter::new(File::create(path)?);
    write_header(&mut out, sample_rate, data_bytes as u32)?;
    let rate = f64::from(sample_rate);
    let fade = (0.04 * rate).max(1.0);
    let (f1, f2) = (f64::from(frequency_hz), f64::from(frequency_hz) * 1.5);
    for n in 0..samples {
        let t = n as f64 / rate;
        let envelope = (n as f64 / fade).min((samples - n) as f64 / fade).min(1.0);
        let wave = 0.7 * (std::f64::consts::TAU * f1 * t).sin() + 0.3 * (std::f64::consts::TAU * f2 * t).sin();
        let sample = (wave * envelope * 0.3 * f64::from(i16::MAX)).round() as i16;
        out.write_all(&sample.to_le_bytes())?;
    }
    out.flush()?;
    Ok(HEADER_BYTES + data_bytes)
}

/// Writes a valid WAV of silence (8 kHz, 16-bit mono) whose size is `bytes` rounded down to a
/// whole sample, and at least the 44-byte header. Streams zeros in 64 KiB chunks, so a 100 MB file
/// costs 64 KiB of memory. Returns the file's size in bytes.
pub fn write_silence_sized(path: &Path, bytes: u64) -> io::Result<u64> {
    let data_bytes = bytes.saturating_sub(HEADER_BYTES) & !1;
    if data_bytes > MAX_DATA_BYTES {
        return Err(too_large("the requested size"));
    }
    let mut out = BufWriter::with_capacity(64 * 1024, File::create(path)?);
    write_header(&mut out, SILENCE_SAMPLE_RATE, data_bytes as u32)?;
    let zeros = [0u8; 64 * 1024];
    let mut left = data_bytes;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        out.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    Ok(HEADER_BYTES + data_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header fields, read back independently of the writer.
    #[derive(Debug, PartialEq)]
    struct Header {
        riff_size: u32,
        format: u16,
        channels: u16,
        sample_rate: u32,
        byte_rate: u32,
        block_align: u16,
        bits: u16,
        data_size: u32,
    }

    fn parse(bytes: &[u8]) -> Header {
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WAVE");
        assert_eq!(&bytes[12..16], b"fmt ");
        assert_eq!(u32_at(16), 16, "PCM fmt chunk size");
        assert_eq!(&bytes[36..40], b"data");
        Header {
            riff_size: u32_at(4),
            format: u16_at(20),
            channels: u16_at(22),
            sample_rate: u32_at(24),
            byte_rate: u32_at(28),
            block_align: u16_at(32),
            bits: u16_at(34),
            data_size: u32_at(40),
        }
    }

    #[test]
    fn a_tone_has_a_correct_header_and_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tone.wav");
        let written = write_tone(&path, 0.5, 440.0, 8000).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(written, bytes.len() as u64);
        let header = parse(&bytes);
        assert_eq!(
            header,
            Header {
                riff_size: 36 + 8000,
                format: 1,
                channels: 1,
                sample_rate: 8000,
                byte_rate: 16000,
                block_align: 2,
                bits: 16,
                data_size: 8000,
            }
        );
        assert_eq!(bytes.len() as u64, HEADER_BYTES + u64::from(header.data_size));
        let samples: Vec<i16> = bytes[44..].chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
        assert_eq!(samples[0], 0, "faded in");
        assert!(samples.iter().any(|s| s.unsigned_abs() > 5000), "audible");
        assert!(samples.iter().all(|s| s.unsigned_abs() < i16::MAX as u16 / 2), "soft, never clipped");
    }

    #[test]
    fn silence_has_the_asked_size_and_a_valid_header() {
        let dir = tempfile::tempdir().unwrap();
        for asked in [0u64, 44, 45, 1001, 1_000_000] {
            let path = dir.path().join(format!("silence-{asked}.wav"));
            let written = write_silence_sized(&path, asked).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(written, bytes.len() as u64);
            assert!(written <= asked.max(HEADER_BYTES) && written + 2 > asked.max(HEADER_BYTES), "{asked} → {written}");
            let header = parse(&bytes);
            assert_eq!(header.riff_size, 36 + header.data_size);
            assert_eq!(
                (header.format, header.channels, header.bits, header.sample_rate),
                (1, 1, 16, SILENCE_SAMPLE_RATE)
            );
            assert_eq!(bytes.len() as u64, HEADER_BYTES + u64::from(header.data_size));
            assert!(bytes[44..].iter().all(|b| *b == 0));
        }
        assert!(write_silence_sized(&dir.path().join("huge.wav"), 5 << 30).is_err());
    }
}
