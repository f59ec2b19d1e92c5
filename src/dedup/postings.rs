//! The clusterer's inverted index from terms to the stories whose centroid holds them.

use super::slots::place;

/// The inverted index: by term id, the slots of the stories whose centroid holds the term,
/// unordered. 4 bytes a term: most terms of a window are held by one story (a name, a figure),
/// whose slot is kept in place; the lists of more stories live beside.
#[derive(Default)]
pub(super) struct Postings {
    /// By term id: `NONE`, a story's slot, or `MANY` with the index of a list in `lists`.
    heads: Vec<u32>,
    lists: Vec<Vec<u32>>,
    /// Indexes of empty lists in `lists`, for reuse.
    free: Vec<u32>,
}

impl Postings {
    const NONE: u32 = u32::MAX;
    const MANY: u32 = 1 << 31;

    /// Every term id the postings have room for.
    #[cfg(test)]
    pub(super) fn terms(&self) -> std::ops::Range<u32> {
        0..self.heads.len() as u32
    }

    /// The stories holding `term`.
    pub(super) fn get(&self, term: u32) -> &[u32] {
        match self.heads.get(term as usize) {
            None | Some(&Self::NONE) => &[],
            Some(&head) if head & Self::MANY != 0 => &self.lists[(head & !Self::MANY) as usize],
            Some(head) => std::slice::from_ref(head),
        }
    }

    /// Adds `story` to the stories holding `term`; returns its position among them.
    pub(super) fn push(&mut self, term: u32, story: u32) -> u32 {
        assert!(story < Self::MANY, "fewer than 2^31 live stories");
        let term = term as usize;
        if self.heads.len() <= term {
            self.heads.resize(term + 1, Self::NONE);
        }
        let head = self.heads[term];
        if head == Self::NONE {
            self.heads[term] = story;
            return 0;
        }
        if head & Self::MANY != 0 {
            let list = &mut self.lists[(head & !Self::MANY) as usize];
            list.push(story);
            return u32::try_from(list.len() - 1).unwrap_or(u32::MAX);
        }
        let index = place(&mut self.lists, &mut self.free, vec![head, story]);
        self.heads[term] = Self::MANY | index;
        1
    }

    /// Removes the story at `position` of `term`'s stories, moving the last one into its
    /// place; returns the story moved, if any.
    pub(super) fn swap_remove(&mut self, term: u32, position: u32) -> Option<u32> {
        let head = self.heads.get_mut(term as usize)?;
        let position = position as usize;
        if *head == Self::NONE {
            return None;
        }
        if *head & Self::MANY == 0 {
            if position == 0 {
                *head = Self::NONE;
            }
            return None;
        }
        let index = (*head & !Self::MANY) as usize;
        let list = &mut self.lists[index];
        if position >= list.len() {
            return None;
        }
        list.swap_remove(position);
        let moved = list.get(position).copied();
        if let [only] = list[..] {
            *head = only;
            self.lists[index] = Vec::new();
            self.free.push(index as u32);
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_keep_one_story_in_place_and_lists_of_more() {
        let mut postings = Postings::default();
        assert_eq!(postings.push(5, 10), 0);
        assert_eq!(postings.get(5), [10]);
        assert!(postings.lists.is_empty(), "one story takes no list");
        assert_eq!(postings.push(5, 11), 1);
        assert_eq!(postings.push(5, 12), 2);
        assert_eq!(postings.get(5), [10, 11, 12]);
        // Removing the first moves the last into its place.
        assert_eq!(postings.swap_remove(5, 0), Some(12));
        assert_eq!(postings.get(5), [12, 11]);
        assert_eq!(postings.swap_remove(5, 1), None);
        assert_eq!(postings.get(5), [12]);
        assert_eq!(
            postings.free.len(),
            1,
            "back to one story: the list is freed"
        );
        assert_eq!(postings.push(7, 1), 0);
        assert_eq!(postings.push(7, 2), 1);
        assert!(postings.free.is_empty(), "and reused");
        assert_eq!(postings.swap_remove(5, 0), None);
        assert!(postings.get(5).is_empty());
        assert!(postings.get(1_000).is_empty());
    }
}
