//! Interned names. Every attribute name and variable name becomes a `Symbol`, a 32-bit index,
//! so attribute lookups compare integers. The table lives for the whole process (per thread):
//! names are few and long-lived, and leaking them keeps `Symbol::as_str` free of lifetimes.

use std::cell::RefCell;
use std::fmt;

use rustc_hash::FxHashMap;

/// An interned string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(u32);

#[derive(Default)]
struct Interner {
    ids: FxHashMap<&'static str, Symbol>,
    names: Vec<&'static str>,
}

thread_local! {
    static INTERNER: RefCell<Interner> = RefCell::new(Interner::default());
}

impl Symbol {
    /// The symbol for `name`, creating it on first use.
    pub fn intern(name: &str) -> Symbol {
        INTERNER.with(|i| {
            let mut i = i.borrow_mut();
            if let Some(&s) = i.ids.get(name) {
                return s;
            }
            let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
            let s = Symbol(i.names.len() as u32);
            i.names.push(leaked);
            i.ids.insert(leaked, s);
            s
        })
    }

    /// The symbol for `name` if it was ever interned. Lookups of names never seen need no entry.
    pub fn lookup(name: &str) -> Option<Symbol> {
        INTERNER.with(|i| i.borrow().ids.get(name).copied())
    }

    /// The interned text.
    pub fn as_str(self) -> &'static str {
        INTERNER.with(|i| i.borrow().names[self.0 as usize])
    }
}

impl fmt::Debug for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Symbol;

    #[test]
    fn interning_gives_one_symbol_per_name() {
        let a = Symbol::intern("alpha");
        assert_eq!(a, Symbol::intern("alpha"));
        assert_ne!(a, Symbol::intern("beta"));
        assert_eq!(a.as_str(), "alpha");
        assert_eq!(Symbol::lookup("alpha"), Some(a));
        assert_eq!(Symbol::lookup("never interned anywhere"), None);
    }
}
