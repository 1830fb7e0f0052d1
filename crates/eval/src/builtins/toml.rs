//! `fromTOML`.

use crate::Evaluator;
use crate::error::{EvalError, Result, Span};
use crate::value::*;

pub(super) fn from_toml(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let _ = ev.force_string(&args[0])?;
    Err(EvalError::other("fromTOML is not implemented yet"))
}
