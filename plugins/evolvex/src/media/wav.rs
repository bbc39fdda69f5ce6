//! Reading a call recording's RIFF/WAVE file as 16-bit PCM, a bounded piece at a time.
//!
//! The recordings are whatever the PBX wrote: MixMonitor's 16-bit PCM (8 kHz, or 16 kHz on wideband
//! calls), G.711 µ-law or A-law, 8-bit PCM from old tools, and GSM-in-WAV (`.WAV`), which this does
//! not decode. The file is untrusted input all the same (the recordings area may be shared with
//! other software), so the header walk trusts no length: chunk sizes are only used to skip, a
//! `data` size past the end of the file just means "until the end" (a recording still being
//! written has `0xFFFFFFFF` there, or 0), and at most [`PIECE`] bytes are held at a time.

use std::fmt;
use std::io::{self, Read};

/// How many bytes of the `data` chunk one [`WavReader::next_samples`] reads: 64 KiB, four
/// seconds of 8 kHz 16-bit mono.
pub const PIECE: usize = 64 * 1024;

/// How many chunks may come before `data` (`fmt `, `fact`, `LIST`, `bext`, padding…): real files
/// have a handful; a file of thousands of empty chunks is a trick, not a recording.
const MAX_CHUNKS: usize = 64;

/// The largest `fmt ` chunk read into memory (`WAVE_FORMAT_EXTENSIBLE` is 40 bytes); a larger one is
/// read up to this and its rest skipped.
const MAX_FMT: usize = 256;

/// How the samples of the `data` chunk are coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Linear PCM, 16-bit little-endian signed (format 1).
    Pcm16,
    /// Linear PCM, 8-bit unsigned (format 1).
    Pcm8,
    /// G.711 µ-law (format 7), one byte a sample.
    MuLaw,
    /// G.711 A-law (format 6), one byte a sample.
    ALaw,
}

impl Encoding {
    /// Bytes of one sample of one channel.
    fn width(self) -> usize {
        match self {
            Encoding::Pcm16 => 2,
            Encoding::Pcm8 | Encoding::MuLaw | Encoding::ALaw => 1,
        }
    }
}

/// What the `fmt ` chunk says, once it is one this module decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The sample coding.
    pub encoding: Encoding,
    /// 1 or 2.
    pub channels: u16,
    /// Samples a second, per channel.
    pub sample_rate: u32,
}

/// Why a file cannot be read as a recording.
#[derive(Debug)]
pub enum WavError {
    /// Not a RIFF/WAVE file, or one whose header is broken (no `fmt ` before `data`, no `data`).
    Invalid(String),
    /// A well-formed WAVE file in a coding this module does not decode (GSM, ADPCM, float, 24-bit,
    /// more than two channels, …).
    Unsupported(String),
    /// Reading the file failed.
    Io(io::Error),
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WavError::Invalid(why) => write!(f, "not a readable WAV file: {why}"),
            WavError::Unsupported(why) => write!(f, "unsupported WAV coding: {why}"),
            WavError::Io(e) => write!(f, "reading the WAV file: {e}"),
        }
    }
}

impl std::error::Error for WavError {}

impl From<io::Error> for WavError {
    fn from(e: io::Error) -> Self {
        WavError::Io(e)
    }
}

/// A WAVE file positioned at its `data` chunk, handing out its samples as 16-bit PCM.
pub struct WavReader<R> {
    inner: R,
    format: Format,
    /// Bytes of `data` still to read; `None` when the header does not know (read to the end).
    remaining: Option<u64>,
    /// Bytes of an incomplete sample frame left over from the previous piece.
    carry: Vec<u8>,
    buffer: Vec<u8>,
}

impl<R: Read> WavReader<R> {
    /// Reads the header of `inner` up to the start of the `data` chunk.
    pub fn open(mut inner: R) -> Result<Self, WavError> {
        let mut riff = [0u8; 12];
        read_exact_or(&mut inner, &mut riff, "the file is shorter than a RIFF header")?;
        if &riff[0..4] != b"RIFF" || &riff[8..12] != b"WAVE" {
            return Err(WavError::Invalid("it does not start with RIFF….WAVE".into()));
        }
        let mut format = None;
        for _ in 0..MAX_CHUNKS {
            let mut head = [0u8; 8];
            read_exact_or(&mut inner, &mut head, "no data chunk")?;
            let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
            match &head[0..4] {
                b"fmt " => {
                    let keep = (size as usize).min(MAX_FMT);
                    let mut fmt = vec![0u8; keep];
                    read_exact_or(&mut inner, &mut fmt, "the fmt chunk is cut short")?;
                    skip(&mut inner, u64::from(size) - keep as u64 + u64::from(size & 1))?;
                    format = Some(parse_fmt(&fmt)?);
                }
                b"data" => {
                    let format = format.ok_or_else(|| WavError::Invalid("the data chunk comes before any fmt chunk".into()))?;
                    // 0xFFFFFFFF: a recording still being written (the size is patched at the end);
                    // 0: likewise, from writers that patch it from 0. Both mean "to the end".
                    let remaining = (size != u32::MAX && size != 0).then_some(u64::from(size));
                    return Ok(WavReader { inner, format, remaining, carry: Vec::new(), buffer: vec![0u8; PIECE] });
                }
                // Any other chunk (fact, LIST, bext, JUNK…) is skipped, with its pad byte.
                _ => skip(&mut inner, u64::from(size) + u64::from(size & 1))?,
            }
        }
        Err(WavError::Invalid(format!("no data chunk within the first {MAX_CHUNKS} chunks")))
    }

    /// The samples' format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The next piece of the recording as interleaved 16-bit samples (at most [`PIECE`] bytes of
    /// the file decoded, whole sample frames only: a piece may be empty when a read ended inside
    /// one), or `None` at the end of the data. A sample frame cut by the end of the file is
    /// dropped.
    pub fn next_samples(&mut self) -> Result<Option<Vec<i16>>, WavError> {
        let want = match self.remaining {
            Some(0) => return Ok(None),
            Some(left) => PIECE.min(usize::try_from(left).unwrap_or(PIECE)),
            None => PIECE,
        };
        // One read: a file gives the whole piece, a recording still being written (or a pipe)
        // gives what there is so far, which is sent now rather than held until the piece is full.
        let filled = loop {
            match self.inner.read(&mut self.buffer[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if filled == 0 {
            // The end of the file, or a header that promised more than the file holds (truncated):
            // what was there has been played.
            self.remaining = Some(0);
            return Ok(None);
        }
        if let Some(left) = self.remaining.as_mut() {
            *left = left.saturating_sub(filled as u64);
        }
        let mut bytes = std::mem::take(&mut self.carry);
        bytes.extend_from_slice(&self.buffer[..filled]);
        let frame = self.format.encoding.width() * usize::from(self.format.channels);
        let whole = bytes.len() / frame * frame;
        self.carry = bytes[whole..].to_vec();
        Ok(Some(decode(self.format.encoding, &bytes[..whole])))
    }
}

/// The format of a `fmt ` chunk's bytes, when this module decodes it.
fn parse_fmt(fmt: &[u8]) -> Result<Format, WavError> {
    if fmt.len() < 16 {
        return Err(WavError::Invalid(format!("a fmt chunk of {} bytes (at least 16 expected)", fmt.len())));
    }
    let u16_at = |i: usize| u16::from_le_bytes([fmt[i], fmt[i + 1]]);
    let mut tag = u16_at(0);
    let channels = u16_at(2);
    let sample_rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
    let bits = u16_at(14);
    if tag == 0xFFFE {
        // WAVE_FORMAT_EXTENSIBLE: the real tag is the first two bytes of the sub-format GUID.
        if fmt.len() < 40 {
            return Err(WavError::Invalid("a WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes".into()));
        }
        tag = u16_at(24);
    }
    let encoding = match (tag, bits) {
        (1, 16) => Encoding::Pcm16,
        (1, 8) => Encoding::Pcm8,
        (7, 8) => Encoding::MuLaw,
        (6, 8) => Encoding::ALaw,
        (1, bits) => return Err(WavError::Unsupported(format!("{bits}-bit PCM"))),
        (0x31, _) => return Err(WavError::Unsupported("GSM 6.10 (format 0x31)".into())),
        (tag, bits) => return Err(WavError::Unsupported(format!("format 0x{tag:04x} with {bits} bits a sample"))),
    };
    if !(1..=2).contains(&channels) {
        return Err(WavError::Unsupported(format!("{channels} channels (1 or 2 are read)")));
    }
    if sample_rate == 0 {
        return Err(WavError::Invalid("a sample rate of 0".into()));
    }
    Ok(Format { encoding, channels, sample_rate })
}

/// Linear 16-bit samples of `bytes` (whole sample frames) coded as `encoding`.
fn decode(encoding: Encoding, bytes: &[u8]) -> Vec<i16> {
    match encoding {
        Encoding::Pcm16 => bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect(),
        Encoding::Pcm8 => bytes.iter().map(|&b| (i16::from(b) - 128) << 8).collect(),
        Encoding::MuLaw => bytes.iter().map(|&b| ulaw(b)).collect(),
        Encoding::ALaw => bytes.iter().map(|&b| alaw(b)).collect(),
    }
}

/// G.711 µ-law to linear (ITU-T G.711, as Asterisk's `AST_MULAW`), scaled to 16 bits.
pub fn ulaw(byte: u8) -> i16 {
    let b = !byte;
    let exponent = (b >> 4) & 0x07;
    let mantissa = i32::from(b & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    (if b & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// G.711 A-law to linear (ITU-T G.711, as Asterisk's `AST_ALAW`), scaled to 16 bits.
pub fn alaw(byte: u8) -> i16 {
    let b = byte ^ 0x55;
    let exponent = (b >> 4) & 0x07;
    let mantissa = i32::from(b & 0x0F);
    let magnitude = match exponent {
        0 => (mantissa << 4) + 8,
        e => ((mantissa << 4) + 0x108) << (e - 1),
    };
    (if b & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

/// `read_exact`, with an early end of file reported as a broken header saying `what`.
fn read_exact_or(inner: &mut impl Read, buf: &mut [u8], what: &str) -> Result<(), WavError> {
    inner.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => WavError::Invalid(what.to_string()),
        _ => WavError::Io(e),
    })
}

/// Reads and drops `count` bytes (a chunk this module does not use), stopping quietly at the end of
/// the file: a skipped chunk that claims more than the file holds ends in "no data chunk".
fn skip(inner: &mut impl Read, count: u64) -> Result<(), WavError> {
    io::copy(&mut inner.take(count), &mut io::sink())?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A WAV file: `tag`, `channels`, `rate`, `bits`, then `data` with the declared size `size`
    /// (the real length when `None`), and `extra` chunks before the data.
    pub(crate) fn wav_file(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8], size: Option<u32>, extra: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
        let align = channels * bits.div_ceil(8);
        out.extend_from_slice(b"fmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&channels.to_le_bytes());
        out.extend_from_slice(&rate.to_le_bytes());
        out.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
        out.extend_from_slice(&align.to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        for (id, body) in extra {
            out.extend_from_slice(*id);
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(body);
            if body.len() % 2 == 1 {
                out.push(0);
            }
        }
        out.extend_from_slice(b"data");
        out.extend_from_slice(&size.unwrap_or(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
        let riff = (out.len() - 8) as u32;
        out[4..8].copy_from_slice(&riff.to_le_bytes());
        out
    }

    fn all(file: &[u8]) -> (Format, Vec<i16>) {
        let mut reader = WavReader::open(file).unwrap();
        let mut samples = Vec::new();
        while let Some(piece) = reader.next_samples().unwrap() {
            samples.extend(piece);
        }
        (reader.format(), samples)
    }

    fn pcm16(samples: &[i16]) -> Vec<u8> {
        samples.iter().flat_map(|s| s.to_le_bytes()).collect()
    }

    #[test]
    fn pcm16_mono_and_stereo() {
        let (format, samples) = all(&wav_file(1, 1, 8000, 16, &pcm16(&[1, -2, 32767, -32768]), None, &[]));
        assert_eq!(format, Format { encoding: Encoding::Pcm16, channels: 1, sample_rate: 8000 });
        assert_eq!(samples, [1, -2, 32767, -32768]);
        let (format, samples) = all(&wav_file(1, 2, 44100, 16, &pcm16(&[1, 2, 3, 4]), None, &[]));
        assert_eq!((format.channels, format.sample_rate, samples), (2, 44100, vec![1, 2, 3, 4]));
    }

    #[test]
    fn pcm8_and_g711() {
        let (_, samples) = all(&wav_file(1, 1, 8000, 8, &[0, 128, 255], None, &[]));
        assert_eq!(samples, [-32768, 0, 32512]);
        // µ-law 0xFF and A-law 0xD5 are the codes of silence; 0x00 / 0x2A the loudest negative.
        let (format, samples) = all(&wav_file(7, 1, 8000, 8, &[0xFF, 0x7F, 0x00, 0x80], None, &[]));
        assert_eq!(format.encoding, Encoding::MuLaw);
        assert_eq!(samples, [0, 0, -32124, 32124]);
        let (format, samples) = all(&wav_file(6, 1, 8000, 8, &[0xD5, 0x55, 0x2A, 0xAA], None, &[]));
        assert_eq!(format.encoding, Encoding::ALaw);
        assert_eq!(samples, [8, -8, -32256, 32256]);
    }

    #[test]
    fn g711_tables_are_monotonic_and_symmetric() {
        // µ-law: codes 0x80..=0xFF are positive, decreasing from loudest to 0.
        let positive: Vec<i16> = (0x80..=0xFFu8).map(ulaw).collect();
        assert!(positive.windows(2).all(|w| w[0] > w[1]));
        assert!((0..=0x7Fu8).all(|c| ulaw(c) == -ulaw(c | 0x80)));
        assert!((0..=0x7Fu8).all(|c| alaw(c) == -alaw(c | 0x80)));
    }

    #[test]
    fn other_chunks_odd_sizes_and_extensible_headers() {
        let file = wav_file(1, 1, 16000, 16, &pcm16(&[5, 6]), None, &[(b"LIST", b"odd"), (b"fact", b"\x02\0\0\0")]);
        assert_eq!(all(&file).1, [5, 6]);

        // WAVE_FORMAT_EXTENSIBLE carrying µ-law.
        let mut fmt = Vec::new();
        fmt.extend_from_slice(&0xFFFEu16.to_le_bytes());
        fmt.extend_from_slice(&1u16.to_le_bytes());
        fmt.extend_from_slice(&8000u32.to_le_bytes());
        fmt.extend_from_slice(&8000u32.to_le_bytes());
        fmt.extend_from_slice(&[1, 0, 8, 0, 22, 0, 8, 0, 0, 0, 0, 0]);
        fmt.extend_from_slice(&7u16.to_le_bytes());
        fmt.resize(40, 0);
        let mut file = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        file.extend_from_slice(&40u32.to_le_bytes());
        file.extend_from_slice(&fmt);
        file.extend_from_slice(b"data\x01\0\0\0\xFF\0");
        let (format, samples) = all(&file);
        assert_eq!((format.encoding, samples), (Encoding::MuLaw, vec![0]));
    }

    #[test]
    fn recordings_in_progress_and_truncated_files_play_what_is_there() {
        let data = pcm16(&[7, 8, 9]);
        assert_eq!(all(&wav_file(1, 1, 8000, 16, &data, Some(u32::MAX), &[])).1, [7, 8, 9]);
        assert_eq!(all(&wav_file(1, 1, 8000, 16, &data, Some(0), &[])).1, [7, 8, 9]);
        assert_eq!(all(&wav_file(1, 1, 8000, 16, &data, Some(1_000_000), &[])).1, [7, 8, 9]);
        // A cut sample frame (the last byte of a 16-bit sample) is dropped.
        assert_eq!(all(&wav_file(1, 1, 8000, 16, &data[..5], None, &[])).1, [7, 8]);
        // The declared size wins over what follows it (a trailing chunk is not audio).
        let mut file = wav_file(1, 1, 8000, 16, &data, Some(4), &[]);
        file.extend_from_slice(b"LIST\0\0\0\0");
        assert_eq!(all(&file).1, [7, 8]);
    }

    #[test]
    fn large_data_comes_in_bounded_pieces() {
        let samples: Vec<i16> = (0..100_000).map(|i| (i % 1000) as i16).collect();
        let file = wav_file(1, 2, 8000, 16, &pcm16(&samples), None, &[]);
        let mut reader = WavReader::open(file.as_slice()).unwrap();
        let mut got = Vec::new();
        while let Some(piece) = reader.next_samples().unwrap() {
            assert!(piece.len() * 2 <= PIECE);
            assert_eq!(piece.len() % 2, 0, "whole stereo frames only");
            got.extend(piece);
        }
        assert_eq!(got, samples);
    }

    /// A reader that hands out one byte per read, as a pipe may: pieces must still be whole frames.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn short_reads_keep_whole_frames() {
        let file = wav_file(1, 2, 8000, 16, &pcm16(&[1, 2, 3, 4, 5, 6]), None, &[]);
        let mut reader = WavReader::open(Trickle(&file)).unwrap();
        let mut got = Vec::new();
        while let Some(piece) = reader.next_samples().unwrap() {
            assert_eq!(piece.len() % 2, 0);
            got.extend(piece);
        }
        assert_eq!(got, [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn hostile_and_unsupported_headers() {
        let invalid = |file: &[u8]| matches!(WavReader::open(file), Err(WavError::Invalid(_)));
        let unsupported = |file: &[u8]| matches!(WavReader::open(file), Err(WavError::Unsupported(_)));
        assert!(invalid(b""));
        assert!(invalid(b"RIFF\0\0\0\0AVI "));
        assert!(invalid(b"RIFF\0\0\0\0WAVE"));
        // data before fmt.
        assert!(invalid(b"RIFF\0\0\0\0WAVEdata\x02\0\0\0\0\0"));
        // A chunk claiming 4 GiB is skipped to the end of the file: no data chunk.
        assert!(invalid(b"RIFF\0\0\0\0WAVEJUNK\xff\xff\xff\xffabc"));
        // An absurd fmt size: read up to its cap, the rest skipped (here: to the end).
        assert!(invalid(b"RIFF\0\0\0\0WAVEfmt \xff\xff\xff\x7f\x01\0\x01\0"));
        // Thousands of empty chunks.
        let mut many = b"RIFF\0\0\0\0WAVE".to_vec();
        for _ in 0..1000 {
            many.extend_from_slice(b"JUNK\0\0\0\0");
        }
        assert!(invalid(&many));
        // fmt shorter than 16 bytes.
        assert!(invalid(b"RIFF\0\0\0\0WAVEfmt \x04\0\0\0\x01\0\x01\0data\0\0\0\0"));
        assert!(invalid(&wav_file(1, 1, 0, 16, &[], None, &[])));

        assert!(unsupported(&wav_file(0x31, 1, 8000, 0, &[0; 65], None, &[])));
        assert!(unsupported(&wav_file(3, 1, 8000, 32, &[], None, &[])));
        assert!(unsupported(&wav_file(1, 1, 8000, 24, &[], None, &[])));
        assert!(unsupported(&wav_file(1, 6, 8000, 16, &[], None, &[])));
        assert!(unsupported(&wav_file(1, 0, 8000, 16, &[], None, &[])));
        assert!(unsupported(&wav_file(0x11, 1, 8000, 4, &[], None, &[])));
    }
}
