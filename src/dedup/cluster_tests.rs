//! Unit tests of the story clusterer, with short articles written for them.

use chrono::{DateTime, TimeDelta, Utc};

use super::*;

fn at(hours: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + TimeDelta::hours(hours)
}

fn article<'a>(title: &'a str, text: &'a str, hours: i64) -> ClusterInput<'a> {
    ClusterInput {
        title: Some(title),
        text: Some(text),
        lang: Some("en"),
        published: Some(at(hours)),
    }
}

/// Unrelated news that gives the document frequencies a background, as a daemon's window has
/// (three rounds, so that common words are seen as common).
fn background(clusterer: &mut StoryClusterer, hours: i64) {
    for _ in 0..3 {
        background_round(clusterer, hours);
    }
}

fn background_round(clusterer: &mut StoryClusterer, hours: i64) {
    let items = [
        (
            "Central bank holds interest rates steady",
            "The central bank kept its main interest rate unchanged on Tuesday, citing inflation.",
        ),
        (
            "Champions League: late goal sends Porto through",
            "A stoppage-time header gave Porto a narrow win and a place in the quarter-finals.",
        ),
        (
            "New smartphone unveiled with folding screen",
            "The company showed a phone whose screen folds in half, priced above its rivals.",
        ),
        (
            "Parliament passes budget after long debate",
            "Lawmakers approved the spending plan by a slim majority after a night of debate.",
        ),
    ];
    for (title, text) in items {
        clusterer.add(article(title, text, hours));
    }
}

#[test]
fn same_story_from_two_outlets_joins_one_story() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    background(&mut clusterer, 0);
    let first = clusterer.add(article(
        "Azerbaijan and Armenia resume peace talks in Geneva",
        "Foreign ministers of Azerbaijan and Armenia met in Geneva on Monday to resume peace \
         talks over the disputed border, mediated by Swiss diplomats.",
        1,
    ));
    let second = clusterer.add(article(
        "Armenian, Azerbaijani ministers meet for Geneva negotiations",
        "Armenia's and Azerbaijan's top diplomats sat down in Geneva for a new round of \
         negotiations on border demarcation and a peace treaty, Swiss mediators said.",
        3,
    ));
    assert!(!first.joined);
    assert!(second.joined, "score {}", second.score);
    assert_eq!(second.story, first.story);
}

#[test]
fn two_earthquakes_on_the_same_day_stay_apart() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    background(&mut clusterer, 0);
    let japan = clusterer.add(article(
        "Magnitude 6.8 earthquake strikes northern Japan",
        "A strong earthquake shook Hokkaido early on Tuesday; Sapporo reported power cuts and \
         the Japan Meteorological Agency issued a brief tsunami advisory. Shinkansen services \
         were halted while engineers inspected the tracks, and Prime Minister Ishiba said the \
         government had set up a task force in Tokyo.",
        1,
    ));
    let peru = clusterer.add(article(
        "Earthquake hits southern Peru, homes damaged in Arequipa",
        "A magnitude 6.1 earthquake struck near Arequipa on Tuesday afternoon, damaging adobe \
         homes in Andean villages, Peru's civil defence institute said. Landslides blocked the \
         road to Chivay and the Colca Canyon, and President Boluarte flew to the region with \
         tents and water for families sleeping outdoors.",
        9,
    ));
    assert!(!peru.joined, "joined with score {}", peru.score);
    assert_ne!(peru.story, japan.story);
}

#[test]
fn a_story_older_than_the_window_is_not_joined() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    background(&mut clusterer, 0);
    let text = "Firefighters battled a wildfire in the hills above Valparaiso as evacuations \
                continued in Chile's coastal region.";
    let old = clusterer.add(article(
        "Wildfire near Valparaiso forces evacuations",
        text,
        1,
    ));
    let again = clusterer.add(article(
        "Wildfire near Valparaiso forces evacuations",
        text,
        2,
    ));
    assert_eq!(
        again.story, old.story,
        "the same text within the window joins"
    );
    let late = clusterer.add(article(
        "Wildfire near Valparaiso forces evacuations",
        text,
        2 + 73,
    ));
    assert!(!late.joined);
    assert_ne!(late.story, old.story);
    assert_eq!(
        clusterer.live_stories(),
        1,
        "expired stories leave the index"
    );
}

#[test]
fn articles_without_text_or_dates_start_stories() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    let empty = clusterer.add(ClusterInput::default());
    let again = clusterer.add(ClusterInput::default());
    assert!(!empty.joined && !again.joined);
    assert_ne!(empty.story, again.story);
}

#[test]
fn the_same_stream_gives_the_same_stories() {
    let run = || {
        let mut clusterer = StoryClusterer::new(ClusterConfig::default());
        background(&mut clusterer, 0);
        background(&mut clusterer, 1);
        (0..4)
            .map(|h| clusterer.add(article("Porto win late", "Porto header win", h)))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}
