//! The table of built-in functions: each one's name, arity, Rust function and documentation.
//!
//! The doc comment of an entry is its documentation, as the REPL's `:doc` shows it: the first
//! line is how it is called, in backticks, and the rest says what it does. The functions
//! themselves live in the files of their subject.

use super::*;

macro_rules! primops {
    ($($(#[doc = $doc:literal])* $name:literal / $arity:literal => $f:path,)*) => {
        /// Every built-in function, by name.
        pub static PRIMOPS: &[PrimOpDef] = &[
            $(PrimOpDef {
                name: $name,
                arity: $arity,
                f: $f,
                doc: concat!($($doc, "\n"),*),
            },)*
        ];
    };
}

primops! {
    /// `abort message`
    /// Stops the evaluation with `message`; unlike `throw`, `tryEval` does not catch it.
    "abort" / 1 => abort,
    /// `add a b`
    /// The sum of two numbers, `a + b`.
    "add" / 2 => add,
    /// `addErrorContext message value`
    /// `value`, with `message` added to the trace of any error its evaluation raises.
    "addErrorContext" / 2 => add_error_context,
    /// `all pred list`
    /// Whether `pred` is true for every element of `list`.
    "all" / 2 => all,
    /// `any pred list`
    /// Whether `pred` is true for at least one element of `list`.
    "any" / 2 => any,
    /// `appendContext string context`
    /// `string` with the entries of `context` (as `getContext` gives them) added to its context.
    "appendContext" / 2 => strings::append_context,
    /// `attrNames set`
    /// The names of the attributes of `set`, sorted alphabetically.
    "attrNames" / 1 => attr_names,
    /// `attrValues set`
    /// The values of the attributes of `set`, in the order of their names.
    "attrValues" / 1 => attr_values,
    /// `baseNameOf s`
    /// The last component of the path or string `s`: `baseNameOf "/a/b.c"` is `"b.c"`.
    "baseNameOf" / 1 => strings::base_name_of,
    /// `bitAnd a b`
    /// The bitwise AND of two integers.
    "bitAnd" / 2 => bit_and,
    /// `bitOr a b`
    /// The bitwise OR of two integers.
    "bitOr" / 2 => bit_or,
    /// `bitXor a b`
    /// The bitwise exclusive OR of two integers.
    "bitXor" / 2 => bit_xor,
    /// `catAttrs name list`
    /// The values of the attribute `name` of the sets in `list` that have it.
    "catAttrs" / 2 => cat_attrs,
    /// `ceil x`
    /// The smallest integer not less than the number `x`.
    "ceil" / 1 => ceil,
    /// `compareVersions a b`
    /// `-1`, `0` or `1` as the version string `a` is older than, equal to or newer than `b`.
    "compareVersions" / 2 => strings::compare_versions,
    /// `concatLists lists`
    /// The lists of the list `lists`, concatenated.
    "concatLists" / 1 => concat_lists,
    /// `concatMap f list`
    /// `concatLists (map f list)`.
    "concatMap" / 2 => concat_map,
    /// `concatStringsSep separator list`
    /// The strings of `list` joined with `separator` between them.
    "concatStringsSep" / 2 => strings::concat_strings_sep,
    /// `deepSeq a b`
    /// `b`, after evaluating `a` completely (every attribute and element, recursively).
    "deepSeq" / 2 => deep_seq,
    /// `derivationStrict attrs`
    /// The primitive under `derivation`: instantiates `attrs` and gives `drvPath` and the
    /// output paths.
    "derivationStrict" / 1 => derivation::derivation_strict,
    /// `dirOf s`
    /// The directory part of the path or string `s`: `dirOf "/a/b.c"` is `"/a"`.
    "dirOf" / 1 => strings::dir_of,
    /// `div a b`
    /// The quotient of two numbers, `a / b`; integers divide towards zero.
    "div" / 2 => div,
    /// `elem x list`
    /// Whether `x` is equal to an element of `list`.
    "elem" / 2 => elem,
    /// `elemAt list n`
    /// The element of `list` at index `n`, counting from 0.
    "elemAt" / 2 => elem_at,
    /// `fetchGit args`
    /// Not supported: cairn does not download while it evaluates. Use a fixed-output
    /// derivation instead.
    "fetchGit" / 1 => fetch_git,
    /// `fetchMercurial args`
    /// Not supported: cairn does not download while it evaluates. Use a fixed-output
    /// derivation instead.
    "fetchMercurial" / 1 => fetch_mercurial,
    /// `fetchTarball args`
    /// Not supported: cairn does not download while it evaluates. Use a fixed-output
    /// derivation instead.
    "fetchTarball" / 1 => fetch_tarball,
    /// `fetchTree args`
    /// Not supported: cairn does not download while it evaluates. Use a fixed-output
    /// derivation instead.
    "fetchTree" / 1 => fetch_tree,
    /// `fetchurl url` or `fetchurl { url; sha256 ? null; name ? baseNameOf url; }`
    /// Downloads `url` into the store, checked against `sha256` when it is given, and gives
    /// its store path.
    "fetchurl" / 1 => fetch_url,
    /// `filter pred list`
    /// The elements of `list` for which `pred` is true, in their order.
    "filter" / 2 => filter,
    /// `filterSource pred path`
    /// Copies `path` to the store without the entries for which `pred path type` is false,
    /// and gives the store path.
    "filterSource" / 2 => add_path::filter_source,
    /// `findFile searchPath name`
    /// Looks `name` up in a search path as `<name>` does (`searchPath` as `nixPath` is).
    "findFile" / 2 => fs::find_file,
    /// `floor x`
    /// The largest integer not greater than the number `x`.
    "floor" / 1 => floor,
    /// `foldl' op nul list`
    /// Folds `list` from the left: `op (op (op nul x0) x1) x2`, forcing each step.
    "foldl'" / 3 => foldl,
    /// `fromJSON s`
    /// The value of the JSON text `s`.
    "fromJSON" / 1 => json::from_json,
    /// `fromTOML s`
    /// The value of the TOML text `s`, a set.
    "fromTOML" / 1 => toml::from_toml,
    /// `functionArgs f`
    /// The formal arguments of the function `f` as a set: each name maps to whether it has a
    /// default. `{}` for a function of one plain argument.
    "functionArgs" / 1 => function_args,
    /// `genList f n`
    /// The list `[ (f 0) (f 1) ... (f (n - 1)) ]`.
    "genList" / 2 => gen_list,
    /// `genericClosure { startSet; operator; }`
    /// The closure of `startSet` under `operator`: sets with a `key`, each key taken once.
    "genericClosure" / 1 => generic_closure,
    /// `getAttr name set`
    /// The attribute `name` of `set`, as `set.${name}`.
    "getAttr" / 2 => get_attr,
    /// `getContext s`
    /// The string context of `s`, as a set of store paths with what of each it refers to.
    "getContext" / 1 => strings::get_context,
    /// `getEnv name`
    /// The value of the environment variable `name`, or `""` when it is unset (always `""`
    /// in pure evaluation).
    "getEnv" / 1 => fs::get_env,
    /// `groupBy f list`
    /// The elements of `list` grouped in a set by the name `f` gives each.
    "groupBy" / 2 => group_by,
    /// `hasAttr name set`
    /// Whether `set` has an attribute `name`, as `set ? ${name}`.
    "hasAttr" / 2 => has_attr,
    /// `hasContext s`
    /// Whether the string `s` has a context (refers to store paths).
    "hasContext" / 1 => strings::has_context,
    /// `hashFile type path`
    /// The hash of the file at `path` in base 16; `type` is `"md5"`, `"sha1"`, `"sha256"` or
    /// `"sha512"`.
    "hashFile" / 2 => fs::hash_file,
    /// `hashString type s`
    /// The hash of the string `s` in base 16; `type` is `"md5"`, `"sha1"`, `"sha256"` or
    /// `"sha512"`.
    "hashString" / 2 => strings::hash_string,
    /// `head list`
    /// The first element of `list`; an error for an empty list.
    "head" / 1 => head,
    /// `import path`
    /// The value of the Nix file at `path` (a directory means its `default.nix`); a file is
    /// evaluated once, however often it is imported.
    "import" / 1 => fs::import,
    /// `intersectAttrs e1 e2`
    /// The attributes of `e2` whose names are also in `e1`.
    "intersectAttrs" / 2 => intersect_attrs,
    /// `isAttrs e`
    /// Whether `e` is a set.
    "isAttrs" / 1 => is_attrs,
    /// `isBool e`
    /// Whether `e` is a Boolean.
    "isBool" / 1 => is_bool,
    /// `isFloat e`
    /// Whether `e` is a float.
    "isFloat" / 1 => is_float,
    /// `isFunction e`
    /// Whether `e` is a function.
    "isFunction" / 1 => is_function,
    /// `isInt e`
    /// Whether `e` is an integer.
    "isInt" / 1 => is_int,
    /// `isList e`
    /// Whether `e` is a list.
    "isList" / 1 => is_list,
    /// `isNull e`
    /// Whether `e` is `null`.
    "isNull" / 1 => is_null,
    /// `isPath e`
    /// Whether `e` is a path.
    "isPath" / 1 => is_path,
    /// `isString e`
    /// Whether `e` is a string.
    "isString" / 1 => is_string,
    /// `length list`
    /// The number of elements of `list`.
    "length" / 1 => length,
    /// `lessThan a b`
    /// Whether `a < b`, for numbers, strings, paths and lists.
    "lessThan" / 2 => less_than,
    /// `listToAttrs list`
    /// The set of the `{ name; value; }` sets of `list`; the first of a name wins.
    "listToAttrs" / 1 => list_to_attrs,
    /// `map f list`
    /// The list of `f` applied to each element of `list`; each is computed when used.
    "map" / 2 => map,
    /// `mapAttrs f set`
    /// `set` with each attribute's value replaced by `f name value`.
    "mapAttrs" / 2 => map_attrs,
    /// `match regex s`
    /// `null` when the POSIX extended regular expression `regex` does not match all of `s`,
    /// else the list of what its groups matched.
    "match" / 2 => strings::regex_match,
    /// `mul a b`
    /// The product of two numbers, `a * b`.
    "mul" / 2 => mul,
    /// `parseDrvName s`
    /// `{ name; version; }` of a package name such as `"hello-2.12"`: the version starts at
    /// the first `-` followed by a digit.
    "parseDrvName" / 1 => strings::parse_drv_name,
    /// `partition pred list`
    /// `{ right; wrong; }`: the elements of `list` for which `pred` is true, and the others.
    "partition" / 2 => partition,
    /// `path { path; name ? ...; filter ? ...; recursive ? true; sha256 ? ...; }`
    /// Copies `path` to the store as `filterSource` does, with a name and an expected hash of
    /// one's choice, and gives the store path.
    "path" / 1 => add_path::path,
    /// `pathExists path`
    /// Whether `path` exists.
    "pathExists" / 1 => fs::path_exists,
    /// `placeholder output`
    /// The placeholder that a derivation's builder sees replaced by the path of its output
    /// `output`.
    "placeholder" / 1 => strings::placeholder,
    /// `readDir path`
    /// The entries of the directory `path`: a set from names to `"regular"`, `"directory"`,
    /// `"symlink"` or `"unknown"`.
    "readDir" / 1 => fs::read_dir,
    /// `readFile path`
    /// The contents of the file at `path`, as a string.
    "readFile" / 1 => fs::read_file,
    /// `removeAttrs set names`
    /// `set` without the attributes named in the list `names`.
    "removeAttrs" / 2 => remove_attrs,
    /// `replaceStrings from to s`
    /// `s` with each occurrence of a string of the list `from` replaced by the string at the
    /// same place of the list `to`.
    "replaceStrings" / 3 => strings::replace_strings,
    /// `scopedImport scope path`
    /// As `import path`, with the attributes of `scope` bound around the file (they shadow
    /// the globals); not cached.
    "scopedImport" / 2 => fs::scoped_import,
    /// `seq a b`
    /// `b`, after evaluating `a` to weak head normal form.
    "seq" / 2 => seq,
    /// `sort lessThan list`
    /// `list` sorted by the comparison `lessThan a b`; equal elements keep their order.
    "sort" / 2 => sort,
    /// `split regex s`
    /// `s` cut at the matches of the POSIX extended regular expression `regex`: the pieces
    /// between matches, and the lists of what the groups matched between them.
    "split" / 2 => strings::regex_split,
    /// `splitVersion s`
    /// The components of the version string `s`, as `compareVersions` sees them.
    "splitVersion" / 1 => strings::split_version,
    /// `storePath path`
    /// The store path `path`, with the string context that makes a derivation depend on it.
    "storePath" / 1 => add_path::store_path,
    /// `stringLength s`
    /// The length of the string `s` in bytes.
    "stringLength" / 1 => strings::string_length,
    /// `sub a b`
    /// The difference of two numbers, `a - b`.
    "sub" / 2 => sub,
    /// `substring start len s`
    /// The part of `s` from byte `start`, at most `len` bytes long (a negative `len` means up
    /// to the end).
    "substring" / 3 => strings::substring,
    /// `tail list`
    /// `list` without its first element; an error for an empty list.
    "tail" / 1 => tail,
    /// `throw message`
    /// Stops the evaluation with `message`; `tryEval` catches it.
    "throw" / 1 => throw,
    /// `toFile name s`
    /// Writes the string `s` to the store as a file named `name`, and gives its store path.
    "toFile" / 2 => add_path::to_file,
    /// `toJSON e`
    /// `e` as JSON text; a derivation or a set with `outPath` becomes that path.
    "toJSON" / 1 => json::to_json,
    /// `toPath s`
    /// The absolute path `s` as a string (deprecated: use `/. + s`).
    "toPath" / 1 => fs::to_path,
    /// `toString e`
    /// `e` as a string: numbers, Booleans, `null`, paths, lists (joined by spaces) and sets
    /// with `__toString` or `outPath`.
    "toString" / 1 => strings::to_string,
    /// `toXML e`
    /// `e` as XML text, in the format of `nix-instantiate --xml`.
    "toXML" / 1 => xml::to_xml,
    /// `trace e1 e2`
    /// `e2`, after printing `e1` on standard error.
    "trace" / 2 => trace,
    /// `tryEval e`
    /// `{ success = true; value = e; }` when `e` evaluates, `{ success = false; value = false; }`
    /// when it throws or fails an assertion.
    "tryEval" / 1 => try_eval,
    /// `typeOf e`
    /// The type of `e`: `"int"`, `"bool"`, `"string"`, `"path"`, `"null"`, `"set"`, `"list"`,
    /// `"lambda"` or `"float"`.
    "typeOf" / 1 => type_of,
    /// `unsafeDiscardOutputDependency s`
    /// `s`, with each whole-derivation entry of its context turned into a plain dependency on
    /// the `.drv` file.
    "unsafeDiscardOutputDependency" / 1 => strings::unsafe_discard_output_dependency,
    /// `unsafeDiscardStringContext s`
    /// `s` without its string context.
    "unsafeDiscardStringContext" / 1 => strings::unsafe_discard_string_context,
    /// `unsafeGetAttrPos name set`
    /// `{ file; line; column; }` where the attribute `name` of `set` is defined, or `null`.
    "unsafeGetAttrPos" / 2 => unsafe_get_attr_pos,
    /// `zipAttrsWith f sets`
    /// A set with every name of the sets in the list `sets`, whose value is `f name values`,
    /// `values` being the values of that name in the sets that have it.
    "zipAttrsWith" / 2 => zip_attrs_with,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_says_how_it_is_called_and_what_it_does() {
        for op in PRIMOPS.iter().chain(EXTENSIONS) {
            let (usage, text) = op
                .doc()
                .unwrap_or_else(|| panic!("{} has no documentation", op.name));
            assert!(usage.starts_with(op.name), "{}: {usage}", op.name);
            assert!(!text.is_empty(), "{} says only how it is called", op.name);
        }
    }

    #[test]
    fn documentation_is_found_by_any_of_a_builtins_names() {
        let map = doc("map").expect("map is documented");
        assert_eq!(map.0, "map f list");
        assert_eq!(doc("__map"), Some(map.clone()));
        assert_eq!(doc("builtins.map"), Some(map));
        assert!(doc("derivation").is_some());
        assert_eq!(doc("noSuchBuiltin"), None);
    }
}
