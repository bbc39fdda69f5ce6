//! The AMI codec against real Asterisk 22 transcripts.

use switchboard::ami::{Decoder, Frame, Kind, Message, encode};

use crate::transcript::{self, Direction};

/// A client decoder for streams that start with the banner (a whole session), else one without.
fn decoder_for(bytes: &[u8]) -> Decoder {
    if bytes.starts_with(b"Asterisk Call Manager/") { Decoder::client() } else { Decoder::server() }
}

fn decode_all(decoder: &mut Decoder, bytes: &[u8], split: usize) -> Vec<Frame> {
    let mut frames = Vec::new();
    for piece in bytes.chunks(split.max(1)) {
        decoder.extend(piece);
        while let Some(frame) = decoder.next_frame().unwrap() {
            frames.push(frame);
        }
    }
    frames
}

#[test]
fn every_transcript_decodes_the_same_however_the_bytes_are_split() {
    let transcripts = transcript::all();
    assert!(transcripts.len() >= 30, "transcripts found: {}", transcripts.len());
    for (name, chunks) in &transcripts {
        let server_bytes = transcript::stream(chunks, Direction::ToClient);
        let whole = decode_all(&mut decoder_for(&server_bytes), &server_bytes, usize::MAX);
        if server_bytes.starts_with(b"Asterisk") {
            assert!(matches!(whole.first(), Some(Frame::Banner(b)) if b == "Asterisk Call Manager/11.0.0"), "{name}");
        }
        let messages = whole.iter().filter(|f| matches!(f, Frame::Message(_))).count();
        assert!(messages > 0 || name == "banner.txt", "{name}: no messages");
        for (i, frame) in whole.iter().enumerate().skip(usize::from(server_bytes.starts_with(b"Asterisk"))) {
            let Frame::Message(m) = frame else { panic!("{name}: second banner") };
            assert!(matches!(m.kind(), Kind::Response | Kind::Event), "{name} frame {i}: {m:?}");
        }
        for split in [1, 2, 3, 7, 13, 64, 1000] {
            let pieces = decode_all(&mut decoder_for(&server_bytes), &server_bytes, split);
            assert_eq!(pieces, whole, "{name} split every {split} bytes");
        }
    }
}

#[test]
fn client_actions_decode_and_encode_byte_exact() {
    let mut actions = 0;
    for (name, chunks) in transcript::all() {
        let client_bytes = transcript::stream(&chunks, Direction::ToServer);
        let frames = decode_all(&mut Decoder::server(), &client_bytes, 5);
        let mut written = Vec::new();
        for frame in frames {
            let Frame::Message(action) = frame else { panic!("{name}: banner from a client") };
            assert!(action.get("Action").is_some(), "{name}: {action:?}");
            written.extend(encode(&action).unwrap());
            actions += 1;
        }
        assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&client_bytes), "{name}");
    }
    assert!(actions >= 30, "{actions}");
}

fn messages(file: &str) -> Vec<Message> {
    let chunks = transcript::read(&transcript::dir().join(file));
    let bytes = transcript::stream(&chunks, Direction::ToClient);
    decode_all(&mut decoder_for(&bytes), &bytes, 1)
        .into_iter()
        .filter_map(|f| match f {
            Frame::Message(m) => Some(m),
            Frame::Banner(_) => None,
        })
        .collect()
}

#[test]
fn the_decoded_messages_carry_what_asterisk_sent() {
    let login = messages("Login.txt");
    assert_eq!(login[0].get("Response"), Some("Success"));
    assert_eq!(login[0].get("Message"), Some("Authentication accepted"));
    assert!(login.iter().any(|m| m.event() == Some("FullyBooted")));

    let command = messages("Command-core-show-version.txt");
    let answer = command.iter().find(|m| m.kind() == Kind::Response && m.get("Message") == Some("Command output follows")).unwrap();
    assert!(answer.get_all("Output").next().unwrap().starts_with("Asterisk 22"), "{answer:?}");

    let status = messages("CoreShowChannels.txt");
    let start = status.iter().find(|m| m.get("EventList") == Some("start")).unwrap();
    let id = start.action_id().unwrap();
    let complete = status.iter().find(|m| m.event() == Some("CoreShowChannelsComplete")).unwrap();
    assert_eq!(complete.action_id(), Some(id));
    let items: usize = complete.get("ListItems").unwrap().parse().unwrap();
    let listed = status.iter().filter(|m| m.event() == Some("CoreShowChannel") && m.action_id() == Some(id)).count();
    assert_eq!(listed, items);
}

#[test]
fn the_old_command_format_is_read_whole() {
    // Asterisk 13 and before: Response: Follows, headers, raw text, --END COMMAND--.
    let wire = b"Asterisk Call Manager/2.10.6\r\nResponse: Follows\r\nPrivilege: Command\r\nActionID: c1\r\n\
Channel              Location             State   Application(Data)\nSIP/100-0001         s@default:1          Up      Dial(SIP/200)\n\
1 active channel\n--END COMMAND--\r\n\r\nEvent: Hangup\r\nChannel: x\r\n\r\n";
    for split in [1, 4, 50, wire.len()] {
        let frames = decode_all(&mut Decoder::client(), wire, split);
        let Frame::Message(answer) = &frames[1] else { panic!() };
        assert_eq!(answer.get("Response"), Some("Follows"));
        assert_eq!(answer.action_id(), Some("c1"));
        let output = answer.legacy_output.as_deref().unwrap();
        assert!(output.starts_with("Channel              Location"), "{output:?}");
        assert!(output.ends_with("1 active channel\n"), "{output:?}");
        let Frame::Message(event) = &frames[2] else { panic!() };
        assert_eq!(event.event(), Some("Hangup"));
        // The client hands plugins the same lines whichever format the PBX speaks.
        let result = switchboard::ami::ActionResult { response: answer.clone(), ..Default::default() };
        assert_eq!(result.output_lines().len(), 3);
        assert_eq!(result.output_lines()[2], "1 active channel");
    }
}

#[test]
fn line_breaks_and_oversized_values_are_refused_before_writing() {
    let injected = Message::new().with("Action", "Originate").with("Channel", "PJSIP/100\r\n\r\nAction: Command");
    assert!(encode(&injected).is_err());
    assert!(encode(&Message::new().with("Action", "Ping").with("Bad Key", "x")).is_err());
    assert!(encode(&Message::new().with("Action", "Ping").with("Key", "x\n")).is_err());
    assert!(encode(&Message::new().with("Action", "Ping").with("Key", "x".repeat(10_000))).is_err());
    assert_eq!(encode(&Message::new().with("Action", "Ping").with("ActionID", "1")).unwrap(), b"Action: Ping\r\nActionID: 1\r\n\r\n");
}

#[test]
fn a_peer_cannot_grow_the_decoder_without_bound() {
    use switchboard::ami::codec::{DecodeError, MAX_LINE, MAX_MESSAGE};
    // One endless line.
    let mut decoder = Decoder::server();
    decoder.extend(&vec![b'x'; MAX_LINE + 1]);
    assert_eq!(decoder.next_frame(), Err(DecodeError::LineTooLong));
    // Endless short headers with no closing empty line.
    let mut decoder = Decoder::server();
    let line = b"Variable: x=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n";
    let mut result = Ok(None);
    for _ in 0..(MAX_MESSAGE / line.len() + 2) {
        decoder.extend(line);
        result = decoder.next_frame();
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(DecodeError::MessageTooLong));
}

/// Found by the `ami_codec` fuzz target: `Response: Follows` passed `validate`, and its encoding
/// turned every reader (the simulator's too) into CLI-output mode until `--END COMMAND--`, which
/// never came, so the messages after it were swallowed.
#[test]
fn a_follows_response_without_its_output_is_refused() {
    use switchboard::ami::codec::EncodeError;
    let bare = Message::new().with("Response", "follows").with("ActionID", "1");
    assert_eq!(encode(&bare), Err(EncodeError::FollowsWithoutOutput));
    let action = Message::new().with("Action", "Ping").with("Response", "Follows");
    assert_eq!(encode(&action), Err(EncodeError::FollowsWithoutOutput));
    // With its output it is old Asterisk's Command answer, and reads back as written.
    let mut legacy = Message::new().with("Response", "Follows").with("Privilege", "Command").with("ActionID", "c1");
    legacy.legacy_output = Some("No such command 'x'\n".into());
    let bytes = encode(&legacy).unwrap();
    let frames = decode_all(&mut Decoder::server(), &[bytes.as_slice(), b"Response: Success\r\n\r\n"].concat(), 1);
    assert_eq!(frames, [Frame::Message(legacy), Frame::Message(Message::new().with("Response", "Success"))]);
}

/// Found by the `ami_codec` fuzz target: a line ended by LF alone left a bare CR inside the next
/// line's key (`h\ranelStateDesc: Down`), and the decoder handed that key on. A key with a control
/// character or a blank is no key; the line is kept, keyed empty, like any line without one.
#[test]
fn a_key_with_a_control_character_is_no_key() {
    let wire = b"Event: Newchannel\r\nChannelState: 0nC\nh\ranelStateDesc: Down\r\nTab\tKey: x\r\nUniqueid: 1.0\r\n\r\n";
    let frames = decode_all(&mut Decoder::server(), wire, wire.len());
    let [Frame::Message(message)] = frames.as_slice() else { panic!("{frames:?}") };
    for (key, _) in message.fields() {
        assert!(!key.contains(|c: char| c.is_control() || c == ' '), "decoded key {key:?}");
    }
    assert_eq!(message.get("Uniqueid"), Some("1.0"));
    assert_eq!(message.get(""), Some("h\ranelStateDesc: Down"), "the line is kept, not lost");
}
