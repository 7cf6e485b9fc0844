//! Context-aware escaping. Nothing a template interpolates reaches the page unescaped unless
//! the template says `{@html ...}`.

/// The replacement for a byte that must be escaped in text and attribute values, if any.
#[inline]
fn replacement(b: u8) -> Option<&'static str> {
    match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    }
}

/// Appends `s` to `out` with `&`, `<`, `>`, `"` and `'` escaped: safe in text and in quoted
/// attribute values.
#[inline(always)]
pub fn html(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // All five special bytes are below 0x3f; most text bytes are not, so this is one test.
        if b > b'>' {
            continue;
        }
        if let Some(rep) = replacement(b) {
            out.push_str(&s[last..i]);
            out.push_str(rep);
            last = i + 1;
        }
    }
    push_short(out, &s[last..]);
}

/// Appends `s` for an attribute value in single quotes: `&`, `<`, `>` and `'` escaped, `"`
/// kept. JSON (a JS command's `[["hide",{"to":"#m"}]]`) is full of `"`, which in double quotes
/// would each become `&quot;`.
pub fn single_quoted(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'\'' => "&#39;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// Appends `s`; a string of 8 to 16 bytes (most names and labels) as two fixed 8-byte pieces
/// that overlap, the first cut back before the second lands, which compiles to two moves
/// instead of a `memcpy` call for a length the compiler cannot know.
#[inline(always)]
fn push_short(out: &mut String, s: &str) {
    let n = s.len();
    if (8..=16).contains(&n) && s.is_char_boundary(8) && s.is_char_boundary(n - 8) {
        out.reserve(16);
        out.push_str(&s[..8]);
        out.truncate(out.len() + n - 16);
        out.push_str(&s[n - 8..]);
    } else {
        out.push_str(s);
    }
}

/// Schemes that run script when a URL attribute is followed.
const SCRIPT_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:text/html"];

/// What an unsafe URL is replaced with.
pub const BLOCKED_URL: &str = "#blocked-unsafe-url";

/// Whether `url` uses a scheme that runs script. Browsers ignore ASCII whitespace and control
/// characters in the scheme and compare it case-insensitively, so this does too.
pub fn is_script_url(url: &str) -> bool {
    let mut cleaned = [0u8; 16];
    let mut n = 0;
    for b in url.bytes() {
        if b.is_ascii_whitespace() || b.is_ascii_control() {
            continue;
        }
        cleaned[n] = b.to_ascii_lowercase();
        n += 1;
        if n == cleaned.len() {
            break;
        }
    }
    let cleaned = &cleaned[..n];
    SCRIPT_SCHEMES.iter().any(|s| cleaned.starts_with(s.as_bytes()))
}

/// Appends a URL attribute value: escaped like [`html`], and replaced by [`BLOCKED_URL`] when
/// it uses a script scheme.
pub fn url(out: &mut String, s: &str) {
    if is_script_url(s) {
        out.push_str(BLOCKED_URL);
    } else {
        html(out, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut out = String::new();
        html(&mut out, s);
        out
    }

    #[test]
    fn escapes_the_five_characters_and_nothing_else() {
        assert_eq!(
            escaped(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escaped("plain text, ünïcode ✓ = ? ;"), "plain text, ünïcode ✓ = ? ;");
        assert_eq!(escaped(""), "");
    }

    #[test]
    fn every_length_and_escape_position_copies_exactly() {
        // Every short length, with an escape at each place, and non-ASCII text.
        for n in 0..=20 {
            let plain: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            let mut out = String::from("x");
            html(&mut out, &plain);
            assert_eq!(out, format!("x{plain}"), "{n}");
            for at in 0..n {
                let mut with = plain.clone().into_bytes();
                with[at] = b'<';
                let with = String::from_utf8(with).unwrap();
                assert_eq!(escaped(&with), with.replace('<', "&lt;"), "{n} {at}");
            }
        }
        assert_eq!(escaped("héllo wörld"), "héllo wörld");
        assert_eq!(escaped("ab✓"), "ab✓");
    }

    #[test]
    fn script_urls_are_blocked_however_they_are_spelled() {
        for bad in [
            "javascript:alert(1)",
            " JaVaScRiPt:x",
            "java\tscript:x",
            "\u{1}javascript:x",
            "vbscript:x",
            "data:text/html,<script>",
        ] {
            let mut out = String::new();
            url(&mut out, bad);
            assert_eq!(out, BLOCKED_URL, "{bad:?}");
        }
        for good in [
            "/posts/1",
            "https://example.com/?a=1&b=2",
            "mailto:a@b.c",
            "data:image/png;base64,AA",
            "javascript-guide.html",
        ] {
            let mut out = String::new();
            url(&mut out, good);
            assert_ne!(out, BLOCKED_URL, "{good:?}");
        }
    }
}
