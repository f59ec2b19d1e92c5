//! The language of a text the page does not label: `whatlang`'s guess, as an ISO 639-1 code.

use whatlang::Lang;

/// How much text the guess looks at; more adds time, not accuracy.
const SAMPLE_BYTES: usize = 2000;

/// The primary language subtag (`en`, `de`, …) of `text`, when the guess is reliable.
pub(crate) fn detect(text: &str) -> Option<String> {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let info = whatlang::detect(&text[..end])?;
    if !info.is_reliable() {
        return None;
    }
    Some(iso639_1(info.lang()).map_or_else(|| info.lang().code().to_owned(), str::to_owned))
}

fn iso639_1(lang: Lang) -> Option<&'static str> {
    Some(match lang {
        Lang::Eng => "en",
        Lang::Deu => "de",
        Lang::Fra => "fr",
        Lang::Spa => "es",
        Lang::Ita => "it",
        Lang::Por => "pt",
        Lang::Nld => "nl",
        Lang::Pol => "pl",
        Lang::Rus => "ru",
        Lang::Ukr => "uk",
        Lang::Cmn => "zh",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Ara => "ar",
        Lang::Tur => "tr",
        Lang::Swe => "sv",
        Lang::Dan => "da",
        Lang::Nob => "nb",
        Lang::Fin => "fi",
        Lang::Ces => "cs",
        Lang::Hun => "hu",
        Lang::Ell => "el",
        Lang::Heb => "he",
        Lang::Hin => "hi",
        Lang::Ron => "ro",
        Lang::Vie => "vi",
        Lang::Ind => "id",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_common_languages() {
        let de = "Die Verhandlungen wurden am Montag in Genf wieder aufgenommen, und beide Delegationen waren anwesend.";
        assert_eq!(detect(de).as_deref(), Some("de"));
        let en =
            "Peace talks resumed in Geneva on Monday, with both delegations present at the table.";
        assert_eq!(detect(en).as_deref(), Some("en"));
    }
}
