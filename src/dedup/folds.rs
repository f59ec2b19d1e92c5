//! Where folded stories went. The clusterer folds one story into another when an article shows
//! them to be one event ([`crate::dedup::Assignment::merged`]); whoever recorded articles by
//! story follows the folds to the story they belong to now.

use std::collections::HashMap;

use super::StoryId;

/// Each folded story and the story it was folded into.
#[derive(Debug, Default, Clone)]
pub struct Folds(HashMap<StoryId, StoryId>);

impl Folds {
    /// Records that `from` was folded into `into`.
    pub fn record(&mut self, from: StoryId, into: StoryId) {
        self.0.insert(from, into);
    }

    /// The story whose articles were `story`'s, after every fold recorded.
    pub fn resolve(&self, mut story: StoryId) -> StoryId {
        // A story is folded into a live one and a folded id is never live again, so the chain
        // ends; the bound only guards against a caller recording a cycle.
        for _ in 0..=self.0.len() {
            match self.0.get(&story) {
                Some(&into) => story = into,
                None => break,
            }
        }
        story
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_of_folds_leads_to_the_last_story() {
        let mut folds = Folds::default();
        folds.record(7, 3);
        folds.record(3, 1);
        assert_eq!(folds.resolve(7), 1);
        assert_eq!(folds.resolve(3), 1);
        assert_eq!(folds.resolve(9), 9);
        folds.record(1, 7);
        assert!([1, 3, 7].contains(&folds.resolve(7)), "a cycle still ends");
    }
}
