//! The Asterisk Manager Interface wire format, shared by the host's AMI client and the PBX
//! simulator's AMI server: [`Message`] (an ordered list of `Key: Value` lines) and the codec that
//! reads and writes it ([`Decoder`], [`encode`], [`validate`]). No I/O and no async runtime: the
//! client and the server each drive it over their own sockets.

#![deny(missing_docs)]

pub mod codec;
pub mod message;

pub use codec::{Decoder, Frame, encode, validate};
pub use message::{Kind, Message};
