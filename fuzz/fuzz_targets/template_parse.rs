//! The template lexer, parser, checker and formatter on arbitrary text: no panic, and a
//! template the formatter accepts formats to a fixed point that still parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zero_template::Components;
use zero_template::format::{Config, format};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    let checked = zero_template::check("fuzz.html.0x0", source, &Components::default());
    for d in &checked.diagnostics {
        assert!(!d.message.is_empty(), "a diagnostic says what is wrong");
    }
    if let Ok(formatted) = format(source, &Config::default()) {
        let again = format(&formatted, &Config::default()).expect("formatted output formats");
        assert_eq!(again, formatted, "formatting is idempotent");
    }
});
