//! `cairn instantiate`: evaluate, write the `.drv` files of the derivations found in the value,
//! and print their paths, as `nix-instantiate` does.

use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use cairn_eval::{Attrs, EvalError, Evaluator, Value};

use crate::eval::{InputArgs, SHORT_TRACE, evaluator, selected_values};
use crate::{ColorChoice, GlobalArgs, Outcome};

#[derive(Debug, clap::Args)]
pub(crate) struct InstantiateArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Make PATH a link to the (first) `.drv` written, registered as a garbage collector root,
    /// and print PATH instead of the `.drv` path. With several derivations, the others get
    /// PATH-2, PATH-3 and so on.
    #[arg(long, value_name = "PATH")]
    add_root: Option<PathBuf>,
}

pub(crate) fn run(
    args: InstantiateArgs,
    global: &GlobalArgs,
    color: ColorChoice,
) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let Some(lines) = instantiate(&store, &args.input, color)? else {
        return Ok(Outcome::Rejected);
    };
    let mut out = String::new();
    for (i, (drv_path, output)) in lines.iter().enumerate() {
        if let Some(root) = &args.add_root {
            // As nix-instantiate: the roots are printed instead of the paths.
            let link = if i == 0 {
                root.clone()
            } else {
                PathBuf::from(format!("{}-{}", root.display(), i + 1))
            };
            let link = std::path::absolute(&link)?;
            let sp = store.store_dir().parse(drv_path)?;
            store.add_indirect_root(&link, &sp)?;
            out.push_str(&link.to_string_lossy());
        } else {
            out.push_str(drv_path);
        }
        if output != "out" {
            out.push('!');
            out.push_str(output);
        }
        out.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out.as_bytes())?;
    stdout.flush()?;
    Ok(Outcome::Success)
}

/// Evaluates `input` writing to `store`, and gives the derivations found in the value as
/// nix-instantiate finds them: (`.drv` path, output name). `None` when the evaluation failed;
/// the error is printed.
pub(crate) fn instantiate(
    store: &std::sync::Arc<cairn_store::LocalStore>,
    input: &InputArgs,
    color: ColorChoice,
) -> anyhow::Result<Option<Vec<(String, String)>>> {
    // Everything the evaluation writes is registered at once when it ends.
    store.begin_batch()?;
    let io = cairn_glue::StoreIo::writing(store.clone());
    io.set_fetcher(crate::eval::fetcher());
    let (mut ev, cwd) = evaluator(input, io.clone())?;
    let found = selected_values(&mut ev, input, &cwd, Some((store, &io))).and_then(
        |(values, auto_args, pending)| {
            let mut found = Found {
                auto_args,
                ..Found::default()
            };
            for v in values {
                found.derivations(&mut ev, &v)?;
            }
            if let Some(pending) = pending {
                crate::flake::finish(pending).map_err(|e| EvalError::other(e.to_string()))?;
            }
            Ok(found.lines)
        },
    );
    // What was written stays, even when the evaluation failed later, as with Nix.
    store.commit_batch()?;
    let lines = match found {
        Ok(lines) => lines,
        Err(e) => {
            crate::diagnostics::print_eval_error(&ev, &e, input.show_trace, SHORT_TRACE, color);
            std::mem::forget(ev);
            return Ok(None);
        }
    };
    std::mem::forget(ev);
    Ok(Some(lines))
}

/// The derivations found so far: `.drv` path and selected output, each set once.
#[derive(Default)]
pub(crate) struct Found {
    pub(crate) lines: Vec<(String, String)>,
    seen: Vec<Rc<Attrs>>,
    /// The `--arg`s, for the functions met (called even without arguments, with their
    /// defaults, as nix-instantiate does).
    auto_args: Attrs,
}

type EvalResult<T> = Result<T, Box<EvalError>>;

impl Found {
    /// Nix's `getDerivations`: a function is called with the `--arg`s; a derivation is taken;
    /// the attributes of a set are taken when they are derivations and searched when they say
    /// `recurseForDerivations = true`; the elements of a list are taken or searched; anything
    /// else is an error.
    fn derivations(&mut self, ev: &mut Evaluator, v: &Value) -> EvalResult<()> {
        let v = ev.auto_call(v.clone(), &self.auto_args)?;
        if self.take(ev, &v)? {
            return Ok(());
        }
        match &v {
            Value::Attrs(attrs) => {
                for attr in attrs.sorted_by_name() {
                    let child = ev.force(&attr.value)?;
                    if self.take(ev, &child)? {
                        continue;
                    }
                    if let Value::Attrs(inner) = &child
                        && let Some(flag) = inner.get_str("recurseForDerivations")
                    {
                        let flag = ev.force(&flag.clone())?;
                        if matches!(flag, Value::Bool(true)) {
                            self.derivations(ev, &child)?;
                        }
                    }
                }
                Ok(())
            }
            Value::List(items) => {
                for item in items.iter() {
                    let item = ev.force(item)?;
                    if !self.take(ev, &item)? {
                        self.derivations(ev, &item)?;
                    }
                }
                Ok(())
            }
            _ => Err(EvalError::other(
                "expression does not evaluate to a derivation (or a set or list of those)",
            )),
        }
    }

    /// Takes `v` when it is a derivation (`type = "derivation"`), forcing its `drvPath`.
    pub(crate) fn take(&mut self, ev: &mut Evaluator, v: &Value) -> EvalResult<bool> {
        let Value::Attrs(attrs) = v else {
            return Ok(false);
        };
        let Some(ty) = attrs.get_str("type") else {
            return Ok(false);
        };
        match ev.force(&ty.clone())? {
            Value::String(s) if s.as_str() == "derivation" => {}
            _ => return Ok(false),
        }
        if self.seen.iter().any(|s| Rc::ptr_eq(s, attrs)) {
            return Ok(true);
        }
        self.seen.push(attrs.clone());
        let drv_path = match attrs.get_str("drvPath") {
            Some(p) => match ev.force(&p.clone())? {
                Value::String(s) => s.as_str().to_string(),
                _ => return Err(EvalError::other("the 'drvPath' attribute is not a string")),
            },
            None => {
                return Err(EvalError::other(
                    "derivation does not have a 'drvPath' attribute",
                ));
            }
        };
        let output = match attrs.get_str("outputName") {
            Some(o) => match ev.force(&o.clone())? {
                Value::String(s) => s.as_str().to_string(),
                _ => String::new(),
            },
            None => String::new(),
        };
        if output.is_empty() {
            return Err(EvalError::other(format!(
                "derivation '{drv_path}' lacks an 'outputName' attribute"
            )));
        }
        self.lines.push((drv_path, output));
        Ok(true)
    }
}
