//! Properties over arbitrary input: the compiler never panics, and whatever the formatter
//! accepts it formats idempotently without changing meaning.

use proptest::prelude::*;
use zero_template::Components;
use zero_template::format::{Config, format, normalized_tokens};

/// Template-like text: tags, attributes, braces, quotes and whitespace in random order.
fn template_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<div>".to_owned()),
        Just("</div>".to_owned()),
        Just("<p class=\"a\">".to_owned()),
        Just("</p>".to_owned()),
        Just("<br>".to_owned()),
        Just("<pre> x  </pre>".to_owned()),
        Just("<span :if={ok}>".to_owned()),
        Just("</span>".to_owned()),
        Just("<li :for={x in xs} :key={x}>".to_owned()),
        Just("</li>".to_owned()),
        Just("<ul>".to_owned()),
        Just("</ul>".to_owned()),
        Just("{value}".to_owned()),
        Just("{{".to_owned()),
        Just("}}".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("<!-- c -->".to_owned()),
        Just("<.button>".to_owned()),
        Just("<:col>".to_owned()),
        Just("<a href=\"/x\" id={id} title='t'>".to_owned()),
        Just("</a>".to_owned()),
        Just("<style :colocated> .a { b: c } </style>".to_owned()),
        "[ \n\t]{1,3}",
        "[a-z<>=\"'/]{1,6}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn checking_arbitrary_text_never_panics(source in template_like()) {
        let _ = zero_template::check("t.html.0x0", &source, &Components::default());
    }

    #[test]
    fn checking_arbitrary_unicode_never_panics(source in "\\PC{0,64}") {
        let _ = zero_template::check("t.html.0x0", &source, &Components::default());
    }

    #[test]
    fn accepted_templates_format_idempotently_and_keep_their_meaning(source in template_like()) {
        if let Ok(once) = format(&source, &Config::default()) {
            let twice = format(&once, &Config::default());
            prop_assert_eq!(twice.as_ref().ok(), Some(&once), "not idempotent:\n{}", once);
            prop_assert_eq!(normalized_tokens(&source), normalized_tokens(&once), "meaning changed:\n{}", once);
        }
    }
}
