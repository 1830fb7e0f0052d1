//! `toXML`.

use crate::Evaluator;
use crate::error::{EvalError, Result, Span};
use crate::value::*;

pub(super) fn to_xml(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let s = ev.to_xml_string(&args[0], true)?;
    Ok(Value::string(s))
}

impl Evaluator {
    /// A value as Nix's XML, with source positions when `location` is set.
    pub fn to_xml_string(&mut self, v: &Value, location: bool) -> Result<String> {
        let _ = (self.force(v)?, location);
        Err(EvalError::other("toXML is not implemented yet"))
    }
}
