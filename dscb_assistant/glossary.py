"""Glossary: the field's abbreviations and everyday wordings, used to widen a search question."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import DscbError

DEFAULT_GLOSSARY = Path(__file__).parent / "data" / "glossary.toml"

# Same word shape as lexical.tokenize ("a&e" and "mother's" stay one word), so "already in the
# question" means what the BM25 side will see.
_WORD = re.compile(r"[a-z0-9]+(?:[&'][a-z0-9]+)*")
_HYPHENS = "\\-\u2010\u2011"
_WORD_CASED = re.compile(r"[A-Za-z0-9]+(?:[&'\u2019][A-Za-z0-9]+)*")


class GlossaryDataError(DscbError):
    """The glossary data file is missing or malformed."""


@dataclass(frozen=True)
class GlossaryEntry:
    """Phrases that stand for the same thing: the abbreviation first when there is one."""

    phrases: tuple[str, ...]
    abbr: str | None = None


@dataclass(frozen=True)
class Glossary:
    """The loaded glossary.

    Attributes:
        entries: every [[term]] and [[synonyms]] entry, in file order.
        case_sensitive: phrases matched only exactly as written ("SEND", "ED").
    """

    entries: tuple[GlossaryEntry, ...]
    case_sensitive: frozenset[str] = frozenset()


def phrase_regex(phrase: str, *, exact_case: bool, plurals: bool = False, word_start: bool = True) -> str:
    """A regular expression (no capturing groups) that finds ``phrase`` as whole words.

    A space matches any run of spaces, line breaks or hyphens; a hyphen matches a hyphen, a
    space or nothing; an apostrophe matches a straight or curly one or none; "&" may have
    spaces around it; "," and "." are optional.

    Args:
        phrase: the phrase as written in a data file.
        exact_case: match only as written; otherwise any case.
        plurals: also match a trailing "s" or "es" ("GPs").
        word_start: check that no letter or digit comes before; leave it off when the caller
            already matches only at word starts (the check is costly inside a long alternation).
    """
    parts = []
    for i, word in enumerate(phrase.split()):
        if i:
            parts.append(f"[\\s{_HYPHENS}]+")
        for ch in word:
            if ch == "-":
                parts.append(f"[\\s{_HYPHENS}]*")
            elif ch in "'\u2019":
                parts.append("['\u2019]?")
            elif ch == "&":
                parts.append(r"\s*&\s*")
            elif ch in ",.":
                parts.append(re.escape(ch) + "?")
            else:
                parts.append(re.escape(ch))
    body = "".join(parts)
    if plurals:
        body += "(?:e?s)?"
    if not exact_case:
        body = f"(?i:{body})"
    start = r"(?<!\w)" if word_start and phrase[:1].isalnum() else ""
    end = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return start + body + end


def read_data_file(path: Path, what: str, error: type[DscbError]) -> dict:
    """The parsed TOML of one of the package's data files, or ``error`` saying what to do."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} file not found: {path}. Reinstall the package or pass the right path.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path} is not valid TOML ({exc}). Fix the line named and try again.") from None


def load_glossary(path: Path | str | None = None) -> Glossary:
    """Read and check the glossary data file.

    Args:
        path: a glossary TOML file; the packaged ``data/glossary.toml`` when None.

    Raises:
        GlossaryDataError: the file is missing, is not valid TOML, or an entry is malformed.
    """
    path = Path(path) if path is not None else DEFAULT_GLOSSARY
    data = read_data_file(path, "Glossary", GlossaryDataError)

    unknown = set(data) - {"case_sensitive", "term", "synonyms"}
    if unknown:
        raise GlossaryDataError(f"{path}: unknown top-level key(s) {sorted(unknown)}; expected case_sensitive, [[term]], [[synonyms]].")
    entries = [_term(raw, n, path) for n, raw in enumerate(data.get("term", []), 1)]
    entries += [_synonyms(raw, n, path) for n, raw in enumerate(data.get("synonyms", []), 1)]

    case_sensitive = frozenset(_strings(data, "case_sensitive", f"{path}: case_sensitive", required=False))
    known = {p for e in entries for p in e.phrases}
    missing = sorted(case_sensitive - known)
    if missing:
        raise GlossaryDataError(f"{path}: case_sensitive names {missing}, which no entry uses; fix the spelling or remove them.")
    return Glossary(entries=tuple(entries), case_sensitive=case_sensitive)


def expansion_terms(query: str, glossary: Glossary) -> tuple[str, ...]:
    """The phrases the glossary adds to ``query``, for display ("also searched: ...").

    A phrase is left out when the question already holds all its words, or an earlier added
    phrase brought them.
    """
    seen = set(_words(query))
    added: list[str] = []
    for entry, matched in _matched_entries(query, glossary):
        for phrase in entry.phrases:
            words = _words(phrase)
            if phrase in matched or not words or set(words) <= seen:
                continue
            added.append(phrase)
            seen.update(words)
    return tuple(added)


def expand_query(query: str, glossary: Glossary) -> str:
    """``query`` followed by the words its glossary expansions add, each new word once.

    "CAMHS waiting times" becomes "CAMHS waiting times child and adolescent mental health
    services ..."; "mum drinks" gains "mother maternal ... alcohol ...". Words already in the
    question are not repeated, so BM25 does not count them twice.
    """
    seen = set(_words(query))
    extra: list[str] = []
    for phrase in expansion_terms(query, glossary):
        for chunk in phrase.split():
            chunk = chunk.strip(",.;:")
            words = _words(chunk)
            if words and seen.isdisjoint(words) and len(set(words)) == len(words):
                extra.append(chunk)  # keep "multi-agency" and "A&E" whole
                seen.update(words)
                continue
            for match in _WORD_CASED.finditer(chunk):
                word = _fold(match.group())
                if word not in seen:
                    seen.add(word)
                    extra.append(match.group())
    return f"{query} {' '.join(extra)}" if extra else query


def _matched_entries(query: str, glossary: Glossary) -> list[tuple[GlossaryEntry, set[str]]]:
    """Entries with a phrase in ``query`` (in order of where they occur) and the phrases found.

    A match lying inside a longer match is dropped, so "child protection plan" is read as a
    plan and not also as "child protection".
    """
    spans = []  # (start, end, entry index, phrase)
    for index, entry in enumerate(glossary.entries):
        for phrase in entry.phrases:
            pattern = _compiled(phrase, phrase in glossary.case_sensitive)
            spans += [(m.start(), m.end(), index, phrase) for m in pattern.finditer(query)]
    kept = [
        s
        for s in spans
        if not any(o[0] <= s[0] and s[1] <= o[1] and (o[1] - o[0]) > (s[1] - s[0]) for o in spans)
    ]
    found: dict[int, set[str]] = {}
    for _start, _end, index, phrase in sorted(kept):
        found.setdefault(index, set()).add(phrase)
    return [(glossary.entries[index], phrases) for index, phrases in found.items()]


@lru_cache(maxsize=4096)
def _compiled(phrase: str, exact_case: bool) -> re.Pattern[str]:
    return re.compile(phrase_regex(phrase, exact_case=exact_case, plurals=True))


def _fold(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def _words(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


def _term(raw: object, n: int, path: Path) -> GlossaryEntry:
    where = f"{path}: [[term]] number {n}"
    if not isinstance(raw, dict):
        raise GlossaryDataError(f"{where} is not a table.")
    unknown = set(raw) - {"abbr", "expansions", "also"}
    if unknown:
        raise GlossaryDataError(f"{where} has unknown key(s) {sorted(unknown)}; use abbr, expansions, also.")
    abbr = raw.get("abbr")
    if abbr is not None and (not isinstance(abbr, str) or not abbr.strip()):
        raise GlossaryDataError(f"{where}: abbr must be a non-empty string.")
    expansions = _strings(raw, "expansions", where, required=True)
    phrases = ([abbr] if abbr else []) + expansions + _strings(raw, "also", where, required=False)
    return GlossaryEntry(phrases=_unique(phrases, where), abbr=abbr)


def _synonyms(raw: object, n: int, path: Path) -> GlossaryEntry:
    where = f"{path}: [[synonyms]] number {n}"
    if not isinstance(raw, dict) or set(raw) != {"words"}:
        raise GlossaryDataError(f"{where} must have exactly one key, words.")
    words = _strings(raw, "words", where, required=True)
    if len(words) < 2:
        raise GlossaryDataError(f"{where} needs at least two words.")
    return GlossaryEntry(phrases=_unique(words, where))


def _strings(table: dict, key: str, where: str, *, required: bool) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GlossaryDataError(f"{where}: {key} must be a list of non-empty strings.")
    if required and not value:
        raise GlossaryDataError(f"{where}: {key} is missing or empty.")
    return [v.strip() for v in value]


def same_spelling(phrase: str) -> str:
    """A key equal for phrases that ``phrase_regex`` treats alike ("Co-sleeping", "co sleeping")."""
    return re.sub(r"[\s\-\u2010\u2011'\u2019,.]", "", phrase.lower())


def _unique(phrases: list[str], where: str) -> tuple[str, ...]:
    folded = [same_spelling(p) for p in phrases]
    repeated = sorted({p for p in folded if folded.count(p) > 1})
    if repeated:
        raise GlossaryDataError(f"{where} lists {repeated} more than once.")
    return tuple(phrases)
