//! Binary upload chunks, as hostile clients send them: no panic, and a frame that decodes is
//! exactly the frame its chunk encodes to (the layout has one form).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zero_live::uploads::{decode_chunk, encode_chunk};

fuzz_target!(|data: &[u8]| {
    let Ok(chunk) = decode_chunk(data) else { return };
    assert!(!chunk.entry.is_empty() && chunk.entry.len() <= 64);
    let again = encode_chunk(chunk.reference, chunk.entry, chunk.offset, chunk.bytes, chunk.last);
    // A ref of 0 reads as none and is written as 0 again: the bytes are the same.
    assert_eq!(again, data, "decode and encode are inverse");
});
