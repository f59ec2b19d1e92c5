//! Places in a vector that are taken again once freed: the dedup window's stories, copy
//! entries, postings lists and vocabulary terms each live at a 4-byte index that stays put
//! while they live, so that the indexes pointing at them are half the size of a pointer.

/// Puts `item` in a freed place of `items` when there is one, else at the end; returns its
/// index.
pub(crate) fn place<T>(items: &mut Vec<T>, free: &mut Vec<u32>, item: T) -> u32 {
    match free.pop() {
        Some(index) => {
            items[index as usize] = item;
            index
        }
        None => {
            items.push(item);
            u32::try_from(items.len() - 1).expect("fewer than 2^32 places")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_place_is_taken_before_a_new_one() {
        let (mut items, mut free) = (Vec::new(), Vec::new());
        assert_eq!(place(&mut items, &mut free, 'a'), 0);
        assert_eq!(place(&mut items, &mut free, 'b'), 1);
        free.push(0);
        assert_eq!(place(&mut items, &mut free, 'c'), 0);
        assert_eq!(items, ['c', 'b']);
        assert_eq!(place(&mut items, &mut free, 'd'), 2);
    }
}
