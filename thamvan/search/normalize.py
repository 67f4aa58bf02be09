"""Vietnamese text normalisation for search, sorting and slugs.

Pure Python, no Django: everything here is a function of its input string.

Pipeline
--------
* ``nfc``: Unicode NFC, zero-width characters removed, and combining marks typed in
  an order NFC cannot compose (a tone mark before a circumflex or breve, which have
  the same combining class) reordered so that "ế" typed as e + acute + circumflex
  comes out as "ế". Used at input boundaries; nothing else about the text changes.
* ``canonical``: ``nfc`` plus one tone-mark placement per syllable (rule below) and
  the capital eth "Ð" (U+00D0, which legacy Vietnamese encodings produce) replaced by
  the identical-looking "Đ" (U+0110). Case is preserved.
* ``fold``: lowercase, every diacritic removed, "đ" → "d", whitespace collapsed.
  Tone placement cannot matter once tones are removed, so ``fold`` skips the
  placement step: ``fold(canonical(x)) == fold(nfc(x))`` for every ``x``.
* ``syllables`` / ``bigrams`` / ``tokens`` / ``search_keys``: word tokens for
  full-text indexing, exact (canonical tones, lowercase) or folded.

Canonical tone placement
------------------------
The "new style" (kiểu mới) of the Ministry of Education and Training: the tone mark
goes on the main vowel of the syllable.

1. The onsets "qu" and "gi" (when another vowel follows) are consonants: "quý",
   "giá", "giường".
2. If the vowel cluster contains a vowel with a quality mark (ă â ê ô ơ ư), the tone
   goes on it, on the last one for "ươ": "người", "thuở", "khuấy".
3. Otherwise, with a final consonant, on the last vowel: "hoàn", "huỳnh", "xoong".
4. Otherwise, in a three-vowel cluster, on the middle vowel: "hoài", "khuỷu".
5. Otherwise, in "oa", "oe", "uy", on the second vowel: "hoà", "khoẻ", "thuỷ";
   in any other two-vowel cluster, on the first: "mái", "múa", "mía", "túi".

Rule 5 is where the old style (hòa, khỏe, thủy) differs; both map to the new style.
Misplaced marks such as "qúy" or "gìa" are also moved ("quý", "già"). A word is
left untouched unless it is one well-formed Vietnamese syllable with exactly one
tone mark, so foreign words ("où", "résumé") and initialisms keep their spelling.

Tokens
------
A token is a maximal run of letters and digits (with any combining marks NFC left
attached); everything else separates tokens: spaces, punctuation ("-", "/", ".",
",", quotes, "–"), and zero-width characters and non-breaking spaces. "_" is a
separator too, so that it can join bigrams unambiguously. Numbers are split at
their punctuation ("1/2000" → "1", "2000"); the bigram "1_2000" keeps the
adjacency, so a search for "1/2000" still matches that phrase first. Bigrams join
adjacent tokens across punctuation.

The soft hyphen (U+00AD) marks where a word may be hyphenated, so search ignores it
rather than splitting there; ``nfc`` keeps it as part of the display text. ``nfc``
removes zero-width characters from the display text, while tokenisation treats them
as spaces, since that is where they usually stand in pasted text; the two disagree
only on a zero-width character between two letters. Compute keys from the same
(``nfc``-normalised) text that is stored, and normalise queries with ``nfc`` too.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

__all__ = [
    "bigrams",
    "canonical",
    "fold",
    "nfc",
    "search_keys",
    "slugify_vi",
    "sort_key",
    "syllables",
    "tokens",
]

# ---------------------------------------------------------------------------
# Character tables, built once at import time so that the hot paths are
# str.translate, str methods and compiled regular expressions.
# ---------------------------------------------------------------------------

# Invisible characters with no width. U+200B is a zero-width space, the others
# are joiners and the byte-order mark (a "zero-width no-break space").
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_SOFT_HYPHEN = "\u00ad"
_ZERO_WIDTH_RE = re.compile(f"[{_ZERO_WIDTH}]")

# Generic combining diacritics (not script-specific vowel signs such as Thai or
# Devanagari ones, which are letters of those scripts rather than accents).
_MARK_RANGES = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)
_MARK_CLASS = "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in _MARK_RANGES)

_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
# Tone marks by index; 0 means "no tone" (thanh ngang).
_TONE_MARKS = ("", _GRAVE, _ACUTE, _HOOK, _TILDE, _DOT)
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
# Tone marks sharing combining class 230 with the circumflex and the breve: NFC
# keeps their typed order relative to those, so it cannot compose "e + ́ + ̂".
_TONES_CCC230 = frozenset((_GRAVE, _ACUTE, _HOOK, _TILDE))
_MARK_RUN_RE = re.compile(f"[{_MARK_CLASS}]{{2,}}")
# A zero-width character between a letter and its accent is an input artefact: it
# goes before anything else so that the accent composes with its letter.
_ZERO_WIDTH_BEFORE_MARK_RE = re.compile(f"[{_ZERO_WIDTH}]+(?=[{_MARK_CLASS}])")

# The twelve Vietnamese vowel letters, quality marks included, lowercase.
_VOWELS = "aăâeêioôơuưy"
_QUALITY_VOWELS = frozenset("ăâêôơư")
_CONSONANTS = "bcdđghklmnpqrstvx"


def _compose(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + _TONE_MARKS[tone])


# Every vowel letter (both cases, with or without tone) → (toneless letter, tone).
_VOWEL_INFO: dict[str, tuple[str, int]] = {}
# (toneless letter, tone) → precomposed letter; the inverse of _VOWEL_INFO.
_VOWEL_WITH_TONE: dict[tuple[str, int], str] = {}
for _base in _VOWELS + _VOWELS.upper():
    for _tone in range(len(_TONE_MARKS)):
        _char = _compose(_base, _tone)
        _VOWEL_INFO[_char] = (_base, _tone)
        _VOWEL_WITH_TONE[(_base, _tone)] = _char
_LETTERS = frozenset(_VOWEL_INFO) | frozenset(_CONSONANTS + _CONSONANTS.upper())
_TONED = "".join(c for c, (_, t) in _VOWEL_INFO.items() if t)

# A word that carries at least one tone-marked vowel. The lookbehind anchors the
# match at a word start and the possessive quantifiers keep the scan linear even on
# long runs of letters without any tone. A word followed by a combining mark that NFC
# could not compose is left alone: moving a tone there could let the mark compose.
_TONED_WORD_RE = re.compile(
    f"(?<![^\\W\\d_])[^\\W\\d_{_TONED}]*+[{_TONED}][^\\W\\d_]*+(?![{_MARK_CLASS}])"
)

_V = f"[{_VOWELS}]"
_SYLLABLE_RE = re.compile(
    f"(?:ngh|ng|nh|ch|gh|gi(?={_V})|kh|ph|qu(?={_V})|th|tr|[{_CONSONANTS}])?"
    f"(?P<nucleus>{_V}+)"
    "(?:ch|ng|nh|[cmnptk])?"
)

# Vowel clusters that occur in syllables without / with a final consonant, after
# the "qu" and "gi" onsets have been taken off. Single vowels are always accepted:
# the tone can only go on them, whatever the syllable looks like.
_OPEN_NUCLEI = frozenset(
    (
        *("ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oa", "oe"),
        *("oi", "ôi", "ơi", "ua", "uê", "ui", "uơ", "uy", "ưa", "ưi", "ưu"),
        *("iêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyu", "ươi", "ươu", "yêu"),
    )
)
_CLOSED_NUCLEI = frozenset(
    ("iê", "oa", "oă", "oe", "oo", "uâ", "uê", "uô", "uy", "ươ", "yê", "uyê")
)


def _main_vowel(nucleus: str, closed: bool) -> int:
    """Index in ``nucleus`` of the vowel that carries the tone (new style)."""
    marked = [i for i, c in enumerate(nucleus) if c in _QUALITY_VOWELS]
    if marked:
        return marked[-1]
    if closed:
        return len(nucleus) - 1
    if len(nucleus) == 3:
        return 1
    if nucleus in ("oa", "oe", "uy"):
        return 1
    return 0


# (vowel cluster, has final consonant) → index of the vowel carrying the tone.
_TONE_POSITION: dict[tuple[str, bool], int] = {}
for _nucleus in _VOWELS:
    _TONE_POSITION[(_nucleus, False)] = _TONE_POSITION[(_nucleus, True)] = 0
for _nucleus in _OPEN_NUCLEI:
    _TONE_POSITION[(_nucleus, False)] = _main_vowel(_nucleus, closed=False)
for _nucleus in _CLOSED_NUCLEI:
    _TONE_POSITION[(_nucleus, True)] = _main_vowel(_nucleus, closed=True)


def _build_fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for lo, hi in _MARK_RANGES:
        for cp in range(lo, hi + 1):
            table[cp] = None
    # Precomposed letters live in Latin-1, Latin Extended A/B, Greek, Cyrillic and
    # Latin/Greek Extended Additional; the tests check no other block has any.
    for lo, hi in ((0x00C0, 0x04FF), (0x1E00, 0x1FFF)):
        for cp in range(lo, hi + 1):
            decomposed = unicodedata.normalize("NFD", chr(cp))
            if (
                len(decomposed) > 1
                and decomposed[0].isalpha()
                and all(ord(m) in table for m in decomposed[1:])
            ):
                table[cp] = decomposed[0]
    # Letters with a stroke have no decomposition. The eth is included because
    # legacy encodings of Vietnamese use "Ð" for "Đ".
    for stroked in "đĐðÐ":
        table[ord(stroked)] = "d"
    return table


_FOLD_TABLE = _build_fold_table()


def _build_collation_table() -> dict[int, str]:
    """Map lowercase Vietnamese letters to codes in Vietnamese alphabetical order.

    Each letter becomes base letter + quality rank + tone rank, so "a" < "ă" < "â",
    "d" < "đ", "o" < "ô" < "ơ", and tones order as in Vietnamese dictionaries:
    ngang, huyền, hỏi, ngã, sắc, nặng.
    """
    quality_rank = {"ă": 1, "â": 2, "ê": 1, "ô": 1, "ơ": 2, "ư": 1, "đ": 1}
    tone_rank = {0: 0, 1: 1, 3: 2, 4: 3, 2: 4, 5: 5}
    table: dict[int, str] = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        table[ord(letter)] = f"{letter}00"
    table[ord("đ")] = "d10"
    for char, (base, tone) in _VOWEL_INFO.items():
        if base.islower():
            base_ascii = unicodedata.normalize("NFD", base)[0]
            table[ord(char)] = f"{base_ascii}{quality_rank.get(base, 0)}{tone_rank[tone]}"
    return table


_COLLATION_TABLE = _build_collation_table()

# A token starts with a letter or digit; combining marks NFC could not compose stay
# attached to it. "_" is excluded because it joins bigrams.
_TOKEN_RE = re.compile(f"[^\\W_](?:[^\\W_]|[{_MARK_CLASS}])*")
_NON_SLUG_RE = re.compile(r"[^a-z0-9]+")

# Academic and professional titles written before a name: GS (giáo sư), PGS
# (phó giáo sư), TS (tiến sĩ), TSKH (tiến sĩ khoa học), ThS (thạc sĩ), KTS (kiến
# trúc sư), KS (kỹ sư), CN (cử nhân), BS (bác sĩ), NCS (nghiên cứu sinh). None of
# them is a Vietnamese syllable (no vowel), so none can be part of a name.
_TITLES_RE = re.compile(
    r"^\s*(?:(?:pgs|gs|tskh|ts|th\.?s|kts|ks|cn|bs|ncs)(?:\s*[.,]\s*|\s+))+",
    re.IGNORECASE,
)

# ---------------------------------------------------------------------------
# NFC
# ---------------------------------------------------------------------------


def _mark_order(mark: str) -> tuple[int, bool]:
    return unicodedata.combining(mark), mark in _TONES_CCC230


def _sort_marks(match: re.Match[str]) -> str:
    # Canonical order, except that among marks of one combining class the tone marks
    # come last: a stable sort, so every other order typed is kept.
    return "".join(sorted(match.group(), key=_mark_order))


def _nfc_core(text: str) -> str:
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # A circumflex or breve that NFC left uncomposed is the sign of a tone mark typed
    # before it; anything else composes, so the rare slow path runs only then.
    if _CIRCUMFLEX in text or _BREVE in text:
        decomposed = _MARK_RUN_RE.sub(_sort_marks, unicodedata.normalize("NFD", text))
        text = unicodedata.normalize("NFC", decomposed)
    return text


def nfc(text: str) -> str:
    """Return ``text`` in NFC with zero-width characters removed.

    For input boundaries (forms, API, imports): the text is otherwise unchanged, so
    it can be stored and displayed as typed.
    """
    return _nfc_core(_ZERO_WIDTH_RE.sub("", text))


# ---------------------------------------------------------------------------
# Canonical tone placement
# ---------------------------------------------------------------------------

_PLACEMENT_CACHE: dict[str, str] = {}
# Vietnamese has some 7,000 distinct syllables (times a few capitalisations); the
# cap only guards against unbounded growth on adversarial input.
_PLACEMENT_CACHE_MAX = 65_536


def _place_tone(word: str) -> str:
    """Move the tone mark of one syllable onto its main vowel (case preserved)."""
    letters: list[str] = []
    tone = 0
    toned = 0
    for char in word:
        info = _VOWEL_INFO.get(char)
        if info is None:
            if char not in _LETTERS:
                return word
            letters.append(char)
        else:
            letters.append(info[0])
            if info[1]:
                tone = info[1]
                toned += 1
    if toned != 1:
        return word
    match = _SYLLABLE_RE.fullmatch("".join(letters).lower())
    if match is None:
        return word
    nucleus = match.group("nucleus")
    closed = match.end("nucleus") < len(word)
    index = _TONE_POSITION.get((nucleus, closed))
    if index is None:
        return word
    position = match.start("nucleus") + index
    letters[position] = _VOWEL_WITH_TONE[(letters[position], tone)]
    return "".join(letters)


def _place_tone_cached(match: re.Match[str]) -> str:
    word = match.group()
    result = _PLACEMENT_CACHE.get(word)
    if result is None:
        if len(_PLACEMENT_CACHE) >= _PLACEMENT_CACHE_MAX:
            _PLACEMENT_CACHE.clear()
        result = _PLACEMENT_CACHE[word] = _place_tone(word)
    return result


def _canonical_core(normalised: str) -> str:
    return _TONED_WORD_RE.sub(_place_tone_cached, normalised.replace("\u00d0", "\u0110"))


def canonical(text: str) -> str:
    """Return ``nfc(text)`` with every syllable's tone mark on its main vowel.

    "Hòa Bình" and "Hoà Bình" both give "Hoà Bình"; "THỦY" gives "THUỶ"; "quý",
    "giá" and "thuở" are unchanged. Case is preserved.

    Like ``nfc``, this removes zero-width characters, so ``canonical(x) ==
    canonical(nfc(x))`` and ``canonical`` is idempotent; syllables separated by
    nothing but a zero-width character become one word and keep their marks as
    typed. Search keys and sort keys are not affected: they see such a character as
    a space.
    """
    return _canonical_core(nfc(text))


# ---------------------------------------------------------------------------
# Folding, tokens, keys
# ---------------------------------------------------------------------------


def _search_text(text: str) -> str:
    """NFC for search: zero-width characters become spaces, soft hyphens vanish."""
    if _SOFT_HYPHEN in text:
        text = text.replace(_SOFT_HYPHEN, "")
    if _ZERO_WIDTH_RE.search(text) is not None:
        text = _ZERO_WIDTH_RE.sub(" ", _ZERO_WIDTH_BEFORE_MARK_RE.sub("", text))
    return _nfc_core(text)


def fold(text: str) -> str:
    """Lowercase ``text`` and remove every diacritic, "đ" → "d"; collapse whitespace.

    Punctuation is kept: "Đường Láng – Hòa Lạc" → "duong lang – hoa lac". For sort
    keys and slugs; an unaccented query folds to the same string as accented text.
    """
    return " ".join(_search_text(text).lower().translate(_FOLD_TABLE).split())


def syllables(text: str, *, folded: bool = True) -> list[str]:
    """Return the lowercase word tokens of ``text``, folded or with canonical tones."""
    if folded:
        return _TOKEN_RE.findall(_search_text(text).lower().translate(_FOLD_TABLE))
    return _TOKEN_RE.findall(_canonical_core(_search_text(text)).lower())


def bigrams(tokens: list[str]) -> list[str]:
    """Join adjacent tokens with "_": ["giao", "thong"] → ["giao_thong"]."""
    return [f"{first}_{second}" for first, second in itertools.pairwise(tokens)]


def tokens(text: str, *, folded: bool = True) -> list[str]:
    """Return ``syllables(text)`` followed by their bigrams (duplicates kept)."""
    words = syllables(text, folded=folded)
    return words + bigrams(words)


def search_keys(text: str) -> tuple[str, str]:
    """Return (exact key, folded key): space-separated ``tokens`` of ``text``.

    Tokens contain only letters, digits and "_" (in bigrams). Index both keys and
    rank a match on the exact key above one on the folded key. The keys are already
    lowercased and folded, so the engine must not split them at "_" nor fold them
    again:

    * SQLite FTS5: ``tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"``.
    * PostgreSQL: ``array_to_tsvector(string_to_array(key, ' '))``, because the
      default text-search parser behind ``to_tsvector('simple', ...)`` splits
      words at "_".
    """
    return " ".join(tokens(text, folded=False)), " ".join(tokens(text, folded=True))


# ---------------------------------------------------------------------------
# Names and slugs
# ---------------------------------------------------------------------------


def _strip_titles(name: str) -> str:
    stripped = _TITLES_RE.sub("", name, count=1)
    # A bare title ("TS.") is all there is to sort by.
    return stripped if _TOKEN_RE.search(stripped) else name


def sort_key(name: str) -> str:
    """Sort key for a Vietnamese person's name: given name (last word), then the rest.

    Leading titles (GS., PGS.TS., KTS., ThS., TS., KS., ...) are ignored. The key is
    "<given> <full name>" folded, so accents and case never change the order, then
    a tie-break in Vietnamese alphabetical order (a < ă < â, d < đ, tones ngang <
    huyền < hỏi < ngã < sắc < nặng) so that variants of one name sort
    deterministically: "PGS.TS. Nguyễn Văn An" → "an nguyen van an " + tie-break.
    Compare keys by code point (Python's ``sorted``, ``COLLATE "C"`` in PostgreSQL):
    linguistic collations ignore the spaces the key relies on.
    """
    # Zero-width characters separate words here, as in search keys.
    bare = _strip_titles(_search_text(name))
    folded = syllables(bare)
    if not folded:
        return ""
    tie_break = " ".join(syllables(bare, folded=False)).translate(_COLLATION_TABLE)
    return f"{folded[-1]} {' '.join(folded)} {tie_break}"


def slugify_vi(text: str) -> str:
    """ASCII slug: "Hạ tầng kỹ thuật" → "ha-tang-ky-thuat", "Địa kỹ thuật" → "dia-ky-thuat".

    Letters without an ASCII equivalent after folding (other scripts) are dropped.
    """
    return _NON_SLUG_RE.sub("-", fold(text)).strip("-")
