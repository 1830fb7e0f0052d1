//! Store derivations: the `Derivation` a `.drv` file holds, its ATerm text
//! (`Derive([outputs],[input drvs],[input sources],system,builder,[args],[env])`), written
//! byte for byte as Nix writes it, and read back.
//!
//! The text is what the `.drv` path hashes, and (with the input derivations replaced by their
//! hashes) what `hashDerivationModulo` hashes, so the writer takes the masking and the
//! replaced inputs as arguments. Computing those hashes is `crate::modulo`'s business.

use std::collections::{BTreeMap, BTreeSet};

use crate::hash::{Hash, HashAlgo};
use crate::store_path::{DRV_EXTENSION, IngestionMethod, StoreDir, StorePath, StorePathError};

/// How an output's path is decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// From the hash of the derivation (`hashDerivationModulo`): the usual case.
    InputAddressed(StorePath),
    /// From the declared hash of the contents (`outputHash`); `path` follows from the method,
    /// the hash and the derivation's name.
    Fixed {
        method: IngestionMethod,
        hash: Hash,
        path: StorePath,
    },
    /// Content-addressed, known after the build (`__contentAddressed`).
    Floating {
        method: IngestionMethod,
        algo: HashAlgo,
    },
    /// Not known yet: while the hash of the derivation is being computed, or when an input is
    /// floating.
    Deferred,
    /// `__impure`.
    Impure {
        method: IngestionMethod,
        algo: HashAlgo,
    },
}

impl Output {
    /// The output's path, when it is known.
    pub fn path(&self) -> Option<&StorePath> {
        match self {
            Output::InputAddressed(p) | Output::Fixed { path: p, .. } => Some(p),
            _ => None,
        }
    }
}

/// A store derivation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Derivation {
    /// The name, without `.drv` (not part of the text, but of the paths).
    pub name: String,
    pub outputs: BTreeMap<String, Output>,
    /// Derivations whose outputs are inputs, with the outputs used.
    pub input_drvs: BTreeMap<StorePath, BTreeSet<String>>,
    pub input_srcs: BTreeSet<StorePath>,
    pub system: String,
    pub builder: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
}

/// A `.drv` text that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("expected `{expected}` at byte {at} of the derivation")]
    Expected { expected: String, at: usize },
    #[error("invalid store path in the derivation: {0}")]
    StorePath(#[from] StorePathError),
    #[error("invalid hash in the derivation: {0}")]
    Hash(#[from] crate::hash::HashError),
    #[error("unknown hash algorithm '{0}' in the derivation")]
    Algo(String),
    #[error("the derivation is not valid UTF-8 text")]
    Utf8,
}

impl Derivation {
    /// Whether every output is fixed (a fixed-output derivation, which may fetch).
    pub fn is_fixed_output(&self) -> bool {
        !self.outputs.is_empty()
            && self
                .outputs
                .values()
                .all(|o| matches!(o, Output::Fixed { .. }))
    }

    /// Every store path the `.drv` file refers to: its sources and input derivations.
    pub fn references(&self) -> BTreeSet<StorePath> {
        let mut refs = self.input_srcs.clone();
        refs.extend(self.input_drvs.keys().cloned());
        refs
    }

    /// The ATerm text of the `.drv` file.
    pub fn to_aterm(&self, store: &StoreDir) -> String {
        self.write_aterm(store, false, None)
    }

    /// The ATerm text, as `Derivation::unparse` writes it: with `mask_outputs`, output paths
    /// and the environment variables of outputs are empty; with `actual_inputs`, the input
    /// derivations are replaced by those names (the hashes `hashDerivationModulo` uses).
    pub fn write_aterm(
        &self,
        store: &StoreDir,
        mask_outputs: bool,
        actual_inputs: Option<&BTreeMap<String, BTreeSet<String>>>,
    ) -> String {
        let mut s = String::with_capacity(1024);
        s.push_str("Derive([");
        for (i, (name, out)) in self.outputs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            quoted(&mut s, name);
            let path = |p: &StorePath| {
                if mask_outputs {
                    String::new()
                } else {
                    store.print(p)
                }
            };
            let (p, algo, hash) = match out {
                Output::InputAddressed(p) => (path(p), String::new(), String::new()),
                Output::Fixed {
                    method,
                    hash,
                    path: p,
                } => (
                    path(p),
                    format!("{}{}", method.prefix(), hash.algo()),
                    hash.to_base16(),
                ),
                Output::Floating { method, algo } => (
                    String::new(),
                    format!("{}{algo}", method.prefix()),
                    String::new(),
                ),
                Output::Deferred => (String::new(), String::new(), String::new()),
                Output::Impure { method, algo } => (
                    String::new(),
                    format!("{}{algo}", method.prefix()),
                    "impure".into(),
                ),
            };
            for field in [&p, &algo, &hash] {
                s.push(',');
                quoted(&mut s, field);
            }
            s.push(')');
        }
        s.push_str("],[");
        let mut first = true;
        let mut input = |s: &mut String, name: &str, outputs: &BTreeSet<String>| {
            if !std::mem::take(&mut first) {
                s.push(',');
            }
            s.push('(');
            quoted(s, name);
            s.push_str(",[");
            for (i, o) in outputs.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                quoted(s, o);
            }
            s.push_str("])");
        };
        match actual_inputs {
            Some(inputs) => {
                for (name, outputs) in inputs {
                    input(&mut s, name, outputs);
                }
            }
            None => {
                for (path, outputs) in &self.input_drvs {
                    input(&mut s, &store.print(path), outputs);
                }
            }
        }
        s.push_str("],[");
        for (i, p) in self.input_srcs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            quoted(&mut s, &store.print(p));
        }
        s.push_str("],");
        quoted(&mut s, &self.system);
        s.push(',');
        escaped(&mut s, &self.builder);
        s.push_str(",[");
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            escaped(&mut s, a);
        }
        s.push_str("],[");
        for (i, (k, v)) in self.env.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            escaped(&mut s, k);
            s.push(',');
            let masked = mask_outputs && self.outputs.contains_key(k);
            escaped(&mut s, if masked { "" } else { v });
            s.push(')');
        }
        s.push_str("])");
        s
    }

    /// Reads the ATerm text of the `.drv` named `drv_name` (the store path's name, ending in
    /// `.drv`).
    pub fn from_aterm(
        store: &StoreDir,
        drv_name: &str,
        text: &str,
    ) -> Result<Derivation, ParseError> {
        let mut p = Parser {
            s: text.as_bytes(),
            at: 0,
        };
        let name = drv_name.strip_suffix(DRV_EXTENSION).unwrap_or(drv_name);
        let mut drv = Derivation {
            name: name.to_string(),
            ..Derivation::default()
        };
        p.expect("Derive([")?;
        while !p.end_of_list()? {
            p.expect("(")?;
            let id = p.string()?;
            p.expect(",")?;
            let path = p.string()?;
            p.expect(",")?;
            let algo = p.string()?;
            p.expect(",")?;
            let hash = p.string()?;
            p.expect(")")?;
            let out = parse_output(store, name, &id, &path, &algo, &hash)?;
            drv.outputs.insert(id, out);
        }
        p.expect(",[")?;
        while !p.end_of_list()? {
            p.expect("(")?;
            let path = store.parse(&p.string()?)?;
            p.expect(",[")?;
            let mut outs = BTreeSet::new();
            while !p.end_of_list()? {
                outs.insert(p.string()?);
            }
            p.expect(")")?;
            drv.input_drvs.insert(path, outs);
        }
        p.expect(",[")?;
        while !p.end_of_list()? {
            drv.input_srcs.insert(store.parse(&p.string()?)?);
        }
        p.expect(",")?;
        drv.system = p.string()?;
        p.expect(",")?;
        drv.builder = p.string()?;
        p.expect(",[")?;
        while !p.end_of_list()? {
            drv.args.push(p.string()?);
        }
        p.expect(",[")?;
        while !p.end_of_list()? {
            p.expect("(")?;
            let k = p.string()?;
            p.expect(",")?;
            let v = p.string()?;
            p.expect(")")?;
            drv.env.insert(k, v);
        }
        p.expect(")")?;
        Ok(drv)
    }
}

fn parse_output(
    store: &StoreDir,
    drv_name: &str,
    id: &str,
    path: &str,
    algo: &str,
    hash: &str,
) -> Result<Output, ParseError> {
    if algo.is_empty() {
        return Ok(if path.is_empty() {
            Output::Deferred
        } else {
            Output::InputAddressed(store.parse(path)?)
        });
    }
    let (method, algo_name) = match algo.strip_prefix("r:") {
        Some(rest) => (IngestionMethod::Recursive, rest),
        None => (IngestionMethod::Flat, algo),
    };
    let algo = HashAlgo::parse(algo_name).ok_or_else(|| ParseError::Algo(algo_name.into()))?;
    Ok(match hash {
        "impure" => Output::Impure { method, algo },
        "" => Output::Floating { method, algo },
        _ => {
            let hash = Hash::parse_unprefixed(hash, algo)?;
            let expected = store.make_fixed_output_path(
                method,
                &hash,
                &crate::store_path::output_path_name(drv_name, id),
                &BTreeSet::new(),
                false,
            )?;
            let path = if path.is_empty() {
                expected
            } else {
                store.parse(path)?
            };
            Output::Fixed { method, hash, path }
        }
    })
}

/// A string as Nix writes it unescaped (store paths, names, hashes).
fn quoted(s: &mut String, text: &str) {
    s.push('"');
    s.push_str(text);
    s.push('"');
}

/// A string with `"`, `\`, newline, carriage return and tab escaped.
fn escaped(s: &mut String, text: &str) {
    s.push('"');
    // Indexing rather than iterator adapters: this loop runs over every byte of every
    // environment variable, and stays fast in unoptimised builds.
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let esc = match bytes[i] {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            _ => {
                i += 1;
                continue;
            }
        };
        s.push_str(&text[start..i]);
        s.push_str(esc);
        i += 1;
        start = i;
    }
    s.push_str(&text[start..]);
    s.push('"');
}

struct Parser<'a> {
    s: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn expect(&mut self, lit: &str) -> Result<(), ParseError> {
        if self.s[self.at..].starts_with(lit.as_bytes()) {
            self.at += lit.len();
            Ok(())
        } else {
            Err(self.error(lit))
        }
    }

    fn error(&self, expected: &str) -> ParseError {
        ParseError::Expected {
            expected: expected.to_string(),
            at: self.at,
        }
    }

    /// At `]`: consumes it and says the list ended; otherwise consumes a `,` between items.
    fn end_of_list(&mut self) -> Result<bool, ParseError> {
        match self.s.get(self.at) {
            Some(b']') => {
                self.at += 1;
                Ok(true)
            }
            Some(b',') if self.s.get(self.at - 1) != Some(&b'[') => {
                self.at += 1;
                Ok(false)
            }
            Some(_) if self.s.get(self.at - 1) == Some(&b'[') => Ok(false),
            _ => Err(self.error("]")),
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.expect("\"")?;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.at) {
                None => return Err(self.error("\"")),
                Some(b'"') => {
                    self.at += 1;
                    break;
                }
                Some(b'\\') => {
                    let c = *self.s.get(self.at + 1).ok_or_else(|| self.error("\""))?;
                    out.push(match c {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        c => c,
                    });
                    self.at += 2;
                }
                Some(&c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
        String::from_utf8(out).map_err(|_| ParseError::Utf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // What Nix 2.8 writes for `derivation { name = "a"; builder = "/bin/sh"; system =
    // "x86_64-linux"; args = [ "-c" "echo \"hi\"\n\ttab" ]; outputs = [ "out" "dev" ]; }`.
    const SIMPLE: &str = concat!(
        r#"Derive([("dev","/nix/store/sag25i791iy2z6ksgs8l5617ig237qhr-a-dev","",""),"#,
        r#"("out","/nix/store/phrwssgc6m36gyhpzizysjspqzb6vy3w-a","","")],[],[],"#,
        r#""x86_64-linux","/bin/sh",["-c","echo \"hi\"\n\ttab"],"#,
        r#"[("builder","/bin/sh"),("dev","/nix/store/sag25i791iy2z6ksgs8l5617ig237qhr-a-dev"),"#,
        r#"("name","a"),("out","/nix/store/phrwssgc6m36gyhpzizysjspqzb6vy3w-a"),"#,
        r#"("outputs","out dev"),("system","x86_64-linux")])"#
    );

    #[test]
    fn aterm_round_trips() {
        let store = StoreDir::default();
        let drv = Derivation::from_aterm(&store, "a.drv", SIMPLE).unwrap();
        assert_eq!(drv.name, "a");
        assert_eq!(drv.args, ["-c", "echo \"hi\"\n\ttab"]);
        assert_eq!(drv.outputs.len(), 2);
        assert_eq!(drv.env["outputs"], "out dev");
        assert_eq!(drv.to_aterm(&store), SIMPLE);
    }

    #[test]
    fn masking_empties_output_paths_and_variables() {
        let store = StoreDir::default();
        let drv = Derivation::from_aterm(&store, "a.drv", SIMPLE).unwrap();
        let masked = drv.write_aterm(&store, true, None);
        assert!(masked.starts_with(r#"Derive([("dev","","",""),("out","","","")]"#));
        assert!(masked.contains(r#"("dev",""),("name","a"),("out",""),"#));
    }

    #[test]
    fn fixed_outputs_round_trip() {
        let store = StoreDir::default();
        let text = include_str!("../test_data/src.tar.gz.drv");
        let drv = Derivation::from_aterm(&store, "src.tar.gz.drv", text).unwrap();
        assert!(drv.is_fixed_output());
        assert_eq!(drv.to_aterm(&store), text);
    }

    #[test]
    fn bad_text_is_an_error() {
        let store = StoreDir::default();
        assert!(Derivation::from_aterm(&store, "a.drv", "Derive(").is_err());
        assert!(Derivation::from_aterm(&store, "a.drv", "nonsense").is_err());
    }
}
