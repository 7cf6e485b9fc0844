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
