//! A form fed arbitrary event params (what a hostile client can send in a change or submit):
//! no panic in reading, validating or naming its fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zero_live::form::{Action, Form};

fuzz_target!(|data: &[u8]| {
    let Ok(params) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    for action in [Action::Change, Action::Submit] {
        let form = Form::new("post", [("title", "t"), ("tags", "")])
            .with_params(&params, action)
            .validate_required(&["title"])
            .validate_length("title", Some(1), Some(80))
            .validate_number("count", Some(0.0), None);
        if let Some(object) = params.as_object() {
            for key in object.keys().take(8) {
                let _ = (form.value(key), form.input_name(key), form.input_id(key));
                let _ = (form.errors(key), form.is_touched(key), form.inputs_for(key));
            }
        }
        let _ = (form.changes(), form.is_valid());
    }
});
