//! Content fingerprints: the same text under an edited headline, GUID or URL is the same
//! article. The hash covers the words of the text only (lower-cased, NFC as extracted), so
//! punctuation, spacing and markup changes keep it.

use sha2::{Digest, Sha256};

/// Fewer words than this say too little to identify an article (a one-line teaser is shared by
/// unrelated items: "Live updates", "Watch the video").
const MIN_WORDS: usize = 20;

/// The fingerprint of an article's text, hex-encoded; `None` for texts too short to tell.
pub fn fingerprint(text: &str) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut words = 0;
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if words > 0 {
            hasher.update(b" ");
        }
        hasher.update(word.to_lowercase().as_bytes());
        words += 1;
    }
    (words >= MIN_WORDS).then(|| hex::encode(&hasher.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Armenia and Azerbaijan resumed peace talks in Geneva on Monday, the \
        foreign ministers said, after a pause of three months over the border crossings.";

    #[test]
    fn punctuation_case_and_spacing_do_not_change_it() {
        let edited = TEXT.replace(", ", " ,  ").to_uppercase();
        assert_eq!(fingerprint(TEXT), fingerprint(&edited));
        assert!(fingerprint(TEXT).is_some());
    }

    #[test]
    fn another_word_changes_it_and_short_texts_have_none() {
        assert_ne!(
            fingerprint(TEXT),
            fingerprint(&TEXT.replace("Monday", "Tuesday"))
        );
        assert_eq!(fingerprint("Watch the video"), None);
    }
}
