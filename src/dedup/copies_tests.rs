//! Unit tests of the copy detector, with articles written for them.

use super::*;

fn at(hours: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + TimeDelta::hours(hours)
}

const SENTENCES: [&str; 10] = [
    "Foreign ministers of Azerbaijan and Armenia met in Geneva on Monday to resume peace talks \
     over the disputed border, the first meeting of its kind since the autumn.",
    "The talks were mediated by Swiss diplomats and lasted more than six hours, according to \
     officials from both delegations who spoke on condition of anonymity.",
    "Both sides agreed to set up a joint commission on border demarcation that will meet again \
     in Tbilisi before the end of the month.",
    "Armenia's foreign minister told reporters that progress had been made on the release of \
     detainees but that the question of transport corridors remained open.",
    "His Azerbaijani counterpart said Baku was ready to sign a framework agreement as soon as \
     the remaining differences over the wording of the preamble were settled.",
    "The European Union and the United States welcomed the meeting and urged the two \
     governments to keep up the momentum in the weeks ahead.",
    "Thousands of people displaced by the fighting still live in temporary housing on both \
     sides of the line, and aid groups have warned of a difficult winter.",
    "Analysts in Yerevan cautioned that domestic opposition to concessions could slow down the \
     ratification of any treaty in parliament.",
    "A previous round of negotiations in Washington ended without a joint statement after a \
     dispute over the sequencing of troop withdrawals.",
    "The next meeting of the foreign ministers is expected to take place in Geneva in early \
     spring, diplomats said.",
];

fn original() -> String {
    SENTENCES.join(" ")
}

#[test]
fn a_republished_blog_copy_with_header_and_footer_is_found() {
    let mut detector = CopyDetector::new(CopyConfig::default());
    detector.insert(
        1,
        CopyDetector::signature(&original()).unwrap(),
        Some(at(0)),
    );
    let blog = format!(
        "Posted by admin | Caucasus Watch | 3 comments\n\nRepublished with permission.\n\n{}\n\n\
         Source: France24. Share this: Facebook, Twitter, Email. Subscribe to our newsletter.",
        original()
    );
    let found = detector.find(&CopyDetector::signature(&blog).unwrap());
    let (key, similarity) = found.expect("the blog copy is found");
    assert_eq!(key, 1);
    assert!(similarity >= 0.8, "similarity {similarity}");
}

#[test]
fn a_syndicated_rewrite_with_changed_sentences_is_found() {
    let mut detector = CopyDetector::new(CopyConfig::default());
    detector.insert(
        7,
        CopyDetector::signature(&original()).unwrap(),
        Some(at(0)),
    );
    let mut rewrite: Vec<&str> = SENTENCES.to_vec();
    rewrite[0] = "Top diplomats from Armenia and Azerbaijan sat down in Geneva on Monday for a \
                  new round of peace negotiations on their contested frontier.";
    rewrite[5] = "Brussels and Washington praised the talks.";
    rewrite.remove(8);
    let found = detector.find(&CopyDetector::signature(&rewrite.join(" ")).unwrap());
    let (key, similarity) = found.expect("the rewrite is found");
    assert_eq!(key, 7);
    assert!(similarity < 0.9, "not an exact copy: {similarity}");
}

#[test]
fn two_articles_on_the_same_topic_are_not_copies() {
    let mut detector = CopyDetector::new(CopyConfig::default());
    detector.insert(
        1,
        CopyDetector::signature(&original()).unwrap(),
        Some(at(0)),
    );
    let other = "Armenia and Azerbaijan resumed talks in Geneva this week, and the mood among \
        the delegations was described as cautious. Swiss mediators kept the two foreign \
        ministers at the table for most of the day. The main sticking points are the border \
        line, the corridors through southern Armenia and the fate of detainees. In Baku, \
        officials said a framework deal was within reach; in Yerevan, opposition parties \
        staged a protest outside the foreign ministry against what they called unilateral \
        concessions. Aid agencies say tens of thousands of displaced people are still waiting \
        to return home.";
    assert_eq!(
        detector.find(&CopyDetector::signature(other).unwrap()),
        None
    );
}

#[test]
fn unrelated_texts_agree_on_few_of_their_16_bit_minima() {
    // The low bits of a minimum are as random as its hash; its high bits are nearly all zero
    // (a minimum is small), and keeping those would make every pair of texts look alike.
    let a = CopyDetector::signature(&filler(1, 200)).unwrap();
    let b = CopyDetector::signature(&filler(2, 200)).unwrap();
    assert!(a.similarity(&b) < 0.05, "{}", a.similarity(&b));
    assert_eq!(a.similarity(&a), 1.0);
}

#[test]
fn short_texts_have_no_signature() {
    assert!(CopyDetector::signature(SENTENCES[0]).is_none());
    assert!(CopyDetector::signature("").is_none());
}

#[test]
fn find_does_not_insert_and_insert_replaces_a_key() {
    let mut detector = CopyDetector::new(CopyConfig::default());
    let sig = CopyDetector::signature(&original()).unwrap();
    assert_eq!(detector.find(&sig), None);
    assert!(detector.is_empty());
    detector.insert(3, sig.clone(), None);
    detector.insert(3, sig.clone(), None);
    assert_eq!(detector.len(), 1);
    assert_eq!(detector.find(&sig), Some((3, 1.0)));
}

#[test]
fn entries_older_than_the_window_leave_the_index() {
    let mut detector = CopyDetector::new(CopyConfig::default());
    let sig = CopyDetector::signature(&original()).unwrap();
    detector.insert(1, sig.clone(), Some(at(0)));
    let other = CopyDetector::signature(&SENTENCES[1..].join(" ")).unwrap();
    detector.insert(2, other.clone(), Some(at(71)));
    assert_eq!(detector.find(&sig).map(|(k, _)| k), Some(1));
    detector.insert(3, other, Some(at(73)));
    assert_eq!(detector.len(), 2, "the entry from hour 0 left");
    assert_ne!(detector.find(&sig).map(|(k, _)| k), Some(1));
}

/// The check on the SemEval pairs dev half (`../shared/corpus/pairs`, not in the repository):
/// articles sharing a text (syndicated copies) come out as copies of each other, and no pair
/// labelled as different stories (Overall > 2.5) does. Run with
/// `cargo test --release --lib copies_on_the_pairs_corpus -- --ignored --nocapture`.
#[test]
#[ignore = "needs ../shared/corpus/pairs"]
fn copies_on_the_pairs_corpus() {
    use std::collections::HashMap;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pairs");
    let read = |name: &str| -> Vec<serde_json::Value> {
        std::fs::read_to_string(dir.join(name))
            .expect("the pairs corpus")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let articles = read("articles.jsonl");
    let pairs = read("pairs.jsonl");
    let text = |a: &serde_json::Value| a["text"].as_str().unwrap_or("").to_string();
    let signatures: HashMap<String, Option<Signature>> = articles
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                CopyDetector::signature(&text(a)),
            )
        })
        .collect();
    println!(
        "{} articles, {} with a signature",
        articles.len(),
        signatures.values().flatten().count()
    );

    // Groups of articles whose texts are the same word for word.
    let mut groups: HashMap<Vec<u64>, Vec<usize>> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        groups.entry(words(&text(a)).collect()).or_default().push(i);
    }
    let groups: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();

    // The stream: each article looks for an earlier copy, then enters the index.
    let config = CopyConfig {
        window: TimeDelta::days(3650),
        ..CopyConfig::default()
    };
    let mut detector = CopyDetector::new(config);
    let mut copy_of: HashMap<usize, (usize, f32)> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        let Some(sig) = signatures[a["id"].as_str().unwrap()].clone() else {
            continue;
        };
        if let Some((key, similarity)) = detector.find(&sig) {
            copy_of.insert(i, (key as usize, similarity));
        }
        detector.insert(i as i64, sig, None);
    }
    // A text too short to judge (a 39-word login notice shared by two pages) has no signature.
    let judged: Vec<&Vec<usize>> = groups
        .iter()
        .filter(|g| signatures[articles[g[0]]["id"].as_str().unwrap()].is_some())
        .collect();
    let found = judged
        .iter()
        .filter(|g| {
            g[1..]
                .iter()
                .all(|i| copy_of.get(i).is_some_and(|(k, _)| g.contains(k)))
        })
        .count();
    println!(
        "identical-text groups: {} ({} articles), {} long enough to judge, found as copies: \
         {found}; copies found in all: {}",
        groups.len(),
        groups.iter().map(Vec::len).sum::<usize>(),
        judged.len(),
        copy_of.len()
    );

    let similarity = |p: &serde_json::Value| -> Option<f32> {
        let a = signatures.get(p["id1"].as_str()?)?.as_ref()?;
        let b = signatures.get(p["id2"].as_str()?)?.as_ref()?;
        Some(a.similarity(b))
    };
    let mut by_label: HashMap<&str, Vec<f32>> = HashMap::new();
    for p in &pairs {
        let overall = p["overall"].as_f64().unwrap();
        let label = if overall <= 2.0 {
            "same story (<= 2.0)"
        } else if overall > 2.5 {
            "not same story (> 2.5)"
        } else {
            "in between"
        };
        if let Some(s) = similarity(p) {
            by_label.entry(label).or_default().push(s);
        }
    }
    for (label, scores) in &by_label {
        let copies = scores.iter().filter(|&&s| s >= 0.5).count();
        let max = scores.iter().copied().fold(0.0f32, f32::max);
        println!(
            "{label}: {} pairs, {copies} copies, max estimate {max:.3}",
            scores.len()
        );
    }
    assert_eq!(found, judged.len(), "every identical-text group is found");
    let negatives = &by_label["not same story (> 2.5)"];
    assert!(
        negatives.iter().all(|&s| s < 0.5),
        "no different-story pair is a copy"
    );
}

/// A text of `words` made-up words, distinct for each `seed`.
fn filler(seed: usize, words: usize) -> String {
    (0..words)
        .map(|i| format!("w{seed}x{i}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Bands of `sig` whose bucket no longer holds `key`.
fn buckets_without(detector: &CopyDetector, sig: &Signature, key: i64) -> usize {
    sig.bands()
        .filter(|&band| !detector.bucket_keys(band).contains(&key))
        .count()
}

#[test]
fn a_copy_is_found_after_many_texts_crowded_the_originals_bands() {
    let mut detector = CopyDetector::new(CopyConfig::default());
    let first_half = SENTENCES[..5].join(" ");
    let original = format!("{first_half} {}", SENTENCES[5..].join(" "));
    let sig = CopyDetector::signature(&original).unwrap();
    detector.insert(1, sig.clone(), Some(at(0)));
    // Later articles quote the same first half, each with its own second half: they share the
    // original's bands for the minima that fall in the first half.
    for i in 0..200 {
        let quoting = format!("{first_half} {}", filler(i, 120));
        detector.insert(
            100 + i as i64,
            CopyDetector::signature(&quoting).unwrap(),
            Some(at(1)),
        );
    }
    let crowded = buckets_without(&detector, &sig, 1);
    assert!(
        crowded > 0,
        "the original was pushed out of crowded buckets"
    );
    assert!(crowded < BANDS, "and is still in the others");
    assert!(
        detector
            .bands
            .keys()
            .all(|&band| detector.bucket_keys(band).len() <= BUCKET_CAP)
    );

    let blog = format!("Republished from Caucasus Watch. {original} Share this article.");
    let (key, similarity) = detector
        .find(&CopyDetector::signature(&blog).unwrap())
        .expect("the copy is found");
    assert_eq!(key, 1, "the original, not a text quoting half of it");
    assert!(similarity >= 0.8, "similarity {similarity}");
}

#[test]
fn entries_pushed_out_of_buckets_still_leave_the_index() {
    let mut detector = CopyDetector::new(CopyConfig::default());
    let shared = SENTENCES[..5].join(" ");
    for i in 0..50 {
        let text = format!("{shared} {}", filler(i, 60));
        detector.insert(
            i as i64,
            CopyDetector::signature(&text).unwrap(),
            Some(at(0)),
        );
    }
    let late = CopyDetector::signature(&filler(999, 80)).unwrap();
    detector.insert(999, late.clone(), Some(at(80)));
    assert_eq!(detector.len(), 1);
    assert_eq!(
        detector.bands.len(),
        late.bands().count(),
        "no bucket is left behind"
    );
}
