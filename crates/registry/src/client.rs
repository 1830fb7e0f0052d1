//! HTTP to one registry: where it is (HTTPS, or plain HTTP where that is allowed), how it wants
//! to be authenticated, and requests made with the right `Authorization` header.
//!
//! [`Client::connect`] asks `GET /v2/` first, as Docker and skopeo do. A `200` means no
//! authentication; a `401` names the scheme in `WWW-Authenticate`:
//!
//! - `Basic`: every request carries the credentials, which are checked at once;
//! - `Bearer realm=...,service=...`: each request carries a token for its scopes
//!   (`repository:NAME:pull,push`, plus `repository:OTHER:pull` for a cross-repository
//!   mount), asked of the realm with the credentials (or anonymously) and kept per set of
//!   scopes; a `401` later asks for a new token once and repeats the request.
//!
//! Plain HTTP is tried after HTTPS fails to connect, for a registry on this machine
//! (`localhost`, `127.0.0.0/8`, `::1`) or when TLS verification is off, as skopeo does for an
//! insecure registry. Statuses other than `401`/`403` are the caller's to judge.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ureq::http;

use crate::auth::{Challenge, Credentials, TokenAnswer, parse_challenges};
use crate::{Reference, RegistryError};

/// How to reach a registry.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Check the registry's certificate (on by default). Off, plain HTTP is allowed too.
    pub tls_verify: bool,
    /// The credentials to log in with; anonymous when `None`.
    pub credentials: Option<Credentials>,
}

impl Default for ConnectOptions {
    fn default() -> ConnectOptions {
        ConnectOptions {
            tls_verify: true,
            credentials: None,
        }
    }
}

/// How the registry authenticates, as its answer to `GET /v2/` said.
#[derive(Debug, Clone)]
enum Auth {
    Anonymous,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// The body of a request.
pub(crate) enum Body<'a> {
    None,
    Bytes(&'a [u8]),
    /// A reader made anew for each attempt, and its length.
    Reader(&'a (dyn Fn() -> io::Result<Box<dyn Read + 'a>> + Sync), u64),
}

/// A request: what it does in words (for messages), its method, URL, the token scopes it
/// needs, its headers and body.
pub(crate) struct Request<'a> {
    pub(crate) what: String,
    pub(crate) method: &'static str,
    pub(crate) url: String,
    pub(crate) scopes: &'a [String],
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Body<'a>,
}

/// A registry's answer: the status, headers, and body (at most 1 MiB of it).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The registry's explanation: the `errors` of a distribution error body
    /// (`CODE: message`), or the start of the body's text.
    pub(crate) fn explanation(&self) -> String {
        #[derive(serde::Deserialize)]
        struct Errors {
            errors: Vec<ErrorEntry>,
        }
        #[derive(serde::Deserialize)]
        struct ErrorEntry {
            #[serde(default)]
            code: String,
            #[serde(default)]
            message: String,
        }
        if let Ok(errors) = serde_json::from_slice::<Errors>(&self.body)
            && !errors.errors.is_empty()
        {
            return errors
                .errors
                .iter()
                .map(|e| match (e.code.is_empty(), e.message.is_empty()) {
                    (false, false) => format!("{}: {}", e.code, e.message),
                    (false, true) => e.code.clone(),
                    _ => e.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ");
        }
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        let mut short: String = text.chars().take(200).collect();
        if short.len() < text.len() {
            short.push('…');
        }
        short
    }

    /// Whether the registry's error codes include `code`.
    pub(crate) fn has_error_code(&self, code: &str) -> bool {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("errors").and_then(|e| e.as_array()).cloned())
            .is_some_and(|errors| errors.iter().any(|e| e["code"] == code))
    }
}

/// A connection to one registry.
pub(crate) struct Client {
    http: ureq::Agent,
    /// `https://host[:port]` or `http://host[:port]`.
    base: String,
    /// The registry as the user named it, for messages.
    registry: String,
    credentials: Option<Credentials>,
    auth: Auth,
    tokens: Mutex<HashMap<String, Arc<str>>>,
}

impl Client {
    /// Finds the registry of `reference` and how it authenticates (see the module
    /// documentation); refused credentials are an error here already.
    pub(crate) fn connect(
        reference: &Reference,
        options: &ConnectOptions,
    ) -> Result<Client, RegistryError> {
        let http = http_client(options.tls_verify);
        let registry = reference.registry.clone();
        let allow_http = !options.tls_verify || reference.is_local();
        let host = reference.api_host();
        let mut failure = None;
        let mut found = None;
        for scheme in ["https", "http"] {
            if scheme == "http" && !allow_http {
                break;
            }
            let base = format!("{scheme}://{host}");
            match http.get(format!("{base}/v2/")).call() {
                // Plain HTTP counts only when a registry answers there: a TLS server's `400`
                // leaves the failure of HTTPS as the reason.
                Ok(response)
                    if scheme == "http"
                        && failure.is_some()
                        && !matches!(response.status().as_u16(), 200..=299 | 401) => {}
                Ok(response) => {
                    found = Some((base, answer(response, false)));
                    break;
                }
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        let Some((base, ping)) = found else {
            let error = failure.map(|e| e.to_string()).unwrap_or_default();
            let hint = if options.tls_verify && error.contains("certificate") {
                "\nhint: the registry's certificate is not trusted; for a registry you trust, \
                 `--tls-verify=false` skips the check"
            } else if options.tls_verify
                && !allow_http
                && ["tls", "Tls", "TLS", "InvalidMessage", "InvalidContentType"]
                    .iter()
                    .any(|w| error.contains(w))
            {
                "\nhint: a registry served over plain HTTP needs `--tls-verify=false`"
            } else {
                ""
            };
            return Err(RegistryError::Unreachable {
                registry,
                reason: format!("{error}{hint}"),
            });
        };
        let mut client = Client {
            http,
            base,
            registry,
            credentials: options.credentials.clone(),
            auth: Auth::Anonymous,
            tokens: Mutex::new(HashMap::new()),
        };
        match ping.status {
            200..=299 => {}
            401 => {
                let challenges = challenges(&ping);
                let bearer = challenges.iter().find(|c| c.scheme == "bearer");
                let basic = challenges.iter().find(|c| c.scheme == "basic");
                if let Some(bearer) = bearer {
                    let realm = bearer.param("realm").unwrap_or("").to_owned();
                    if !realm.starts_with("https://") && !realm.starts_with("http://") {
                        return Err(client.protocol(
                            "`GET /v2/`",
                            format!("its bearer challenge has no usable realm (`{realm}`)"),
                        ));
                    }
                    client.auth = Auth::Bearer {
                        realm,
                        service: bearer.param("service").map(str::to_owned),
                    };
                    // Credentials are checked now, with a token of no scope, as `docker
                    // login` checks them.
                    if client.credentials.is_some() {
                        client.token(&[])?;
                    }
                } else if basic.is_some() {
                    client.auth = Auth::Basic;
                    if client.credentials.is_none() {
                        return Err(RegistryError::CredentialsNeeded {
                            registry: client.registry.clone(),
                        });
                    }
                    let check = client.exchange(
                        &Request {
                            what: "`GET /v2/`".to_owned(),
                            method: "GET",
                            url: client.url("/v2/"),
                            scopes: &[],
                            headers: Vec::new(),
                            body: Body::None,
                        },
                        client.credentials.as_ref().map(Credentials::basic_header),
                    )?;
                    if check.status == 401 || check.status == 403 {
                        return Err(client.refused());
                    }
                } else {
                    return Err(client.protocol(
                        "`GET /v2/`",
                        format!(
                            "it asks for an authentication scheme that is not known (`{}`)",
                            ping.header("www-authenticate").unwrap_or("")
                        ),
                    ));
                }
            }
            status => {
                return Err(RegistryError::Status {
                    registry: client.registry.clone(),
                    what: "`GET /v2/`".to_owned(),
                    status,
                    explanation: format!(
                        "{} (is it a registry that speaks the OCI distribution API?)",
                        ping.explanation()
                    ),
                });
            }
        }
        Ok(client)
    }

    /// `path` (starting with `/v2/`) on the registry.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The URL of a `Location` header: absolute, or relative to the registry.
    pub(crate) fn location(&self, answer: &Answer, what: &str) -> Result<String, RegistryError> {
        let location = answer
            .header("location")
            .ok_or_else(|| self.protocol(what, "its answer has no `Location`".to_owned()))?;
        if location.starts_with("https://") || location.starts_with("http://") {
            Ok(location.to_owned())
        } else if location.starts_with('/') {
            Ok(self.url(location))
        } else {
            Ok(format!("{}/v2/{location}", self.base))
        }
    }

    /// An error for an answer that breaks the protocol.
    pub(crate) fn protocol(&self, what: &str, reason: String) -> RegistryError {
        RegistryError::Protocol {
            registry: self.registry.clone(),
            what: what.to_owned(),
            reason,
        }
    }

    /// An error for an unexpected status.
    pub(crate) fn status(&self, what: &str, answer: &Answer) -> RegistryError {
        RegistryError::Status {
            registry: self.registry.clone(),
            what: what.to_owned(),
            status: answer.status,
            explanation: answer.explanation(),
        }
    }

    fn refused(&self) -> RegistryError {
        RegistryError::CredentialsRefused {
            registry: self.registry.clone(),
            username: self
                .credentials
                .as_ref()
                .map(|c| c.username.clone())
                .unwrap_or_default(),
        }
    }

    /// Makes `request` with the authorization its scopes need; a `401` with a bearer token
    /// asks for a new token and tries once more. A `401` or `403` in the end is an error.
    pub(crate) fn send(&self, request: &Request<'_>) -> Result<Answer, RegistryError> {
        let mut refresh = false;
        loop {
            let authorization = self.authorization(request.scopes, refresh)?;
            let answer = self.exchange(request, authorization)?;
            match answer.status {
                401 if !refresh && matches!(self.auth, Auth::Bearer { .. }) => refresh = true,
                401 | 403 => {
                    return Err(RegistryError::Denied {
                        registry: self.registry.clone(),
                        what: request.what.clone(),
                        who: match &self.credentials {
                            Some(c) => format!("the user `{}`", c.username),
                            None => "anonymous users".to_owned(),
                        },
                        explanation: answer.explanation(),
                        anonymous: self.credentials.is_none(),
                    });
                }
                _ => return Ok(answer),
            }
        }
    }

    fn authorization(
        &self,
        scopes: &[String],
        refresh: bool,
    ) -> Result<Option<String>, RegistryError> {
        match &self.auth {
            Auth::Anonymous => Ok(None),
            Auth::Basic => Ok(self.credentials.as_ref().map(Credentials::basic_header)),
            Auth::Bearer { .. } => {
                let key = scopes.join(" ");
                if !refresh
                    && let Some(token) = self.tokens.lock().expect("tokens").get(&key).cloned()
                {
                    return Ok(Some(format!("Bearer {token}")));
                }
                let token = self.token(scopes)?;
                self.tokens
                    .lock()
                    .expect("tokens")
                    .insert(key, token.clone());
                Ok(Some(format!("Bearer {token}")))
            }
        }
    }

    /// A token for `scopes` from the bearer realm, with the credentials if there are any.
    fn token(&self, scopes: &[String]) -> Result<Arc<str>, RegistryError> {
        let Auth::Bearer { realm, service } = &self.auth else {
            unreachable!("tokens are asked for only with a bearer challenge");
        };
        let mut query = Vec::new();
        if let Some(service) = service {
            query.push(format!("service={}", query_escape(service)));
        }
        for scope in scopes {
            query.push(format!("scope={}", query_escape(scope)));
        }
        let url = match query.is_empty() {
            true => realm.clone(),
            false if realm.contains('?') => format!("{realm}&{}", query.join("&")),
            false => format!("{realm}?{}", query.join("&")),
        };
        let what = format!("asking `{realm}` for a token");
        let answer = self.exchange(
            &Request {
                what: what.clone(),
                method: "GET",
                url,
                scopes: &[],
                headers: Vec::new(),
                body: Body::None,
            },
            self.credentials.as_ref().map(Credentials::basic_header),
        )?;
        match answer.status {
            200..=299 => {}
            401 | 403 if self.credentials.is_some() => return Err(self.refused()),
            _ => return Err(self.status(&what, &answer)),
        }
        let token: TokenAnswer = serde_json::from_slice(&answer.body)
            .map_err(|e| self.protocol(&what, format!("its answer is not a token: {e}")))?;
        token
            .into_token()
            .map(Arc::from)
            .ok_or_else(|| self.protocol(&what, "its answer has no `token`".to_owned()))
    }

    /// One HTTP exchange.
    fn exchange(
        &self,
        request: &Request<'_>,
        authorization: Option<String>,
    ) -> Result<Answer, RegistryError> {
        let transport = |error: String| RegistryError::Transport {
            registry: self.registry.clone(),
            what: request.what.clone(),
            error,
        };
        let mut builder = http::Request::builder()
            .method(request.method)
            .uri(&request.url);
        if let Some(authorization) = authorization {
            builder = builder.header("authorization", authorization);
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value);
        }
        let head = request.method == "HEAD";
        let result = match &request.body {
            Body::None if request.method == "GET" || head => builder
                .body(())
                .map_err(|e| transport(e.to_string()))
                .and_then(|r| self.http.run(r).map_err(|e| transport(e.to_string()))),
            Body::None => builder
                .body(&[][..])
                .map_err(|e| transport(e.to_string()))
                .and_then(|r| self.http.run(r).map_err(|e| transport(e.to_string()))),
            Body::Bytes(bytes) => builder
                .body(*bytes)
                .map_err(|e| transport(e.to_string()))
                .and_then(|r| self.http.run(r).map_err(|e| transport(e.to_string()))),
            Body::Reader(open, len) => {
                let mut reader =
                    open().map_err(|e| transport(format!("cannot read the blob: {e}")))?;
                builder
                    .header("content-length", len.to_string())
                    .body(ureq::SendBody::from_reader(&mut reader))
                    .map_err(|e| transport(e.to_string()))
                    .and_then(|r| self.http.run(r).map_err(|e| transport(e.to_string())))
            }
        };
        Ok(answer(result?, head))
    }
}

/// The HTTP client: a connect timeout, no status as error, TLS verification as asked.
fn http_client(tls_verify: bool) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .user_agent(concat!("cairn/", env!("CARGO_PKG_VERSION")))
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .disable_verification(!tls_verify)
                .build(),
        )
        .build();
    ureq::Agent::new_with_config(config)
}

fn answer(mut response: http::Response<ureq::Body>, head: bool) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = if head {
        Vec::new()
    } else {
        response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .unwrap_or_default()
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn challenges(answer: &Answer) -> Vec<Challenge> {
    answer
        .headers
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_challenges)
        .collect()
}

/// `text` escaped for a URL's query: everything but the unreserved characters as `%XX`.
pub(crate) fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with `name=value` added to its query.
pub(crate) fn with_query(url: &str, name: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{name}={}", query_escape(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries() {
        assert_eq!(
            query_escape("repository:a/b:pull,push"),
            "repository%3Aa%2Fb%3Apull%2Cpush"
        );
        assert_eq!(
            with_query(
                "http://h/v2/a/blobs/uploads/u?_state=x",
                "digest",
                "sha256:ab"
            ),
            "http://h/v2/a/blobs/uploads/u?_state=x&digest=sha256%3Aab"
        );
        assert_eq!(with_query("/u", "a", "b"), "/u?a=b");
    }

    #[test]
    fn explanations() {
        let answer = |body: &str| Answer {
            status: 400,
            headers: http::HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        };
        let a = answer(
            r#"{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":{}},{"code":"X"}]}"#,
        );
        assert_eq!(a.explanation(), "MANIFEST_INVALID: manifest invalid; X");
        assert!(a.has_error_code("MANIFEST_INVALID"));
        assert!(!a.has_error_code("BLOB_UNKNOWN"));
        assert_eq!(answer("  plain text\n").explanation(), "plain text");
        assert_eq!(answer(&"x".repeat(300)).explanation().chars().count(), 201);
    }
}
