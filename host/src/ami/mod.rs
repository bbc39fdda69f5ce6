//! The Asterisk Manager Interface: wire codec and messages.

pub mod classes;
pub mod client;

/// The AMI wire format (the `switchboard-ami-wire` crate, which the simulator shares).
pub use switchboard_ami_wire::{codec, message};

pub use classes::EventClasses;
pub use client::{ActionResult, AmiClient, AmiConfig, AmiError, AmiStats, EventSink, LinkState, PbxInfo};
pub use codec::{Decoder, Frame, encode, validate};
pub use message::{Kind, Message};
