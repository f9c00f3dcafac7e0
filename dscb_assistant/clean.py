"""Cleaning: turn raw page text into paragraphs, without running headers, footers, page numbers or contents lines."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from .extract import fold_for_layout

EDGE_LINES = 3  # how many lines at the top and bottom of a page may be running headers or footers
SUPERSCRIPTS = "\u00b9\u00b2\u00b3\u2070\u2074-\u2079"  # as a regex character range

_ODD_SPACES = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")  # shown as a plain space
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_PAGE_NUMBER = re.compile(
    r"""^(
        (page|p\.?)\s*\d+(\s*(of|/)\s*\d+)?        # Page 3, Page 3 of 24, p. 3
      | \d+\s*(of|/)\s*\d+                         # 3 of 24, 3/24
      | [-\u2013\u2014\s]*\d{1,4}[-\u2013\u2014\s]*   # 3, - 3 -
      | \d+\s*\|\s*page | page\s*\|\s*\d+          # 3 | Page
      | [ivxlc]{1,7}                               # roman numerals of front matter
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_MARKINGS = re.compile(
    r"^(classification:\s*)?(official|official[\s-]*sensitive|not protectively marked|protect|restricted|"
    r"confidential|draft|unclassified)(\s*[-:]\s*\w+)?$",
    re.IGNORECASE,
)
_LEADER = re.compile(r"(?:\.\s?){4,}\s*\S{0,8}\s*$|\u2026{2,}\s*\S{0,8}\s*$|_{4,}\s*\S{0,8}\s*$")
_CONTENTS_TITLE = re.compile(r"^(?:table of )?contents$|^list of (?:figures|tables|charts|abbreviations)$", re.IGNORECASE)
_ENDS_IN_NUMBER = re.compile(r"\s(\d{1,3}|[ivxlc]{1,6})$", re.IGNORECASE)
_NUMBERED = re.compile(r"^\d{1,2}(?:\.\d{1,2}){1,3}\.?\s+\S|^\d{1,2}\.\s+[A-Z]")
_BULLET = re.compile(r"^(?:[\u2022\u25aa\u25cf\u25e6\u25a0\u25a1\u27a2\u2713\u2023\u2043*\-\u2013\u2014]\s+|\(?[a-z]\)\s+|\(?[ivx]{1,4}\)\s+)")
_FOOTNOTE_START = re.compile(rf"[{SUPERSCRIPTS}]+\s?\S")
_SENTENCE_END = re.compile(r"[.!?:;][\"'\u201d\u2019)\]]*\d{0,2}$")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


_DATE_OR_NUMBER = re.compile(r"[\d\s/.:\-\u2013]+|\d{1,2}(?:st|nd|rd|th)?\s+\w+\s+\d{4}|\w+\s+\d{4}", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\S)")
_CAPS_WORD = r"(?:[A-Z][A-Z'\u2019&/()\-]*[A-Z)]|[A-Z]|and|of|the|for|in|to|on|or)"
_CAPITALS_HEADING = re.compile(rf"(?:\d{{1,2}}(?:\.\d{{1,2}})*\.?\s+)?(?=.*[A-Z]{{3}}){_CAPS_WORD}(?:\s+{_CAPS_WORD})*")
_SIGNATURE = re.compile(r"\b(?:MP|QC|KC|CBE|OBE|MBE|JP)$")
_NOTE_START = re.compile(rf"(?:\d{{1,3}}|[{SUPERSCRIPTS}]+)\s?(?=[A-Za-z\u201c\u2018\"'(])")

_FUNCTION_WORDS = frozenset("a an the and or but of to in on at by for with about from as into than that which who".split())


def prepare(text: str) -> str:
    """The page's own text with only invisible characters and line-end forms changed.

    No NFKC, no superscripts dropped: what a card shows must be what the PDF says ("½", "10m²").
    Folding for search is :func:`search_text`'s job.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # A line opening with a superscript number is a footnote: its own paragraph, never glued to the text above.
    text = re.sub(rf"\n(?=[{SUPERSCRIPTS}]+\s?\S)", "\n\n", text)
    text = text.replace("\u00ad\n", "").replace("\u00ad", "")  # soft hyphens are never printed text
    return _ODD_SPACES.sub(" ", text.translate(_INVISIBLE))


def search_text(text: str) -> str:
    """The form of a passage the ranking reads (BM25 and embedding), never shown: NFKC (ligatures,
    fractions, odd spaces), footnote markers stuck to a word dropped ("2013¹" is "2013", not "20131")."""
    text = re.sub(rf"(?<=[^\s])[{SUPERSCRIPTS}]+", "", text)
    return unicodedata.normalize("NFKC", text)


def paragraph_roles(
    page_text: str, emphasised: Sequence[str], small: Sequence[str], last_page: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Which paragraphs of a cleaned page are headings and which are footnotes, from the type they
    were set in (``extract.RawDocument.emphasised`` and ``small``), not from their wording.

    A heading is short, set larger or bolder than the body text (or in capitals on a line of its own,
    as in the numbered boxes of a coroner's form: "5 CORONER'S CONCERNS"), and starts like a heading
    (a capital, a number, "ES2", "Appendix B"); it is followed by text. A date, a lone number, a line
    ending in a comma or colon, a signature or a table cell is not one. A footnote is set small, at
    the foot of the page, and starts with its number ("9 Section 47 of the Children Act 1989").
    """
    headings = []
    paragraphs = [p for p in page_text.split("\n\n") if p]
    for position, paragraph in enumerate(paragraphs):
        folded = fold_for_layout(paragraph)
        words = paragraph.split()
        after = paragraphs[position + 1 :]
        if (
            folded
            and len(words) <= 20
            # A heading heads text: a paragraph of a dozen words follows it on the page, or it ends the page.
            # Table cells ("Yes No") and signatures ("Edward Timpson MP" / his title) are followed by short lines.
            and (sum(len(p.split()) for p in after[:3]) >= 12 or (not after and not last_page))
            and not _SIGNATURE.search(paragraph)
            and not (paragraph.endswith(".") and len(words) > 6)  # a sentence set in bold is emphasis
            and (_is_styled(paragraph, emphasised) or _CAPITALS_HEADING.fullmatch(paragraph))
            # A heading set on two lines may carry on in lower case ("4. Maintaining the Independence" / "of the Advocate").
            and (paragraph[0].isupper() or paragraph[0].isdigit() or (headings and headings[-1] == paragraphs[position - 1]))
            and re.search(r"[A-Za-z]{2}", paragraph)
            and not re.search(r"[,;:]$", paragraph)  # "Immediately:" leads into the list after it: kept as text
            and not _DATE_OR_NUMBER.fullmatch(paragraph)
        ):
            headings.append(paragraph)
    # Footnotes: the small-type paragraphs at the foot of the page, the first of them opening with its number.
    foot: list[str] = []
    for paragraph in reversed(paragraphs):
        folded = fold_for_layout(paragraph)
        if not folded or not any(folded in block for block in small):
            break
        foot.insert(0, paragraph)
    while foot and not _NOTE_START.match(foot[0]):
        foot.pop(0)
    notes = [p for p in foot if p not in headings]
    return tuple(headings), tuple(notes)


def clean_pages(
    raw_pages: Sequence[str], emphasised: Sequence[Sequence[str]] = (), small: Sequence[Sequence[str]] = ()
) -> list[str]:
    """Clean all pages of one document.

    ``emphasised`` (``extract.RawDocument.emphasised``, per page) tells which lines are set larger or
    bolder than the body text: they are paragraphs of their own (headings), and no other line is
    taken for a heading because of its wording. Without it, headings are guessed from wording.
    ``small`` (per page) likewise tells which lines are footnote type: a change of type ends a paragraph.

    Returns one string per page: its paragraphs, each on one line, separated by a blank line.
    """
    pages = [[re.sub(r" {2,}", " ", line).strip() for line in prepare(p).split("\n")] for p in raw_pages]
    boilerplate = _repeating_edge_lines(pages)
    vocabulary = _vocabulary(pages)
    paragraphs = []
    for number, lines in enumerate(pages, start=1):
        lines = _drop_edges(lines, boilerplate, number)
        lines = _drop_contents_lines(lines)
        styled = emphasised[number - 1] if any(emphasised) and number <= len(emphasised) else None
        notes = small[number - 1] if styled is not None and number <= len(small) else ()
        paragraphs.append(_paragraphs(lines, vocabulary, styled, notes))
    return ["\n\n".join(page) for page in _footnotes_out_of_the_way(paragraphs)]


def _footnotes_out_of_the_way(pages: list[list[str]]) -> list[list[str]]:
    """Move a page's footnotes to its top when its last paragraph runs on to the next page, so the
    two halves of that paragraph meet; elsewhere footnotes stay at the bottom, where they were printed."""
    result = []
    for index, page in enumerate(pages):
        notes = [p for p in page if _FOOTNOTE_START.match(p)]
        body = [p for p in page if not _FOOTNOTE_START.match(p)]
        following = next((p for p in (pages[index + 1] if index + 1 < len(pages) else []) if not _FOOTNOTE_START.match(p)), "")
        starts_mid_sentence = bool(body) and body[0][:1].islower()
        runs_on = bool(body) and not _SENTENCE_END.search(body[-1]) and following[:1].islower()
        result.append(notes + body if notes and runs_on and not starts_mid_sentence else page)
    return result


def _edge_keys(line: str, page_number: int) -> set[str]:
    """How a top or bottom line is recognised on other pages: its text, and, where it carries a
    page number ("Page 3 of 24", "SCR Baby K | 3"), its text with numbers masked plus the offset
    between the printed and the physical page, which stays the same from page to page."""
    text = re.sub(r"\s+", " ", line.lower()).strip()
    keys = {text}
    # A leading number followed by "." is a numbered heading ("5. Findings"), not a page number.
    leading = re.search(r"^(?:page\s*)?(\d{1,4})\b(?![.:)]\s*\S)", text)
    trailing = re.search(r"\b(?:page\s*)?(\d{1,4})(?:\s*(?:of|/)\s*\d+)?$", text)
    masked = re.sub(r"[0-9]+", "#", text)
    # Either may be the page number ("11 to 15 December 2023 2" carries dates first, the page last).
    for where, match in (("<", leading), (">", trailing)):
        if match:
            keys.add(f"#{where}{masked}@{page_number - int(match.group(1))}")
    return keys


def _edges(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line]
    head, tail = filled[:EDGE_LINES], filled[-EDGE_LINES:]
    return sorted(set(head) | set(tail))


def _repeating_edge_lines(pages: list[list[str]]) -> set[str]:
    """Keys of lines that sit at the top or bottom of many pages: running headers and footers."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for number, lines in enumerate(pages, start=1):
        counts.update(set().union(*[_edge_keys(lines[i], number) for i in _edges(lines)]))
    text_pages = sum(1 for lines in pages if any(lines))
    needed = text_pages if text_pages <= 3 else max(3, math.ceil(0.4 * text_pages))
    found = {key for key, n in counts.items() if n >= needed and key.strip("#")}
    # Chapter-by-chapter running heads ("Chapter 3: Findings 12") repeat only within a chapter:
    # the very first or last line, carrying the page number, seen on at least two pages.
    outer: Counter[str] = Counter()
    for number, lines in enumerate(pages, start=1):
        filled = [line for line in lines if line]
        for line in {filled[0], filled[-1]} if filled else ():
            if len(line.split()) <= 12:
                outer.update(k for k in _edge_keys(line, number) if k.startswith("#"))
    found |= {"^" + key for key, n in outer.items() if n >= 2 and key.strip("#")}
    return found


def _drop_edges(lines: list[str], boilerplate: set[str], page_number: int) -> list[str]:
    edges = set(_edges(lines))
    filled = [i for i, line in enumerate(lines) if line]
    outermost = {filled[0], filled[-1]} if filled else set()
    kept = []
    for i, line in enumerate(lines):
        keys = _edge_keys(line, page_number) if i in edges else set()
        if i in edges and (
            keys & boilerplate
            or (i in outermost and {"^" + k for k in keys} & boilerplate)
            or _PAGE_NUMBER.match(line)
            or _MARKINGS.match(line)
        ):
            continue
        kept.append(line)
    return kept


def _drop_contents_lines(lines: list[str]) -> list[str]:
    filled = [line for line in lines if line]
    if not filled:
        return lines
    leaders = [line for line in filled if _LEADER.search(line)]
    numbered_ends = [line for line in filled if _ENDS_IN_NUMBER.search(line) and len(line.split()) <= 14]
    contents_page = len(leaders) >= 2 and len(leaders) >= 0.4 * len(filled)
    contents_page |= len(numbered_ends) >= 5 and len(numbered_ends) >= 0.6 * len(filled)
    # "List of tables" with two entries is a contents page too.
    titled = bool(_CONTENTS_TITLE.match(filled[0])) and len(set(leaders) | set(numbered_ends)) >= 0.5 * (len(filled) - 1)
    contents_page |= titled and len(filled) > 1
    if not contents_page:
        return lines  # leader lines elsewhere ("Signed ........") are the report's text: removing one splices paragraphs
    kept = []
    for line in lines:
        if _LEADER.search(line):
            continue
        if line and (
            _ENDS_IN_NUMBER.search(line) or (len(line.split()) <= 20 and not _SENTENCE_END.search(line))
        ):
            continue  # titles that wrapped onto a second contents line, "Contents", "Page"
        kept.append(line)
    return kept


def _vocabulary(pages: list[list[str]]) -> set[str]:
    words: set[str] = set()
    for lines in pages:
        for line in lines:
            words.update(w.lower() for w in _WORD.findall(line))
    return words


def looks_like_heading(line: str, standalone: bool = False) -> bool:
    """A short line in heading form: numbered ("3.2 Findings"), Title Case or CAPITALS, no closing full stop.

    ``standalone`` (a paragraph on its own, not a line inside one) also accepts short sentence-case
    headings such as "Key learning".
    """
    words = line.split()
    if not words or len(words) > 12 or len(line) > 100:
        return False
    if re.search(r"[.,;:]$", line) or _BULLET.match(line):
        return False
    if re.match(r"^(\d{1,2}(\.\d{1,2}){0,3}\.?|[A-Z]\.|Appendix\s+\w+:?|Section\s+\w+:?)\s+[A-Z]", line):
        return len(words) <= 12
    if not line[0].isupper():
        return False
    letters = [w for w in words if w[0].isalpha()]
    if not letters:
        return False
    if line.isupper() and len(line) > 3:
        return True
    if standalone and len(words) <= 6 and not re.search(r"\d{3,}|[()\[\]]", line) and words[-1].lower() not in _FUNCTION_WORDS:
        return True
    significant = [w for w in letters if len(w) > 3]
    capitalised = [w for w in significant if w[0].isupper()]
    return len(words) <= 8 and (not significant or len(capitalised) >= 0.6 * len(significant))


def _is_styled(text: str, blocks: Sequence[str]) -> bool:
    """Whether ``text`` (a line or paragraph) was set in one of the styled ``blocks``; its number may be
    set in body type ("5" + bold "CORONER'S CONCERNS")."""
    for candidate in (text, _LEADING_NUMBER.sub("", text, count=1)):
        folded = fold_for_layout(candidate)
        if len(folded) >= 2 and re.search(r"[A-Za-z]", folded) and any(folded in block for block in blocks):
            return True
    return False


def _paragraphs(
    lines: list[str], vocabulary: set[str], styled: Sequence[str] | None = None, small: Sequence[str] = ()
) -> list[str]:
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return []
    width = lengths[int(0.8 * (len(lengths) - 1))]
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(_join_lines(current, vocabulary))
            current.clear()

    run_type = ""
    for i, line in enumerate(lines):
        if not line:
            flush()
            run_type = ""
            continue
        if styled is not None:
            # Type decides: lines set as headings are a paragraph of their own (a heading on two lines stays
            # one), and a change into or out of footnote type ends a paragraph.
            line_type = "heading" if _is_styled(line, styled) else "small" if _is_styled(line, small) else "body"
            if current and line_type != run_type and "heading" in (line_type, run_type) or (
                    current and run_type and line_type != run_type and "small" in (line_type, run_type)):
                flush()
            run_type = line_type
            if line_type == "heading":
                current.append(line)
                continue
        previous = current[-1] if current else ""
        previous_closed = not previous or bool(_SENTENCE_END.search(previous)) or len(previous) < 0.6 * width
        starts_block = bool(_NUMBERED.match(line) or _BULLET.match(line))
        heading = styled is None and looks_like_heading(line) and len(line) < 0.75 * max(width, 40)
        # A lone short line before a numbered paragraph is its subheading, whatever its case.
        lone_heading_line = len(current) == 1 and len(previous.split()) <= 12 and not previous.endswith(",")
        if current and (previous_closed or (starts_block and lone_heading_line)) and (starts_block or heading):
            flush()
        current.append(line)
        nxt = next((candidate for candidate in lines[i + 1 : i + 2]), "")
        if heading and (not current[:-1] or previous_closed) and (not nxt or nxt[:1].isupper() or nxt[:1].isdigit()):
            flush()
        elif _SENTENCE_END.search(line) and len(line) < 0.8 * width:
            flush()
    flush()
    return paragraphs


def _join_lines(lines: list[str], vocabulary: set[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        match = re.search(r"([A-Za-z]+)-$", text)
        if match and line[:1].islower():
            left = match.group(1)
            right = re.match(r"[A-Za-z]+", line)
            right_word = right.group(0) if right else ""
            if _keep_hyphen(left, right_word, vocabulary):
                text = text + line
            else:
                text = text[:-1] + line
        else:
            text = f"{text} {line}"
    return re.sub(r" {2,}", " ", text).strip()


def _keep_hyphen(left: str, right: str, vocabulary: set[str]) -> bool:
    """A line-end hyphen is the report's own ("risk-taking", "well-being") unless the joined word is
    printed unhyphenated elsewhere in the report and the hyphenated form is not ("safe-" + "guarding")."""
    joined, hyphenated = (left + right).lower(), f"{left}-{right}".lower()
    return not (joined in vocabulary and hyphenated not in vocabulary)
