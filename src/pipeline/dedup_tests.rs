//! The dedup-and-store decisions on a real SQLite store: copies, edits, follow-ups, stories.

use chrono::{DateTime, Utc};

use super::*;
use crate::model::{FeedItem, TextSource, Validators};
use crate::store::Poll;

/// Ten distinct paragraphs about one event; the articles below are cut from them.
fn paragraph(n: usize) -> String {
    const SUBJECTS: [&str; 10] = [
        "The harbour authority in Bergen",
        "Fishermen from the northern islands",
        "The regional ferry operator",
        "Environmental inspectors from Oslo",
        "The mayor of the coastal district",
        "A spokesperson for the coast guard",
        "Local hotel owners along the fjord",
        "The national weather service",
        "Dock workers at the container terminal",
        "Researchers from the marine institute",
    ];
    const ACTIONS: [&str; 10] = [
        "closed the inner basin after an oil sheen was spotted near the old shipyard",
        "kept their boats tied up for a second day and asked for compensation",
        "rerouted three evening crossings through the southern channel",
        "took water samples at twelve points between the bridge and the breakwater",
        "promised a public meeting on Thursday evening at the town hall",
        "said the leak had been traced to a cracked valve on a moored tanker",
        "reported cancellations from cruise passengers worried about the smell",
        "warned that strong westerly winds could push the slick towards the beaches",
        "were sent home with pay while booms were laid around the quay",
        "counted seabirds on the outer skerries to measure any harm to wildlife",
    ];
    format!("{} {} on Monday morning.", SUBJECTS[n], ACTIONS[n])
}

fn text(paragraphs: impl IntoIterator<Item = usize>) -> String {
    paragraphs
        .into_iter()
        .map(paragraph)
        .collect::<Vec<_>>()
        .join("\n\n")
}

struct Bench {
    _dir: tempfile::TempDir,
    store: Store,
    dedup: Dedup,
}

impl Bench {
    /// A store that has seen some unrelated news, as any running install has: the story
    /// clusterer's word statistics need a background.
    fn new() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let dedup = Dedup::restore(&store, &DedupConfig::default()).unwrap();
        let mut bench = Bench {
            _dir: dir,
            store,
            dedup,
        };
        let background = [
            "The central bank kept its main interest rate unchanged on Monday, citing inflation.",
            "A stoppage-time header gave Porto a narrow win and a place in the quarter-finals.",
            "The company showed a phone whose screen folds in half, priced above its rivals.",
            "Lawmakers approved the spending plan by a slim majority after a night of debate.",
            "Wildfires forced the evacuation of two villages in the hills above Valparaiso.",
            "The museum reopened its east wing with a retrospective of a Flemish painter.",
        ];
        for (n, text) in background.iter().enumerate() {
            let url = format!("https://wire.example/{n}");
            let outcome = bench.ingest("Wire", &url, &format!("Wire story {n}"), text);
            assert!(matches!(outcome, Outcome::New(_)), "{outcome:?}");
        }
        bench
    }

    /// An item of `source`'s feed at `url`, made into an article with `title` and `text`.
    fn ingest(&mut self, source: &str, url: &str, title: &str, text: &str) -> Outcome {
        let feed = format!("https://{}/rss", source.to_lowercase().replace(' ', "-"));
        let item = FeedItem {
            key: url.into(),
            link: Some(url.into()),
            title: Some(title.into()),
            summary: None,
            author: None,
            published: None,
        };
        let pending = self
            .store
            .record_poll(
                &feed,
                source,
                &Poll::new(&Validators::default(), &[item], Utc::now()),
            )
            .unwrap()
            .remove(0);
        let published = DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z").unwrap();
        let mut article = Article {
            id: 0,
            item_id: pending.id,
            feed_url: feed,
            source: source.into(),
            url: url.into(),
            canonical_url: url.into(),
            title: title.into(),
            author: None,
            published: Some(published.with_timezone(&Utc)),
            lang: Some("en".into()),
            text: text.into(),
            html: String::new(),
            text_source: TextSource::Page,
            fetched_at: Utc::now(),
            summary: None,
            tags: Vec::new(),
            modified: None,
            story_id: None,
            copies: Vec::new(),
        };
        self.dedup.handle(&self.store, &mut article).unwrap()
    }
}

#[test]
fn another_outlets_copy_becomes_a_source_of_the_article() {
    let mut bench = Bench::new();
    let Outcome::New(original) = bench.ingest(
        "Fjord Post",
        "https://fjordpost.example/oil-sheen",
        "Oil sheen closes Bergen harbour basin",
        &text(0..10),
    ) else {
        panic!("the first article is new");
    };
    // A blog republishes it under its own headline, with a line of its own on top.
    let republished = format!("Republished from Fjord Post.\n\n{}", text(0..10));
    let outcome = bench.ingest(
        "Coastal Blog",
        "https://blog.example/2026/03/bergen",
        "Bergen harbour: what we know",
        &republished,
    );
    let Outcome::Copy { of, similarity } = outcome else {
        panic!("expected a copy, got {outcome:?}");
    };
    assert_eq!(of, original);
    assert!(similarity >= 0.8, "{similarity}");
    let (article, _) = bench.store.article(original).unwrap().unwrap();
    assert_eq!(article.copies.len(), 1);
    assert_eq!(article.copies[0].source, "Coastal Blog");
    assert_eq!(bench.store.article_count().unwrap(), 7);
}

#[test]
fn an_outlets_new_version_is_an_edit_and_its_follow_up_a_new_article() {
    let mut bench = Bench::new();
    let Outcome::New(original) = bench.ingest(
        "Fjord Post",
        "https://fjordpost.example/oil-sheen",
        "Oil sheen closes Bergen harbour basin",
        &text(0..10),
    ) else {
        panic!("the first article is new");
    };
    // The same outlet, a new URL and headline, one sentence added: the article, edited.
    let edited = format!("{}\n\nThe basin reopened at noon.", text(0..10));
    let outcome = bench.ingest(
        "Fjord Post",
        "https://fjordpost.example/oil-sheen-basin-reopens",
        "Bergen harbour basin reopens after oil sheen",
        &edited,
    );
    assert_eq!(outcome, Outcome::Edited { of: original });
    let (article, placed) = bench.store.article(original).unwrap().unwrap();
    assert_eq!(
        article.title,
        "Bergen harbour basin reopens after oil sheen"
    );
    assert!(article.text.ends_with("The basin reopened at noon."));
    assert!(placed.updated_at.is_some());

    // A follow-up that repeats part of the first report is the outlet's next article, in the
    // same story.
    let follow_up = bench.ingest(
        "Fjord Post",
        "https://fjordpost.example/oil-sheen-day-two",
        "Day two of the Bergen oil sheen",
        &text((0..6).chain([9])),
    );
    let Outcome::New(second) = follow_up else {
        panic!("a follow-up is a new article, got {follow_up:?}");
    };
    let (second, placed) = bench.store.article(second).unwrap().unwrap();
    assert_eq!(second.story_id, article.story_id);
    assert!(placed.joined);
    assert_eq!(bench.store.article_count().unwrap(), 8);
}
