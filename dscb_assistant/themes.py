"""Themes: tag passages with the learning themes of case reviews by the cue phrases they contain."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import DscbError
from .glossary import phrase_regex, read_data_file, same_spelling

DEFAULT_THEMES = Path(__file__).parent / "data" / "themes.toml"
TOXIC_TRIO = "toxic-trio"
TRIO_PARTS = ("domestic-abuse", "parental-mental-health", "substance-misuse")

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LISTS = {"strong": "strong_cues", "cues": "cues", "context": "context_cues", "ignore": "ignore"}
_STRONG, _CUE, _CONTEXT, _IGNORE = "strong", "cues", "context", "ignore"
_RANK = {_STRONG: 2, _CUE: 1, _CONTEXT: 0}
_Matcher = tuple[re.Pattern[str], tuple[tuple[str, str], ...]]  # pattern; (cue, kind) of group i


class ThemeDataError(DscbError):
    """The themes data file is missing or malformed."""


@dataclass(frozen=True)
class Theme:
    """One learning theme and the cue phrases that show a passage is about it.

    Attributes:
        cues: ordinary cues; two different ones are needed.
        strong_cues: one is enough.
        context_cues: when given, a passage without a strong cue needs one of these as well
            as an ordinary cue (they count towards the two).
        ignore: stock phrases that contain a cue but are not about the theme.
    """

    id: str
    name: str
    description: str
    cues: tuple[str, ...]
    strong_cues: tuple[str, ...] = ()
    context_cues: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # the field's terms of art that name this idea ("disguised compliance")


@dataclass(frozen=True)
class ThemeScore:
    """A theme a passage carries: a score in (0, 1) and the cues found, in reading order."""

    theme_id: str
    score: float
    cues: tuple[str, ...]


@dataclass(frozen=True)
class ReportTheme:
    """A theme a report carries: how many of its passages do, and their mean score."""

    theme_id: str
    passages: int
    score: float


def load_themes(path: Path | str | None = None) -> tuple[Theme, ...]:
    """Read and check the themes data file.

    Args:
        path: a themes TOML file; the packaged ``data/themes.toml`` when None.

    Raises:
        ThemeDataError: the file is missing, is not valid TOML, or a theme is malformed.
    """
    path = Path(path) if path is not None else DEFAULT_THEMES
    data = read_data_file(path, "Themes", ThemeDataError)

    raw_themes = data.get("theme")
    if set(data) != {"theme"} or not isinstance(raw_themes, list) or not raw_themes:
        raise ThemeDataError(f"{path} must hold only [[theme]] tables, at least one.")
    themes = tuple(_theme(raw, n, path) for n, raw in enumerate(raw_themes, 1))
    ids = [t.id for t in themes]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ThemeDataError(f"{path}: theme id(s) {repeated} appear more than once.")
    return themes


def tag_text(text: str, themes: Sequence[Theme]) -> tuple[ThemeScore, ...]:
    """The themes ``text`` carries, best first.

    A theme is carried by one strong cue, or by two different cues of which, if the theme has
    context cues, one is a context cue and one is not. Inflections of one cue ("bruise",
    "bruises") count once. The score is w / (w + 2), where a strong cue adds 2 to w and any
    other cue 1, so a passage that just qualifies scores 0.5 and more evidence approaches 1.
    """
    themes = tuple(themes)
    by_prefix, matchers = _compiled(themes)
    # Each word start is tried only by the themes with a cue beginning with the same four letters
    # (punctuation and spacing skipped, case ignored): the same matches as a finditer per theme,
    # at a fraction of the regular-expression calls (ingest tags every passage).
    folded = text.lower()
    if len(folded) != len(text):  # a rare character changed length: positions must stay the text's
        folded = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    places: dict[int, list[int]] = {}
    for start in _WORD_START.finditer(folded):
        place = start.start()
        for theme_index in by_prefix.get(_prefix(folded, place), ()):
            places.setdefault(theme_index, []).append(place)
    tags = []
    for index, (theme, matcher) in enumerate(zip(themes, matchers)):
        found = _cues_found(text, places.get(index, []), matcher)
        score = _score(theme, found)
        if score:
            tags.append(ThemeScore(theme.id, score, tuple(dict.fromkeys(cue for cue, _ in found))))
    return _ranked(tags)


def add_toxic_trio(passage_tags: Sequence[Sequence[ThemeScore]], window: int = 1) -> tuple[tuple[ThemeScore, ...], ...]:
    """Add 'toxic-trio' to passages where the parental risks co-occur.

    ``passage_tags`` are one report's passages in reading order. A passage that carries at
    least one of domestic abuse, parental mental health and substance misuse gets the theme
    when it carries two of them itself (the themes.md definition), or when it and its
    neighbours within ``window`` passages carry all three between them (a looser net, so it
    asks for more). The score is the weakest of the risks' best scores; the cues are the
    passage's own cues for those risks.
    """
    risks = [{t.theme_id: t for t in tags if t.theme_id in TRIO_PARTS} for tags in passage_tags]
    result = []
    for i, tags in enumerate(passage_tags):
        own = risks[i]
        near: dict[str, float] = {}
        for nearby in risks[max(0, i - window) : i + window + 1]:
            for theme_id, tag in nearby.items():
                near[theme_id] = max(near.get(theme_id, 0.0), tag.score)
        if len(own) >= 2:
            score = min(t.score for t in own.values())
        elif own and len(near) == len(TRIO_PARTS):
            score = min(near.values())
        else:
            result.append(tuple(tags))
            continue
        cues = tuple(dict.fromkeys(c for part in TRIO_PARTS if part in own for c in own[part].cues))
        result.append(_merged(tags, ThemeScore(TOXIC_TRIO, score, cues)))
    return tuple(result)


def report_themes(
    passage_tags: Sequence[Sequence[ThemeScore]], min_passages: int = 2, min_score: float = 0.0
) -> tuple[ReportTheme, ...]:
    """The themes a report carries strongly: those of at least ``min_passages`` of its passages.

    Args:
        passage_tags: the tags of each of the report's passages.
        min_passages: how many passages must carry a theme.
        min_score: passage tags scoring below this are not counted.

    Returns:
        Most-carried first (ties: higher mean score, then id).
    """
    scores: dict[str, list[float]] = {}
    for tags in passage_tags:
        for tag in tags:
            if tag.score >= min_score:
                scores.setdefault(tag.theme_id, []).append(tag.score)
    found = [ReportTheme(t, len(s), sum(s) / len(s)) for t, s in scores.items() if len(s) >= min_passages]
    return tuple(sorted(found, key=lambda r: (-r.passages, -r.score, r.theme_id)))


_WORD_START = re.compile(r"(?<!\w)\w")
_SKIPPED = re.compile(r"[\W_]+")
PREFIX_CHARS = 4


def _prefix(folded: str, place: int) -> str:
    """The first letters or digits from ``place`` on, skipping what a cue's pattern lets vary
    (spaces, hyphens, apostrophes, "&", full stops), as a cue's own :func:`_cue_prefix`."""
    head = folded[place:place + PREFIX_CHARS]
    if head.isalnum():
        return head
    return _SKIPPED.sub("", folded[place:place + 4 * PREFIX_CHARS])[:PREFIX_CHARS]


def _cue_prefix(cue: str) -> str:
    return _SKIPPED.sub("", cue.lower())[:PREFIX_CHARS]


@lru_cache(maxsize=8)
def _compiled(themes: tuple[Theme, ...]) -> tuple[dict[str, tuple[int, ...]], tuple[_Matcher, ...]]:
    """For each four-character prefix, the themes (by position) with a cue beginning with it; and
    one matcher per theme."""
    matchers = tuple(_matcher(t) for t in themes)
    by_prefix: dict[str, set[int]] = {}
    for index, (_, kinds) in enumerate(matchers):
        for cue, _ in kinds:
            for key in _keys(_cue_prefix(cue)):
                by_prefix.setdefault(key, set()).add(index)
    return {k: tuple(sorted(v)) for k, v in by_prefix.items()}, matchers


def _keys(prefix: str) -> list[str]:
    """A cue shorter than the prefix ("GP") starts a place whatever follows it ("GPs", "GP surgery",
    or the end of the text): file it under every continuation."""
    keys, level = [prefix], [prefix]
    for _ in range(PREFIX_CHARS - len(prefix)):
        level = [k + c for k in level for c in _ALNUM]
        keys.extend(level)
    return keys


_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def _matcher(theme: Theme) -> _Matcher:
    """One alternation per theme; group i is cue i. Longest cues first, so where cues overlap
    at one place the longest wins and the shorter one inside it is not counted again."""
    kinds = [(c, _STRONG) for c in theme.strong_cues] + [(c, _CUE) for c in theme.cues]
    kinds += [(c, _CONTEXT) for c in theme.context_cues] + [(c, _IGNORE) for c in theme.ignore]
    kinds.sort(key=lambda k: -len(k[0]))
    # Only ever tried at word starts found by the scan, so no start-of-word check is needed.
    pattern = "|".join(f"({phrase_regex(c, exact_case=c != c.lower(), word_start=False)})" for c, _ in kinds)
    return re.compile(pattern), tuple(kinds)


def _cues_found(text: str, places: list[int], matcher: _Matcher) -> list[tuple[str, str]]:
    """(cue, kind) of each match in reading order, leaving out what ignore phrases cover."""
    pattern, kinds = matcher
    found = []
    end = 0
    for place in places:
        match = pattern.match(text, place) if place >= end else None
        if match is not None:
            end = match.end()
            found.append(kinds[match.lastindex - 1])
    return [(cue, kind) for cue, kind in found if kind != _IGNORE]


def _score(theme: Theme, found: list[tuple[str, str]]) -> float:
    """w / (w + 2) if the cues found carry the theme (see tag_text), else 0."""
    evidence: dict[str, str] = {}  # one piece of evidence per cue and its inflections
    for cue, kind in found:
        key = _evidence_key(cue)
        if _RANK[kind] > _RANK.get(evidence.get(key, ""), -1):
            evidence[key] = kind
    kinds = list(evidence.values())
    strong, ordinary, context = kinds.count(_STRONG), kinds.count(_CUE), kinds.count(_CONTEXT)
    if theme.context_cues:
        carried = strong > 0 or (ordinary > 0 and context > 0)
    else:
        carried = strong > 0 or ordinary >= 2
    weight = 2 * strong + ordinary + context
    return weight / (weight + 2) if carried else 0.0


def _evidence_key(cue: str) -> str:
    """Crude stem for counting distinct evidence: bruise, bruises, bruised, bruising -> bruis."""
    words = []
    for word in cue.lower().replace("\u2019", "'").split():
        word = word.removesuffix("'s")
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        else:
            for suffix in ("ing", "ed", "es", "s", "e"):
                if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
                    word = word[: -len(suffix)]
                    break
        words.append(word)
    return " ".join(words)


def _merged(tags: Sequence[ThemeScore], new: ThemeScore) -> tuple[ThemeScore, ...]:
    old = next((t for t in tags if t.theme_id == new.theme_id), None)
    if old is not None:
        new = ThemeScore(new.theme_id, max(old.score, new.score), tuple(dict.fromkeys(old.cues + new.cues)))
    return _ranked([t for t in tags if t.theme_id != new.theme_id] + [new])


def _ranked(tags: list[ThemeScore]) -> tuple[ThemeScore, ...]:
    return tuple(sorted(tags, key=lambda t: (-t.score, t.theme_id)))


def _theme(raw: object, n: int, path: Path) -> Theme:
    where = f"{path}: [[theme]] number {n}"
    if not isinstance(raw, dict):
        raise ThemeDataError(f"{where} is not a table.")
    where = f"{path}: theme {raw.get('id', f'number {n}')!r}"
    unknown = set(raw) - {"id", "name", "description", "terms", *_LISTS}
    if unknown:
        raise ThemeDataError(f"{where} has unknown key(s) {sorted(unknown)}; use id, name, description, terms, {', '.join(_LISTS)}.")
    terms = raw.get("terms", [])
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise ThemeDataError(f"{where}: terms must be a list of non-empty strings.")
    for key in ("id", "name", "description"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ThemeDataError(f"{where}: {key} must be a non-empty string.")
    if not _ID.fullmatch(raw["id"]):
        raise ThemeDataError(f"{where}: id must be lower-case words joined by hyphens, like 'hidden-men'.")
    lists = {}
    for key, field_name in _LISTS.items():
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ThemeDataError(f"{where}: {key} must be a list of non-empty strings.")
        lists[field_name] = tuple(v.strip() for v in value)
    if not lists["cues"] and not lists["strong_cues"]:
        raise ThemeDataError(f"{where} has no cues or strong cues.")
    every = [same_spelling(c) for key in ("strong_cues", "cues", "context_cues") for c in lists[key]]
    repeated = sorted({c for c in every if every.count(c) > 1})
    if repeated:
        raise ThemeDataError(
            f"{where} lists {repeated} more than once across strong, cues and context "
            "(they match the same text: keep one; a hyphen also matches a space or nothing, an apostrophe is optional)."
        )
    return Theme(id=raw["id"], name=raw["name"].strip(), description=raw["description"].strip(),
                 terms=tuple(t.strip() for t in terms), **lists)


def named_themes(query: str, themes: Sequence[Theme]) -> tuple[str, ...]:
    """Ids of the themes a question names: by the theme's own name or one of its terms of art
    ("disguised compliance", "toxic trio", "was not brought"), as whole words in any case.

    Only then is a theme used to widen the search: a question about a bruise names no theme even
    though passages about bruising carry one.
    """
    patterns = _naming(tuple(themes))
    return tuple(t.id for t in themes if patterns[t.id].search(query))


@lru_cache(maxsize=8)
def _naming(themes: tuple[Theme, ...]) -> dict[str, re.Pattern[str]]:
    return {
        t.id: re.compile("|".join(phrase_regex(p, exact_case=False, plurals=True) for p in (t.name, *t.terms)))
        for t in themes
    }


def tag_passages(passages: Sequence, themes: Sequence[Theme] | None = None) -> list:
    """One report's passages (in reading order) with ``themes`` set to the ids they carry."""
    from dataclasses import replace

    from .clean import search_text  # the folded text: a ligature ("ﬁ") in the shown text must not hide a cue

    themes = load_themes() if themes is None else themes
    tags = add_toxic_trio([tag_text(search_text(p.text), themes) for p in passages])
    return [replace(p, themes=tuple(sorted(t.theme_id for t in tag))) for p, tag in zip(passages, tags)]


def themes_file_hash(path: Path | str | None = None) -> str:
    """sha256 of the themes data file, recorded in the index manifest to know when to re-tag."""
    import hashlib

    return hashlib.sha256(Path(path or DEFAULT_THEMES).read_bytes()).hexdigest()
