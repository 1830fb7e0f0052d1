//! The parser adapter: runs the lalrpop grammar over the significant tokens and turns the plain
//! tree it builds, plus the full token list, into a rowan `GreenNode`.
//!
//! The grammar's actions never allocate per node: they append to `Builder`, an arena of nodes
//! whose children are token indices or other nodes. The adapter then walks that arena in order,
//! putting whitespace and comments back between the tokens the grammar saw. Any significant token
//! the plain tree does not hold (dropped by error recovery, or lost with the states it popped) is
//! wrapped in an `ERROR` node where it stands, so the tree's text is always exactly the input.
//!
//! This file does not decide what is valid Nix beyond the grammar: duplicate attributes and
//! unbound variables are `check.rs`'s concern.

use std::cell::RefCell;

use lalrpop_util::{ErrorRecovery, ParseError};
use rowan::{GreenNode, GreenToken, NodeOrToken, TextRange, TextSize};
use rustc_hash::FxHashMap;

use crate::SyntaxKind::{self, *};
use crate::error::{SyntaxError, SyntaxErrorCode};
use crate::lexer::{Token, tokenize};
pub(crate) use crate::precedence::OpItem;

lalrpop_util::lalrpop_mod!(
    #[allow(
        clippy::all,
        clippy::pedantic,
        unused_parens,
        unused_imports,
        unreachable_pub,
        dead_code
    )]
    grammar,
    "/nix.rs"
);

/// A token as the grammar sees it: its kind and its index in the full token list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tok {
    pub(crate) kind: SyntaxKind,
    pub(crate) index: u32,
}

/// A child in the plain tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Child {
    Token(u32),
    Node(u32),
}

impl From<Tok> for Child {
    fn from(tok: Tok) -> Child {
        Child::Token(tok.index)
    }
}

const NO_TOKEN: u32 = u32::MAX;

/// The deepest tree the parser hands out. Nix itself refuses input nested past about half this.
pub const MAX_DEPTH: u32 = 10_000;

#[derive(Debug)]
struct RawNode {
    kind: SyntaxKind,
    /// Index of the first token under this node, `NO_TOKEN` if it has none.
    first: u32,
    /// One past the index of the last token under this node, `NO_TOKEN` if it has none.
    end: u32,
    /// Nodes on the longest path down from this one, this one included.
    depth: u32,
    children_start: u32,
    children_end: u32,
}

/// The arena the grammar's actions build the plain tree in.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    nodes: Vec<RawNode>,
    children: Vec<Child>,
    recovered: Vec<ParseError<usize, Tok, ()>>,
    /// Errors found while building, such as a chained non-associative operator.
    operator_errors: Vec<(Tok, SyntaxErrorCode, String)>,
}

type Recovery = ErrorRecovery<usize, Tok, ()>;

impl Builder {
    fn first_token(&self, child: Child) -> u32 {
        match child {
            Child::Token(i) => i,
            Child::Node(n) => self.nodes[n as usize].first,
        }
    }

    fn end_token(&self, child: Child) -> u32 {
        match child {
            Child::Token(i) => i + 1,
            Child::Node(n) => self.nodes[n as usize].end,
        }
    }

    fn depth(&self, child: Child) -> u32 {
        match child {
            Child::Token(_) => 0,
            Child::Node(n) => self.nodes[n as usize].depth,
        }
    }

    pub(crate) fn node(&mut self, kind: SyntaxKind, children: &[Child]) -> Child {
        let first = children
            .iter()
            .map(|&c| self.first_token(c))
            .find(|&f| f != NO_TOKEN)
            .unwrap_or(NO_TOKEN);
        let end = children
            .iter()
            .rev()
            .map(|&c| self.end_token(c))
            .find(|&f| f != NO_TOKEN)
            .unwrap_or(NO_TOKEN);
        let depth = 1 + children.iter().map(|&c| self.depth(c)).max().unwrap_or(0);
        let start = self.children.len() as u32;
        self.children.extend_from_slice(children);
        let id = self.nodes.len() as u32;
        self.nodes.push(RawNode {
            kind,
            first,
            end,
            depth,
            children_start: start,
            children_end: start + children.len() as u32,
        });
        Child::Node(id)
    }

    pub(crate) fn operator_error(&mut self, at: Tok, code: SyntaxErrorCode, message: String) {
        self.operator_errors.push((at, code, message));
    }

    /// Records a recovered error and returns an `ERROR` node holding the tokens it skipped.
    pub(crate) fn recovered(&mut self, recovery: Recovery) -> Child {
        let dropped: Vec<Child> = recovery
            .dropped_tokens
            .iter()
            .map(|(_, t, _)| Child::from(*t))
            .collect();
        self.recovered.push(recovery.error);
        self.node(ERROR, &dropped)
    }

    fn children_of(&self, node: u32) -> &[Child] {
        let n = &self.nodes[node as usize];
        &self.children[n.children_start as usize..n.children_end as usize]
    }
}

/// The outcome of parsing: a lossless green tree and every syntax error found.
#[derive(Debug, Clone)]
pub(crate) struct ParseOutput {
    pub(crate) green: GreenNode,
    pub(crate) errors: Vec<SyntaxError>,
}

/// Parses `src` into a lossless tree. Never fails: problems are in `errors`, and `ERROR` nodes
/// mark where they are in the tree.
pub(crate) fn parse_text(src: &str) -> ParseOutput {
    assert!(
        src.len() < u32::MAX as usize,
        "sources are limited to 4 GiB"
    );
    let (tokens, lex_errors) = tokenize(src);
    let mut offsets = Vec::with_capacity(tokens.len() + 1);
    let mut pos = 0u32;
    for t in &tokens {
        offsets.push(pos);
        pos += t.len;
    }
    offsets.push(pos);

    let mut errors: Vec<SyntaxError> = lex_errors
        .into_iter()
        .map(|e| SyntaxError {
            code: e.code,
            range: range(e.start as u32, e.end as u32),
            message: e.message,
            related: None,
        })
        .collect();

    let mut builder = Builder::default();
    let root = match too_deep(&tokens) {
        None => parse_completing(&tokens, &mut builder),
        Some(index) => {
            // The parser's error recovery costs the depth of its stack for every token it skips:
            // refuse absurd nesting up front rather than risk quadratic time.
            let i = index as usize;
            errors.push(SyntaxError {
                range: range(offsets[i], offsets[i + 1]),
                code: SyntaxErrorCode::NestedTooDeep,
                message: format!("expression is nested more than {MAX_NESTING} levels deep"),
                related: None,
            });
            Err(ParseError::User { error: () })
        }
    };
    let mut root = match root {
        Ok(root) => Some(root),
        Err(e) => {
            builder.recovered.push(e);
            None
        }
    };
    if let Some(r) = root
        && builder.depth(r) > MAX_DEPTH
    {
        // Every later pass walks the tree; a tree this deep is refused, not walked. The error
        // points at where the expression starts.
        let first = builder.first_token(r) as usize;
        let at = match offsets.get(first..=first + 1) {
            Some(&[start, end]) => range(start, end),
            _ => range(0, 0),
        };
        errors.push(SyntaxError {
            range: at,
            code: SyntaxErrorCode::NestedTooDeep,
            message: format!("expression is nested more than {MAX_DEPTH} levels deep"),
            related: None,
        });
        root = None;
    }

    // Lex errors already explain their ERROR_TOKENs; don't report those twice.
    let ctx = ErrorContext {
        src,
        offsets: &offsets,
    };
    for e in std::mem::take(&mut builder.recovered) {
        if let ParseError::User { .. } = e {
            continue;
        }
        if let ParseError::UnrecognizedToken {
            token: (_, tok, _), ..
        } = &e
            && tok.kind == ERROR_TOKEN
        {
            continue;
        }
        errors.push(ctx.describe(&e));
    }
    for (tok, code, message) in std::mem::take(&mut builder.operator_errors) {
        errors.push(SyntaxError {
            code,
            range: ctx.token_range(tok.index),
            message,
            related: None,
        });
    }
    errors.sort_by_key(|e| (e.range.start(), e.range.end()));
    errors.dedup();

    let green = GreenBuilder {
        src,
        tokens: &tokens,
        offsets: &offsets,
        cache: RefCell::default(),
        fixed: RefCell::new(vec![None; ROOT as usize]),
        indents: RefCell::new(vec![None; 2 * CACHED_TOKEN_LEN]),
    }
    .build(&builder, root);
    ParseOutput { green, errors }
}

/// How many missing tokens the parser supplies at the end of the input before it gives up.
const MAX_COMPLETIONS: usize = 16;

/// Parses the significant tokens. When the input ends too early (an unclosed bracket, string or
/// `let`), the parse is run again with the missing tokens supplied as virtual tokens, which
/// have indices past the input and no text, so the tree keeps its structure around the hole.
/// The error returned is that of the real end of the input.
fn parse_completing(
    tokens: &[Token],
    builder: &mut Builder,
) -> Result<Child, ParseError<usize, Tok, ()>> {
    let mut virtual_kinds: Vec<SyntaxKind> = Vec::new();
    let mut first_eof_error = None;
    loop {
        *builder = Builder::default();
        let n = tokens.len();
        let real = tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.kind.is_trivia())
            .map(|(i, t)| (i, t.kind));
        let supplied = virtual_kinds
            .iter()
            .enumerate()
            .map(|(k, &kind)| (n + k, kind));
        let input = real.chain(supplied).map(|(i, kind)| {
            Ok::<_, ()>((
                i,
                Tok {
                    kind,
                    index: i as u32,
                },
                i + 1,
            ))
        });
        let result = grammar::RootParser::new().parse(builder, input);
        // The end of input shows up as the parse's error, or as an error the root recovered from.
        let eof = match &result {
            Err(e @ ParseError::UnrecognizedEof { .. }) => Some(e.clone()),
            _ => builder
                .recovered
                .iter()
                .find(|e| matches!(e, ParseError::UnrecognizedEof { .. }))
                .cloned(),
        };
        let Some(eof) = eof else {
            if let Some(first) = first_eof_error {
                builder.recovered.push(first);
            }
            return result;
        };
        let ParseError::UnrecognizedEof { expected, .. } = &eof else {
            unreachable!()
        };
        let next = completion(expected);
        let first = first_eof_error.get_or_insert(eof);
        match next {
            Some(kind) if virtual_kinds.len() < MAX_COMPLETIONS => virtual_kinds.push(kind),
            _ => {
                // Keep this attempt's tree, but report the real end of the input.
                let first = first.clone();
                builder
                    .recovered
                    .retain(|e| !matches!(e, ParseError::UnrecognizedEof { .. }));
                builder.recovered.push(first.clone());
                return match result {
                    Err(ParseError::UnrecognizedEof { .. }) => Err(first),
                    other => other,
                };
            }
        }
    }
}

/// The token to supply when the input ends where one of `expected` is due: a closer if one
/// fits, else the keyword or punctuation that continues the construct, else an identifier.
fn completion(expected: &[String]) -> Option<SyntaxKind> {
    const PREFERENCE: &[(&str, SyntaxKind)] = &[
        ("\")\"", R_PAREN),
        ("\"]\"", R_BRACK),
        ("\"}\"", R_BRACE),
        ("INTERPOL_END", INTERPOL_END),
        ("DYNAMIC_END", DYNAMIC_END),
        ("STRING_END", STRING_END),
        ("IND_STRING_END", IND_STRING_END),
        ("\";\"", SEMICOLON),
        ("\"then\"", THEN_KW),
        ("\"else\"", ELSE_KW),
        ("\"in\"", IN_KW),
        ("\"=\"", ASSIGN),
        ("\":\"", COLON),
        ("IDENT", IDENT),
    ];
    PREFERENCE
        .iter()
        .find(|(name, _)| expected.iter().any(|e| e == name))
        .map(|&(_, kind)| kind)
}

/// How deeply brackets and other openers may nest before the input is refused unparsed.
pub const MAX_NESTING: u32 = 1_000;

/// An estimate of nesting from the tokens alone: openers (brackets, `${`, string quotes, `let`,
/// `if`, `assert`, `with`, `:`) against closers. Returns the token where the limit is passed.
fn too_deep(tokens: &[Token]) -> Option<u32> {
    let mut depth: u32 = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.kind {
            L_PAREN | L_BRACK | L_BRACE | DYNAMIC_START | INTERPOL_START | STRING_START
            | IND_STRING_START | LET_KW | IF_KW | ASSERT_KW | WITH_KW | COLON => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i as u32);
                }
            }
            R_PAREN | R_BRACK | R_BRACE | DYNAMIC_END | INTERPOL_END | STRING_END
            | IND_STRING_END | IN_KW | ELSE_KW | SEMICOLON => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn range(start: u32, end: u32) -> TextRange {
    TextRange::new(TextSize::from(start), TextSize::from(end))
}

struct ErrorContext<'a> {
    src: &'a str,
    offsets: &'a [u32],
}

impl ErrorContext<'_> {
    fn token_range(&self, index: u32) -> TextRange {
        let i = index as usize;
        if i + 1 >= self.offsets.len() {
            // A token the parser supplied at the end of the input.
            let end = *self
                .offsets
                .last()
                .expect("offsets end with the input's length");
            return range(end, end);
        }
        range(self.offsets[i], self.offsets[i + 1])
    }

    fn token_text(&self, index: u32) -> &str {
        let r = self.token_range(index);
        &self.src[r]
    }

    fn describe(&self, error: &ParseError<usize, Tok, ()>) -> SyntaxError {
        match error {
            ParseError::UnrecognizedToken {
                token: (_, tok, _),
                expected,
            } => {
                let text = self.token_text(tok.index);
                let found = describe_found(tok.kind, text);
                SyntaxError {
                    code: SyntaxErrorCode::UnexpectedToken,
                    range: self.token_range(tok.index),
                    message: format!("unexpected {found}{}", describe_expected(expected)),
                    related: None,
                }
            }
            ParseError::UnrecognizedEof { expected, .. } => {
                let end = self.src.len() as u32;
                SyntaxError {
                    code: SyntaxErrorCode::UnexpectedEnd,
                    range: range(end, end),
                    message: format!("unexpected end of input{}", describe_expected(expected)),
                    related: None,
                }
            }
            ParseError::ExtraToken { token: (_, tok, _) } => SyntaxError {
                code: SyntaxErrorCode::UnexpectedToken,
                range: self.token_range(tok.index),
                message: format!(
                    "unexpected {}",
                    describe_found(tok.kind, self.token_text(tok.index))
                ),
                related: None,
            },
            ParseError::InvalidToken { location } => {
                let r = self.token_range(*location as u32);
                SyntaxError {
                    code: SyntaxErrorCode::UnexpectedToken,
                    range: r,
                    message: "unexpected input".into(),
                    related: None,
                }
            }
            ParseError::User { .. } => {
                let end = self.src.len() as u32;
                // Only raised for input refused before parsing, which is reported already.
                SyntaxError {
                    code: SyntaxErrorCode::NestedTooDeep,
                    range: range(end, end),
                    message: "syntax error".into(),
                    related: None,
                }
            }
        }
    }
}

fn describe_found(kind: SyntaxKind, text: &str) -> String {
    match kind {
        IDENT | INT | FLOAT | URI | PATH | PATH_START | PATH_FRAGMENT | SEARCH_PATH => {
            let short: String = text.chars().take(40).collect();
            format!("{} `{short}`", kind.describe())
        }
        _ => kind.describe().to_string(),
    }
}

/// Turns lalrpop's list of expected terminals into words: "an expression" where an expression
/// could start, "an operator" where one could follow, "an attribute name" where one is due, and
/// the other tokens by name, first.
fn describe_expected(expected: &[String]) -> String {
    if expected.is_empty() {
        return String::new();
    }
    let has = |t: &str| expected.iter().any(|e| e == t);
    let expression = has("IDENT") && has("INT") && has("\"(\"");
    let attr_name =
        !expression && has("IDENT") && has("\"or\"") && has("STRING_START") && has("DYNAMIC_START");
    let operator = has("\"+\"") && has("\"==\"");
    let mut parts: Vec<String> = Vec::new();
    for e in expected {
        let name = match e.as_str() {
            "IDENT" | "INT" | "FLOAT" | "URI" | "PATH" | "PATH_START" | "SEARCH_PATH"
            | "STRING_START" | "IND_STRING_START" | "\"(\"" | "\"[\"" | "\"{\"" | "\"let\""
            | "\"rec\"" | "\"!\"" | "\"if\"" | "\"with\"" | "\"assert\""
                if expression =>
            {
                continue;
            }
            "\"-\"" if expression || operator => continue,
            "IDENT" | "\"or\"" | "STRING_START" | "DYNAMIC_START" if attr_name => continue,
            "\"|>\"" | "\"<|\"" | "\"->\"" | "\"||\"" | "\"&&\"" | "\"==\"" | "\"!=\""
            | "\"<\"" | "\"<=\"" | "\">\"" | "\">=\"" | "\"//\"" | "\"+\"" | "\"*\"" | "\"/\""
            | "\"++\"" | "\"?\"" | "\".\"" | "\"or\""
                if operator =>
            {
                continue;
            }
            "STRING_CONTENT" | "ERROR_TOKEN" | "PATH_FRAGMENT" => continue,
            "IDENT" => "an identifier".to_string(),
            "STRING_START" => "a string".to_string(),
            "STRING_END" => "`\"`".to_string(),
            "IND_STRING_END" => "`''`".to_string(),
            "INTERPOL_START" | "DYNAMIC_START" => "`${`".to_string(),
            "INTERPOL_END" | "DYNAMIC_END" => "`}`".to_string(),
            "INT" => "an integer".to_string(),
            "FLOAT" => "a float".to_string(),
            "URI" => "a URI".to_string(),
            "PATH" | "PATH_START" => "a path".to_string(),
            "SEARCH_PATH" => "a search path".to_string(),
            "IND_STRING_START" => "an indented string".to_string(),
            quoted => format!("`{}`", quoted.trim_matches('"')),
        };
        if !parts.contains(&name) {
            parts.push(name);
        }
    }
    if operator {
        parts.push("an operator".into());
    }
    if expression {
        parts.push(if operator {
            "an argument".into()
        } else {
            "an expression".into()
        });
    }
    if attr_name {
        parts.push("an attribute name".into());
    }
    match parts.len() {
        0 => String::new(),
        1 => format!(", expected {}", parts[0]),
        _ => {
            let last = parts.pop().expect("two or more parts");
            format!(", expected {} or {}", parts.join(", "), last)
        }
    }
}

/// Builds the rowan tree from the plain tree, bottom up, with every token of the input.
///
/// Arena nodes are created children first, so one pass in arena order builds each green node
/// from finished children, with no recursion. Between two children of a node go the tokens the
/// grammar did not see: trivia as they are, significant tokens (skipped by error recovery)
/// wrapped in an `ERROR` node.
struct GreenBuilder<'a> {
    src: &'a str,
    tokens: &'a [Token],
    offsets: &'a [u32],
    /// Short tokens repeat (whitespace, names, punctuation): share one green token for each.
    cache: RefCell<FxHashMap<(SyntaxKind, &'a str), GreenToken>>,
    /// Keywords and punctuation, by kind.
    fixed: RefCell<Vec<Option<GreenToken>>>,
    /// Runs of spaces and line breaks followed by spaces, by `indentation_slot`.
    indents: RefCell<Vec<Option<GreenToken>>>,
}

/// Most whitespace is `n` spaces, or one line break and `n` spaces: those get a slot of their
/// own (`n` or `CACHED_TOKEN_LEN + n`), found without hashing.
fn indentation_slot(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (base, spaces) = match bytes.split_first() {
        Some((b'\n', rest)) => (CACHED_TOKEN_LEN, rest),
        _ => (0, bytes),
    };
    (spaces.len() < CACHED_TOKEN_LEN && spaces.iter().all(|&b| b == b' '))
        .then(|| base + spaces.len())
}

/// Tokens up to this length are shared through the cache.
const CACHED_TOKEN_LEN: usize = 24;

type Element = NodeOrToken<GreenNode, GreenToken>;

impl GreenBuilder<'_> {
    fn build(&self, tree: &Builder, root: Option<Child>) -> GreenNode {
        let mut built: Vec<Option<GreenNode>> = Vec::with_capacity(tree.nodes.len());
        let mut elements: Vec<Element> = Vec::new();
        for (id, node) in tree.nodes.iter().enumerate() {
            let children = tree.children_of(id as u32);
            let mut pos = node.first;
            for &child in children {
                let first = tree.first_token(child);
                if first != NO_TOKEN {
                    self.gap(&mut elements, pos, first);
                    pos = tree.end_token(child);
                }
                match child {
                    Child::Token(i) if i as usize >= self.tokens.len() => {} // supplied, no text
                    Child::Token(i) => elements.push(self.token(i)),
                    Child::Node(n) => {
                        let green = built[n as usize].take().expect("a node has one parent");
                        elements.push(NodeOrToken::Node(green));
                    }
                }
            }
            built.push(Some(GreenNode::new(node.kind.into(), elements.drain(..))));
        }
        let mut pos = 0;
        if let Some(root) = root {
            let first = tree.first_token(root);
            if first != NO_TOKEN {
                self.gap(&mut elements, 0, first);
                pos = tree.end_token(root);
            }
            match root {
                Child::Token(i) if i as usize >= self.tokens.len() => {}
                Child::Token(i) => elements.push(self.token(i)),
                Child::Node(n) => {
                    let green = built[n as usize].take().expect("the root is built");
                    elements.push(NodeOrToken::Node(green));
                }
            }
        }
        self.gap(&mut elements, pos, self.tokens.len() as u32);
        GreenNode::new(ROOT.into(), elements)
    }

    fn token(&self, index: u32) -> Element {
        let i = index as usize;
        let text = &self.src[self.offsets[i] as usize..self.offsets[i + 1] as usize];
        let kind = self.tokens[i].kind;
        if text.len() > CACHED_TOKEN_LEN {
            return NodeOrToken::Token(GreenToken::new(kind.into(), text));
        }
        if kind.is_keyword() || kind.is_punctuation() {
            // The kind alone decides the text: no hashing needed.
            let mut fixed = self.fixed.borrow_mut();
            let slot = &mut fixed[kind as usize];
            let token = slot.get_or_insert_with(|| GreenToken::new(kind.into(), text));
            return NodeOrToken::Token(token.clone());
        }
        if kind == WHITESPACE
            && let Some(slot) = indentation_slot(text)
        {
            let mut indents = self.indents.borrow_mut();
            let token = indents[slot].get_or_insert_with(|| GreenToken::new(kind.into(), text));
            return NodeOrToken::Token(token.clone());
        }
        let mut cache = self.cache.borrow_mut();
        let token = cache
            .entry((kind, text))
            .or_insert_with(|| GreenToken::new(kind.into(), text));
        NodeOrToken::Token(token.clone())
    }

    /// Appends the tokens `from..until` that no node claimed: trivia as they are, anything
    /// significant wrapped in one `ERROR` node.
    fn gap(&self, out: &mut Vec<Element>, from: u32, until: u32) {
        let until = until.min(self.tokens.len() as u32);
        let mut i = from;
        while i < until {
            if self.tokens[i as usize].kind.is_trivia() {
                out.push(self.token(i));
                i += 1;
                continue;
            }
            let last = (i..until)
                .rev()
                .find(|&j| !self.tokens[j as usize].kind.is_trivia())
                .unwrap_or(i);
            let error = GreenNode::new(ERROR.into(), (i..last + 1).map(|j| self.token(j)));
            out.push(NodeOrToken::Node(error));
            i = last + 1;
        }
    }
}
