//! Golden tests: pages written for these tests (`tests/fixtures/extract/`) and the text and
//! metadata expected of them.

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/extract/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn golden(name: &str) -> String {
    String::from_utf8(fixture(name))
        .unwrap()
        .trim_end()
        .to_owned()
}

#[test]
fn boilerplate_heavy_news_page_yields_the_story_alone() {
    let url = "https://courier.example/business/2024/03/harbour-cranes-dunmore?utm_source=rss";
    let page = extract(
        &fixture("news_boilerplate.html"),
        Some("text/html; charset=utf-8"),
        url,
    );
    assert_eq!(page.text, golden("news_boilerplate.txt"));
    assert_eq!(
        page.title.as_deref(),
        Some("Harbour cranes return to Dunmore after twenty years")
    );
    assert_eq!(page.authors, ["Orla Fenwick", "Tomasz Brenner"]);
    assert_eq!(page.author.as_deref(), Some("Orla Fenwick, Tomasz Brenner"));
    assert_eq!(
        page.published.unwrap().to_rfc3339(),
        "2024-03-14T07:45:00+00:00"
    );
    assert_eq!(
        page.updated.unwrap().to_rfc3339(),
        "2024-03-14T12:10:00+00:00"
    );
    assert_eq!(page.lang.as_deref(), Some("en"));
    assert_eq!(page.section.as_deref(), Some("Business"));
    assert_eq!(page.site_name.as_deref(), Some("The Coastal Courier"));
    assert_eq!(
        page.lead_image.as_deref(),
        Some("https://courier.example/images/cranes.jpg")
    );
    assert_eq!(
        page.canonical_url.as_deref(),
        Some("https://courier.example/business/2024/03/harbour-cranes-dunmore")
    );
    assert!(
        page.html.starts_with("<p>Two container cranes"),
        "{}",
        page.html
    );
    assert!(
        page.html.contains("<p>“We have been turning away cargo"),
        "{}",
        page.html
    );
}

#[test]
fn republished_blog_copy_loses_breadcrumbs_tags_and_sharing() {
    let url = "https://garten.example/2023/01/brunnen-im-winter/";
    let page = extract(&fixture("blog_republished.html"), None, url);
    assert_eq!(page.text, golden("blog_republished.txt"));
    assert_eq!(
        page.title.as_deref(),
        Some("Warum unser Brunnen im Winter nicht einfriert")
    );
    assert_eq!(page.author.as_deref(), Some("Henrike Jablonski"));
    assert_eq!(page.published_date.unwrap().to_string(), "2023-01-09");
    assert_eq!(page.lang.as_deref(), Some("de"));
}

#[test]
fn dates_only_in_json_ld_keep_the_publishers_day() {
    let page = extract(
        &fixture("jsonld_dates.html"),
        None,
        "https://rail.example/night-trains",
    );
    // 23:30 in New York is already the next day in UTC; the page's own day is the 9th.
    assert_eq!(page.published_date.unwrap().to_string(), "2023-12-09");
    assert_eq!(
        page.published.unwrap().to_rfc3339(),
        "2023-12-10T04:30:00+00:00"
    );
    assert_eq!(
        page.updated.unwrap().to_rfc3339(),
        "2023-12-11T13:00:00+00:00"
    );
    assert_eq!(page.author.as_deref(), Some("Priya Castellanos"));
    assert_eq!(page.section.as_deref(), Some("Timetables"));
    assert_eq!(page.lang.as_deref(), Some("en"));
    assert!(
        page.text.starts_with("The December timetable"),
        "{}",
        page.text
    );
}

#[test]
fn latin1_page_is_decoded_from_its_meta_charset() {
    let page = extract(
        &fixture("latin1.html"),
        Some("text/html"),
        "https://saint-aubin.example/fete",
    );
    assert_eq!(
        page.title.as_deref(),
        Some("Fête du village : la chorale répète déjà")
    );
    assert_eq!(page.author.as_deref(), Some("Émile Garnier"));
    assert_eq!(page.published_date.unwrap().to_string(), "2021-06-02");
    assert!(
        page.text.starts_with("À trois semaines de la fête"),
        "{}",
        page.text
    );
    assert!(page.text.contains("l’entrée est libre"), "{}", page.text);
    assert!(
        !page.text.contains("Accueil") && !page.text.contains("droits réservés"),
        "{}",
        page.text
    );
}

#[test]
fn paywall_stub_has_no_text_so_the_feed_text_is_used() {
    let page = extract(
        &fixture("paywall.html"),
        None,
        "https://ledger.example/budget",
    );
    assert_eq!(page.text, "");
    assert_eq!(page.title.as_deref(), Some("Inside the budget talks"));
}

#[test]
fn site_rules_pick_the_body_and_drop_blocks() {
    let rules = SiteRules {
        body: Some("div.story-body".into()),
        remove: vec!["h2".into(), "p:last-child".into()],
    };
    let page = extract_with(
        &fixture("news_boilerplate.html"),
        None,
        "https://courier.example/x",
        &rules,
    );
    assert!(
        page.text.starts_with("Two container cranes"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("Jobs and dredging"), "{}", page.text);
    assert!(!page.text.contains("seagrass"), "{}", page.text);
}

#[test]
fn oversized_and_empty_pages_are_handled() {
    assert_eq!(extract(b"", None, "").text, "");
    let mut huge = b"<html><body><article>".to_vec();
    let paragraph =
        b"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>";
    while huge.len() < MAX_PAGE_BYTES + 1024 {
        huge.extend_from_slice(paragraph);
    }
    let page = extract(&huge, None, "https://x.example/");
    assert!(page.text.len() < MAX_PAGE_BYTES, "the cap bounds the text");
}

#[test]
fn display_html_is_sanitized_with_absolute_links() {
    let page = extract(
        &fixture("utc_date.html"),
        Some("text/html; charset=utf-8"),
        "https://bayside.example/local/ferry-timetable",
    );
    assert!(
        page.html.contains(
            r#"<a href="https://bayside.example/local/ferry-survey" rel="noopener nofollow">Last year's survey</a>"#
        ),
        "{}",
        page.html
    );
    for gone in [
        "<script",
        "tracking",
        "<h1",
        "class=",
        ">Share<",
        "Dana Okafor",
    ] {
        assert!(!page.html.contains(gone), "{gone} in {}", page.html);
    }
    assert!(
        page.html.starts_with("<p>The council voted late"),
        "{}",
        page.html
    );
}

#[test]
fn paywalled_page_yields_the_teaser_it_shows() {
    let teaser = "Snow on solar panels costs more than output: its weight strains modules and \
                  mounts, and experts warn owners not to clear the roofs themselves.";
    let page = format!(
        r#"<html><head><meta property="og:description" content="{teaser}"></head><body>
        <nav><a href="/">Home</a> <a href="/energy">Energy</a></nav>
        <header><h2>Snow strains solar panels</h2><p class="text-xl">{teaser}</p>
        <p>Already a subscriber? <a href="/login">Log in</a> to continue reading.</p></header>
        </body></html>"#
    );
    let extracted = extract(page.as_bytes(), None, "https://farm.example/snow");
    let teaser = teaser.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(extracted.text.ends_with(&teaser), "{}", extracted.text);
    assert!(!extracted.text.contains("subscriber"), "{}", extracted.text);
}
