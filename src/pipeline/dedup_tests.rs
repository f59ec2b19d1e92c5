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
        Bench::with_config(&DedupConfig::default())
    }

    fn with_config(config: &DedupConfig) -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite")).unwrap();
        let dedup = Dedup::restore(&store, config).unwrap();
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

/// One strike told from two angles (the trains, the pay talks) by two outlets each, then a
/// report that tells both.
const STRIKE: [(&str, &str, &str); 5] = [
    (
        "Lisbon Post",
        "Lisbon metro strike halts trains at rush hour",
        "Metro workers in Lisbon walked out at dawn, halting trains on all four lines and \
         leaving commuters queuing for buses.",
    ),
    (
        "Tagus Times",
        "Lisbon commuters queue for buses as metro strike halts trains",
        "Commuters queued for buses across Lisbon after metro workers walked out at dawn and \
         trains stopped on all four lines.",
    ),
    (
        "Iberia Daily",
        "Metro union demands pay rise, Lisbon council offers talks",
        "The drivers' union demanded a nine percent pay rise and the city council offered talks \
         with the transport ministry next week.",
    ),
    (
        "Atlantic Wire",
        "Lisbon council offers talks as union seeks nine percent pay rise",
        "The city council offered talks next week with the transport ministry, as the drivers' \
         union sought a nine percent pay rise.",
    ),
    (
        "Porto Herald",
        "Lisbon metro strike halts trains; union demands pay rise",
        "Metro workers in Lisbon walked out at dawn, halting trains on all four lines; the \
         drivers' union demanded a nine percent pay rise and the council offered talks.",
    ),
];

#[test]
fn a_report_telling_two_big_stories_folds_them_in_the_store_and_after_a_restart() {
    let mut config = DedupConfig::default();
    config.stories.threshold = 0.4;
    config.stories.merge_articles = 2;
    config.stories.merge_threshold = 0.2;
    let mut bench = Bench::with_config(&config);
    let folds = || crate::metrics::global().stories_folded.get();
    let folded_before = folds();
    let mut placed = Vec::new();
    for (n, (source, title, text)) in STRIKE.iter().enumerate() {
        let url = format!("https://{}.example/strike-{n}", source.replace(' ', ""));
        let Outcome::New(id) = bench.ingest(source, &url, title, text) else {
            panic!("report {n} is a new article");
        };
        let story = bench
            .store
            .article(id)
            .unwrap()
            .unwrap()
            .1
            .story_id
            .unwrap();
        // What the store stage hands to the index again with the article.
        let moved = std::mem::take(&mut bench.dedup.moved);
        placed.push((id, story, moved));
    }
    let (older, younger) = (placed[0].1, placed[2].1);
    assert_ne!(older, younger, "the second angle starts its own story");
    assert_eq!([placed[1].1, placed[3].1], [older, younger]);
    assert!(placed[..4].iter().all(|p| p.2.is_empty()), "{placed:?}");

    // The fifth report could join either story: the younger is folded into the older, and its
    // articles move there, in the store and (handed on again) in the index.
    assert_eq!(placed[4].1, older);
    assert!(folds() > folded_before, "counted in the metrics");
    let moved: Vec<(i64, Option<i64>)> = placed[4].2.iter().map(|a| (a.id, a.story_id)).collect();
    assert_eq!(
        moved,
        [(placed[2].0, Some(older)), (placed[3].0, Some(older))]
    );
    for (id, _, _) in &placed {
        let (article, why) = bench.store.article(*id).unwrap().unwrap();
        assert_eq!(article.story_id, Some(older));
        let first = if [placed[2].0, placed[3].0].contains(id) {
            Some(younger)
        } else {
            None
        };
        assert_eq!(why.folded_from, first, "article {id}");
    }
    // The folded story's id leads to the story that took its articles, and is not given again.
    let (story, articles) = bench.store.story(younger).unwrap().unwrap();
    assert_eq!(
        (story.id, story.article_count, articles.len()),
        (older, 5, 5)
    );
    assert_eq!(bench.store.max_story_id().unwrap(), younger.max(older));

    // After a restart the window holds one story of five.
    let live = bench.dedup.stories.live_stories();
    assert_eq!(live, 6 + 1, "the background's stories and the strike");
    let restored = Dedup::restore(&bench.store, &config).unwrap();
    assert_eq!(restored.stories.live_stories(), live);
}
