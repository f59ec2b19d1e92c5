//! Configuration errors that point at the file, line and key a user has to fix.

use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {}{message}", path.display(), key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        key: Option<String>,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Other { path: PathBuf, message: String },
}

impl ConfigError {
    /// An error at a byte span of `source`, the text of the file at `path`. The key is the one
    /// assigned on the span's line, or `key` when given.
    pub(crate) fn at(
        path: &Path,
        source: &str,
        span: Option<Range<usize>>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        let start = span.map_or(0, |s| s.start.min(source.len()));
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..start].chars().count() + 1;
        let line_text = source[line_start..].lines().next().unwrap_or("");
        let key = key.map(str::to_owned).or_else(|| key_on_line(line_text));
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            column,
            key,
            message: message.into(),
        }
    }

    /// Wraps a TOML deserialization error of the file at `path` holding `source`.
    pub(crate) fn from_toml(path: &Path, source: &str, err: &toml::de::Error) -> Self {
        Self::at(path, source, err.span(), None, err.message().trim())
    }
}

/// The key assigned on a TOML line such as `  interval = "5m"`.
fn key_on_line(line: &str) -> Option<String> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    valid.then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_line_column_and_key() {
        let src = "[[feed]]\nurl = \"x\"\nintervall = \"5m\"\n";
        let span = src.find("intervall").map(|s| s..s + 9);
        let err = ConfigError::at(Path::new("feeds.toml"), src, span, None, "unknown field");
        assert_eq!(
            err.to_string(),
            "feeds.toml:3:1: key `intervall`: unknown field"
        );
    }
}
