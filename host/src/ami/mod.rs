//! The Asterisk Manager Interface: wire codec and messages.

pub mod codec;
pub mod message;

pub use codec::{Decoder, Frame, encode, validate};
pub use message::{Kind, Message};
