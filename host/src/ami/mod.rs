//! The Asterisk Manager Interface: wire codec and messages.

pub mod classes;
pub mod client;
pub mod codec;
pub mod message;

pub use classes::EventClasses;
pub use client::{ActionResult, AmiClient, AmiConfig, AmiError, EventSink, LinkState, PbxInfo};
pub use codec::{Decoder, Frame, encode, validate};
pub use message::{Kind, Message};
