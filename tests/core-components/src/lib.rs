//! The core components every new app gets, compiled from `templates/app/web/components` (the
//! same files `zerogen new app` writes), and one example of each from `examples/`. The test
//! `rendered_examples_are_current` keeps `docs/reference/components/NAME.html` equal to each
//! example's render, and `zerogen docs` shows those renders on the components reference page;
//! `spec_tables_describe_the_real_components` keeps the spec tables honest.

/// The components, as an app has them in `web/components/mod.rs`.
#[path = "../../../templates/app/web/components/mod.rs.tmpl"]
pub mod components;

/// The examples: each a template under `examples/` with nothing to bind.
pub mod examples {
    use zero_live::form::{Action, Form};

    /// A submitted form whose `email` is invalid, for the input example.
    fn signup() -> Form {
        Form::new("signup", [("email", "")])
            .with_params(&serde_json::json!({"email": "ada@"}), Action::Submit)
            .validate_format("email", |v| v.contains('.'), "must be a full address")
    }

    macro_rules! examples {
        ($($name:ident: $ty:ident = $path:literal),* $(,)?) => {
            $(
                #[doc = concat!("The `<.", stringify!($name), ">` example.")]
                #[derive(Debug, Default)]
                pub struct $ty;
                zero_live_core::template!($ty, $path);
            )*

            /// Every example: the component's name and its disconnected render.
            pub fn all() -> Vec<(&'static str, String)> {
                use zero_live_core::Template as _;
                vec![$((stringify!($name), { let mut html = String::new(); $ty.render_html(&mut html); html })),*]
            }
        };
    }

    examples! {
        button: ButtonExample = "examples/button",
        dropdown: DropdownExample = "examples/dropdown",
        flash: FlashExample = "examples/flash",
        header: HeaderExample = "examples/header",
        icon: IconExample = "examples/icon",
        input: InputExample = "examples/input",
        link: LinkExample = "examples/link",
        list: ListExample = "examples/list",
        modal: ModalExample = "examples/modal",
        pagination: PaginationExample = "examples/pagination",
        table: TableExample = "examples/table",
        tabs: TabsExample = "examples/tabs",
    }
}
