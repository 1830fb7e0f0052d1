//! Names bound in the global scope before any file is read, as Nix 2.8 binds them.
//!
//! The static checks of `cairn parse` need them to tell an unbound variable from a builtin.
//! When the evaluator lands, it owns this list (its builtins table) and this file goes.

/// Builtins that are also bound without the `builtins.` prefix.
const UNPREFIXED: &[&str] = &[
    "abort", "baseNameOf", "builtins", "derivation", "derivationStrict", "dirOf", "false",
    "fetchGit", "fetchMercurial", "fetchTarball", "fetchTree", "fromTOML", "import", "isNull",
    "map", "null", "placeholder", "removeAttrs", "scopedImport", "throw", "toString", "true",
];

/// Every attribute of `builtins`; each is also bound as `__NAME`.
const BUILTINS: &[&str] = &[
    "abort", "add", "addErrorContext", "all", "any", "appendContext", "attrNames", "attrValues",
    "baseNameOf", "bitAnd", "bitOr", "bitXor", "builtins", "catAttrs", "ceil", "compareVersions",
    "concatLists", "concatMap", "concatStringsSep", "currentSystem", "currentTime", "deepSeq",
    "derivation", "derivationStrict", "dirOf", "div", "elem", "elemAt", "false", "fetchGit",
    "fetchMercurial", "fetchTarball", "fetchTree", "fetchurl", "filter", "filterSource",
    "findFile", "floor", "foldl'", "fromJSON", "fromTOML", "functionArgs", "genList",
    "genericClosure", "getAttr", "getContext", "getEnv", "groupBy", "hasAttr", "hasContext",
    "hashFile", "hashString", "head", "import", "intersectAttrs", "isAttrs", "isBool", "isFloat",
    "isFunction", "isInt", "isList", "isNull", "isPath", "isString", "langVersion", "length",
    "lessThan", "listToAttrs", "map", "mapAttrs", "match", "mul", "nixPath", "nixVersion", "null",
    "parseDrvName", "partition", "path", "pathExists", "placeholder", "readDir", "readFile",
    "removeAttrs", "replaceStrings", "scopedImport", "seq", "sort", "split", "splitVersion",
    "storeDir", "storePath", "stringLength", "sub", "substring", "tail", "throw", "toFile",
    "toJSON", "toPath", "toString", "toXML", "trace", "true", "tryEval", "typeOf",
    "unsafeDiscardOutputDependency", "unsafeDiscardStringContext", "unsafeGetAttrPos",
    "zipAttrsWith",
];

/// Whether `name` is bound in the global scope.
pub(crate) fn is_global(name: &str) -> bool {
    if name == "__curPos" || UNPREFIXED.contains(&name) {
        return true;
    }
    name.strip_prefix("__").is_some_and(|rest| BUILTINS.contains(&rest))
}
