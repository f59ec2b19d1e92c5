//! The stored fields of a hit's article, as the page of results reads them. tantivy's own
//! document ([`tantivy::TantivyDocument`]) copies every value it reads into one buffer of its
//! own, and the page then copied the texts out of it again: for an article of a few kilobytes,
//! both copies cost about a sixth of reading it. Here each value is kept as it was read, and
//! the page takes its texts over.

use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{Field, OwnedValue};

/// An article's stored values, in the order they were stored.
#[derive(Debug, Default)]
pub(super) struct StoredArticle {
    values: Vec<(Field, OwnedValue)>,
}

impl DocumentDeserialize for StoredArticle {
    fn deserialize<'de, D>(mut deserializer: D) -> Result<StoredArticle, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut values = Vec::with_capacity(deserializer.size_hint());
        while let Some(value) = deserializer.next_field::<OwnedValue>()? {
            values.push(value);
        }
        Ok(StoredArticle { values })
    }
}

impl StoredArticle {
    fn all(&self, field: Field) -> impl Iterator<Item = &OwnedValue> {
        self.values
            .iter()
            .filter(move |(f, _)| *f == field)
            .map(|(_, value)| value)
    }

    fn first(&self, field: Field) -> Option<&OwnedValue> {
        self.all(field).next()
    }

    /// The first text of `field`, taken out without a copy: an empty text is left in its place.
    pub fn take_str(&mut self, field: Field) -> Option<String> {
        match &mut self.values.iter_mut().find(|(f, _)| *f == field)?.1 {
            OwnedValue::Str(text) => Some(std::mem::take(text)),
            _ => None,
        }
    }

    pub fn i64(&self, field: Field) -> Option<i64> {
        match self.first(field)? {
            OwnedValue::I64(value) => Some(*value),
            _ => None,
        }
    }

    pub fn date(&self, field: Field) -> Option<tantivy::DateTime> {
        match self.first(field)? {
            OwnedValue::Date(value) => Some(*value),
            _ => None,
        }
    }

    /// How many values `field` has.
    pub fn count(&self, field: Field) -> usize {
        self.all(field).count()
    }
}
