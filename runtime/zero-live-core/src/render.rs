//! How values appear in a template: [`Render`] writes a value escaped, [`RenderAttr`] writes a
//! whole attribute (so `bool` and `Option` can leave it out).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use crate::escape;

/// A value a template can interpolate with `{value}`.
///
/// Implemented for strings, numbers, `bool`, `char`, `Option` (nothing for `None`) and smart
/// pointers; wrap any other `Display` type in [`display`].
pub trait Render {
    /// Appends the value, escaped for HTML text and attribute values.
    fn render_escaped(&self, out: &mut String);

    /// Appends the value without escaping, for `{@html value}`.
    #[inline]
    fn render_raw(&self, out: &mut String) {
        self.render_escaped(out);
    }
}

macro_rules! strings {
    ($($t:ty),*) => {$(
        impl Render for $t {
            #[inline]
            fn render_escaped(&self, out: &mut String) {
                escape::html(out, self);
            }
            #[inline]
            fn render_raw(&self, out: &mut String) {
                out.push_str(self);
            }
        }
    )*};
}
strings!(str, String, Cow<'_, str>);

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl Render for $t {
            #[inline]
            fn render_escaped(&self, out: &mut String) {
                // Digits and '-' never need escaping; itoap writes them straight into `out`.
                itoap::write_to_string(out, *self);
            }
        }
    )*};
}
integers!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

macro_rules! plain_display {
    ($($t:ty),*) => {$(
        impl Render for $t {
            #[inline]
            fn render_escaped(&self, out: &mut String) {
                // Numbers and booleans never contain a character that needs escaping.
                let _ = write!(out, "{self}");
            }
        }
    )*};
}
plain_display!(f32, f64, bool);

impl Render for char {
    #[inline]
    fn render_escaped(&self, out: &mut String) {
        escape::html(out, self.encode_utf8(&mut [0u8; 4]));
    }
    #[inline]
    fn render_raw(&self, out: &mut String) {
        out.push(*self);
    }
}

impl<T: Render + ?Sized> Render for &T {
    #[inline]
    fn render_escaped(&self, out: &mut String) {
        (**self).render_escaped(out);
    }
    #[inline]
    fn render_raw(&self, out: &mut String) {
        (**self).render_raw(out);
    }
}

macro_rules! via_deref {
    ($($ptr:ident),*) => {$(
        impl<T: Render + ?Sized> Render for $ptr<T> {
            #[inline]
            fn render_escaped(&self, out: &mut String) {
                (**self).render_escaped(out);
            }
            #[inline]
            fn render_raw(&self, out: &mut String) {
                (**self).render_raw(out);
            }
        }
    )*};
}
via_deref!(Box, Rc, Arc);

impl<T: Render> Render for Option<T> {
    #[inline]
    fn render_escaped(&self, out: &mut String) {
        if let Some(v) = self {
            v.render_escaped(out);
        }
    }
    #[inline]
    fn render_raw(&self, out: &mut String) {
        if let Some(v) = self {
            v.render_raw(out);
        }
    }
}

/// Renders any `Display` value, escaped.
pub struct Display<T>(pub T);

/// Wraps a `Display` value so a template can interpolate it: `{display(&amount)}`.
pub fn display<T: std::fmt::Display>(value: T) -> Display<T> {
    Display(value)
}

impl<T: std::fmt::Display> Render for Display<T> {
    #[inline]
    fn render_escaped(&self, out: &mut String) {
        let mut text = String::new();
        let _ = write!(text, "{}", self.0);
        escape::html(out, &text);
    }
    #[inline]
    fn render_raw(&self, out: &mut String) {
        let _ = write!(out, "{}", self.0);
    }
}

/// A value given to an HTML attribute with `name={value}`.
///
/// `bool` writes the bare attribute when true and nothing when false; `Option` writes nothing
/// for `None`; everything else writes `name="escaped value"`.
pub trait RenderAttr {
    /// Appends ` name="value"` (or ` name`, or nothing). `name` includes the leading space.
    fn render_attr(&self, out: &mut String, name: &str, url: bool);
}

impl RenderAttr for bool {
    #[inline]
    fn render_attr(&self, out: &mut String, name: &str, _url: bool) {
        if *self {
            out.push_str(name);
        }
    }
}

impl<T: RenderAttr> RenderAttr for Option<T> {
    #[inline]
    fn render_attr(&self, out: &mut String, name: &str, url: bool) {
        if let Some(v) = self {
            v.render_attr(out, name, url);
        }
    }
}

impl<T: RenderAttr + ?Sized> RenderAttr for &T {
    #[inline]
    fn render_attr(&self, out: &mut String, name: &str, url: bool) {
        (**self).render_attr(out, name, url);
    }
}

macro_rules! attr_via_render {
    ($($t:ty),*) => {$(
        impl RenderAttr for $t {
            #[inline]
            fn render_attr(&self, out: &mut String, name: &str, url: bool) {
                write_attr(out, name, self, url);
            }
        }
    )*};
}
attr_via_render!(
    str,
    String,
    Cow<'_, str>,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    char
);

impl<T: std::fmt::Display> RenderAttr for Display<T> {
    #[inline]
    fn render_attr(&self, out: &mut String, name: &str, url: bool) {
        write_attr(out, name, self, url);
    }
}

#[inline]
fn write_attr<T: Render + ?Sized>(out: &mut String, name: &str, value: &T, url: bool) {
    out.push_str(name);
    out.push_str("=\"");
    let start = out.len();
    value.render_escaped(out);
    // A URL is checked where it was written, and replaced when it runs script.
    if url && escape::is_script_url(&out[start..]) {
        out.truncate(start);
        out.push_str(escape::BLOCKED_URL);
    }
    out.push('"');
}

/// A tuple renders its parts in order, each escaped: `class={("btn btn-", variant)}` writes
/// one value without building a `String` first.
macro_rules! tuples {
    ($(($($t:ident $i:tt),+)),*) => {$(
        impl<$($t: Render),+> Render for ($($t,)+) {
            #[inline]
            fn render_escaped(&self, out: &mut String) {
                $(self.$i.render_escaped(out);)+
            }
        }

        impl<$($t: Render),+> RenderAttr for ($($t,)+) {
            #[inline]
            fn render_attr(&self, out: &mut String, name: &str, url: bool) {
                write_attr(out, name, self, url);
            }
        }
    )*};
}
tuples!((A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3));

/// Whether a `:if` condition holds: accepts `bool` and `&bool`.
#[inline]
pub fn truthy<B: std::borrow::Borrow<bool>>(condition: B) -> bool {
    *condition.borrow()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_render_their_parts_in_order_each_escaped() {
        let mut out = String::new();
        ("btn btn-", "primary").render_escaped(&mut out);
        assert_eq!(out, "btn btn-primary");
        let mut out = String::new();
        ("a<", 7u8, Some("\"q\""), '&').render_escaped(&mut out);
        assert_eq!(out, "a&lt;7&quot;q&quot;&amp;");
        let mut out = String::new();
        ("tab-", "x\" onclick=\"y").render_attr(&mut out, " id", false);
        assert_eq!(out, " id=\"tab-x&quot; onclick=&quot;y\"", "no attribute can break out");
        let mut out = String::new();
        ("java", "script:alert(1)").render_attr(&mut out, " href", true);
        assert_eq!(out, " href=\"#blocked-unsafe-url\"", "the whole value is checked as a URL");
        let mut out = String::new();
        ("/posts/", 3u32).render_attr(&mut out, " href", true);
        assert_eq!(out, " href=\"/posts/3\"");
    }

    fn text<T: Render + ?Sized>(v: &T) -> String {
        let mut out = String::new();
        v.render_escaped(&mut out);
        out
    }

    fn attr<T: RenderAttr + ?Sized>(v: &T, url: bool) -> String {
        let mut out = String::new();
        v.render_attr(&mut out, " href", url);
        out
    }

    #[test]
    fn values_render_escaped() {
        assert_eq!(text("<b>"), "&lt;b&gt;");
        assert_eq!(text(&-42i64), "-42");
        assert_eq!(text(&1.5f64), "1.5");
        assert_eq!(text(&'<'), "&lt;");
        assert_eq!(text(&true), "true");
        assert_eq!(text(&Some("x&y")), "x&amp;y");
        assert_eq!(text(&None::<String>), "");
        assert_eq!(text(&display(std::net::Ipv4Addr::LOCALHOST)), "127.0.0.1");
        let mut raw = String::new();
        "<b>".render_raw(&mut raw);
        assert_eq!(raw, "<b>");
    }

    #[test]
    fn attributes_leave_out_false_and_none_and_block_script_urls() {
        assert_eq!(attr(&true, false), " href");
        assert_eq!(attr(&false, false), "");
        assert_eq!(attr(&None::<&str>, false), "");
        assert_eq!(attr("/a?b=1&c=\"2\"", true), " href=\"/a?b=1&amp;c=&quot;2&quot;\"");
        assert_eq!(attr("javascript:alert(1)", true), " href=\"#blocked-unsafe-url\"");
        assert_eq!(attr("javascript:alert(1)", false), " href=\"javascript:alert(1)\"");
        let yes = true;
        let borrowed: &bool = &yes;
        assert!(truthy(yes) && truthy(borrowed) && !truthy(false));
    }
}
