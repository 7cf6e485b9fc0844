//! Whether a file is of a type an upload accepts: by its name and declared type before any byte
//! is sent, and by its first bytes (magic numbers, through the `infer` crate) once they arrive.

/// Extensions whose `infer` matcher reads text, not a signature: a valid file of these types
/// need not start with what the matcher looks for, so their content is not checked.
const TEXT_MATCHERS: [&str; 3] = ["html", "xml", "sh"];

/// The extension of `name`, lower case, without the dot (`None` without one).
pub(crate) fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// The extension `infer` names a type by (`jpeg` is `jpg`, `tiff` is `tif`).
fn canonical(ext: &str) -> &str {
    match ext {
        "jpeg" | "jpe" => "jpg",
        "tiff" => "tif",
        other => other,
    }
}

/// Whether an entry named `name` with the declared MIME type `mime` matches the `accept` list
/// (an `<input accept>`'s items: `.ext`, `type/sub`, `type/*`); an empty list accepts any.
pub(crate) fn admits(accept: &[String], name: &str, mime: &str) -> bool {
    if accept.is_empty() {
        return true;
    }
    let ext = extension(name);
    let mime = mime.to_ascii_lowercase();
    accept.iter().any(|item| {
        if let Some(wanted) = item.strip_prefix('.') {
            ext.as_deref().is_some_and(|e| canonical(e) == canonical(wanted))
        } else if let Some(family) = item.strip_suffix("/*") {
            mime.split_once('/').is_some_and(|(f, _)| f == family)
        } else {
            mime == *item
        }
    })
}

/// Checks the first bytes of a file named `name` against what its name claims: when `infer`
/// knows a signature for its extension, the bytes must carry it. Returns the MIME type the
/// bytes show (if any) and whether they agree with the name.
pub(crate) fn sniff(name: &str, head: &[u8]) -> (Option<&'static str>, bool) {
    let found = infer::get(head);
    let shown = found.map(|t| t.mime_type());
    let Some(ext) = extension(name) else {
        // No extension to hold the bytes to; an executable is still refused.
        return (shown, !found.is_some_and(|t| t.matcher_type() == infer::MatcherType::App));
    };
    let ext = canonical(&ext);
    if TEXT_MATCHERS.contains(&ext) || !infer::is_supported(ext) {
        // Nothing to check the bytes against, but an executable named as a text or unknown
        // type is still refused.
        return (shown, !found.is_some_and(|t| t.matcher_type() == infer::MatcherType::App));
    }
    (shown, infer::is(head, ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
    /// An ELF header: what `infer` needs to see an executable (more than 52 bytes).
    const ELF: &[u8; 64] = &{
        let mut elf = [0u8; 64];
        (elf[0], elf[1], elf[2], elf[3]) = (0x7f, b'E', b'L', b'F');
        elf
    };

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_accept_list_matches_extensions_types_and_families() {
        let accept = list(&[".png", ".jpeg", "image/webp", "text/*"]);
        assert!(admits(&accept, "cat.PNG", ""));
        assert!(admits(&accept, "cat.jpg", "image/jpeg"), "jpg and jpeg are one type");
        assert!(admits(&accept, "cat", "image/webp"));
        assert!(admits(&accept, "notes", "text/plain"));
        assert!(!admits(&accept, "cat.gif", "image/gif"));
        assert!(!admits(&accept, ".png", ""), "a dot file has no extension");
        assert!(!admits(&accept, "tool.exe", "application/octet-stream"));
        assert!(admits(&[], "anything.bin", ""), "no list accepts any file");
    }

    #[test]
    fn the_first_bytes_must_carry_the_signature_their_name_claims() {
        assert_eq!(sniff("cat.png", PNG), (Some("image/png"), true));
        assert_eq!(sniff("cat.jpeg", JPEG), (Some("image/jpeg"), true));
        // A renamed executable, a JPEG named as a PNG, text named as an image.
        assert_eq!(sniff("cat.png", ELF), (Some("application/x-executable"), false));
        assert!(!sniff("cat.png", JPEG).1);
        assert!(!sniff("cat.png", b"hello, world").1);
    }

    #[test]
    fn types_without_a_signature_pass_but_executables_never_do() {
        assert_eq!(sniff("notes.txt", b"hello"), (None, true));
        assert!(sniff("page.html", b"<p>no doctype</p>").1);
        assert!(sniff("README", b"plain").1);
        assert!(!sniff("notes.txt", ELF).1);
        assert!(!sniff("README", ELF).1);
    }
}
