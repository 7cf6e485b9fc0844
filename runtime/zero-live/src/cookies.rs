//! The endpoint's cookies (the CSRF secret, the flash, the accounts' login), written and read
//! through the `cookie` crate with one policy:
//!
//! - `Path=/`, `SameSite=Lax`, and `HttpOnly` unless the browser's script writes the cookie
//!   (only the flash: the client stores a live redirect's flash token in it);
//! - when the endpoint is secure ([`crate::LiveBuilder::secure_cookies`]: release builds and
//!   apps served over TLS), `Secure`, and a server-written cookie's name takes the `__Host-`
//!   prefix, so a browser keeps it only from this exact origin over HTTPS: a sibling subdomain
//!   or a plain-HTTP page cannot plant or overwrite it. The flash keeps its plain name (the
//!   client writes it; its token is signed and lives a minute) but is `Secure` too.
//!
//! A secure endpoint reads only the prefixed names, so a cookie planted under the plain name is
//! never believed.

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};

/// The prefix a browser keeps only from a secure origin, host-only, for `Path=/`.
pub const HOST_PREFIX: &str = "__Host-";

/// How the endpoint writes and reads its cookies (see the [module](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookies {
    secure: bool,
}

impl Default for Cookies {
    /// Secure in release builds.
    fn default() -> Cookies {
        Cookies::new(!cfg!(debug_assertions))
    }
}

impl Cookies {
    /// `Secure` cookies with `__Host-` names when `secure`, plain ones otherwise.
    pub fn new(secure: bool) -> Cookies {
        Cookies { secure }
    }

    /// Whether cookies are `Secure` (sent over HTTPS only) with `__Host-` names.
    pub fn is_secure(self) -> bool {
        self.secure
    }

    /// The name a server-written cookie `base` goes by: `__Host-base` when secure.
    pub fn name(self, base: &str) -> String {
        if self.secure { [HOST_PREFIX, base].concat() } else { base.to_owned() }
    }

    /// The value of the server-written cookie `base` in a request's `Cookie` headers.
    pub fn get<'h>(self, headers: &'h HeaderMap, base: &str) -> Option<&'h str> {
        if self.secure {
            find(headers, |name| name.strip_prefix(HOST_PREFIX) == Some(base))
        } else {
            find(headers, |name| name == base)
        }
    }

    /// The `Set-Cookie` value giving a browser the server-written cookie `base` = `value` for
    /// `max_age_secs`, `HttpOnly`. `None` if `value` cannot go in a header.
    pub fn set(self, base: &str, value: &str, max_age_secs: u64) -> Option<HeaderValue> {
        self.write(self.name(base), value, seconds(max_age_secs), true)
    }

    /// The `Set-Cookie` value removing the server-written cookie `base`.
    pub fn clear(self, base: &str) -> HeaderValue {
        self.write(self.name(base), "", ZERO, true).unwrap_or(HeaderValue::from_static(""))
    }

    /// The `Set-Cookie` value giving a browser the flash cookie `name` = `value` for
    /// `max_age_secs`, `HttpOnly`, without a prefix (the client writes it too; see the module).
    pub fn set_flash(self, name: &str, value: &str, max_age_secs: u64) -> Option<HeaderValue> {
        self.write(name.to_owned(), value, seconds(max_age_secs), true)
    }

    /// The `Set-Cookie` value removing the flash cookie `name`, whichever side wrote it.
    pub fn clear_flash(self, name: &str) -> HeaderValue {
        self.write(name.to_owned(), "", ZERO, false).unwrap_or(HeaderValue::from_static(""))
    }

    fn write(
        self,
        name: String,
        value: &str,
        max_age: cookie::time::Duration,
        http_only: bool,
    ) -> Option<HeaderValue> {
        let cookie = Cookie::build((name, value.to_owned()))
            .path("/")
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .http_only(http_only)
            .max_age(max_age);
        HeaderValue::from_str(&cookie.to_string()).ok()
    }
}

const ZERO: cookie::time::Duration = cookie::time::Duration::ZERO;

fn seconds(secs: u64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The value of cookie `name` in a request's `Cookie` headers (the first one sent, as RFC 6265
/// orders the more specific first); a pair that does not parse is skipped.
pub fn get<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    find(headers, |n| n == name)
}

/// The value of the first cookie whose name `wanted` accepts.
fn find(headers: &HeaderMap, wanted: impl Fn(&str) -> bool) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name_raw().is_some_and(&wanted))
        .and_then(|c| c.value_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(cookie: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.append(header::COOKIE, cookie.parse().unwrap());
        map
    }

    #[test]
    fn a_secure_endpoint_prefixes_and_marks_its_cookies() {
        let set = Cookies::new(true).set("zl_csrf", "abc", 60).unwrap();
        let set = set.to_str().unwrap();
        assert!(set.starts_with("__Host-zl_csrf=abc;"), "{set}");
        for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=60"] {
            assert!(set.contains(attribute), "{attribute} in {set}");
        }
        assert!(!set.contains("Domain"), "a __Host- cookie names no domain: {set}");
        let clear = Cookies::new(true).clear("zl_csrf");
        let clear = clear.to_str().unwrap();
        assert!(clear.starts_with("__Host-zl_csrf=;") && clear.contains("Max-Age=0"), "{clear}");
    }

    #[test]
    fn a_plain_endpoint_is_neither_secure_nor_prefixed() {
        let set = Cookies::new(false).set("zl_csrf", "abc", 60).unwrap();
        let set = set.to_str().unwrap();
        assert!(set.starts_with("zl_csrf=abc;") && set.contains("HttpOnly"), "{set}");
        assert!(!set.contains("Secure"), "{set}");
    }

    #[test]
    fn the_flash_keeps_its_name_and_is_secure_when_the_endpoint_is() {
        let set = Cookies::new(true).set_flash("zl_flash", "t", 60).unwrap();
        assert!(set.to_str().unwrap().starts_with("zl_flash=t;"));
        assert!(set.to_str().unwrap().contains("Secure"));
        let clear = Cookies::new(true).clear_flash("zl_flash");
        let clear = clear.to_str().unwrap();
        assert!(clear.starts_with("zl_flash=;") && !clear.contains("HttpOnly"), "{clear}");
    }

    #[test]
    fn a_secure_endpoint_believes_only_the_prefixed_name() {
        let planted = headers("zl_csrf=planted");
        assert_eq!(Cookies::new(true).get(&planted, "zl_csrf"), None);
        assert_eq!(Cookies::new(false).get(&planted, "zl_csrf"), Some("planted"));
        let both = headers("zl_csrf=planted; __Host-zl_csrf=ours");
        assert_eq!(Cookies::new(true).get(&both, "zl_csrf"), Some("ours"));
    }

    #[test]
    fn reading_takes_the_first_pair_and_skips_what_does_not_parse() {
        let map = headers("a=1; =novalue; zl=first; zl=second");
        assert_eq!(get(&map, "zl"), Some("first"));
        assert_eq!(get(&map, "a"), Some("1"));
        assert_eq!(get(&map, "missing"), None);
        assert_eq!(get(&HeaderMap::new(), "zl"), None);
    }
}
