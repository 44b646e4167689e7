//! Container image references and their digests, from the registry's HTTP API (the OCI
//! distribution protocol that Docker Hub, GHCR and every other registry speak).
//!
//! Why the *index* digest: `image:tag` usually names an image index (one manifest per
//! platform). Pinning one platform's manifest (what `docker pull` resolves to on the machine
//! that ran it) would break runners of another architecture; the index digest names exactly
//! what the tag names today, for every platform. A tag that names a single manifest is pinned
//! to that manifest.
//!
//! One `GET /v2/{repository}/manifests/{tag}` per image, with the `Accept` header listing the
//! index and manifest media types; the digest is the SHA-256 of the bytes received, checked
//! against the `Docker-Content-Digest` header when the registry sends one. A `401` with a
//! `Bearer` challenge is answered with the anonymous token flow (`GET {realm}?service=…&scope=
//! repository:{repository}:pull`); credentials (GHCR: `GITHUB_TOKEN`/`GH_TOKEN`) are only ever
//! sent to a token endpoint on the registry's own host. Loopback registries (`localhost`,
//! `127.0.0.1`, `[::1]`) are spoken to over plain HTTP, like Docker does; every other one over
//! HTTPS.
//!
//! Image text from workflows is untrusted: references are parsed against the reference grammar
//! before any request, and only the registry named by the reference is contacted.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::ResolveError;

/// The largest manifest read.
const MAX_MANIFEST: u64 = 4 * 1024 * 1024;

const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// `[registry/]repository[:tag][@sha256:…]`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImageRef {
    /// As written (`alpine`, `ghcr.io/o/x`, `127.0.0.1:5000/test/app`), without tag or digest.
    pub name: String,
    /// The registry host (`docker.io` when the reference names none).
    pub registry: String,
    /// The repository on the registry (`library/alpine` for Docker Hub's official images).
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// `name[:tag]@digest`: the reference pinned to `digest`, tag kept for readers.
    pub fn pinned(&self, digest: &str) -> String {
        match &self.tag {
            Some(tag) => format!("{}:{tag}@{digest}", self.name),
            None => format!("{}@{digest}", self.name),
        }
    }

    fn api_base(&self) -> String {
        let host = if self.registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            &self.registry
        };
        let scheme = if is_loopback(host) { "http" } else { "https" };
        format!("{scheme}://{host}")
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => host,
    };
    matches!(bare, "localhost" | "127.0.0.1" | "[::1]")
}

/// Parses an image reference (what follows `docker://`, or a `container`/`services` image).
pub fn parse_image(text: &str) -> Result<ImageRef, String> {
    let bad = |why: &str| Err(format!("image `{}` {why}", text.escape_debug()));
    if text.is_empty() || text.len() > 512 {
        return bad("is empty or too long");
    }
    if text.contains("${{") {
        return bad("is an expression");
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => {
            let hex = digest.strip_prefix("sha256:").unwrap_or("");
            if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return bad("has a digest that is not `sha256:` and 64 lowercase hex digits");
            }
            (rest, Some(digest.to_string()))
        }
        None => (text, None),
    };
    // A tag is after the last `:` that comes after the last `/` (a registry port has a `/`
    // after it).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !ok {
            return bad("has an invalid tag");
        }
    }
    let mut components: Vec<&str> = name.split('/').collect();
    let registry = if components.len() > 1
        && (components[0].contains(['.', ':']) || components[0] == "localhost")
    {
        let host = components.remove(0);
        let valid_host = host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
        if !valid_host || host.starts_with(['.', '-', ':']) {
            return bad("has an invalid registry host");
        }
        host.to_ascii_lowercase()
    } else {
        "docker.io".to_string()
    };
    if components.is_empty() {
        return bad("names no repository");
    }
    for c in &components {
        let ok = !c.is_empty()
            && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            && c.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if !ok {
            return bad("has an invalid repository name (lowercase letters, digits, `._-`)");
        }
    }
    let mut repository = components.join("/");
    if registry == "docker.io" && components.len() == 1 {
        repository = format!("library/{repository}");
    }
    Ok(ImageRef {
        name: name.to_string(),
        registry,
        repository,
        tag: tag.map(str::to_string),
        digest,
    })
}

/// The digest `image`'s tag names today (an index digest for a multi-platform image).
pub(crate) fn fetch_digest(
    image: &ImageRef,
    token: Option<&str>,
    timeout: Duration,
) -> Result<String, ResolveError> {
    let agent = ureq::AgentBuilder::new()
        .timeout(timeout)
        .redirects(3)
        .user_agent(concat!("wffmt/", env!("CARGO_PKG_VERSION")))
        .build();
    let reference = image.tag.as_deref().unwrap_or("latest");
    let url = format!(
        "{}/v2/{}/manifests/{reference}",
        image.api_base(),
        image.repository
    );
    let get = |bearer: Option<&str>| -> Result<ureq::Response, Box<ureq::Error>> {
        let mut req = agent.get(&url).set("Accept", ACCEPT);
        if let Some(b) = bearer {
            req = req.set("Authorization", &format!("Bearer {b}"));
        }
        req.call().map_err(Box::new)
    };
    let response = match get(None) {
        Err(e) => match *e {
            ureq::Error::Status(401, challenge) => {
                let bearer = bearer_token(&agent, image, &challenge, token)?;
                get(Some(&bearer))
            }
            other => Err(Box::new(other)),
        },
        ok => ok,
    };
    let response = response.map_err(|e| http_error(*e, token))?;
    let header = response.header("Docker-Content-Digest").map(str::to_string);
    let mut body = Vec::new();
    response
        .into_reader()
        .take(MAX_MANIFEST + 1)
        .read_to_end(&mut body)
        .map_err(|e| ResolveError::Network(format!("reading the manifest: {e}")))?;
    if body.len() as u64 > MAX_MANIFEST {
        return Err(ResolveError::Network(
            "the manifest is larger than 4 MiB".into(),
        ));
    }
    let digest = format!("sha256:{:x}", Sha256::digest(&body));
    if let Some(header) = header {
        if header.starts_with("sha256:") && header != digest {
            return Err(ResolveError::Network(
                "the registry's Docker-Content-Digest does not match the manifest it sent".into(),
            ));
        }
    }
    Ok(digest)
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
}

/// Answers a `Bearer realm="…",service="…",scope="…"` challenge.
fn bearer_token(
    agent: &ureq::Agent,
    image: &ImageRef,
    challenge: &ureq::Response,
    token: Option<&str>,
) -> Result<String, ResolveError> {
    let header = challenge
        .header("WWW-Authenticate")
        .unwrap_or_default()
        .to_string();
    let Some(params) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
    else {
        return Err(ResolveError::Auth(
            "the registry asks for credentials it does not say how to get".into(),
        ));
    };
    let param = |key: &str| {
        params.split(',').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
    };
    let realm = param("realm").ok_or_else(|| ResolveError::Auth("no token realm".into()))?;
    if !(realm.starts_with("https://") || realm.starts_with("http://")) {
        return Err(ResolveError::Auth(
            "the token realm is not an http(s) URL".into(),
        ));
    }
    let mut req = agent
        .get(&realm)
        .query("scope", &format!("repository:{}:pull", image.repository));
    if let Some(service) = param("service") {
        req = req.query("service", &service);
    }
    // Credentials only to the registry's own host (GHCR's realm is ghcr.io/token).
    let realm_host = realm
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if let Some(token) =
        token.filter(|_| realm_host == image.registry && image.registry == "ghcr.io")
    {
        let basic = super::git::base64(format!("x-access-token:{token}").as_bytes());
        req = req.set("Authorization", &format!("Basic {basic}"));
    }
    let answer: TokenAnswer = req
        .call()
        .map_err(|e| http_error(e, token))?
        .into_json()
        .map_err(|e| ResolveError::Auth(format!("unreadable token answer: {e}")))?;
    answer
        .token
        .or(answer.access_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ResolveError::Auth("the token endpoint sent no token".into()))
}

fn http_error(e: ureq::Error, token: Option<&str>) -> ResolveError {
    match e {
        ureq::Error::Status(404, _) => ResolveError::RepoNotFound,
        ureq::Error::Status(401 | 403, _) => ResolveError::Auth(
            "the registry refused access (a private image needs credentials)".into(),
        ),
        ureq::Error::Status(code, _) => ResolveError::Network(format!("HTTP {code}")),
        ureq::Error::Transport(t) => {
            let text = super::git::sanitize(&t.to_string(), token);
            if text.to_ascii_lowercase().contains("timed out") {
                ResolveError::Timeout
            } else {
                ResolveError::Network(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = parse_image("alpine:3.19").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("docker.io", "library/alpine", Some("3.19"))
        );
        assert_eq!(r.api_base(), "https://registry-1.docker.io");
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(r.pinned(&d), format!("alpine:3.19@{d}"));
        let r = parse_image("ghcr.io/Org/x").unwrap_err();
        assert!(r.contains("repository"), "{r}");
        let r = parse_image("ghcr.io/org/tool/sub:v1.2").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("ghcr.io", "org/tool/sub")
        );
        let r = parse_image("127.0.0.1:5000/test/app:1.0").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.api_base(), "http://127.0.0.1:5000");
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        let r = parse_image("localhost:5000/app").unwrap();
        assert_eq!((r.registry.as_str(), r.tag), ("localhost:5000", None));
        let r = parse_image(&format!("node:20@{d}")).unwrap();
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert_eq!(r.to_string(), format!("node:20@{d}"));
        let r = parse_image("user/repo").unwrap();
        assert_eq!(r.repository, "user/repo");
    }

    #[test]
    fn rejects_hostile_references() {
        for bad in [
            "",
            "alpine:",
            "alpine:-x",
            "alpine:a b",
            "Alpine",
            "alp ine",
            "a/../b",
            "evil.com/../../x",
            "node@sha256:xyz",
            "node@md5:0000",
            "${{ matrix.image }}",
            "host.example/x\u{202e}:1",
            "-x.example/a",
            "a//b",
            "a/b/",
        ] {
            assert!(parse_image(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("localhost:5000"));
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("[::1]:5000"));
        assert!(!is_loopback("127.0.0.1.evil.example"));
        assert!(!is_loopback("ghcr.io"));
    }
}
