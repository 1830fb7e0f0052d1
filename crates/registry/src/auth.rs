//! Credentials and the registry's challenges, as other container tools read them.
//!
//! - [`Credentials`] come from `USER:PASS` (`--creds`) or from an auth file: the `auths` object
//!   of containers' `auth.json` or of Docker's `config.json` (see [`default_auth_files`]), whose
//!   entries hold `auth`, the base 64 of `user:password`, under a key that names the registry
//!   (`host[:port]`, possibly with a scheme and a path such as Docker Hub's
//!   `https://index.docker.io/v1/`, or `host/namespace` for the repositories under it).
//! - [`Challenge`]s are the `WWW-Authenticate` headers of a `401`: `Basic realm="..."` or
//!   `Bearer realm="...",service="...",scope="..."`.
//! - [`TokenAnswer`] is the JSON a token service gives for a bearer challenge.
//!
//! Credential store programs (`credsStore`) and identity tokens are not read. This
//! module does no HTTP: `client.rs` makes the requests.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use cairn_store::hash::{base64_decode, base64_encode};

use crate::RegistryError;

/// A user name and password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    /// The password is never shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// `USER:PASS`, split at the first `:` (a password may hold more).
    pub fn parse(text: &str) -> Result<Credentials, RegistryError> {
        match text.split_once(':') {
            Some((user, pass)) if !user.is_empty() => Ok(Credentials {
                username: user.to_owned(),
                password: pass.to_owned(),
            }),
            _ => Err(RegistryError::BadCredentials(
                "credentials are written `USER:PASSWORD`".to_owned(),
            )),
        }
    }

    /// The value of an `Authorization: Basic` header.
    pub(crate) fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            base64_encode(format!("{}:{}", self.username, self.password).as_bytes())
        )
    }

    /// The credentials the auth file at `path` holds for `repository` on `registry` (the most
    /// specific key wins: `host/a/b`, then `host/a`, then `host`); `None` when it has none,
    /// and when the file does not exist.
    pub fn from_auth_file(
        path: &Path,
        registry: &str,
        repository: &str,
    ) -> Result<Option<Credentials>, RegistryError> {
        let bad = |reason: String| RegistryError::AuthFile {
            path: path.to_owned(),
            reason,
        };
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(bad(e.to_string())),
        };
        let json: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let Some(auths) = json.get("auths") else {
            return Ok(None);
        };
        let auths = auths
            .as_object()
            .ok_or_else(|| bad("`auths` is not an object".to_owned()))?;
        let mut by_key = BTreeMap::new();
        for (key, entry) in auths {
            by_key.insert(normalise_key(key), (key, entry));
        }
        let hosts: &[&str] = if registry == crate::reference::DOCKER_HUB {
            &["docker.io", "index.docker.io", "registry-1.docker.io"]
        } else {
            &[registry]
        };
        for host in hosts {
            // The repository's prefixes, longest first, then the host.
            let parts: Vec<&str> = repository.split('/').collect();
            let mut keys: Vec<String> = (1..=parts.len())
                .rev()
                .map(|n| format!("{host}/{}", parts[..n].join("/")))
                .collect();
            keys.push((*host).to_owned());
            for key in keys {
                let Some((original, entry)) = by_key.get(&key) else {
                    continue;
                };
                let Some(auth) = entry.get("auth").and_then(|a| a.as_str()) else {
                    continue;
                };
                if auth.is_empty() {
                    continue;
                }
                let decoded = base64_decode(auth)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        bad(format!(
                            "the `auth` of `{original}` is not base 64 of UTF-8"
                        ))
                    })?;
                return Credentials::parse(&decoded).map(Some).map_err(|_| {
                    bad(format!(
                        "the `auth` of `{original}` is not the base 64 of `user:password`"
                    ))
                });
            }
        }
        Ok(None)
    }
}

/// An auth file's key as `host[:port][/path]`: without a scheme, and without Docker's `/v1/`
/// or `/v2/` API suffix.
fn normalise_key(key: &str) -> String {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let key = key.trim_end_matches('/');
    let key = key
        .strip_suffix("/v1")
        .or_else(|| key.strip_suffix("/v2"))
        .unwrap_or(key);
    key.to_owned()
}

/// The auth files looked in, in order, when `--creds` is not given, as containers-auth.json(5)
/// orders them: `$REGISTRY_AUTH_FILE`; `$XDG_RUNTIME_DIR/containers/auth.json` (where `skopeo
/// login` and `podman login` write); `$XDG_CONFIG_HOME/containers/auth.json` (or
/// `~/.config/...`); Docker's `config.json` (in `$DOCKER_CONFIG`, or `~/.docker`).
pub fn default_auth_files(env: impl Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut files = Vec::new();
    if let Some(file) = env("REGISTRY_AUTH_FILE") {
        files.push(PathBuf::from(file));
    }
    if let Some(dir) = env("XDG_RUNTIME_DIR") {
        files.push(Path::new(&dir).join("containers/auth.json"));
    }
    let home = env("HOME");
    match (env("XDG_CONFIG_HOME"), &home) {
        (Some(dir), _) => files.push(Path::new(&dir).join("containers/auth.json")),
        (None, Some(home)) => files.push(Path::new(home).join(".config/containers/auth.json")),
        (None, None) => {}
    }
    match (env("DOCKER_CONFIG"), &home) {
        (Some(dir), _) => files.push(Path::new(&dir).join("config.json")),
        (None, Some(home)) => files.push(Path::new(home).join(".docker/config.json")),
        (None, None) => {}
    }
    files
}

/// One challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme, lower-case: `basic`, `bearer`.
    pub scheme: String,
    /// The parameters, keys lower-case: `realm`, `service`, `scope`, `error`.
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// The challenges of one `WWW-Authenticate` header value (RFC 7235: a scheme, then
/// comma-separated `name=value` or `name="quoted \" value"` parameters; several challenges
/// may share the header). What cannot be read is left out.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut challenges: Vec<Challenge> = Vec::new();
    let bytes = header.as_bytes();
    let mut i = 0;
    let skip_space = |i: &mut usize| {
        while *i < bytes.len() && (bytes[*i] == b' ' || bytes[*i] == b'\t' || bytes[*i] == b',') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && !matches!(bytes[*i], b' ' | b'\t' | b',' | b'=' | b'"') {
            *i += 1;
        }
        &header[start..*i]
    };
    loop {
        skip_space(&mut i);
        if i >= bytes.len() {
            break;
        }
        let word = token(&mut i);
        if word.is_empty() {
            // A stray `=` or quote: give up on the rest.
            break;
        }
        let mut j = i;
        while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
            j += 1;
        }
        if j < bytes.len() && bytes[j] == b'=' && !challenges.is_empty() {
            // A parameter of the current challenge.
            i = j + 1;
            while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
                i += 1;
            }
            let value = if i < bytes.len() && bytes[i] == b'"' {
                i += 1;
                let mut value = String::new();
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        i += 1;
                    }
                    let c = header[i..].chars().next().unwrap_or('\u{fffd}');
                    value.push(c);
                    i += c.len_utf8();
                }
                i += 1;
                value
            } else {
                token(&mut i).to_owned()
            };
            if let Some(last) = challenges.last_mut() {
                last.params.insert(word.to_ascii_lowercase(), value);
            }
        } else {
            challenges.push(Challenge {
                scheme: word.to_ascii_lowercase(),
                params: BTreeMap::new(),
            });
        }
    }
    challenges
}

/// What a token service answers: `token` (Docker's name) or `access_token` (OAuth 2's).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
}

impl TokenAnswer {
    pub(crate) fn into_token(self) -> Option<String> {
        self.token
            .filter(|t| !t.is_empty())
            .or(self.access_token.filter(|t| !t.is_empty()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A challenge as the tests write it: the scheme and the parameters.
    type Expected<'a> = (&'a str, &'a [(&'a str, &'a str)]);

    #[test]
    fn challenges() {
        let cases: &[(&str, &[Expected<'_>])] = &[
            (
                r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
                &[(
                    "bearer",
                    &[
                        ("realm", "https://auth.example/token"),
                        ("scope", "repository:a/b:pull,push"),
                        ("service", "registry.example"),
                    ],
                )],
            ),
            (
                r#"Basic realm="Registry Realm""#,
                &[("basic", &[("realm", "Registry Realm")])],
            ),
            (
                r#"Bearer realm="x", error="insufficient_scope", Basic realm="y \"q\"""#,
                &[
                    ("bearer", &[("error", "insufficient_scope"), ("realm", "x")]),
                    ("basic", &[("realm", r#"y "q""#)]),
                ],
            ),
            ("BASIC realm=plain", &[("basic", &[("realm", "plain")])]),
            ("", &[]),
            ("=oops", &[]),
        ];
        for (header, expected) in cases {
            let got = parse_challenges(header);
            let got: Vec<(String, Vec<(String, String)>)> = got
                .into_iter()
                .map(|c| (c.scheme, c.params.into_iter().collect()))
                .collect();
            let expected: Vec<(String, Vec<(String, String)>)> = expected
                .iter()
                .map(|(s, ps)| {
                    (
                        s.to_string(),
                        ps.iter()
                            .map(|(k, v)| (k.to_string(), v.to_string()))
                            .collect(),
                    )
                })
                .collect();
            assert_eq!(got, expected, "{header}");
        }
    }

    #[test]
    fn auth_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("auth.json");
        let auth = |s: &str| base64_encode(s.as_bytes());
        std::fs::write(
            &file,
            format!(
                r#"{{ "auths": {{
                    "127.0.0.1:5000": {{ "auth": "{}" }},
                    "https://index.docker.io/v1/": {{ "auth": "{}" }},
                    "registry.example/team": {{ "auth": "{}" }},
                    "registry.example": {{ "auth": "{}" }},
                    "http://other.example/": {{ "auth": "{}" }},
                    "empty.example": {{ "auth": "" }},
                    "broken.example": {{ "auth": "@@@" }}
                }} }}"#,
                auth("alice:secret:with:colons"),
                auth("hub:pw"),
                auth("team:pw"),
                auth("any:pw"),
                auth("o:p"),
            ),
        )
        .unwrap();
        let get = |registry: &str, repository: &str| {
            Credentials::from_auth_file(&file, registry, repository)
                .map(|c| c.map(|c| format!("{}:{}", c.username, c.password)))
        };
        assert_eq!(
            get("127.0.0.1:5000", "quotes").unwrap().as_deref(),
            Some("alice:secret:with:colons")
        );
        assert_eq!(
            get("docker.io", "library/alpine").unwrap().as_deref(),
            Some("hub:pw")
        );
        assert_eq!(
            get("registry.example", "team/app").unwrap().as_deref(),
            Some("team:pw")
        );
        assert_eq!(
            get("registry.example", "other/app").unwrap().as_deref(),
            Some("any:pw")
        );
        assert_eq!(get("other.example", "x").unwrap().as_deref(), Some("o:p"));
        assert_eq!(get("empty.example", "x").unwrap(), None);
        assert_eq!(get("127.0.0.1:5001", "quotes").unwrap(), None);
        let e = get("broken.example", "x").unwrap_err().to_string();
        assert!(
            e.contains("broken.example") && e.contains("auth.json"),
            "{e}"
        );
        assert_eq!(
            Credentials::from_auth_file(&dir.path().join("none.json"), "a", "b").unwrap(),
            None
        );
        std::fs::write(&file, "{").unwrap();
        let e = get("x", "y").unwrap_err().to_string();
        assert!(e.contains("not JSON"), "{e}");
    }

    #[test]
    fn auth_files_are_looked_for_where_container_tools_write_them() {
        let files = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            default_auth_files(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        };
        assert_eq!(
            files(&[
                ("REGISTRY_AUTH_FILE", "/a.json"),
                ("XDG_RUNTIME_DIR", "/run/user/1"),
                ("HOME", "/home/u"),
            ]),
            [
                "/a.json",
                "/run/user/1/containers/auth.json",
                "/home/u/.config/containers/auth.json",
                "/home/u/.docker/config.json",
            ]
            .map(PathBuf::from)
        );
        assert_eq!(
            files(&[
                ("XDG_CONFIG_HOME", "/cfg"),
                ("DOCKER_CONFIG", "/dk"),
                ("REGISTRY_AUTH_FILE", ""),
            ]),
            ["/cfg/containers/auth.json", "/dk/config.json"].map(PathBuf::from)
        );
        assert!(files(&[]).is_empty());
    }

    #[test]
    fn credentials_from_the_command_line() {
        let c = Credentials::parse("u:p:q").unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("u", "p:q"));
        assert!(Credentials::parse("nopassword").is_err());
        assert!(Credentials::parse(":p").is_err());
        assert!(!format!("{c:?}").contains("p:q"));
    }
}
