"""Chunking: split a report's cleaned pages into verbatim passages that know their page, section and paragraph number."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .clean import looks_like_heading
from .records import Page, Passage

PAGE_JOIN = "\n\n"
FOOTNOTE_SECTION = "Footnote"
_FOOTNOTE = re.compile(r"[\u00b9\u00b2\u00b3\u2070\u2074-\u2079]+\s?\S")
_PARAGRAPH_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\d{0,2}\s+(?=[\"'\u201c\u2018(\[]?[A-Z0-9\u2022])")
_NO_BREAK_AFTER = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|Nos|para|paras|cf|vs|approx|etc|e\.g|i\.e|Fig|Vol|Ch)\.|\b[A-Z]\.)$"
)
_SENTENCE_END = re.compile(r"[.!?:;][\"'\u201d\u2019)\]]*\d{0,2}$")
# Bullet glyphs as PDFs extract them, Symbol-font private-use ones included, and list markers ("(b)", "ii.", "o").
_LIST_MARK = re.compile(
    r"^(?:[\u2022\u25aa\u25ab\u25cf\u25e6\u25a0\u25a1\u25fc\u25fb\u27a2\u2713\u2023\u2043\u2219\u00b7*\-\u2013\u2014"
    r"\ue000-\uf8ff]|o(?=\s)|\(?[a-z]{1,2}[.)]|\(?[ivx]{1,5}[.)])\s*"
)
_PRIVATE_USE_START = re.compile(r"[\ue000-\uf8ff]\s*")
FRAGMENT_WORDS = 12  # a passage shorter than this that is not a whole sentence joins a neighbour
_WHOLE_SENTENCE_END = re.compile(r"[.!?:][\"'\u201d\u2019)\]]*$")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATED_ROW = re.compile(
    rf"^(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}}|{_MONTH}\s+\d{{4}})\b", re.IGNORECASE
)
SECTION_WORDS = 20  # headings set one after another join into one section up to this length
LIST_LIMIT = 3  # a passage grows to this many times max_words to keep a list with the sentence that leads into it


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    heading: bool
    words: int
    note: bool = False  # a footnote known from its type: never in a passage, and no passage runs across it


def document_text(pages: Sequence[Page]) -> str:
    """The text passages are cut from: every page's cleaned text joined by a blank line."""
    return PAGE_JOIN.join(page.text for page in pages)


def chunk_pages(
    pages: Sequence[Page],
    file: str,
    sha256: str,
    *,
    min_words: int = 60,
    max_words: int = 200,
    overlap_sentences: int = 1,
) -> list[Passage]:
    """Split a report into passages.

    Paragraphs under the same heading are grouped up to ``max_words``; a paragraph longer
    than that is split at sentence boundaries, repeating ``overlap_sentences`` sentences
    between its pieces. Every passage's text is an exact slice of :func:`document_text`.
    """
    text = document_text(pages)
    page_starts = _page_starts(pages)
    spans: list[_Span] = []
    section = ""
    group: list[_Unit] = []
    barriers: list[int] = []  # where footnotes and headings sit: no passage is merged across one
    after_heading = False
    units = _units(text, page_starts, pages)
    rows = _table_rows(text, units)

    def flush() -> None:
        if group:
            kind = "table" if group[0].start in rows else "text"
            spans.append(_Span(group[0].start, group[-1].end, section, kind))
            group.clear()

    for unit in units:
        if unit.heading:
            flush()
            barriers.append(unit.start)  # fragments are not joined across a heading either
            heading = re.sub(r"\s+", " ", text[unit.start : unit.end])
            # A heading straight after another is its second line or its grade ("Overall effectiveness" /
            # "Grade 4 (inadequate)", "Chapter 3" / "Transition planning"): the section is both.
            joined = f"{section} {heading}"
            section = joined if after_heading and len(joined.split()) <= SECTION_WORDS else heading
            after_heading = True
            continue
        after_heading = False
        if unit.note:
            flush()
            barriers.append(unit.start)
            continue
        if is_footnote(text[unit.start : unit.end]):
            flush()  # a footnote is its own passage, never glued to the body text around it
            spans.append(_Span(unit.start, unit.end, FOOTNOTE_SECTION, "footnote"))
            continue
        if group and _page_at(page_starts, unit.start) > _page_at(page_starts, group[-1].end - 1) + 1:
            flush()  # never glue text across a page left out (a contents page, a scanned page)
        size = sum(u.words for u in group)
        if unit.start in rows or (group and group[0].start in rows):
            # A table's rows stay together with its column headings: one passage per table, or per page of it.
            same_table = group and group[0].start in rows and unit.start in rows and rows[unit.start] == rows[group[0].start]
            if not same_table or _page_at(page_starts, unit.start) != _page_at(page_starts, group[-1].start) \
                    or size + unit.words > LIST_LIMIT * max_words:
                flush()
            group.append(unit)
            continue
        # A list item or line that carries on a sentence ("\u2022 ensure that ...", "(b) someone who ...") stays
        # with the sentence that leads into it: a passage never starts in the middle of a sentence.
        carries_on = bool(group) and continues_sentence(text[unit.start : unit.end])
        if carries_on and size < LIST_LIMIT * max_words and unit.words <= max_words:
            group.append(unit)
            continue
        if unit.words > max_words:
            flush()
            spans.extend(_Span(s, e, section, "text") for s, e in _split_long(text, unit, max_words, overlap_sentences))
            continue
        if group and size + unit.words > max_words:
            flush()
        group.append(unit)
    flush()
    spans = [span._replace(start=_past_private_use_glyph(text, span.start, span.end)) for span in spans]
    spans = _merge_small(spans, text, min_words, max_words, barriers)
    spans = _fold_fragments(spans, text, page_starts, barriers, max_words)

    passages = []
    for start, end, span_section, kind in spans:
        body = text[start:end]
        first, last = _page_at(page_starts, start), _page_at(page_starts, end - 1)
        number = _PARAGRAPH_NUMBER.match(body)
        passages.append(
            Passage(
                id=f"{sha256[:12]}-{len(passages):04d}",
                file=file,
                page=pages[first].number,
                page_end=pages[last].number,
                page_label=pages[first].label,
                section=span_section,
                paragraph=number.group(1) if number else "",
                text=body,
                kind=kind,
            )
        )
    return passages


class _Span(NamedTuple):
    start: int
    end: int
    section: str
    kind: str


def is_fragment(passage_text: str) -> bool:
    """Under :data:`FRAGMENT_WORDS` words and not a whole sentence: a table cell, a date, a title's
    second line ("of the Advocate", "19/09/2015")."""
    return len(passage_text.split()) < FRAGMENT_WORDS and not (
        passage_text[:1].isupper() and _WHOLE_SENTENCE_END.search(passage_text)
    )


def _fold_fragments(spans: list[_Span], text: str, page_starts: list[int], barriers: Sequence[int],
                    max_words: int) -> list[_Span]:
    """A fragment is never a passage of its own: it joins the passage before it, or else the one after,
    when they are on the same or neighbouring pages with no footnote between."""

    def joinable(first: _Span, second: _Span) -> bool:
        return (
            first.end <= second.start
            and first.kind != "footnote" != second.kind
            and _page_at(page_starts, second.start) - _page_at(page_starts, first.end - 1) <= 1
            and not any(first.end <= b < second.start for b in barriers)
            and len(text[first.start : second.end].split()) < (LIST_LIMIT + 1) * max_words
        )

    result: list[_Span] = []
    pending: _Span | None = None  # a fragment waiting for the passage after it
    for span in spans:
        if pending is not None:
            if joinable(pending, span):
                span = span._replace(start=pending.start)
            else:
                result.append(pending)
            pending = None
        if is_fragment(text[span.start : span.end]) and span.kind != "footnote":
            if result and joinable(result[-1], span):
                result[-1] = result[-1]._replace(end=span.end)
                continue
            pending = span
            continue
        result.append(span)
    if pending is not None:
        result.append(pending)
    # What no neighbour could take (a lone "17", a caption between two headings) is marked, not indexed.
    return [span._replace(kind="fragment") if span.kind == "text" and is_fragment(text[span.start : span.end]) else span
            for span in result]


def _table_rows(text: str, units: list[_Unit]) -> dict[int, int]:
    """Units that are rows of a table whose rows start with a date (a chronology), by start offset,
    mapped to a number per table. The row just before the first dated one is its column headings."""
    rows: dict[int, int] = {}
    body = [u for u in units if not u.heading and not u.note]
    table, run = 0, []
    for unit in body + [None]:
        if unit is not None and _DATED_ROW.match(text[unit.start : unit.end]):
            run.append(unit)
            continue
        if len(run) >= 2:
            table += 1
            position = body.index(run[0])
            before = body[position - 1] if position else None
            heads = text[before.start : before.end] if before is not None else ""
            if before is not None and (re.match(r"(?:Date|When)\b", heads) or (
                    before.words <= 8 and not _SENTENCE_END.search(heads))):
                run.insert(0, before)
            rows.update((u.start, table) for u in run)
        run = []
    return rows


def _page_starts(pages: Sequence[Page]) -> list[int]:
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page.text) + len(PAGE_JOIN)
    return starts


def _page_at(page_starts: list[int], offset: int) -> int:
    lo, hi = 0, len(page_starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if page_starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _units(text: str, page_starts: list[int], pages: Sequence[Page]) -> list[_Unit]:
    """Paragraphs with their offsets; a paragraph that runs on over a page break becomes one unit."""
    raw: list[tuple[int, int, int]] = []  # start, end, page index
    notes: list[_Unit] = []
    for index, page in enumerate(pages):
        offset = page_starts[index]
        for match in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", page.text):
            if page.layout and match.group(0) in page.notes:
                notes.append(_Unit(offset + match.start(), offset + match.end(), False, 0, note=True))
                continue  # footnotes stay out of passages and of the ranking; the page still shows them
            raw.append((offset + match.start(), offset + match.end(), index))
    units: list[_Unit] = []
    for position, (start, end, index) in enumerate(raw):
        while notes and notes[0].start < start:
            units.append(notes.pop(0))
        body = text[start:end]
        following = text[raw[position + 1][0] : raw[position + 1][1]] if position + 1 < len(raw) else ""
        page = pages[index]
        heading = body in page.headings if page.layout else is_heading(body, following)
        if heading and units and units[-1].heading and not units[-1].note and body[:1].islower() and _page_at(page_starts, units[-1].start) == index:
            previous = units.pop()  # a heading set on two lines ("4. Maintaining the Independence" / "of the Advocate")
            units.append(_Unit(previous.start, end, True, previous.words + len(body.split())))
            continue
        # The last body paragraph before this one, looking past footnotes printed at the foot of the page.
        before = next((i for i in range(len(units) - 1, -1, -1) if not units[i].note), None)
        if (
            before is not None
            and not heading
            and not units[before].heading
            and _page_at(page_starts, units[before].end - 1) == index - 1
            and _is_last_on_page(raw, units[before].end)
            and _is_first_on_page(raw, start, index)
            and not _SENTENCE_END.search(text[units[before].start : units[before].end])
            and (body[:1].islower() or (page.layout and continues_page(body)))
        ):
            # One paragraph over a page break; a footnote printed between its halves goes with it, as on the page.
            previous = units[before]
            del units[before:]
            units.append(_Unit(previous.start, end, False, previous.words + len(body.split())))
            continue
        units.append(_Unit(start, end, heading, len(body.split())))
    return units + notes


def continues_page(paragraph: str) -> bool:
    """A page's first paragraph that may carry on the last one of the page before: not a numbered
    paragraph, not a list item (headings are known from the type)."""
    return not (_PARAGRAPH_NUMBER.match(paragraph) or re.match(r"^\d{1,3}\.\s", paragraph) or _LIST_MARK.match(paragraph))


def continues_sentence(paragraph: str) -> bool:
    """Whether a paragraph carries on the sentence before it: after any bullet or list marker it starts
    in lower case or with punctuation ("ensure that ...", "and promoting", ", which ...")."""
    body = _LIST_MARK.sub("", paragraph, count=1).lstrip()
    return bool(body) and not (body[0].isupper() or body[0].isdigit() or body[0] in "\"'\u201c\u2018([\u00a3$\u20ac#@")


def _past_private_use_glyph(text: str, start: int, end: int) -> int:
    """A passage does not open with a Symbol-font bullet (U+F0B7 and friends show as an empty box)."""
    match = _PRIVATE_USE_START.match(text, start, end)
    return match.end() if match and match.end() < end else start


def is_footnote(paragraph: str) -> bool:
    """A paragraph that opens with a superscript number (cleaning keeps that number superscript)."""
    return bool(_FOOTNOTE.match(paragraph))


def is_heading(paragraph: str, next_paragraph: str = "") -> bool:
    """Whether chunking reads ``paragraph`` as a heading: it then names the section of the passages after
    it and is never part of a passage's text."""
    return looks_like_heading(paragraph, standalone=True) or _heads_numbered_paragraph(paragraph, next_paragraph)


def _heads_numbered_paragraph(body: str, following: str) -> bool:
    """A short unpunctuated line right before a numbered paragraph is a subheading ("Bruising to a baby who was not yet mobile")."""
    words = body.split()
    return (
        0 < len(words) <= 12
        and body[:1].isupper()
        and not _SENTENCE_END.search(body)
        and not body.endswith(",")
        and bool(_PARAGRAPH_NUMBER.match(following))
    )


def _is_last_on_page(raw: list[tuple[int, int, int]], end: int) -> bool:
    for i, (_, e, index) in enumerate(raw):
        if e == end:
            return i + 1 == len(raw) or raw[i + 1][2] != index
    return False


def _is_first_on_page(raw: list[tuple[int, int, int]], start: int, index: int) -> bool:
    return next(s for s, _, i in raw if i == index) == start


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Offsets of the sentences in ``text[start:end]``, never breaking after "Mr." or "e.g."."""
    end = len(text) if end is None else end
    spans, cursor = [], start
    for match in _SENTENCE_BREAK.finditer(text, start, end):
        if _NO_BREAK_AFTER.search(text[max(cursor, match.start() - 8) : match.start()].rstrip("\"'\u201d\u2019)]")):
            continue
        sentence_end = match.start() + len(match.group(0).rstrip())
        if text[cursor:sentence_end].strip():
            spans.append((cursor, sentence_end))
        cursor = match.end()
    if text[cursor:end].strip():
        spans.append((cursor, end))
    return spans


def _split_long(text: str, unit: _Unit, max_words: int, overlap: int) -> list[tuple[int, int]]:
    sentences = sentence_spans(text, unit.start, unit.end)
    pieces = math.ceil(unit.words / max_words)
    target = unit.words / pieces
    result: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        j, words = i, 0
        while j < len(sentences) and (words < target or j == i):
            words += len(text[sentences[j][0] : sentences[j][1]].split())
            j += 1
            if j < len(sentences) and words + len(text[sentences[j][0] : sentences[j][1]].split()) > max_words:
                break
        result.append((sentences[i][0], sentences[j - 1][1]))
        if j >= len(sentences):
            break
        i = max(j - overlap, i + 1)
    return result


def _merge_small(
    spans: list[_Span], text: str, min_words: int, max_words: int, barriers: Sequence[int] = ()
) -> list[_Span]:
    """Fold a span shorter than ``min_words`` into its neighbour in the same section when they fit together."""
    merged: list[_Span] = []
    for span in spans:
        if merged:
            previous = merged[-1]
            words, p_words = len(text[span.start : span.end].split()), len(text[previous.start : previous.end].split())
            if (
                previous.section == span.section != FOOTNOTE_SECTION
                and previous.kind == span.kind == "text"
                and previous.end <= span.start  # pieces of one split paragraph overlap; merging would repeat a sentence
                and not any(previous.end <= b < span.start for b in barriers)
                and (words < min_words or p_words < min_words)
                and words + p_words <= max_words * 1.25
            ):
                merged[-1] = previous._replace(end=span.end)
                continue
        merged.append(span)
    return merged


WINDOW_SENTENCES = 2  # the sentence model also reads each run of two sentences of a longer passage (1 and 3 measured lower on the real set)
WINDOWS_VERSION = 1  # raise when windows() changes: an index with other windows has them embedded again
WINDOW_MIN_WORDS = 4  # headings and list stubs of fewer words are not sentences to read alone


def windows(text: str) -> list[str]:
    """Overlapping runs of :data:`WINDOW_SENTENCES` sentences of a passage's search text, which the
    sentence model reads besides the whole passage; none for a passage of two sentences or fewer.

    The model reads a passage as one averaged meaning; a question about one point of a long
    paragraph meets that point better in a pair of its sentences (real reports: 1.14x -> 1.17x
    BM25's nDCG@10, fiction 1.14x -> 1.16x; see README "Search quality")."""
    flat = " ".join(text.split())
    sentences = [flat[a:b].strip() for a, b in sentence_spans(flat)]
    sentences = [s for s in sentences if len(s.split()) >= WINDOW_MIN_WORDS]
    if len(sentences) <= WINDOW_SENTENCES:
        return []
    return [" ".join(sentences[i:i + WINDOW_SENTENCES]) for i in range(len(sentences) - WINDOW_SENTENCES + 1)]
