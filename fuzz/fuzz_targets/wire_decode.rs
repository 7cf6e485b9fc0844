//! The wire decoder, v1 (JSON objects) and v2 (positional arrays), both sides, on arbitrary
//! frames: no panic, and a frame that decodes re-encodes to one that decodes to the same
//! message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zero_live::protocol::{Encoding, Side, decode_with, encode_with};

fuzz_target!(|data: &[u8]| {
    let Ok(frame) = std::str::from_utf8(data) else { return };
    for encoding in [Encoding::Json, Encoding::Compact] {
        for side in [Side::Server, Side::Client] {
            let Ok(envelope) = decode_with(frame, side, encoding) else { continue };
            let text = encode_with(&envelope.message, envelope.reference, encoding);
            let again = decode_with(&text, side, encoding).expect("an encoded message decodes");
            assert_eq!(again.reference, envelope.reference);
            assert_eq!(
                encode_with(&again.message, again.reference, encoding),
                text,
                "decode and encode are inverse"
            );
        }
    }
});
