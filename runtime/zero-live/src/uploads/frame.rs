//! A chunk of an upload as the session handles it, from either of the two forms a client may
//! send it in:
//!
//! - the `upload` message of the wire protocol (a text frame, the bytes in base64);
//! - a binary WebSocket frame, which carries the bytes as they are (no base64 to encode in
//!   the browser nor to decode here, a third fewer bytes on the wire):
//!
//! ```text
//! offset  size  field
//! 0       1     frame type: 1, an upload chunk
//! 1       8     ref, big-endian: the request the reply answers (0: none)
//! 9       1     n, the length of the entry reference (1 to 64)
//! 10      n     the entry reference, UTF-8 (`NAME:N`, from the `upload_start` reply)
//! 10+n    8     offset, big-endian: where the bytes start in the file
//! 18+n    1     last: 1 for the file's last chunk, else 0
//! 19+n    ..    the bytes
//! ```
//!
//! Anything else in a binary frame is refused (`bad_frame`).

use base64::Engine as _;

use super::session::Refused;
use crate::protocol::wire;

/// The frame type of a binary upload chunk.
pub(crate) const BINARY_CHUNK: u8 = 1;

/// The longest entry reference a binary chunk may carry.
const MAX_ENTRY: usize = 64;

/// One chunk of an entry's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) entry: String,
    pub(crate) offset: u64,
    pub(crate) bytes: Vec<u8>,
    pub(crate) last: bool,
}

fn bad(why: &str) -> Refused {
    Refused { code: "bad_frame", reason: why.to_owned(), protocol: true }
}

impl Chunk {
    /// The chunk of an `upload` message (its base64 decoded).
    pub(crate) fn from_message(message: &wire::Upload) -> Result<Chunk, Refused> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(message.chunk.as_bytes())
            .map_err(|_| Refused {
                code: "bad_chunk",
                reason: "a chunk is base64".to_owned(),
                protocol: true,
            })?;
        Ok(Chunk {
            entry: message.entry.clone(),
            offset: message.offset,
            bytes,
            last: message.last,
        })
    }

    /// The request reference and chunk of a binary frame (layout in the module's docs).
    pub(crate) fn from_binary(frame: &[u8]) -> Result<(Option<u64>, Chunk), Refused> {
        let decoded = decode_chunk(frame).map_err(bad)?;
        let chunk = Chunk {
            entry: decoded.entry.to_owned(),
            offset: decoded.offset,
            bytes: decoded.bytes.to_vec(),
            last: decoded.last,
        };
        Ok((decoded.reference, chunk))
    }

    /// The binary frame of this chunk (what the browser client sends; the test client too).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn to_binary(&self, reference: Option<u64>) -> Vec<u8> {
        encode_chunk(reference, &self.entry, self.offset, &self.bytes, self.last)
    }
}

/// The binary frame of an upload chunk (layout in `docs/reference/live.md#uploads`): what a client
/// written in Rust sends for `bytes` of `entry` starting at `offset`, answered by a `reply`
/// with `reference`. An entry reference longer than 64 bytes makes a frame the server refuses.
pub fn encode_chunk(
    reference: Option<u64>,
    entry: &str,
    offset: u64,
    bytes: &[u8],
    last: bool,
) -> Vec<u8> {
    let entry = entry.as_bytes();
    let mut frame = Vec::with_capacity(19 + entry.len() + bytes.len());
    frame.push(BINARY_CHUNK);
    frame.extend_from_slice(&reference.unwrap_or(0).to_be_bytes());
    frame.push(u8::try_from(entry.len()).unwrap_or(u8::MAX));
    frame.extend_from_slice(entry);
    frame.extend_from_slice(&offset.to_be_bytes());
    frame.push(u8::from(last));
    frame.extend_from_slice(bytes);
    frame
}

/// A binary upload chunk as [`decode_chunk`] reads it (and [`encode_chunk`] writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinaryChunk<'a> {
    /// The request the reply answers (`None` for 0).
    pub reference: Option<u64>,
    /// The entry reference (`NAME:N`).
    pub entry: &'a str,
    /// Where the bytes start in the file.
    pub offset: u64,
    /// The bytes.
    pub bytes: &'a [u8],
    /// Whether it is the file's last chunk.
    pub last: bool,
}

/// Reads a binary frame as an upload chunk (layout in `docs/reference/live.md#uploads`), or
/// says why it is not one: another frame type, a frame cut short, an entry reference that is
/// empty, longer than 64 bytes or not UTF-8, a `last` other than 0 or 1.
pub fn decode_chunk(frame: &[u8]) -> Result<BinaryChunk<'_>, &'static str> {
    let (&kind, rest) = frame.split_first().ok_or("an empty binary frame")?;
    if kind != BINARY_CHUNK {
        return Err("binary frames carry upload chunks only (type 1)");
    }
    let (reference, rest) = u64_at(rest).ok_or("the frame ends in its ref")?;
    let (&n, rest) = rest.split_first().ok_or("the frame ends before its entry")?;
    let n = usize::from(n);
    if n == 0 || n > MAX_ENTRY || rest.len() < n {
        return Err("an entry reference is 1 to 64 bytes");
    }
    let (entry, rest) = rest.split_at(n);
    let entry = std::str::from_utf8(entry).map_err(|_| "an entry reference is UTF-8")?;
    let (offset, rest) = u64_at(rest).ok_or("the frame ends in its offset")?;
    let (&last, bytes) = rest.split_first().ok_or("the frame ends before `last`")?;
    if last > 1 {
        return Err("`last` is 0 or 1");
    }
    Ok(BinaryChunk {
        reference: (reference != 0).then_some(reference),
        entry,
        offset,
        bytes,
        last: last == 1,
    })
}

/// A big-endian `u64` at the start of `bytes`, and what follows it.
fn u64_at(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*head), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk() -> Chunk {
        Chunk { entry: "avatar:3".into(), offset: 65_536, bytes: b"\x89PNG".to_vec(), last: true }
    }

    #[test]
    fn a_binary_chunk_round_trips_with_its_reference() {
        let frame = chunk().to_binary(Some(42));
        // The same vector as the browser client's test (runtime/client/test/uploads.test.mjs).
        let hex: String = frame.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "01000000000000002a086176617461723a3300000000000100000189504e47");
        assert_eq!(Chunk::from_binary(&frame).unwrap(), (Some(42), chunk()));
        assert_eq!(Chunk::from_binary(&chunk().to_binary(None)).unwrap().0, None);
    }

    #[test]
    fn every_way_a_binary_frame_can_be_wrong_is_refused() {
        let good = chunk().to_binary(Some(1));
        let mut other_type = good.clone();
        other_type[0] = 2;
        let mut long_entry = good.clone();
        long_entry[9] = 65;
        let mut zero_entry = good.clone();
        zero_entry[9] = 0;
        let mut not_utf8 = good.clone();
        not_utf8[10] = 0xff;
        let mut bad_last = good.clone();
        bad_last[18 + 8] = 2;
        for (frame, why) in [
            (&[][..], "empty"),
            (&other_type[..], "type"),
            (&good[..5], "ref"),
            (&good[..9], "entry length"),
            (&long_entry[..], "long entry"),
            (&zero_entry[..], "empty entry"),
            (&not_utf8[..], "utf-8"),
            (&good[..20], "offset"),
            (&good[..26], "last"),
            (&bad_last[..], "last value"),
        ] {
            let refused = Chunk::from_binary(frame).unwrap_err();
            assert_eq!((refused.code, refused.protocol), ("bad_frame", true), "{why}");
        }
        // No bytes after `last` is an empty chunk, which an empty file sends.
        assert_eq!(Chunk::from_binary(&good[..27]).unwrap().1.bytes, b"");
    }

    #[test]
    fn a_text_chunk_is_its_base64_decoded() {
        let message =
            wire::Upload { entry: "a:0".into(), offset: 0, chunk: "aGk=".into(), last: false };
        assert_eq!(Chunk::from_message(&message).unwrap().bytes, b"hi");
        let bad = wire::Upload { chunk: "not base64!".into(), ..message };
        assert_eq!(Chunk::from_message(&bad).unwrap_err().code, "bad_chunk");
    }
}
