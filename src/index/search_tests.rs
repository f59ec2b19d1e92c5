//! Searching a real tantivy index in a temp dir, as users query it.

use chrono::TimeDelta;

use super::*;
use crate::index::FacetCount;
use crate::model::{Article, ArticleSource};

/// 2025-11-04 08:00 UTC, the day the test news happened.
fn day(offset_days: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_762_243_200, 0).unwrap() + TimeDelta::days(offset_days)
}

struct Doc {
    id: i64,
    lang: &'static str,
    source: &'static str,
    title: &'static str,
    text: &'static str,
    days: i64,
    story: i64,
}

const DOCS: &[Doc] = &[
    Doc {
        id: 1,
        lang: "en",
        source: "France 24",
        title: "Armenia and Azerbaijan resume peace talks",
        text: "Karabakh peace talks resumed in Geneva on Tuesday, mediated by Swiss diplomats.",
        days: 0,
        story: 10,
    },
    Doc {
        id: 2,
        lang: "en",
        source: "Northern Wire",
        title: "Geneva hosts Caucasus negotiations",
        text: "Negotiators talked for six hours in Geneva; the minister said the talk went well.",
        days: 0,
        story: 10,
    },
    Doc {
        id: 3,
        lang: "fr",
        source: "Le Monde",
        title: "Reprise des négociations à Genève",
        text: "Les élections législatives auront lieu au printemps, selon le ministre arménien.",
        days: -1,
        story: 10,
    },
    Doc {
        id: 4,
        lang: "de",
        source: "Tagesschau",
        title: "Erdbeben in der Türkei",
        text: "Nach dem Erdbeben begannen die Verhandlungen über den Wiederaufbau der Städte.",
        days: -2,
        story: 11,
    },
    Doc {
        id: 5,
        lang: "ru",
        source: "Meduza",
        title: "Переговоры в Женеве",
        text: "Переговоры о мире продолжились в Женеве во вторник.",
        days: -3,
        story: 12,
    },
    Doc {
        id: 6,
        lang: "tr",
        source: "Hürriyet",
        title: "Cenevre'de barış görüşmeleri",
        text: "Ermenistan ve Azerbaycan Cenevre'de barış görüşmelerine başladı.",
        days: -5,
        story: 13,
    },
];

fn article(doc: &Doc) -> Article {
    Article {
        id: doc.id,
        item_id: doc.id,
        feed_url: format!("https://{}.example/rss", doc.lang),
        source: doc.source.into(),
        url: format!("https://news.example/{}", doc.id),
        canonical_url: format!("https://news.example/{}", doc.id),
        title: doc.title.into(),
        author: Some("Anna Petrosyan".into()).filter(|_| doc.id == 1),
        published: Some(day(doc.days)),
        lang: Some(doc.lang.into()),
        text: doc.text.into(),
        html: String::new(),
        text_source: Default::default(),
        fetched_at: day(doc.days),
        summary: None,
        tags: vec![if doc.lang == "en" { "World" } else { "Europe" }.into()],
        modified: None,
        story_id: Some(doc.story),
        copies: if doc.id == 1 {
            vec![ArticleSource {
                source: "Caucasus Watch".into(),
                url: "https://blog.example/1".into(),
                title: "Copy".into(),
                published: None,
                similarity: 0.9,
            }]
        } else {
            Vec::new()
        },
    }
}

fn index_with(docs: &[Doc]) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let mut writer = index.writer(15_000_000).unwrap();
    for doc in docs {
        writer.add(&article(doc)).unwrap();
    }
    writer.commit().unwrap();
    (dir, index)
}

fn request(query: &str) -> SearchRequest {
    SearchRequest {
        query: query.into(),
        limit: 20,
        collapse: Collapse::None,
        ..SearchRequest::default()
    }
}

fn ids(results: &SearchResults) -> Vec<i64> {
    results.hits.iter().map(|h| h.id).collect()
}

fn found(index: &SearchIndex, query: &str) -> Vec<i64> {
    let mut found = ids(&index.run(&request(query)).unwrap());
    found.sort();
    found
}

#[test]
fn words_phrases_and_highlighted_snippets() {
    let (_dir, index) = index_with(DOCS);
    let hits = index
        .run(&request("\"karabakh peace talks\""))
        .unwrap()
        .hits;
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [1]);
    assert!(
        hits[0]
            .snippet_html
            .contains("<b>Karabakh</b> <b>peace</b> <b>talks</b>"),
        "{:?}",
        hits[0].snippet_html
    );
    assert!(
        hits[0].title_html.contains("<b>peace</b> <b>talks</b>"),
        "{:?}",
        hits[0].title_html
    );
    assert_eq!(hits[0].source, "France 24");
    assert_eq!(hits[0].story_id, Some(10));
    // Accents folded both ways.
    assert_eq!(found(&index, "geneve negociations"), [3]);
    assert_eq!(found(&index, "hurriyet"), [6]);
}

#[test]
fn inflected_forms_match_in_each_language() {
    let (_dir, index) = index_with(DOCS);
    // English: "talks" / "talked" / "talk".
    assert_eq!(found(&index, "talking"), [1, 2]);
    // French: "élection" finds "élections"; German "Verhandlung" finds "Verhandlungen".
    assert_eq!(found(&index, "élection"), [3]);
    assert_eq!(found(&index, "Verhandlung"), [4]);
    // Russian: "переговорах" finds "Переговоры".
    assert_eq!(found(&index, "переговорах"), [5]);
    // Turkish: "görüşme" finds "görüşmeleri".
    assert_eq!(found(&index, "görüşme"), [6]);
}

#[test]
fn boolean_operators_fields_and_date_ranges() {
    let (_dir, index) = index_with(DOCS);
    assert_eq!(
        found(&index, "geneva OR erdbeben"),
        [1, 2, 3, 4],
        "Genève too"
    );
    assert_eq!(found(&index, "geneva -swiss"), [2, 3]);
    assert_eq!(found(&index, "geneva AND NOT minister -lang:fr"), [1]);
    assert_eq!(found(&index, "title:geneva"), [2, 3]);
    assert_eq!(found(&index, "source:\"northern wire\""), [2]);
    assert_eq!(
        found(&index, "source:caucasus"),
        [1],
        "through a copy's outlet"
    );
    assert_eq!(found(&index, "author:petrosyan"), [1]);
    assert_eq!(found(&index, "lang:de"), [4]);
    assert_eq!(found(&index, "tag:world"), [1, 2]);
    assert_eq!(found(&index, "story:10"), [1, 2, 3]);
    assert_eq!(
        found(&index, "published:[2025-11-01 TO 2025-11-03]"),
        [3, 4, 5]
    );
    assert_eq!(
        found(&index, "-lang:en -lang:fr published:[* TO 2025-11-02]"),
        [4, 5, 6]
    );
}

#[test]
fn an_or_scores_an_article_by_all_the_words_it_holds() {
    let (_dir, index) = index_with(DOCS);
    let score = |query: &str, id: i64| {
        let results = index.run(&request(query)).unwrap();
        results.hits.iter().find(|h| h.id == id).map(|h| h.score)
    };
    let both = score("geneva OR minister", 2).unwrap();
    let apart = score("geneva", 2).unwrap() + score("minister", 2).unwrap();
    assert!((both - apart).abs() < 1e-4, "{both} vs {apart}");
    let results = index
        .run(&request("(geneva OR talks) OR minister"))
        .unwrap();
    assert_eq!(results.total, 3);
    assert_eq!(results.hits[0].id, 2, "holds all three words");
}

#[test]
fn a_word_no_article_holds_matches_nothing_and_is_no_error() {
    let (_dir, index) = index_with(DOCS);
    assert_eq!(found(&index, "zyxwvut"), Vec::<i64>::new());
    assert_eq!(found(&index, "\"zyxwvut geneva\""), Vec::<i64>::new());
    assert_eq!(found(&index, "geneva OR zyxwvut"), [1, 2, 3]);
    assert_eq!(found(&index, "geneva zyxwvut"), Vec::<i64>::new());
    assert_eq!(found(&index, "geneva -zyxwvut"), [1, 2, 3]);
    assert_eq!(found(&index, "title:zyxwvut OR title:geneva"), [2, 3]);
}

#[test]
fn a_language_filter_searches_that_languages_words_only() {
    let (_dir, index) = index_with(DOCS);
    let mut req = request("title:négociations OR title:geneva");
    req.langs = vec![" FR ".into()];
    assert_eq!(ids(&index.run(&req).unwrap()), [3]);
    req.langs = vec!["ja".into()];
    let results = index.run(&req).unwrap();
    assert!(results.hits.is_empty() && results.total == 0, "{results:?}");
    req.query = "title:".into();
    assert!(index.run(&req).is_err(), "still checked");
}

#[test]
fn filters_narrow_and_sorting_by_date() {
    let (_dir, index) = index_with(DOCS);
    let mut req = request("geneva OR genève OR женеве OR cenevre");
    assert_eq!(index.run(&req).unwrap().total, 5);
    req.langs = vec!["EN".into(), "ru".into()];
    let mut got = ids(&index.run(&req).unwrap());
    got.sort();
    assert_eq!(got, [1, 2, 5]);
    req.langs.clear();
    req.sources = vec!["Caucasus Watch".into()];
    assert_eq!(ids(&index.run(&req).unwrap()), [1]);
    req.sources.clear();
    req.since = Some(day(-1) - TimeDelta::hours(1));
    req.sort = Sort::Newest;
    let newest = index.run(&req).unwrap();
    assert_eq!(
        ids(&newest)[2],
        3,
        "oldest of the three last: {:?}",
        ids(&newest)
    );
    req.until = Some(day(-2));
    assert!(index.run(&req).unwrap().hits.is_empty());
}

#[test]
fn one_hit_per_story_with_its_other_sources() {
    let (_dir, index) = index_with(DOCS);
    let mut req = request("geneva OR genève OR женеве OR cenevre");
    req.collapse = Collapse::Story;
    let results = index.run(&req).unwrap();
    assert_eq!(results.total, 5, "total counts articles");
    let stories: Vec<Option<i64>> = results.hits.iter().map(|h| h.story_id).collect();
    assert_eq!(stories.len(), 3, "{stories:?}");
    let talks = results
        .hits
        .iter()
        .find(|h| h.story_id == Some(10))
        .unwrap();
    assert_eq!(talks.more_in_story, 2);
    // The outlets of the two others, their copies' included.
    let mut expected: Vec<&str> = match talks.id {
        1 => vec!["Northern Wire", "Le Monde"],
        2 => vec!["France 24", "Caucasus Watch", "Le Monde"],
        _ => vec!["France 24", "Caucasus Watch", "Northern Wire"],
    };
    expected.sort();
    assert_eq!(talks.more_sources, expected, "best: {}", talks.id);
}

#[test]
fn facets_count_sources_days_and_languages() {
    let (_dir, index) = index_with(DOCS);
    let mut req = request("geneva OR genève OR женеве OR cenevre OR erdbeben");
    req.facets = true;
    let facets = index.run(&req).unwrap().facets.unwrap();
    let count = |facet: &[FacetCount], value: &str| {
        facet.iter().find(|f| f.value == value).map(|f| f.count)
    };
    assert_eq!(count(&facets.lang, "en"), Some(2));
    assert_eq!(count(&facets.lang, "de"), Some(1));
    assert_eq!(count(&facets.source, "Caucasus Watch"), Some(1));
    assert_eq!(count(&facets.source, "Northern Wire"), Some(1));
    assert_eq!(facets.day[0].value, "2025-11-04", "{:?}", facets.day);
    assert_eq!(facets.day[0].count, 2);
    assert_eq!(facets.day.len(), 5);
}

#[test]
fn facets_count_every_match_of_many() {
    // More matches than the counter reads at a time (64), and not a multiple of it.
    let docs: Vec<Doc> = (0..150)
        .map(|n| Doc {
            id: 100 + n,
            ..DOCS[(n % 6) as usize]
        })
        .collect();
    let (_dir, index) = index_with(&docs);
    let mut req = request("geneva OR genève OR женеве OR cenevre OR erdbeben");
    req.facets = true;
    let results = index.run(&req).unwrap();
    let facets = results.facets.unwrap();
    let count = |facet: &[FacetCount], value: &str| {
        facet.iter().find(|f| f.value == value).map(|f| f.count)
    };
    assert_eq!(results.total, 150);
    assert_eq!(count(&facets.lang, "en"), Some(50));
    assert_eq!(count(&facets.lang, "tr"), Some(25));
    assert_eq!(count(&facets.source, "Northern Wire"), Some(25));
    assert_eq!(count(&facets.source, "Meduza"), Some(25));
    assert_eq!(facets.day.iter().map(|f| f.count).sum::<u64>(), 150);
}

#[test]
fn facets_add_up_over_segments_and_count_an_article_once_per_value() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let mut writer = index.writer(15_000_000).unwrap();
    // Two commits, two segments: each counts its own ordinals, the totals are merged by name.
    for docs in [&DOCS[..3], &DOCS[3..]] {
        for doc in docs {
            let mut article = article(doc);
            if doc.id == 2 {
                // An outlet that also carries a copy of its own article.
                article.copies = vec![ArticleSource {
                    source: "Northern Wire".into(),
                    url: "https://wire.example/2-again".into(),
                    title: "Again".into(),
                    published: None,
                    similarity: 1.0,
                }];
            }
            writer.add(&article).unwrap();
        }
        writer.commit().unwrap();
    }
    assert!(index.reader.searcher().segment_readers().len() >= 2);
    let mut req = request("geneva OR genève OR женеве OR cenevre OR erdbeben");
    req.facets = true;
    let results = index.run(&req).unwrap();
    let facets = results.facets.unwrap();
    let pairs = |facet: &[FacetCount]| -> Vec<(String, u64)> {
        facet.iter().map(|f| (f.value.clone(), f.count)).collect()
    };
    assert_eq!(results.total, 6);
    assert_eq!(
        pairs(&facets.lang),
        [("en", 2), ("de", 1), ("fr", 1), ("ru", 1), ("tr", 1)].map(|(v, c)| (v.to_owned(), c)),
        "most frequent first, ties by name"
    );
    assert_eq!(
        facets
            .source
            .iter()
            .find(|f| f.value == "Northern Wire")
            .map(|f| f.count),
        Some(1),
        "{:?}",
        facets.source
    );
    let days: Vec<&str> = facets.day.iter().map(|f| f.value.as_str()).collect();
    assert_eq!(
        days,
        [
            "2025-11-04",
            "2025-11-03",
            "2025-11-02",
            "2025-11-01",
            "2025-10-30"
        ]
    );
    assert_eq!(facets.day.iter().map(|f| f.count).sum::<u64>(), 6);
}

#[test]
fn cursors_page_through_and_ignore_newer_articles() {
    let (_dir, index) = index_with(&DOCS[..5]);
    let mut req = request("geneva OR genève OR женеве OR erdbeben");
    req.limit = 2;
    let first = index.run(&req).unwrap();
    assert_eq!(first.hits.len(), 2);
    // An article arrives between two pages: later pages do not shift.
    let mut writer = index.writer(15_000_000).unwrap();
    writer.add(&article(&DOCS[5])).unwrap();
    let mut extra = article(&DOCS[1]);
    extra.id = 99;
    writer.add(&extra).unwrap();
    writer.commit().unwrap();
    let mut seen = ids(&first);
    let mut cursor = first.next_cursor;
    while let Some(next) = cursor {
        req.cursor = Some(next);
        let page = index.run(&req).unwrap();
        seen.extend(ids(&page));
        cursor = page.next_cursor;
    }
    seen.sort();
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    // A first page after the commit finds the new articles: what a search reads of the index
    // once per commit (the newest id, the story columns) is read again.
    req.cursor = None;
    req.limit = 10;
    req.collapse = Collapse::None;
    assert!(ids(&index.run(&req).unwrap()).contains(&99));
    req.cursor = Some("not-a-cursor".into());
    assert!(matches!(index.run(&req), Err(IndexError::Query(_))));
}

#[test]
fn the_total_counts_every_match_whether_or_not_the_ranking_saw_them_all() {
    let (_dir, index) = index_with(DOCS);
    // Words alone are ranked skipping documents and counted apart; with a filter, a recency
    // boost, a phrase or facets, ranked and counted in one pass.
    let plain = request("geneva OR genève OR женеве OR cenevre");
    let mut filtered = plain.clone();
    filtered.since = Some(day(-30));
    let mut recent = plain.clone();
    recent.recency = true;
    let mut faceted = plain.clone();
    faceted.facets = true;
    let mut phrase = request("\"peace talks\" OR geneva OR genève OR женеве OR cenevre");
    phrase.facets = true;
    for mut req in [plain, filtered, recent, faceted, phrase] {
        for (limit, sort) in [
            (1, Sort::Relevance),
            (2, Sort::Newest),
            (20, Sort::Relevance),
        ] {
            req.limit = limit;
            req.sort = sort;
            // One page: the ranking keeps limit + 1 of the five matches, or all of them.
            let first = index.run(&req).unwrap();
            assert_eq!(first.total, 5, "limit {limit}, {req:?}");
            if req.facets {
                let facets = first.facets.as_ref().expect("facets");
                let languages: u64 = facets.lang.iter().map(|c| c.count).sum();
                assert_eq!(languages, 5, "{facets:?}");
            }
            let mut cursor = first.next_cursor;
            while let Some(next) = cursor {
                req.cursor = Some(next);
                let page = index.run(&req).unwrap();
                assert_eq!(page.total, 5, "limit {limit}, {req:?}");
                cursor = page.next_cursor;
            }
            req.cursor = None;
        }
    }
}

#[test]
fn a_requests_depth_counts_the_pages_before_it() {
    let mut req = request("geneva");
    req.limit = 20;
    assert_eq!(req.depth(), 20);
    req.cursor = Some(
        Cursor {
            max_id: 7,
            offset: 40,
        }
        .encode(),
    );
    assert_eq!(req.depth(), 60);
    req.cursor = Some("not-a-cursor".into());
    assert_eq!(req.depth(), 20);
}

#[test]
fn malformed_queries_and_sizes_are_errors_not_empty_lists() {
    let (_dir, index) = index_with(DOCS);
    for bad in [
        "",
        "   ",
        "title:(unclosed",
        "nosuchfield:word",
        "\"open",
        "story:abc",
        "—",
    ] {
        assert!(
            matches!(index.run(&request(bad)), Err(IndexError::Query(_))),
            "{bad:?}"
        );
    }
    let mut req = request("geneva");
    req.limit = MAX_LIMIT + 1;
    assert!(matches!(index.run(&req), Err(IndexError::Query(_))));
}

#[test]
fn re_adding_an_article_replaces_it() {
    let (_dir, index) = index_with(&DOCS[..1]);
    let mut writer = index.writer(15_000_000).unwrap();
    let mut edited = article(&DOCS[0]);
    edited.text = "An entirely different body.".into();
    writer.add(&edited).unwrap();
    writer.commit().unwrap();
    assert_eq!(index.num_docs(), 1);
    assert!(found(&index, "karabakh").is_empty());
}
