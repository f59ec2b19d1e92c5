//! TEMPORARY stand-in (exact shingle sets, linear scan) for the MinHash detector being written
//! in another checkout; replaced at merge.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct CopyConfig {
    pub threshold: f32,
    pub window: TimeDelta,
}

impl Default for CopyConfig {
    fn default() -> Self {
        CopyConfig {
            threshold: 0.5,
            window: TimeDelta::hours(72),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Signature(HashSet<u64>);

pub struct CopyDetector {
    config: CopyConfig,
    entries: HashMap<i64, (Signature, Option<DateTime<Utc>>)>,
}

impl CopyDetector {
    pub fn new(config: CopyConfig) -> Self {
        CopyDetector {
            config,
            entries: HashMap::new(),
        }
    }

    pub fn signature(text: &str) -> Option<Signature> {
        use std::hash::{Hash, Hasher};
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        if words.len() < 40 {
            return None;
        }
        let set = words
            .windows(5)
            .map(|w| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                w.hash(&mut h);
                h.finish()
            })
            .collect();
        Some(Signature(set))
    }

    pub fn find(&self, sig: &Signature) -> Option<(i64, f32)> {
        let mut best: Option<(i64, f32)> = None;
        for (&key, (other, _)) in &self.entries {
            let inter = sig.0.intersection(&other.0).count() as f32;
            let union = (sig.0.len() + other.0.len()) as f32 - inter;
            let j = if union > 0.0 { inter / union } else { 0.0 };
            if j >= self.config.threshold && best.is_none_or(|(_, b)| j > b) {
                best = Some((key, j));
            }
        }
        best
    }

    pub fn insert(&mut self, key: i64, sig: Signature, published: Option<DateTime<Utc>>) {
        self.entries.insert(key, (sig, published));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
