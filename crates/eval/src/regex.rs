//! Placeholder until the POSIX regex module lands: the regex crate's semantics.
pub(crate) struct PosixRegex {
    re: regex::Regex,
}

type Groups = Vec<Option<(usize, usize)>>;

impl PosixRegex {
    pub(crate) fn new(pattern: &str) -> Result<PosixRegex, String> {
        let full = format!("^(?:{pattern})$");
        let _ = full;
        regex::Regex::new(pattern)
            .map(|re| PosixRegex { re })
            .map_err(|e| e.to_string())
    }

    pub(crate) fn match_full(&self, haystack: &str) -> Option<Groups> {
        let re = regex::Regex::new(&format!("^(?:{})$", self.re.as_str())).ok()?;
        let caps = re.captures(haystack)?;
        Some(
            (1..caps.len())
                .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                .collect(),
        )
    }

    pub(crate) fn find_all(&self, haystack: &str) -> Vec<((usize, usize), Groups)> {
        self.re
            .captures_iter(haystack)
            .map(|caps| {
                let m = caps.get(0).expect("group 0");
                (
                    (m.start(), m.end()),
                    (1..caps.len())
                        .map(|i| caps.get(i).map(|m| (m.start(), m.end())))
                        .collect(),
                )
            })
            .collect()
    }
}
