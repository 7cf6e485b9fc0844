//! Self-closing tags: a void element may close itself (`<br/>`), as the template corpus once
//! showed before it was formatted; any other HTML element may not.

use zero_template::lexer::{Token, lex_all};

#[test]
fn a_void_element_may_close_itself_and_an_element_may_not_pretend_to() {
    let start = |source: &str| match lex_all(source).tokens.into_iter().next() {
        Some(Token::StartTag(tag)) => tag,
        other => panic!("{other:?}"),
    };
    assert!(start("<br/>").self_closing);
    assert!(start("<img src=\"/a.png\" />").self_closing);
    assert!(!start("<br>").self_closing);
    let (_, problems) = zero_template::parse("<p>a<br/>b</p>");
    assert!(problems.is_empty(), "{problems:?}");
    let (_, problems) = zero_template::parse("<div/>");
    assert!(!problems.is_empty(), "a non-void element cannot close itself");
}

/// HTML's unquoted attribute values hold no quote, `<`, `=` or backtick (found by the
/// template_parse fuzz target: `class=b'art"` formatted to a value no quote could hold).
#[test]
fn an_unquoted_value_holds_no_quote_and_a_plain_one_is_kept() {
    let (_, problems) = zero_template::parse("<div class=b'art\">x</div>");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("cannot hold `'`"), "{}", problems[0].message);
    for bad in ["a=b", "a<b", "a`b", "a\"b"] {
        let (_, problems) = zero_template::parse(&format!("<div class={bad}>x</div>"));
        assert!(!problems.is_empty(), "{bad} was accepted");
    }
    let (_, problems) = zero_template::parse("<div class=card-1>x</div>");
    assert!(problems.is_empty(), "{problems:?}");
}

/// An expression whose code starts with a brace keeps a space after the opening one when
/// formatted: `{{` would be a literal brace (found by the template_parse fuzz target).
#[test]
fn an_expression_opening_with_a_brace_formats_to_an_expression() {
    use zero_template::format::{Config, format};
    let once = format("<p>{ {x} }</p>\n", &Config::default()).unwrap();
    assert_eq!(once, "<p>{ {x} }</p>\n");
    assert_eq!(format(&once, &Config::default()).unwrap(), once);
    assert_eq!(format("<p>{ x }</p>\n", &Config::default()).unwrap(), "<p>{x}</p>\n");
}
