"""Recommendations: every recommendation in every indexed report, found from the report's own structure, quoted
verbatim, with the agency it addresses, its themes, and a group shared with near-identical recommendations of
other reviews.

Found from the index alone (passages and reports), so it works on any ingested corpus:

- in a section whose heading names recommendations, areas for improvement, "what needs to improve" or a
  coroner's matters of concern: each numbered paragraph, list item or bullet that asks for something
  (an introduction such as "The review makes the following recommendations" is not one, but the agency it
  names is kept for the items after it);
- anywhere: a paragraph's "Recommendation 3:" / "Recommendation:" and what follows it, and a sentence that
  opens "The Board should ..." (or the Partnership, the LSCB).

The text of a recommendation is always a slice of a passage (itself a slice of the report's cleaned
pages); nothing is reworded or joined with words of our own.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .ocr import pages_machine_read
from .records import Passage, ReportMeta

# Headings of the sections whose paragraphs are recommendations (or a coroner's concerns, which ask for action).
REC_SECTION = re.compile(
    r"recommend|areas? (?:for|of) (?:improvement|development|priority action)|what needs to (?:improve|happen)|"
    r"needs? to improve|matters? of concern|coroner.s concerns|actions? (?:required|needed)|priority actions?",
    re.IGNORECASE,
)
# A phrase inside a paragraph that opens a list of recommendations ("What needs to improve?").
_INLINE_OPENER = re.compile(
    r"(?:what needs to improve\??|areas? for (?:improvement|development|priority action):?|"
    r"the matters of concern are as follows:?|priority and immediate action|"
    r"what (?:does|do) [^?.]{1,60} need to improve\??|"
    r"(?:the following|these) recommendations(?: are made)?:)",
    re.IGNORECASE,
)
# "Recommendation 3:", "Recommendation:", "Recommendation 2 -"
_LABEL = re.compile(r"\bRecommendations?(?:\s+\d{1,2}(?:\.\d{1,2})?[a-z]?)?\s*[:\u2013\u2014-]\s+(?=\S)")
# Other labels a paragraph may open with, which make it something else ("Finding 2:", "Learning point:").
_OTHER_LABEL = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+)?(?:Finding|Learning point|Lesson|Key message|"
                          r"Good practice|Question|Issue)s?\b[^:]{0,12}:", re.IGNORECASE)
_DIRECTIVE = re.compile(
    r"\b(?:should|must|needs? to|ought to|is asked to|are asked to|is to|are to|will need to|"
    # "The LSCP to ensure that ...", "Partners will review ...": the other ways reviews ask
    r"(?:(?<!order )(?<!so as )(?<!able )(?<!how )(?<!want )(?<!wish )to|will) (?:ensure|seek|consider|review|develop|provide|establish|agree|commission|promote|raise|"
    r"undertake|explore|audit|strengthen|improve|introduce|publish|share)|recommends? that)\b",
    re.IGNORECASE,
)
_IMPERATIVE = re.compile(
    r"^(?:\w+ly\s+)?(?:ensure|improve|review|develop|strengthen|establish|introduce|agree|implement|consider|provide|"
    r"increase|reduce|audit|seek|build|accelerate|consolidate|embed|make|take|promote|raise|revise|relaunch|"
    r"monitor|evaluate|clarify|extend|publish|share|commission|work|continue|undertake|secure|carry|tackle|"
    r"address|prioritise|identify|assess|complete|deliver|enable|put|use|set|record|engage|involve|support)\b",
    re.IGNORECASE,
)
# Sentences that introduce recommendations or are a form's boilerplate: never one themselves.
_INTRO = re.compile(
    r"following (?:recommendations?|actions?|areas?)|take the following|recommendations? (?:are|is) (?:made|as follows)|"
    r"makes? (?:\w+ ){0,2}recommendations?|has accepted (?:all )?(?:of )?(?:the|these|its) (?:following )?recommendations?|"
    r"in my opinion,? action should be taken|power to take such action|as follows:?\s*$",
    re.IGNORECASE,
)
_BOARD_SENTENCE = re.compile(
    r"(?:(?<=^)|(?<=[.!?]\s))(?:The|Each|Every)\s+(?:[A-Z][\w'\u2019-]*\s+){0,5}"
    r"(?:Board|Partnership|LSCB|LSCP|SCP|CSCP|Safeguarding Children Board)\s+should\b"
)
_BULLET = "\u2022\u25aa\u25cf\u25e6\u25a0\u25a1\u25fc\u25fb\u27a2\u2713\u2023\u2043\u2219\u00b7"
_BULLET_SPLIT = re.compile(rf"\s*[{_BULLET}\ue000-\uf8ff]\s+")
_LEADING_BULLET = re.compile(rf"^[{_BULLET}\ue000-\uf8ff*\-\u2013\u2014]\s*")
_INLINE_NUMBERED = re.compile(r"(?:(?<=\s)|^)(?=\(?\d{1,2}\)\s+[A-Z])")
_NUMBERED_START = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}[.)]?|\(?[a-z]\)|\(?[ivx]{1,4}\)|\(?\d{1,2}\))\s+")
_SUBSECTION = re.compile(r"^\d{1,2}\.\d{1,2}\.?\s+[A-Z][^.]*$")
_SENTENCE_END = re.compile(r"[.!?:;][\"'\u201d\u2019)\]]*$")
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\n)[^\n]+)*")
_SUBJECT_TRIM = re.compile(
    r"^(?:recommendation\s*\d*\s*[:.\u2013-]\s*|(?:it is|we|the (?:review|reviewer|panel|report)s?) recommends?(?:ed)? that\s+|that\s+)",
    re.IGNORECASE,
)
_ADDRESSED_TO = re.compile(
    r"recommendations? (?:to|for) (?P<who>(?:the )?[A-Z][\w'\u2019&,-]*(?:\s+(?:[A-Z][\w'\u2019&-]*|and|of|for|the))*)"
)

_HEADING_START = re.compile(r"^(?:areas? for (?:improvement|development)|what needs to improve\??|recommendations?)\s+",
                            re.IGNORECASE)
# Kinds of agency a recommendation is addressed to, for filtering; first match of each kind counts.
AGENCY_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("Safeguarding partnership or board", r"\b(?:board|partnership|lscb|lscp|[a-z]{0,3}scp|executive|panel)\b"),
        ("Police", r"\b(?:police|constabulary)\b"),
        ("Health", r"\b(?:health|nhs|trust|hospital|gps?|general practice|medical practice|midwi\w*|maternity|camhs|"
                   r"mental health|icb|integrated care|commissioners?|clinical|paediatric\w*|ambulance|nurs\w*|"
                   r"perinatal|psychiatr\w*)\b"),
        ("Children's social care", r"\b(?:children'?s social care|children'?s services|social care|local authorit\w*|"
                                   r"council|front door|mash|social work\w*|directors? of children|la)\b"),
        ("Schools and education", r"\b(?:schools?|education|college|virtual school|teachers?)\b"),
        ("Housing", r"\bhousing\b"),
        ("Probation and youth justice", r"\b(?:probation|youth offending|youth justice)\b"),
        ("Domestic abuse services", r"\b(?:domestic abuse service|marac|idva)\b"),
        ("All agencies", r"\b(?:all|partner|every) (?:partner )?agenc\w*|\ball agencies\b"),
        ("Government and regulators", r"\b(?:department for|dfe|government|home office|ofsted|ministry)\b"),
    )
)
# Cosine of rare content words (tf-idf) at or above which two recommendations say nearly the same thing; on
# the sample corpus it joins "identify every adult" (2011, 2013) and "ask about online activity" (2022, 2024)
# and keeps apart recommendations that only share the words of every recommendation.
GROUP_SIMILARITY = 0.25
MIN_SHARED_WORDS = 3
# Words every recommendation uses whatever it asks for, and the agencies it addresses: they say nothing
# about what it asks (stemmed as the search index stems them).
GENERIC_WORDS = (
    "board partnership lscb lscp scp cscp review recommend recommendation ensure agency agencies practitioner local "
    "include within make made use also month six twelve three agree protocol sharing share information develop "
    "training audit relaunch policy assurance seek introduce work practice guidance service children child young "
    "people family families partner professional multi all every consider improve provide support arrangements "
    "hospital trust health social care authority council police previous need seen present receive decision "
    "should must ensure team teams staff"
)


@dataclass(frozen=True)
class Recommendation:
    """One recommendation, quoted verbatim from a report.

    Attributes:
        text: the recommendation as the report words it (a slice of one passage, or of two consecutive
            passages where chunking split the paragraph).
        lead_in: the words that introduce it where it is an item of a list ("Leaders should ..., so that:");
            also verbatim, "" when there are none.
        page, page_end: the physical pages it is on (page_end > page when its passage runs over a page
            break and the break cannot be placed).
        agency: the agency it addresses as the text names it ("Northmere Police"), "" where it names none.
        agency_kinds: the kinds of agency addressed, for filtering (see ``AGENCY_KINDS``).
        themes: theme ids its text carries.
        group: shared by recommendations of different reports that say nearly the same thing; unique otherwise.
    """

    id: str
    file: str
    page: int
    page_end: int
    section: str
    paragraph: str
    text: str
    lead_in: str = ""
    agency: str = ""
    agency_kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    group: int = 0

    def to_json(self, report: ReportMeta, link: str = "") -> dict:
        """The flat JSON form of ``recommendations --json`` (one object per recommendation)."""
        return {
            "id": self.id,
            "file": self.file,
            "title": report.title,
            "board": report.board,
            "year": report.year,
            "review_type": report.review_type,
            "page": self.page,
            "page_end": self.page_end,
            "section": self.section,
            "paragraph": self.paragraph,
            "text": self.text,
            "lead_in": self.lead_in,
            "agency": self.agency,
            "agency_kinds": list(self.agency_kinds),
            "themes": list(self.themes),
            "group": self.group,
            "link": link,
            "machine_read": pages_machine_read(report, self.page, self.page_end),
        }


@dataclass(frozen=True)
class _Unit:
    """A paragraph of a report in reading order, with where it sits."""

    text: str
    passage: Passage
    page: int
    page_end: int


def find_recommendations(passages: Sequence[Passage], reports: dict[str, ReportMeta] | None = None,
                         themes: Sequence | None = None) -> list[Recommendation]:
    """Every recommendation in ``passages`` (any number of reports), in report and reading order, grouped.

    Args:
        passages: the index's passages (each report's in reading order, as ingest writes them).
        reports: their reports; the words of a report's title and board are not counted when grouping
            (two reviews by one board share its name, not a recommendation).
        themes: the themes to tag recommendations with (default: the bundled theme list; () for none).
    """
    if themes is None:
        from .themes import load_themes

        themes = load_themes()
    by_file: dict[str, list[Passage]] = defaultdict(list)
    for passage in passages:
        by_file[passage.file].append(passage)
    found: list[Recommendation] = []
    for file, own in by_file.items():
        found.extend(_in_report(sorted(own, key=_order), themes))
    return group_similar(found, reports or {})


def _in_report(passages: list[Passage], themes: Sequence) -> list[Recommendation]:
    found: list[Recommendation] = []
    lead_in, addressed_to, section, opened = "", "", None, False
    for unit in _units(passages):
        text = unit.text
        bulleted = bool(_LEADING_BULLET.match(text.strip()))
        asks = bool(_NUMBERED_START.match(text)) and _asks(text)  # "14. Secure full agreement from partners ..."
        if unit.passage.section != section and not _SUBSECTION.match(unit.passage.section or ""):
            # ("9.2 Northmere Community Health Trust" read as a heading is a paragraph of section 9, not a new one)
            section, lead_in, addressed_to = unit.passage.section, "", ""
            opened = opened and asks  # a list of numbered actions may run on under subheadings
        if opened and len(text.split()) <= 12 and not _SENTENCE_END.search(text):
            continue  # a subheading inside the list ("Care leavers")
        if opened and not (bulleted or asks or len(_items(text)) > 1):
            opened = False  # the list after "What needs to improve?" has ended
        opener = _INLINE_OPENER.search(text)
        if opener and _starts_sentence(text, opener.start()):
            rest = text[opener.end():]
            if not rest.strip(" :?\n") or (opener.start() == 0 and len(text.split()) <= 14):
                # A paragraph ending "What needs to improve?", or a heading run into its subheading ("Priority
                # and immediate action Leadership, management and governance"): the list after it asks for action.
                opened = True
                continue
            if opener.start() == 0:  # a heading run into the first item: the item is what follows it
                opened, text = True, rest.strip()
                asks = _asks(text)
        if not (opened or REC_SECTION.search(section or "")):
            found.extend(_make(unit, t, "", "", themes) for t in _outside_sections(text))
            continue
        items = _items(text)
        if not items:
            continue
        head = items[0]
        if not bulleted and (_INTRO.search(head) or head.endswith(":") or len(items) > 1):
            # A paragraph that opens a list: it may name who the items address, and leads in to them.
            named = _ADDRESSED_TO.search(head)
            addressed_to = named.group("who") if named else (_subject(head) or addressed_to)
            if _INTRO.search(head) is None and head.endswith(":"):
                lead_in = head
            elif _is_recommendation(head, listed=False):
                lead_in = ""
                found.append(_make(unit, head, "", addressed_to, themes))
            items = items[1:]
        elif not bulleted and _is_recommendation(head, listed=False):
            lead_in = ""  # a paragraph of its own ends the list before it
        for item in items:
            # A bullet or an item of a list needs no "should" ("Ensure all children have ..."); a paragraph does.
            if not _is_recommendation(item, listed=bulleted or asks or item is not head):
                continue
            label = _LABEL.search(item)
            if label and _OTHER_LABEL.match(item):  # "Finding 3: ... Recommendation: schools should ..."
                found.append(_make(unit, item[label.start():].strip(), item[:label.start()].strip(), addressed_to,
                                   themes))
            else:
                found.append(_make(unit, _strip_bullet(item), lead_in, addressed_to, themes))
    return found


def _starts_sentence(text: str, at: int) -> bool:
    before = _LEADING_BULLET.sub("", text[:at].strip())
    return not before or before[-1] in ".?!:;"


def _outside_sections(text: str) -> list[str]:
    """Recommendations in a paragraph outside a recommendations section: from its "Recommendation:" label
    to its end, else each sentence opening "The Board should ..."."""
    if "ecommend" not in text and "should" not in text:  # most paragraphs: no regular expression needed
        return []
    label = _LABEL.search(text)
    if label:
        return [text[label.start():].strip()]
    return [text[m.start():_sentence_end(text, m.start())].strip() for m in _BOARD_SENTENCE.finditer(text)]


def _is_recommendation(item: str, *, listed: bool) -> bool:
    body = _strip_bullet(item).strip()
    if len(body.split()) < 4 or _INTRO.search(body) or _is_timing(body):
        return False
    if _OTHER_LABEL.match(body) and not _LABEL.search(body):
        return False
    if _LABEL.search(body) or _DIRECTIVE.search(body):
        return True
    unnumbered = _NUMBERED_START.sub("", body, count=1)
    return listed and (bool(_IMPERATIVE.match(unnumbered)) or unnumbered[:1].isupper() or unnumbered[:1].islower())


def _asks(text: str) -> bool:
    """The paragraph asks for something: it opens with a verb of action, or says "should" / "must"."""
    body = _NUMBERED_START.sub("", _strip_bullet(text), count=1)
    return bool(_IMPERATIVE.match(body) or _DIRECTIVE.search(body[:300]))


def _is_timing(text: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:immediately|within \w+ (?:weeks?|months?)|by \w+ \d{4})\s*:?\s*", text, re.IGNORECASE))


def _items(text: str) -> list[str]:
    """A paragraph cut into its list items: at bullets, or at "1) ... 2) ..." numbering run into one line."""
    pieces = [p for p in _BULLET_SPLIT.split(text) if p.strip()]
    items: list[str] = []
    for piece in pieces:
        starts = [m.start() for m in _INLINE_NUMBERED.finditer(piece)]
        if len(starts) >= 2 or (starts and starts[0] > 0):
            bounds = ([0] if starts[0] > 0 else []) + starts + [len(piece)]
            items.extend(piece[a:b] for a, b in zip(bounds, bounds[1:]) if piece[a:b].strip())
        else:
            items.append(piece)
    return [i.strip() for i in items]


def _strip_bullet(item: str) -> str:
    return _LEADING_BULLET.sub("", item.strip())


def _sentence_end(text: str, start: int) -> int:
    match = re.compile(r"[.!?](?=\s+[A-Z\u201c\"(]|\s*$)").search(text, start)
    return match.end() if match else len(text)


def _make(unit: _Unit, text: str, lead_in: str, addressed_to: str, themes: Sequence) -> Recommendation:
    offset = max(unit.text.find(text), 0)  # every caller passes a slice of the paragraph; the id only needs a number
    agency = _subject(text) or addressed_to
    kinds = agency_kinds(agency)
    tags = ()
    if themes:
        from .themes import tag_text

        tags = tuple(t.theme_id for t in tag_text(f"{lead_in} {text}", themes))
    number = _NUMBERED_START.match(text)
    return Recommendation(
        id=f"{unit.passage.id}:{offset}",
        file=unit.passage.file,
        page=unit.page,
        page_end=unit.page_end,
        section=unit.passage.section,
        paragraph=number.group(0).strip().rstrip(".)").lstrip("(") if number else "",
        text=text,
        lead_in=lead_in,
        agency=agency,
        agency_kinds=kinds,
        themes=tags,
    )


def _subject(text: str) -> str:
    """Who a recommendation addresses, as it names them: the words before its "should" / "must"."""
    body = _NUMBERED_START.sub("", _strip_bullet(text), count=1)
    label = _LABEL.match(body)
    if label:
        body = body[label.end():]
    body = _SUBJECT_TRIM.sub("", body)
    modal = _DIRECTIVE.search(body[: min(200, _sentence_end(body, 0))])  # its own first sentence only
    if not modal:
        return ""
    subject = body[: modal.start()].strip(" ,;:")
    subject = _HEADING_START.sub("", subject)
    opening = subject.split(" ", 1)[0].lower()
    if "," in subject and (len(subject.split()) > 8 or opening in {"in", "to", "as", "where", "when", "if", "for", "by",
                                                                   "following", "given", "within"}):
        subject = subject.rsplit(",", 1)[1].strip()  # "In order to improve ..., the local authority should"
    words = subject.split()
    if not words or len(words) > 16 or words[0].lower() in {"it", "this", "there", "they", "which", "who", "these"}:
        return ""
    if not any(kind.search(subject) for _, kind in AGENCY_KINDS) and not subject[:1].isupper():
        return ""
    return subject[:1].upper() + subject[1:]


def agency_kinds(agency: str) -> tuple[str, ...]:
    """The kinds of agency named in ``agency`` ("Police", "Health", ...), in ``AGENCY_KINDS`` order."""
    if not agency:
        return ()
    return tuple(name for name, pattern in AGENCY_KINDS if pattern.search(agency)) or ("Other",)


def _order(passage: Passage) -> tuple[int, str]:
    tail = passage.id.rsplit("-", 1)[-1]
    return (int(tail), passage.id) if tail.isdigit() else (0, passage.id)


def _units(passages: list[Passage]) -> Iterable[_Unit]:
    """A report's paragraphs in reading order. The sentence chunking repeats at the start of the next piece of
    a long paragraph is dropped and the two pieces read as one paragraph; a paragraph broken by a page (no
    closing punctuation, the next part opening in lower case) is read whole, page break included."""
    pending: _Unit | None = None
    previous: Passage | None = None
    for passage in passages:
        text = passage.text
        skip = _overlap(previous.text, text) if previous is not None else 0
        spans = [(max(m.start(), skip), m.end()) for m in _PARAGRAPH.finditer(text) if m.end() > skip]
        for position, (start, end) in enumerate(spans):
            if pending is not None and position == 0 and skip:
                # the rest of the paragraph the previous passage ended with, whitespace and all
                pending = _Unit(pending.text + text[skip:end], pending.passage, pending.page, passage.page_end)
            elif pending is not None and position > 0 and _runs_on(pending.text, text[start:end]):
                pending = _Unit(pending.text + text[spans[position - 1][1]:end], pending.passage, pending.page,
                                passage.page_end)
            else:
                if pending is not None:
                    yield pending
                pending = _Unit(text[start:end].strip(), passage, passage.page, passage.page_end)
        previous = passage
    if pending is not None:
        yield pending


def _runs_on(first: str, second: str) -> bool:
    return not _SENTENCE_END.search(first.rstrip()) and second[:1].islower()


def _overlap(previous: str, current: str) -> int:
    """How many characters ``current`` opens with that ``previous`` ends with (a sentence chunking repeats)."""
    for match in re.finditer(r"[.!?][\"'\u201d\u2019)\]]*(?=\s)", current[:1500]):
        size = match.end()
        if size >= 15 and previous.endswith(current[:size]):
            return size
    return 0


# -- grouping -----------------------------------------------------------------------------------------
def group_similar(recommendations: Sequence[Recommendation], reports: dict[str, ReportMeta] | None = None,
                  threshold: float = GROUP_SIMILARITY) -> list[Recommendation]:
    """Give recommendations of different reports that say nearly the same thing one group number.

    Similarity is the cosine of their stemmed content words weighted by rarity (tf-idf); the words every
    recommendation uses ("board", "ensure", "review") count for nothing. Groups are numbered from 1 in the
    order of their first member; a recommendation like no other has a group of its own.
    """
    from .lexical import tokenize

    generic = frozenset(tokenize(GENERIC_WORDS))
    names: dict[str, set[str]] = {}
    for file, report in (reports or {}).items():
        names[file] = set(tokenize(f"{report.title} {report.board}"))
    bags = [Counter(t for t in tokenize(r.text) if t not in generic and not t.isdigit() and t not in names.get(r.file, ()))
            for r in recommendations]
    documents = Counter(t for bag in bags for t in bag)
    n = max(len(bags), 1)
    weights = []
    for bag in bags:
        vector = {t: (1 + math.log(c)) * (1 + math.log((1 + n) / (1 + documents[t]))) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        weights.append({t: v / norm for t, v in vector.items()})
    postings: dict[str, list[int]] = defaultdict(list)
    for i, vector in enumerate(weights):
        for term in vector:
            postings[term].append(i)
    parent = list(range(len(recommendations)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    common = max(20, n // 5)  # a word in a fifth of all recommendations says little about what one asks
    for i, vector in enumerate(weights):
        scores: dict[int, float] = defaultdict(float)
        shared: Counter[int] = Counter()
        for term, weight in vector.items():
            hits = postings[term]
            if len(hits) > common:
                continue
            for j in hits:
                if j > i:
                    scores[j] += weight * weights[j][term]
                    shared[j] += 1
        for j, score in scores.items():
            # One rare word in common ("contact") is chance; nearly the same request shares several.
            if score >= threshold and shared[j] >= MIN_SHARED_WORDS and recommendations[i].file != recommendations[j].file:
                parent[root(j)] = root(i)
    numbers: dict[int, int] = {}
    result = []
    for i, recommendation in enumerate(recommendations):
        number = numbers.setdefault(root(i), len(numbers) + 1)
        result.append(replace(recommendation, group=number))
    return result


# -- selecting and loading ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RecommendationFilter:
    """Which recommendations to show; empty values mean "all"."""

    agency_kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None


def select(recommendations: Sequence[Recommendation], reports: dict[str, ReportMeta],
           wanted: RecommendationFilter = RecommendationFilter()) -> list[Recommendation]:
    """The recommendations that pass ``wanted`` (a report of unknown year passes only when no years are asked)."""
    chosen = []
    for recommendation in recommendations:
        year = reports[recommendation.file].year if recommendation.file in reports else None
        if (wanted.year_from or wanted.year_to) and year is None:
            continue
        if wanted.year_from and year < wanted.year_from or wanted.year_to and year > wanted.year_to:
            continue
        if wanted.agency_kinds and not set(wanted.agency_kinds) & set(recommendation.agency_kinds):
            continue
        if wanted.themes and not set(wanted.themes) & set(recommendation.themes):
            continue
        chosen.append(recommendation)
    return chosen


def groups(recommendations: Sequence[Recommendation], reports: dict[str, ReportMeta]) -> list[list[Recommendation]]:
    """Recommendations gathered by group, each group's members oldest first; groups with members in most
    reports first, then in reading order."""
    gathered: dict[int, list[Recommendation]] = {}
    for recommendation in recommendations:
        gathered.setdefault(recommendation.group, []).append(recommendation)

    def year(r: Recommendation) -> int:
        return reports[r.file].year or 0 if r.file in reports else 0

    ordered = [sorted(members, key=year) for members in gathered.values()]
    return sorted(ordered, key=lambda members: -len({m.file for m in members}))


def years_made(members: Sequence[Recommendation], reports: dict[str, ReportMeta]) -> str:
    """ "2011, 2016 and 2023": the distinct years a group's recommendations were made in."""
    years = sorted({reports[m.file].year for m in members if m.file in reports and reports[m.file].year})
    words = [str(y) for y in years]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def load(index_dir: Path) -> tuple[list[Recommendation], dict[str, ReportMeta]]:
    """The recommendations of the index in ``index_dir`` and its reports.

    Raises:
        IndexMissingError, IndexMismatchError: as :func:`dscb_assistant.index.read`.
    """
    from . import index

    contents = index.read(Path(index_dir))
    return find_recommendations(contents.passages, contents.reports), contents.reports
