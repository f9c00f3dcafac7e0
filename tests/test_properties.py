"""Property tests (Hypothesis) for cleaning and chunking.

What chunking promises, precisely (``text`` is :func:`document_text`, the cleaned pages joined by
a blank line; a *paragraph* is a run of non-blank lines):

1. Verbatim: every passage is an exact slice of ``text``, stripped, non-empty, and lies within
   the pages ``page``..``page_end`` it names, starting on ``page``.
2. Coverage: every non-whitespace character of ``text`` is in some passage, except the
   paragraphs chunking reads as headings (``chunk.is_heading(paragraph, next_paragraph)``: a
   short heading-like line, or a short unpunctuated line just before a numbered paragraph).
   Those are left out of passages on purpose: each becomes the ``section`` of the passages after
   it, up to the next heading (headings straight after one another, nothing between, make one
   section, joined by a space, up to ``chunk.SECTION_WORDS`` words). Nothing else is dropped;
   whitespace between paragraphs and between sentences where a long paragraph is split may fall
   outside passages.
3. Size: a passage has at most ``1.25 * max_words`` words (paragraphs are grouped up to
   ``max_words``, and a short neighbour may be folded in up to 1.25 times that) - except a passage
   that is a single sentence, which may be any length: sentences are never cut; and a passage that
   keeps a list (or a paragraph carrying on a sentence) with the sentence leading into it, which
   stays under ``(chunk.LIST_LIMIT + 1) * max_words``. There is no lower
   bound: a short paragraph alone under its heading stays short.
4. Order and identity: passages come in document order (starts strictly increasing), ids are
   unique, and a passage's ``paragraph`` number is how its text begins.

Cleaning promises: ``clean_pages`` never raises; it returns one string per page, with no
leading or trailing whitespace, paragraphs separated by exactly one blank line, each paragraph
on one line, and no zero-width characters.

Uploads promise: whatever name a browser sends, the PDF is stored under a plain ASCII name ending
``.pdf`` (no folders, no leading dot, no ``..``) directly inside the corpus folder.

Runs are derandomized (same examples every time) and keep no example database.
"""

from __future__ import annotations

import itertools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dscb_assistant.chunk import LIST_LIMIT, PAGE_JOIN, SECTION_WORDS, chunk_pages, document_text, is_heading, sentence_spans
from dscb_assistant.clean import clean_pages
from dscb_assistant.records import Page

SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CHUNKING = dict(min_words=20, max_words=50, overlap_sentences=1)  # small, so every path is taken often

VOCABULARY = ("the child was seen by health visitor school nurse police social worker GP Dr. Mr. e.g. i.e. "
              "3.2 1. (a) MARAC CAMHS non-mobile re-referral \u201cquoted\u201d father's 2019 No. A&E").split()

# -- arbitrary text, for "never raises" and the properties that hold for any input -----------------------
any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
any_line = st.one_of(any_text, st.sampled_from(["", "Page 3 of 12", "CONTENTS", "Introduction ........ 4", "- 7 -",
                                                 "OFFICIAL", "\u00b9 A footnote.", "non-\nmobile", "\x0c", "\r\n"]))
raw_page = st.lists(any_line, max_size=12).map("\n".join)


@SETTINGS
@given(st.lists(raw_page, max_size=6))
def test_clean_pages_never_raises_and_keeps_its_shape(pages):
    cleaned = clean_pages(pages)
    assert len(cleaned) == len(pages)
    for page in cleaned:
        assert page == page.strip()
        assert "\n\n\n" not in page
        for paragraph in page.split("\n\n") if page else []:
            assert paragraph and "\n" not in paragraph and paragraph == paragraph.strip()
        assert not re.search("[\u200b\u200c\u200d\u2060\ufeff]", page)


# -- document-like text with a unique token in every sentence, so each passage has one place -------------
_counter = itertools.count()


def _sentence(words: list[str], end: str) -> str:
    return f"{words[0].capitalize()} {' '.join(words[1:])} u{next(_counter)}{end}".replace("  ", " ")


sentence = st.builds(_sentence, st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=14),
                     st.sampled_from([".", ".", ".", "?", "!", ";", ":", ""]))
long_sentence = st.integers(60, 140).map(lambda n: _sentence(["the"] * n, "."))  # one sentence > max_words
heading = st.one_of(
    st.builds(lambda w, n: f"{n}. {w.title()} U{next(_counter)}", st.sampled_from(["findings", "the family"]),
              st.integers(1, 9)),
    st.builds(lambda w: f"{w.upper()} U{next(_counter)}", st.sampled_from(["summary", "key learning"])),
    st.builds(lambda w: f"{w} U{next(_counter)}", st.sampled_from(["Key learning", "Background"])),
)
paragraph = st.one_of(
    st.lists(sentence, min_size=1, max_size=4).map(" ".join),
    st.lists(sentence, min_size=8, max_size=30).map(" ".join),  # longer than max_words: split
    st.builds(lambda n, s: f"{n}.{n % 7 + 1} {s}", st.integers(1, 9), st.lists(sentence, min_size=1, max_size=6).map(" ".join)),
    sentence.map(lambda s: f"- {s}"),
    long_sentence,
    heading,
    st.lists(sentence, min_size=1, max_size=3).map(lambda s: " ".join(s).lower()),  # runs on from the page before
)
document = st.lists(st.lists(paragraph, min_size=0, max_size=6).map(PAGE_JOIN.join), min_size=1, max_size=5)


def _pages(texts: list[str]) -> list[Page]:
    return [Page(number=i, label=f"p{i}", text=t) for i, t in enumerate(texts, start=1)]


def _page_spans(pages: list[Page]) -> list[tuple[int, int]]:
    spans, offset = [], 0
    for page in pages:
        spans.append((offset, offset + len(page.text)))
        offset += len(page.text) + len(PAGE_JOIN)
    return spans


def _check_universal(pages: list[Page], passages, *, unique: bool = True) -> list[int]:
    """Properties 1, 3 and 4; returns the passages' start offsets.

    With ``unique`` text every passage has one place in the document, so order is checked too; for
    arbitrary text (where "00" may occur in many places) it is enough that one occurrence starts on
    ``page`` and ends on ``page_end``.
    """
    text = document_text(pages)
    spans = _page_spans(pages)
    starts, previous = [], -1
    for passage in passages:
        assert passage.text and passage.text == passage.text.strip()
        assert 1 <= passage.page <= passage.page_end <= len(pages)
        first, last = spans[passage.page - 1], spans[passage.page_end - 1]
        if unique:
            start = text.find(passage.text, previous + 1)
            assert start > previous, "passages out of document order"
        else:
            start = text.find(passage.text, first[0], last[1])
        assert first[0] <= start <= first[1] and start + len(passage.text) <= last[1], (passage.page, passage.page_end)
        assert passage.page_label == f"p{passage.page}"
        starts.append(start)
        previous = start
        words = len(passage.text.split())
        keeps_a_list = words < (LIST_LIMIT + 1) * CHUNKING["max_words"] and "\n\n" in passage.text
        assert words <= 1.25 * CHUNKING["max_words"] or len(sentence_spans(passage.text)) == 1 or keeps_a_list, (
            words, passage.text)
        if passage.paragraph:
            assert passage.text.startswith(passage.paragraph)
    assert len({p.id for p in passages}) == len(passages)
    return starts


@SETTINGS
@given(document)
def test_passages_are_verbatim_cover_everything_but_headings_and_keep_their_size(texts):
    pages = _pages(texts)
    passages = chunk_pages(pages, "r.pdf", "ab" * 32, **CHUNKING)
    starts = _check_universal(pages, passages)
    text = document_text(pages)

    covered = bytearray(len(text))
    for start, passage in zip(starts, passages):
        covered[start : start + len(passage.text)] = b"\1" * len(passage.text)
    paragraphs = [(page_start + m.start(), page_start + m.end())
                  for (page_start, _), page in zip(_page_spans(pages), pages)
                  for m in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", page.text)]
    headings: list[tuple[int, str]] = []
    sections: list[tuple[int, str]] = []  # headings one straight after another make one section
    previous_end = -1
    for (start, end), following in itertools.zip_longest(paragraphs, paragraphs[1:], fillvalue=(0, 0)):
        if is_heading(text[start:end], text[following[0] : following[1]]):
            name = re.sub(r"\s+", " ", text[start:end])
            headings.append((start, name))
            joined = f"{sections[-1][1]} {name}" if sections else name
            if sections and not text[previous_end:start].strip() and len(joined.split()) <= SECTION_WORDS:
                sections.append((start, joined))
            else:
                sections.append((start, name))
            previous_end = end
            covered[start:end] = b"\1" * (end - start)
    gaps = [text[i] for i in range(len(text)) if not covered[i] and not text[i].isspace()]
    assert gaps == [], f"left out: {''.join(gaps)[:80]!r}"

    for start, passage in zip(starts, passages):
        before = [name for offset, name in sections if offset < start]
        assert passage.section == (before[-1] if before else ""), (passage.section, before[-1:] or "")
    # A passage never contains a heading: headings are sections, never quoted.
    for passage in passages:
        for _, name in headings:
            assert f"\n\n{name}\n\n" not in f"\n\n{passage.text}\n\n"


@SETTINGS
@given(st.lists(raw_page, min_size=1, max_size=5))
def test_cleaned_arbitrary_text_chunks_into_verbatim_bounded_passages(raw):
    pages = _pages(clean_pages(raw))
    _check_universal(pages, chunk_pages(pages, "r.pdf", "cd" * 32, **CHUNKING), unique=False)


@SETTINGS
@given(document, st.integers(0, 2))
def test_overlap_setting_never_breaks_the_promises(texts, overlap):
    pages = _pages(texts)
    passages = chunk_pages(pages, "r.pdf", "ef" * 32, **{**CHUNKING, "overlap_sentences": overlap})
    _check_universal(pages, passages)


# -- uploads: any name a browser may send is stored as a plain file inside the corpus ---------------------
@SETTINGS
@given(st.one_of(any_text, st.lists(st.sampled_from(["..", ".", "/", "\\", "a", "\u00fc", " ", "pdf", ".pdf", "~",
                                                      "\x00", "\u202e", "C:"]), max_size=12).map("".join)))
def test_any_uploaded_name_is_stored_as_a_plain_file_inside_the_corpus(tmp_path_factory, name):
    from dscb_assistant.add import safe_file_name, store_pdf

    safe = safe_file_name(name)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}\.pdf", safe) or safe == "report.pdf", safe
    assert ".." not in safe and not safe.startswith(".")
    corpus = tmp_path_factory.mktemp("uploads")
    stored = store_pdf(corpus, b"%PDF-1.4\n" + name.encode("utf-8", "replace"), name, max_mb=1)
    assert stored.path.parent == corpus.resolve() and stored.path.is_file()
    assert [p.name for p in corpus.iterdir()] == [stored.file]  # no temporary file left beside it
