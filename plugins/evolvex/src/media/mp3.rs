//! MP3 encoding of a recording while it is sent: PCM in, MP3 frames out, a piece at a time.
//!
//! The encoder is `rusty_mp3`'s [`Mp3Encoder`]: pure Rust with no C and no dependencies, so it
//! builds for the plugin's `wasm32-wasip2` target as it is (LAME would need a C toolchain and
//! wasi-libc there) and encodes the same bytes in the sandbox as natively. Its streaming interface
//! (push PCM, take packets, finish) is what lets the answer start before the recording is read.
//!
//! Two of its defaults do not suit a stream, and are worked around here:
//! - For MPEG-1 sample rates (32, 44.1 and 48 kHz), its CBR mode keeps every frame until `finish`
//!   to share bits between frames (the bit reservoir): nothing would be sent before the whole
//!   recording was encoded, and the whole MP3 would sit in memory. Those rates are therefore
//!   encoded in its VBR mode, aiming at the configured bitrate on average, which emits each frame
//!   as soon as it is coded. The telephone rates (8 to 24 kHz, MPEG-2 and 2.5) stay CBR: the
//!   encoder never holds their frames back.
//! - Its first packet is an Info/Xing tag frame whose counts are only known at `finish`. A stream
//!   cannot go back and fix bytes it already sent, and a tag that claims 0 frames makes players
//!   show a zero duration, so that frame is left out: players then read the stream frame by frame.

use rusty_mp3::{Mp3Encoder, Mp3EncoderConfig};

use super::wav::Format;

/// The sample rates MP3 (MPEG-1, 2 and 2.5 Layer III) can carry.
pub const RATES: [u32; 9] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

/// The bitrate (kbps) used when the mount's `mp3-bitrate` setting is absent: enough for speech at
/// each rate, which is what recordings hold.
pub fn default_bitrate(sample_rate: u32) -> u32 {
    if sample_rate <= 12_000 {
        32
    } else if sample_rate <= 24_000 {
        64
    } else {
        128
    }
}

/// An MP3 encoder for one recording.
pub struct Transcoder {
    encoder: Mp3Encoder,
    format: Format,
    /// Whether the leading Info/Xing tag frame is still to be dropped.
    tag_pending: bool,
}

impl Transcoder {
    /// An encoder producing MP3 at the recording's own sample rate and channel count, at
    /// `bitrate_kbps` (snapped by the encoder to the nearest legal bitrate). `Err` names the
    /// reason when MP3 cannot carry the recording's sample rate.
    pub fn new(format: Format, bitrate_kbps: u32) -> Result<Self, String> {
        if !RATES.contains(&format.sample_rate) {
            return Err(format!("MP3 cannot carry a sample rate of {} Hz", format.sample_rate));
        }
        let mpeg1 = format.sample_rate >= 32_000;
        let config = Mp3EncoderConfig {
            bitrate_kbps,
            // See the module's documentation: CBR at MPEG-1 rates would hold every frame.
            vbr_quality: mpeg1.then_some(bitrate_kbps as f32),
        };
        Ok(Transcoder { encoder: Mp3Encoder::new(config), format, tag_pending: true })
    }

    /// Encodes `samples` (interleaved, the recording's channel count) and returns the MP3 bytes that
    /// became ready: whole frames, possibly none yet.
    pub fn push(&mut self, samples: &[i16]) -> Result<Vec<u8>, String> {
        self.encoder
            .push_pcm_s16(samples, self.format.channels, self.format.sample_rate)
            .map_err(|e| format!("encoding MP3: {e}"))?;
        Ok(self.drain())
    }

    /// Ends the recording and returns the last frames.
    pub fn finish(mut self) -> Vec<u8> {
        // The encoder learns the format from the first push; after none (an empty recording) it would
        // emit nothing at all. An empty push fixes the format, so the answer is still a playable MP3
        // (a couple of silent frames) rather than an empty body. After other pushes it adds nothing.
        let _ = self.encoder.push_pcm_s16(&[], self.format.channels, self.format.sample_rate);
        self.encoder.finish();
        self.drain()
    }

    /// The packets ready now, the tag frame left out.
    fn drain(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Ok(packet) = self.encoder.next_packet() {
            if self.tag_pending {
                self.tag_pending = false;
                if is_tag_frame(&packet) {
                    continue;
                }
            }
            out.extend_from_slice(&packet);
        }
        out
    }
}

/// Whether an MP3 frame is an Info/Xing tag frame (the marker sits after the side information,
/// whose length depends on the MPEG version and channel mode: within the first 40 bytes).
fn is_tag_frame(frame: &[u8]) -> bool {
    let head = &frame[..frame.len().min(48)];
    head.windows(4).any(|w| w == b"Info" || w == b"Xing")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::wav::Encoding;

    fn format(sample_rate: u32, channels: u16) -> Format {
        Format { encoding: Encoding::Pcm16, channels, sample_rate }
    }

    fn tone(sample_rate: u32, channels: u16, seconds: f32) -> Vec<i16> {
        let n = (sample_rate as f32 * seconds) as usize;
        (0..n)
            .flat_map(|i| {
                let s = ((i as f32 * 440.0 * std::f32::consts::TAU / sample_rate as f32).sin() * 12_000.0) as i16;
                std::iter::repeat_n(s, channels as usize)
            })
            .collect()
    }

    /// The MPEG audio frame headers of a stream: (sample rate, frame length) per frame.
    fn frames(mp3: &[u8]) -> Vec<(u32, usize)> {
        let mut at = 0;
        let mut out = Vec::new();
        while at + 4 <= mp3.len() {
            let h = u32::from_be_bytes([mp3[at], mp3[at + 1], mp3[at + 2], mp3[at + 3]]);
            assert_eq!(h >> 21, 0x7FF, "a frame sync at byte {at}");
            let version = (h >> 19) & 3; // 0 = 2.5, 2 = 2, 3 = 1
            let bitrate_index = ((h >> 12) & 0xF) as usize;
            let rate_index = ((h >> 10) & 3) as usize;
            let padding = ((h >> 9) & 1) as usize;
            let base = [44100, 48000, 32000][rate_index];
            let rate = match version {
                3 => base,
                2 => base / 2,
                _ => base / 4,
            };
            let v1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
            let v2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
            let kbps = if version == 3 { v1[bitrate_index] } else { v2[bitrate_index] };
            let len = if version == 3 { 144_000 * kbps / rate as usize } else { 72_000 * kbps / rate as usize } + padding;
            out.push((rate, len));
            at += len;
        }
        assert_eq!(at, mp3.len(), "the stream ends on a frame boundary");
        out
    }

    fn encode(format: Format, pcm: &[i16], kbps: u32) -> (Vec<u8>, Vec<usize>) {
        let mut transcoder = Transcoder::new(format, kbps).unwrap();
        let mut out = Vec::new();
        let mut sizes = Vec::new();
        for piece in pcm.chunks(32 * 1024) {
            let bytes = transcoder.push(piece).unwrap();
            sizes.push(bytes.len());
            out.extend(bytes);
        }
        out.extend(transcoder.finish());
        (out, sizes)
    }

    #[test]
    fn every_rate_gives_frames_at_that_rate_and_no_tag() {
        for rate in RATES {
            for channels in [1, 2] {
                let (mp3, _) = encode(format(rate, channels), &tone(rate, channels, 1.0), default_bitrate(rate));
                let frames = frames(&mp3);
                assert!(frames.iter().all(|&(r, _)| r == rate), "{rate} Hz");
                assert!(!is_tag_frame(&mp3[..frames[0].1]), "{rate} Hz: no Info/Xing frame");
                let per_frame = if rate >= 32_000 { 1152 } else { 576 };
                // The frames cover the second plus the encoder's delay and padding, no more.
                let covered = frames.len() * per_frame;
                assert!(covered >= rate as usize && covered <= rate as usize + 3 * per_frame, "{rate} Hz: {covered} samples");
            }
        }
    }

    #[test]
    fn frames_come_out_while_pcm_goes_in() {
        // Ten seconds in 32 Ki-sample pieces: every piece but the first few must already yield MP3,
        // at the telephone rates and at the MPEG-1 ones alike.
        for rate in [8000, 16000, 44100] {
            let (_, sizes) = encode(format(rate, 1), &tone(rate, 1, 10.0), default_bitrate(rate));
            assert!(sizes.len() > 2);
            assert!(sizes[1..].iter().all(|&n| n > 0), "{rate} Hz: {sizes:?}");
        }
    }

    #[test]
    fn bitrate_is_the_configured_one_at_telephone_rates() {
        let (mp3, _) = encode(format(8000, 1), &tone(8000, 1, 2.0), 32);
        // 32 kbps at 8 kHz MPEG-2.5: 576 samples a frame, 72 ms, 288 bytes (+ padding).
        assert!(frames(&mp3).iter().all(|&(_, len)| (288..=289).contains(&len)));
    }

    #[test]
    fn unsupported_rates_and_empty_recordings() {
        assert!(Transcoder::new(format(9600, 1), 32).is_err());
        assert!(Transcoder::new(format(96000, 2), 128).is_err());
        let empty = Transcoder::new(format(8000, 1), 32).unwrap().finish();
        assert!(!frames(&empty).is_empty());
    }
}
