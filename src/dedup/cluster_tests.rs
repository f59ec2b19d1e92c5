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

#[test]
fn restored_articles_rebuild_their_stories() {
    let title = "Azerbaijan and Armenia resume peace talks in Geneva";
    let text = "Foreign ministers of Azerbaijan and Armenia met in Geneva on Monday to resume \
                peace talks over the disputed border, mediated by Swiss diplomats.";
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    for _ in 0..3 {
        for (i, (title, text)) in [
            (
                "Central bank holds interest rates steady",
                "Rates unchanged, citing inflation.",
            ),
            (
                "Late goal sends Porto through",
                "A stoppage-time header gave Porto a win.",
            ),
        ]
        .into_iter()
        .enumerate()
        {
            clusterer.restore(10 + i as StoryId, article(title, text, 0));
        }
    }
    clusterer.restore(41, article(title, text, 1));
    assert_eq!(clusterer.live_stories(), 3);
    let again = clusterer.add(article(title, text, 2));
    assert!(again.joined, "score {}", again.score);
    assert_eq!(again.story, 41);
    let new = clusterer.add(article(
        "Folding phone unveiled",
        "Its screen folds in half.",
        3,
    ));
    assert!(!new.joined);
    assert!(
        new.story > 41,
        "new ids come after restored ones: {}",
        new.story
    );
}

#[test]
fn similarity_is_the_cosine_the_clusterer_joins_with() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    background(&mut clusterer, 0);
    let a = article(
        "Wildfire near Valparaiso forces evacuations",
        "Firefighters battled a wildfire in the hills above Valparaiso.",
        1,
    );
    let b = article(
        "Valparaiso wildfire: thousands evacuated",
        "Thousands left their homes as a wildfire spread near Valparaiso.",
        1,
    );
    clusterer.add(a);
    let score = clusterer.similarity(a, b);
    assert!((0.0..=1.0).contains(&score));
    assert!((clusterer.similarity(a, a) - 1.0).abs() < 1e-4);
    let joined = clusterer.add(b);
    // The story holds only `a`; `b` was counted before it was compared, so the two scores
    // differ only by that count.
    assert!(
        (joined.score - score).abs() < 0.05,
        "{} vs {score}",
        joined.score
    );
}

/// With a window of weeks, an old story's pull fades: the follow-up that would join the story
/// the next day starts its own story two months later, and the score says by how much it faded.
#[test]
fn an_old_story_needs_more_in_common_than_a_fresh_one() {
    let config = ClusterConfig {
        window: TimeDelta::days(90),
        ..ClusterConfig::default()
    };
    let story = article(
        "Flooding in Porto Alegre: river reaches record level",
        "The Guaiba river rose above its record in Porto Alegre, flooding the city centre.",
        0,
    );
    let follow_up = |hours| {
        article(
            "Schools in Porto Alegre stay closed",
            "Classes are suspended across the state while the water in the city recedes.",
            hours,
        )
    };
    let mut next_day = StoryClusterer::new(config.clone());
    background(&mut next_day, 0);
    let first = next_day.add(story);
    let joined = next_day.add(follow_up(24));
    assert_eq!(joined.story, first.story, "{joined:?}");

    let mut two_months = StoryClusterer::new(config);
    background(&mut two_months, 0);
    let first = two_months.add(story);
    let late = two_months.add(follow_up(24 * 60));
    assert_ne!(late.story, first.story, "{late:?}");
    assert!(
        (late.score / joined.score - (-1.0f32).exp()).abs() < 0.05,
        "faded by exp(-60 days / 60 days): {} vs {}",
        late.score,
        joined.score
    );
}

/// Memory follows the window: two months of articles with ever-new names keep the vocabulary
/// at what three days hold.
#[test]
fn vocabulary_stays_bounded_over_a_long_stream() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    let mut peak_in_first_week = 0;
    for hour in 0..24 * 60 {
        for k in 0..2 {
            let title = format!("Mayor of town{hour}x{k} opens bridge");
            let text = format!(
                "The mayor of town{hour}x{k} opened a new bridge over the river name{hour}y{k} \
                 on a sunny day, officials said."
            );
            clusterer.add(article(&title, &text, hour));
        }
        if hour < 24 * 7 {
            peak_in_first_week = peak_in_first_week.max(clusterer.vocabulary_len());
        }
    }
    assert!(clusterer.vocabulary_len() <= peak_in_first_week);
    assert!(
        clusterer.live_stories() <= 2 * 74,
        "{}",
        clusterer.live_stories()
    );
}

#[test]
fn longer_texts_need_a_higher_score_to_join() {
    let clusterer = StoryClusterer::new(ClusterConfig::default());
    let words = |n: usize| "word ".repeat(n);
    let threshold = |n: usize| {
        let text = words(n);
        clusterer.threshold_for(&ClusterInput {
            text: Some(&text),
            ..ClusterInput::default()
        })
    };
    assert_eq!(threshold(0), 0.11);
    assert_eq!(threshold(30), 0.11, "a teaser");
    assert_eq!(threshold(400), 0.19, "a full article");
    assert_eq!(threshold(5_000), 0.19);
    let middle = threshold(230);
    assert!((middle - 0.15).abs() < 0.001, "{middle}");
}

/// The `k`-th article of a long-running story: the story's words and a dozen of its own (new
/// names, figures, quotes), so that the story's centroid outgrows `2 * CENTROID_TERMS` terms.
fn long_story_article(k: usize) -> (String, String) {
    let own: Vec<String> = (0..12).map(|i| format!("detail{k}x{i}")).collect();
    (
        "Azerbaijan and Armenia ministers resume peace talks in Geneva".to_string(),
        format!(
            "Foreign ministers of Azerbaijan and Armenia met in Geneva for peace talks on the \
             disputed border, with Swiss mediators. {}.",
            own.join(" ")
        ),
    )
}

/// A story that has absorbed many articles, its centroid cut back to its heaviest terms.
fn cut_back_story(clusterer: &mut StoryClusterer) -> StoryId {
    // A window of other news, so that the story's own words stay rare as it grows.
    for i in 0..400 {
        let title = format!("Mayor of town{i} opens bridge");
        let text = format!("The mayor of town{i} opened a bridge over the river name{i}.");
        clusterer.add(article(&title, &text, 0));
    }
    let (title, text) = long_story_article(0);
    let story = clusterer.add(article(&title, &text, 1)).story;
    for k in 1..120 {
        let (title, text) = long_story_article(k);
        let joined = clusterer.add(article(&title, &text, 1));
        assert_eq!(joined.story, story, "article {k}: {joined:?}");
    }
    let kept = clusterer.story(story).expect("a live story");
    assert!(!kept.cut.is_empty(), "the centroid was cut back");
    assert!(kept.centroid.len() <= 2 * CENTROID_TERMS);
    story
}

#[test]
fn a_story_cut_back_to_its_heaviest_terms_decides_as_before() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    let story = cut_back_story(&mut clusterer);
    let (title, text) = long_story_article(500);
    let next = clusterer.add(article(&title, &text, 2));
    assert!(next.joined && next.story == story, "{next:?}");
    let quake = clusterer.add(article(
        "Strong earthquake shakes northern Chile",
        "A magnitude 6.8 earthquake struck near Antofagasta on Tuesday, damaging buildings \
         and cutting power to thousands of homes.",
        2,
    ));
    assert!(!quake.joined, "{quake:?}");
}

#[test]
fn a_cut_back_story_leaves_the_document_frequencies_when_it_expires() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    cut_back_story(&mut clusterer);
    let (title, text) = (
        "Mayor opens bridge",
        "The mayor opened a new bridge on Friday.",
    );
    clusterer.add(article(title, text, 100));
    let mut fresh = StoryClusterer::new(ClusterConfig::default());
    fresh.add(article(title, text, 100));
    assert_eq!(clusterer.live_stories(), 1);
    assert_eq!(clusterer.vocabulary_len(), fresh.vocabulary_len());
}

/// Every centroid term is at its recorded position in its postings, and the postings hold
/// nothing else: what removal in constant time relies on.
fn assert_index_consistent(clusterer: &StoryClusterer) {
    let mut cells = 0;
    for (slot, story) in clusterer.stories.iter().enumerate() {
        let Some(story) = story else { continue };
        assert_eq!(clusterer.slots[&story.id] as usize, slot);
        assert!(story.centroid.windows(2).all(|w| w[0].term < w[1].term));
        for cell in &story.centroid {
            let list = clusterer.postings.get(cell.term);
            assert_eq!(
                list.get(cell.slot as usize),
                Some(&(slot as u32)),
                "{cell:?}"
            );
            cells += 1;
        }
    }
    let posted: usize = clusterer
        .postings
        .terms()
        .map(|term| clusterer.postings.get(term).len())
        .sum();
    assert_eq!(posted, cells);
}

#[test]
fn the_postings_follow_stories_as_they_join_are_cut_and_expire() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    cut_back_story(&mut clusterer);
    assert_index_consistent(&clusterer);
    let slots = clusterer.stories.len();
    for day in 0..6 {
        background(&mut clusterer, 2 + day * 30);
        for i in 0..40 {
            let title = format!("Mayor of town{} opens bridge", i % 7);
            let text = format!("The mayor of town{} opened bridge {i} on day {day}.", i % 7);
            clusterer.add(article(&title, &text, 3 + day * 30));
        }
        assert_index_consistent(&clusterer);
    }
    assert!(clusterer.live_stories() < 30);
    // Six days of about ten stories each, in the slots of expired stories.
    assert!(
        clusterer.stories.len() < slots + 20,
        "{}",
        clusterer.stories.len()
    );
}

#[test]
fn candidates_tied_at_the_cut_are_the_older_stories() {
    let mut clusterer = StoryClusterer::new(ClusterConfig::default());
    // Slots in the reverse order of ids, so that slot order cannot pass for id order.
    let slots: Vec<u32> = (0..50).rev().map(|id| clusterer.open(100 + id)).collect();
    let mut ranked: Vec<(u32, f32)> = slots.iter().map(|&slot| (slot, 1.0)).collect();
    // Two stories share more probe weight than the rest: they are in whatever their ids.
    ranked[0].1 = 2.0;
    ranked[1].1 = 1.5;
    let ids: Vec<StoryId> = clusterer
        .candidates(ranked)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut expected: Vec<StoryId> = (100..130).chain([149, 148]).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected);
}

/// A running event: `n` reports of a typhoon's relief effort, each naming it with a few words
/// of its own, so that the story gathers many articles.
fn relief_story(clusterer: &mut StoryClusterer, n: usize) -> StoryId {
    let places = ["Tacloban", "Leyte", "Samar", "Cebu", "Panay"];
    let aid = ["water", "rice", "medicine", "tents", "generators"];
    let mut story = None;
    for k in 0..n {
        let title = format!("Typhoon Haiyan relief reaches {}", places[k % places.len()]);
        let text = format!(
            "Aid workers delivered {} to survivors of Typhoon Haiyan in {} as the Philippine \
             relief effort widened.",
            aid[k % aid.len()],
            places[(k + 2) % places.len()]
        );
        let added = clusterer.add(article(&title, &text, 1));
        assert!(k == 0 || added.joined, "report {k} joins: {}", added.score);
        story = Some(added.story);
    }
    story.unwrap()
}

/// A late report that shares little wording with the event's reports: a little under the
/// threshold against the event's centroid.
const LATE_TITLE: &str = "Philippine typhoon survivors wait for shelter";
const LATE_TEXT: &str = "Weeks after Typhoon Haiyan, families rebuilt homes with scavenged wood \
                         while donors pledged more relief.";

#[test]
fn an_established_story_pulls_a_report_a_little_under_the_threshold() {
    let unpulled = ClusterConfig {
        established_pull: 1.0,
        ..ClusterConfig::default()
    };
    // (config, reports of the event before the late one, whether the late one joins)
    let cases = [
        (unpulled, 20, false),
        (ClusterConfig::default(), 19, false),
        (ClusterConfig::default(), 20, true),
    ];
    for (config, reports, joins) in cases {
        let pull = config.established_pull;
        let mut clusterer = StoryClusterer::new(config);
        background(&mut clusterer, 0);
        let story = relief_story(&mut clusterer, reports);
        let late = clusterer.add(article(LATE_TITLE, LATE_TEXT, 2));
        assert_eq!(
            late.joined, joins,
            "pull {pull}, {reports} reports: {}",
            late.score
        );
        assert_eq!(late.story == story, joins);
    }
}

/// A report under `title` whose text is a shared first sentence and `words` words of its own.
fn wildfire_text(outlet: &str, words: usize) -> String {
    let mut text = String::from("Firefighters battled a wildfire in the hills above Valparaiso.");
    for i in 0..words {
        text.push_str(&format!(" {outlet}{i}"));
    }
    text
}

/// The score of the second of two articles (as it joins or not, and as `similarity` says),
/// with the default config and with titles taking no share.
fn with_and_without_titles(a: ClusterInput<'_>, b: ClusterInput<'_>) -> [(Assignment, f32); 2] {
    [
        ClusterConfig::default(),
        ClusterConfig {
            title_share: 0.0,
            ..ClusterConfig::default()
        },
    ]
    .map(|config| {
        let mut clusterer = StoryClusterer::new(config);
        background(&mut clusterer, 0);
        clusterer.add(a);
        let second = clusterer.add(b);
        (second, clusterer.similarity(a, b))
    })
}

#[test]
fn full_articles_blend_in_their_titles_and_teasers_do_not() {
    // One text under two headlines with no word in common.
    let (one, other) = (
        "Wildfire near Valparaiso forces evacuations",
        "Chile: thousands flee",
    );
    // (words of their own, whether the titles count)
    for (words, blended) in [(200, true), (10, false)] {
        let text = wildfire_text("alpha", words);
        let [with, without] =
            with_and_without_titles(article(one, &text, 1), article(other, &text, 1));
        if blended {
            // The title cosine is 0, and takes 0.3 of the score.
            assert!(
                with.0.score < without.0.score - 0.2,
                "{with:?} vs {without:?}"
            );
            assert!(with.1 < without.1 - 0.2, "{with:?} vs {without:?}");
        } else {
            assert_eq!(with, without);
        }
    }
}

#[test]
fn a_shared_headline_does_not_pull_different_texts_together() {
    // Two reports under one recycled headline, a sentence in common and 200 words of their own.
    let title = "Wildfire near Valparaiso: what we know";
    let (a, b) = (wildfire_text("alpha", 200), wildfire_text("beta", 200));
    let [with, without] = with_and_without_titles(article(title, &a, 1), article(title, &b, 1));
    assert!(!with.0.joined, "{with:?}");
    // The titles (cosine 1) count as 1.5 times the texts' cosine at most.
    let most = without.0.score * (0.7 + 0.3 * 1.5) + 1e-6;
    assert!(with.0.score <= most, "{with:?} vs {without:?}");
    assert!(
        with.0.score > without.0.score,
        "the headline still counts: {with:?}"
    );
}

/// Two reports each of one flood from two angles: every report is close to its own angle and
/// too far from the other's to join it, until a fifth tells both.
const FLOOD: [(&str, &str); 5] = [
    (
        "River Arno floods Pisa as rain continues",
        "The Arno burst its banks in Pisa after days of rain; rescuers evacuated riverside streets \
         and the mayor closed schools.",
    ),
    (
        "Pisa floods: Arno bursts its banks after rain",
        "After days of rain the Arno burst its banks in Pisa, rescuers evacuated riverside streets \
         and schools closed.",
    ),
    (
        "Tuscany counts flood damage as Arno recedes in Pisa",
        "Farmers near Pisa counted ruined crops and drowned livestock as the Arno receded; the \
         region asked Rome for emergency funds.",
    ),
    (
        "Arno recedes, Tuscany asks Rome for flood funds",
        "As the Arno receded near Pisa the region asked Rome for emergency funds, with farmers \
         counting ruined crops and drowned livestock.",
    ),
    (
        "Pisa floods: Arno bursts its banks, Tuscany asks Rome for funds",
        "The Arno burst its banks in Pisa after days of rain and rescuers evacuated riverside \
         streets; farmers counted ruined crops and the region asked Rome for emergency funds.",
    ),
];

#[test]
fn a_report_bridging_two_close_big_stories_folds_the_younger_into_the_older() {
    let config = |merge_threshold: f32| ClusterConfig {
        threshold: 0.4,
        merge_articles: 2,
        merge_threshold,
        ..ClusterConfig::default()
    };
    for merges in [false, true] {
        let mut clusterer = StoryClusterer::new(config(if merges { 0.2 } else { 2.0 }));
        background(&mut clusterer, 0);
        let placed: Vec<Assignment> = FLOOD
            .iter()
            .map(|&(title, text)| clusterer.add(article(title, text, 1)))
            .collect();
        let (older, younger) = (placed[0].story, placed[2].story);
        assert_eq!(placed[1].story, older, "{placed:?}");
        assert!(!placed[2].joined, "{placed:?}");
        assert_eq!(placed[3].story, younger, "{placed:?}");
        assert!(placed[..4].iter().all(|a| a.merged.is_none()), "{placed:?}");
        if merges {
            // The fifth report could join either story: the two are folded together, into the
            // older, which the report now belongs to.
            assert_eq!(placed[4].story, older, "{placed:?}");
            assert_eq!(placed[4].merged, Some(younger), "{placed:?}");
            assert!(clusterer.story(younger).is_none());
            assert_eq!(clusterer.story(older).unwrap().articles, 5);
            assert_eq!(clusterer.live_stories(), 4 + 1);
            assert_index_consistent(&clusterer);
        } else {
            assert_eq!(placed[4].merged, None, "{placed:?}");
            assert_eq!(clusterer.live_stories(), 4 + 2);
        }
    }
}
