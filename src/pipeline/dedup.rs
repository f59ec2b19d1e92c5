//! The dedup-and-store stage: each extracted article is recognised as one already stored (same
//! URL, or same text under an edited headline or GUID: edited in place), as a copy of one from
//! another outlet (recorded as another source of it), or as new — then placed in a story and
//! stored. One task, so decisions see every earlier article; the work runs on the blocking
//! pool.
//!
//! The in-memory state (copy signatures, story centroids) covers the window only and is rebuilt
//! from the store at start-up, so a restart decides as an uninterrupted run would.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tracing::{debug, info};

use super::ingest::Extracted;
use super::{PipelineError, Report, StageTimes};
use crate::config::DedupConfig;
use crate::dedup::{
    Assignment, ClusterInput, CopyDetector, Folds, Signature, StoryClusterer, StoryId, fingerprint,
};
use crate::model::Article;
use crate::store::{Placement, Recognised, Store, StoreError, Stored};

/// Least share of shingles for an outlet's article to be an edited version of one it already
/// published (an outlet does not copy itself, but a follow-up shares much of its text).
const EDIT_SIMILARITY: f32 = 0.8;

/// Copy signatures and stories of the window.
pub(super) struct Dedup {
    copies: CopyDetector,
    stories: StoryClusterer,
    /// Time spent in copy detection and clustering since the store task last took it.
    busy: Duration,
    /// Articles that moved to another story (their story was folded into it) since the store
    /// task last took them, as stored now: the index must load them again.
    moved: Vec<Article>,
}

/// What became of one extracted article.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    New(i64),
    /// The same article as `of`, edited by its publisher; `of` is updated.
    Edited {
        of: i64,
    },
    /// Another outlet's copy of `of`.
    Copy {
        of: i64,
        similarity: f32,
    },
    /// Nothing to do: the same URL again, or an item already handled.
    Nothing,
}

impl Dedup {
    /// Rebuilds the window's state from the store; places articles stored before stories
    /// existed (they are indexed again, with their story).
    pub(super) fn restore(store: &Store, config: &DedupConfig) -> Result<Dedup, StoreError> {
        let mut dedup = Dedup {
            copies: CopyDetector::new(config.copies.clone()),
            stories: StoryClusterer::new(config.stories.clone()),
            busy: Duration::ZERO,
            moved: Vec::new(),
        };
        dedup
            .stories
            .reserve_ids_through(store.max_story_id()?.unsigned_abs());
        let Some(newest) = store.newest_seen()? else {
            return Ok(dedup);
        };
        let articles = store.window_articles(newest - config.stories.window)?;
        let mut placed = 0;
        // Stories folded while placing: articles read before were stored in them.
        let mut folds = Folds::default();
        for article in &articles {
            let input = cluster_input(article);
            match article.story_id {
                Some(story) => dedup
                    .stories
                    .restore(folds.resolve(story.unsigned_abs()), input),
                None => {
                    let assignment = dedup.stories.add(input);
                    store.place_article(
                        article,
                        placement(&assignment),
                        fingerprint(&article.text).as_deref(),
                    )?;
                    // The moved articles are marked for the index's catch-up.
                    dedup.fold(store, &assignment)?;
                    if let Some(from) = assignment.merged {
                        folds.record(from, assignment.story);
                    }
                    placed += 1;
                }
            }
            if let Some(signature) = CopyDetector::signature(&article.text) {
                dedup
                    .copies
                    .insert(article.id, signature, Some(article.seen_at()));
            }
        }
        info!(
            articles = articles.len(),
            placed,
            stories = dedup.stories.live_stories(),
            "deduplication window rebuilt"
        );
        Ok(dedup)
    }

    /// Decides what `article` is and stores it accordingly. A new article gets its id and
    /// story, ready for the index.
    fn handle(&mut self, store: &Store, article: &mut Article) -> Result<Outcome, StoreError> {
        let start = Instant::now();
        let print = fingerprint(&article.text);
        let signature = CopyDetector::signature(&article.text);
        self.busy += start.elapsed();
        if let Some(known) = store.find_same_article(&article.canonical_url, print.as_deref())? {
            return match known.by {
                Recognised::Url
                    if known.source == article.source && known.title != article.title =>
                {
                    self.edit(store, known.id, article, print.as_deref())
                }
                Recognised::Url => {
                    store.skip_item(article.item_id)?;
                    Ok(Outcome::Nothing)
                }
                Recognised::Fingerprint => {
                    let found = (known.id, known.source.as_str(), 1.0);
                    self.same_text(store, found, article, print.as_deref(), signature)
                }
            };
        }
        let start = Instant::now();
        let copy = signature.as_ref().and_then(|s| self.copies.find(s));
        self.busy += start.elapsed();
        if let Some((of, similarity)) = copy
            && let Some(of_source) = store.article_source(of)?
        {
            let found = (of, of_source.as_str(), similarity);
            return self.same_text(store, found, article, print.as_deref(), signature);
        }
        self.new_article(store, article, print.as_deref(), signature)
    }

    /// `article` has (nearly) the text of stored article `of`: an edit when the same outlet
    /// published both and the texts are nearly the same, a new article of that outlet when
    /// they only share a good part (a follow-up, a shared standard paragraph), else another
    /// outlet's copy.
    fn same_text(
        &mut self,
        store: &Store,
        (of, of_source, similarity): (i64, &str, f32),
        article: &mut Article,
        print: Option<&str>,
        signature: Option<Signature>,
    ) -> Result<Outcome, StoreError> {
        if of_source == article.source {
            if similarity < EDIT_SIMILARITY {
                return self.new_article(store, article, print, signature);
            }
            return self.edit(store, of, article, print);
        }
        Ok(if store.add_copy(of, article, similarity)? {
            Outcome::Copy { of, similarity }
        } else {
            Outcome::Nothing
        })
    }

    fn edit(
        &mut self,
        store: &Store,
        of: i64,
        article: &Article,
        print: Option<&str>,
    ) -> Result<Outcome, StoreError> {
        Ok(if store.edit_article(of, article, print)? {
            Outcome::Edited { of }
        } else {
            Outcome::Nothing
        })
    }

    fn new_article(
        &mut self,
        store: &Store,
        article: &mut Article,
        print: Option<&str>,
        signature: Option<Signature>,
    ) -> Result<Outcome, StoreError> {
        let start = Instant::now();
        let assignment = self.stories.add(cluster_input(article));
        self.busy += start.elapsed();
        let placement = placement(&assignment);
        let stored = store.store_article(article, print, Some(placement))?;
        let moved = self.fold(store, &assignment)?;
        self.moved.extend(moved);
        Ok(match stored {
            Stored::New(id) => {
                if let Some(signature) = signature {
                    let start = Instant::now();
                    self.copies.insert(id, signature, Some(article.seen_at()));
                    self.busy += start.elapsed();
                }
                article.id = id;
                article.story_id = Some(placement.story);
                Outcome::New(id)
            }
            Stored::Duplicate(_) | Stored::AlreadyDone => Outcome::Nothing,
        })
    }

    /// Moves the stored articles of the story `assignment` folded (if any) to the story it
    /// kept. Returns them, as stored now.
    fn fold(&self, store: &Store, assignment: &Assignment) -> Result<Vec<Article>, StoreError> {
        let Some(from) = assignment.merged else {
            return Ok(Vec::new());
        };
        let moved = store.fold_story(story_key(from), story_key(assignment.story))?;
        crate::metrics::global().stories_folded.inc();
        info!(
            from,
            into = assignment.story,
            articles = moved.len(),
            "story folded into another"
        );
        Ok(moved)
    }
}

/// Where the deduplicator put an article, for the store.
fn placement(assignment: &Assignment) -> Placement {
    Placement {
        story: story_key(assignment.story),
        score: assignment.score,
        joined: assignment.joined,
    }
}

fn cluster_input(article: &Article) -> ClusterInput<'_> {
    ClusterInput {
        title: Some(article.title.as_str()),
        text: Some(article.text.as_str()),
        lang: article.lang.as_deref(),
        published: Some(article.seen_at()),
    }
}

fn story_key(story: StoryId) -> i64 {
    i64::try_from(story).unwrap_or(i64::MAX)
}

/// Most extracted articles decided in one hand-off to the blocking pool and one SQLite commit
/// ([`Store::batch`]): what the channel already holds, so a burst costs one thread switch and
/// one write to the log per batch, not per article, and a lone article still goes at once.
const STORE_BATCH: usize = 64;

/// What one decided article brings: its outcome and what the index must (re)load.
type Decided = (Outcome, Vec<Article>);

/// Decides and stores each extracted article, and passes what the index must (re)load on.
pub(super) async fn store_stage(
    store: Arc<Store>,
    mut dedup: Dedup,
    mut extracted: mpsc::Receiver<Extracted>,
    to_index: mpsc::Sender<Article>,
    report: Arc<Report>,
) -> Result<(), PipelineError> {
    let mut batch = Vec::with_capacity(STORE_BATCH);
    while extracted.recv_many(&mut batch, STORE_BATCH).await > 0 {
        let store = store.clone();
        let next = std::mem::take(&mut batch);
        let (back, decided, spent) = tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let mut dedup = dedup;
            let mut decided = Vec::with_capacity(next.len());
            let batch = store.batch(|store| {
                for next in next {
                    decide(&mut dedup, store, next).map(|one| decided.push(one))?;
                }
                Ok(())
            });
            let decided = match batch {
                Ok(Ok(())) => Ok(decided),
                Ok(Err(err)) => Err((decided, err)),
                // Nothing of the batch was stored: nothing goes to the index.
                Err(err) => Err((Vec::new(), err)),
            };
            (dedup, decided, start.elapsed())
        })
        .await?;
        dedup = back;
        let deciding = std::mem::take(&mut dedup.busy);
        StageTimes::add(&report.stages.dedup, deciding);
        StageTimes::add(&report.stages.store, spent.saturating_sub(deciding));
        // What was decided before an error is stored: it still goes to the index.
        let (decided, failed) = match decided {
            Ok(decided) => (decided, None),
            Err((decided, err)) => (decided, Some(err)),
        };
        let metrics = crate::metrics::global();
        metrics
            .stories_open
            .set(dedup.stories.live_stories() as i64);
        // In decision order: an article moved to another story after it was stored goes to
        // the index again, after its first version.
        for (outcome, reload) in decided {
            count(&report, outcome);
            for article in reload {
                if to_index.send(article).await.is_err() {
                    return Ok(());
                }
            }
        }
        if let Some(err) = failed {
            return Err(err.into());
        }
    }
    Ok(())
}

/// Decides and stores one extracted article, on the blocking pool.
fn decide(dedup: &mut Dedup, store: &Store, next: Extracted) -> Result<Decided, StoreError> {
    let (outcome, article) = match next {
        Extracted::Article(mut article) => {
            let outcome = dedup.handle(store, &mut article)?;
            (outcome, Some(article))
        }
        Extracted::Nothing { item_id } => {
            store.skip_item(item_id)?;
            (Outcome::Nothing, None)
        }
    };
    log(outcome, article.as_deref());
    // A new article goes to the index as it is; an edited or copied one is read back with its
    // new text or copies; the articles its story took in, as moved.
    let mut reload = match outcome {
        Outcome::New(_) => article.map(|a| vec![*a]).unwrap_or_default(),
        Outcome::Edited { of: id } | Outcome::Copy { of: id, .. } => store
            .article(id)?
            .map(|(article, _)| vec![article])
            .unwrap_or_default(),
        Outcome::Nothing => Vec::new(),
    };
    reload.append(&mut dedup.moved);
    Ok((outcome, reload))
}

/// Counts an outcome in the run's report and the metrics.
fn count(report: &Report, outcome: Outcome) {
    let metrics = crate::metrics::global();
    match outcome {
        Outcome::New(_) => {
            report.new_articles.fetch_add(1, Ordering::Relaxed);
            metrics.articles_ingested.inc();
        }
        Outcome::Copy { .. } => {
            report.copies.fetch_add(1, Ordering::Relaxed);
            metrics.copies_merged.inc();
        }
        Outcome::Edited { .. } => {
            report.edited.fetch_add(1, Ordering::Relaxed);
            metrics.articles_edited.inc();
        }
        Outcome::Nothing => {}
    }
}

fn log(outcome: Outcome, article: Option<&Article>) {
    let url = article.map_or("", |a| a.url.as_str());
    match outcome {
        Outcome::New(id) => debug!(id, url, "article stored"),
        Outcome::Edited { of } => debug!(of, url, "edited version of a stored article"),
        Outcome::Copy { of, similarity } => debug!(of, similarity, url, "copy of a stored article"),
        Outcome::Nothing => debug!(url, "already stored"),
    }
}

#[cfg(test)]
#[path = "dedup_tests.rs"]
mod tests;
