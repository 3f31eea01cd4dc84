//! Go's `unicode` package predicates and *simple* case mappings.
//!
//! Rust's `char::to_uppercase` applies full (multi-character) mappings
//! (`ß` → `SS`); Go maps rune to rune (`strings.ToUpper("ß")` is `ß`), and
//! Go's `IsLetter`/`IsUpper`/`IsPunct` are general-category tests, which
//! Rust's `is_alphabetic` (a derived property) is not.  Templates show the
//! difference, so string functions go through these helpers.

use unicode_general_category::{get_general_category as cat, GeneralCategory as G};

pub(crate) fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_uppercase();
    }
    cat(c) == G::UppercaseLetter
}

pub(crate) fn is_lower(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase();
    }
    cat(c) == G::LowercaseLetter
}

pub(crate) fn is_title(c: char) -> bool {
    cat(c) == G::TitlecaseLetter
}

pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        cat(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
    )
}

pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    cat(c) == G::DecimalNumber
}

pub(crate) fn is_number(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    matches!(cat(c), G::DecimalNumber | G::LetterNumber | G::OtherNumber)
}

pub(crate) fn is_punct(c: char) -> bool {
    matches!(
        cat(c),
        G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
    )
}

/// `unicode.IsSpace` (same set as Rust's White_Space property).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// `unicode.ToUpper` (simple mapping: one rune to one rune).
pub(crate) fn to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    match c {
        // Title-case digraphs map to their upper-case form.
        'ǅ' => 'Ǆ',
        'ǈ' => 'Ǉ',
        'ǋ' => 'Ǌ',
        'ǲ' => 'Ǳ',
        _ => single(c.to_uppercase()).unwrap_or(c),
    }
}

/// `unicode.ToLower` (simple mapping).
pub(crate) fn to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == 'İ' {
        return 'i';
    }
    single(c.to_lowercase()).unwrap_or(c)
}

/// `unicode.ToTitle` (simple mapping; differs from upper for digraphs).
pub(crate) fn to_title(c: char) -> char {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
        'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
        'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
        'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
        _ => to_upper(c),
    }
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let first = it.next()?;
    if it.next().is_some() {
        None
    } else {
        Some(first)
    }
}
