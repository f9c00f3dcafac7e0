"""The trainer's collections: named lists of chosen passages, kept in the browser's own storage.

A shared server holds nothing per user: the browser keeps the collections (localStorage) and hands
them back when the app opens, after a reload or a restart of the server. Only the chosen passages
are kept (their ids and enough of their citation to find them again), never a question.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass

import streamlit as st

from dscb_assistant.errors import DscbError
from dscb_assistant.records import Hit

DEFAULT_NAME = "My collection"
FORMAT = "dscb-collections"
VERSION = 1
MAX_COLLECTIONS = 50
MAX_ITEMS = 500  # per collection
MAX_NAME = 80
MAX_FILE_BYTES = 2_000_000
OPENING_WORDS = 12

_COLLECTIONS, _ACTIVE, _REV, _LOADED, _SESSION = (
    "collections", "collection-active", "_collections_rev", "_collections_loaded", "_collections_session")

# Runs in the page itself (components v2: no iframe, nothing fetched). It reports what the browser
# holds when Python asks (a new session: the first visit, a reload, or the same tab reconnecting to
# a restarted server), and from then on writes what Python sends whenever its revision is new.
_STORE_JS = """
export default function (component) {
  const { data, setStateValue } = component;
  const KEY = "dscb.collections.v1";
  if (!data) { return; }
  if (data.want) {
    // Read before anything is written: Python merges what the browser holds with this session's first.
    if (window.dscbCollectionsReported !== data.session) {
      window.dscbCollectionsReported = data.session;
      let stored = "";
      try { stored = window.localStorage.getItem(KEY) || ""; } catch (e) { stored = ""; }
      setStateValue("stored", stored);
    }
    return;
  }
  const written = data.session + ":" + data.rev;
  if (data.save !== null && data.save !== undefined && window.dscbCollectionsWritten !== written) {
    try { window.localStorage.setItem(KEY, data.save); } catch (e) { /* storage full or refused: the session keeps them */ }
    window.dscbCollectionsWritten = written;
  }
}
"""


class CollectionFileError(DscbError):
    """A collections file (or the browser's stored copy) that cannot be read."""


@dataclass(frozen=True)
class Chosen:
    """One collected passage: its id, and the citation that finds it again if the library is re-indexed."""

    id: str
    file: str
    page: int
    title: str = ""
    section: str = ""
    paragraph: str = ""
    opening: str = ""  # the passage's first words (report text, never a question)

    @classmethod
    def of(cls, hit: Hit) -> Chosen:
        p = hit.passage
        return cls(id=p.id, file=p.file, page=p.page, title=hit.report.title, section=p.section,
                   paragraph=p.paragraph, opening=" ".join(p.text.split()[:OPENING_WORDS]))

    @classmethod
    def from_dict(cls, raw) -> Chosen:
        if not isinstance(raw, dict):
            raise CollectionFileError("an excerpt is not a record")
        values = {}
        for name, kind in (("id", str), ("file", str), ("page", int), ("title", str), ("section", str),
                           ("paragraph", str), ("opening", str)):
            value = raw.get(name, "" if kind is str else None)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise CollectionFileError(f"an excerpt's {name} is missing or not a {kind.__name__}")
            values[name] = value[:2000] if isinstance(value, str) else value
        if not values["id"] or not values["file"] or values["page"] < 1:
            raise CollectionFileError("an excerpt has no id, file or page")
        return cls(**values)


# -- the collections in this session ------------------------------------------------------------------
def collections() -> dict[str, list[Chosen]]:
    """Every named collection, in the order they were made."""
    found = st.session_state.setdefault(_COLLECTIONS, {DEFAULT_NAME: []})
    if not found:
        found[DEFAULT_NAME] = []
    return found


def active_name() -> str:
    names = collections()
    name = st.session_state.get(_ACTIVE)
    return name if name in names else next(iter(names))


def collection() -> list[Chosen]:
    """The collection excerpts are added to now, in its chosen order."""
    return collections()[active_name()]


def in_collection(passage_id: str) -> bool:
    return any(c.id == passage_id for c in collection())


def collect(hit: Hit) -> None:
    items = collection()
    if not in_collection(hit.passage.id) and len(items) < MAX_ITEMS:
        items.append(Chosen.of(hit))
        _changed()


def uncollect(passage_id: str) -> None:
    collections()[active_name()] = [c for c in collection() if c.id != passage_id]
    _changed()


def move(passage_id: str, step: int) -> None:
    items = collection()
    index = next((i for i, c in enumerate(items) if c.id == passage_id), None)
    if index is None:
        return
    target = min(max(index + step, 0), len(items) - 1)
    items.insert(target, items.pop(index))
    _changed()


def empty() -> None:
    collections()[active_name()] = []
    _changed()


def choose(name: str) -> None:
    if name in collections():
        st.session_state[_ACTIVE] = name
        _changed()


def create(name: str) -> str:
    """Make a new empty collection and add to it from now on; its name (made unique), or raises."""
    name = _clean_name(name)
    if len(collections()) >= MAX_COLLECTIONS:
        raise CollectionFileError(f"There are already {MAX_COLLECTIONS} collections; delete one first.")
    name = _unique(name)
    collections()[name] = []
    st.session_state[_ACTIVE] = name
    _changed()
    return name


def delete(name: str) -> None:
    """Remove a whole collection (the page asks first); the first remaining one becomes active."""
    found = collections()
    found.pop(name, None)
    if not found:
        found[DEFAULT_NAME] = []
    st.session_state[_ACTIVE] = next(iter(found))
    _changed()


def resolve(searcher, items: list[Chosen]) -> tuple[list[Hit], list[Chosen]]:
    """The collected excerpts as hits from the loaded library, and those it no longer holds.

    A passage is found by its id, else (the library was re-indexed) in the same report and page by
    its opening words.
    """
    hits, missing = [], []
    for chosen in items:
        row = searcher.rows.get(chosen.id)
        if row is None:
            row = next((searcher.rows[p.id] for p in searcher.passages_of(chosen.file)
                        if p.page == chosen.page and " ".join(p.text.split()).startswith(chosen.opening)), None)
        report = searcher.reports.get(chosen.file)
        if row is None or report is None:
            missing.append(chosen)
            continue
        passage = searcher.passages[row]
        hits.append(Hit(rank=len(hits) + 1, score=0.0, passage=passage, report=report,
                        link=searcher.link(report, passage.page)))
    return hits, missing


# -- files and the browser's storage --------------------------------------------------------------
def to_json() -> str:
    """Every collection as the file "Export" downloads (and the browser stores)."""
    return json.dumps({"format": FORMAT, "version": VERSION, "active": active_name(),
                       "collections": [{"name": n, "items": [asdict(c) for c in items]}
                                       for n, items in collections().items()]}, ensure_ascii=False)


def parse(text: str | bytes) -> tuple[dict[str, list[Chosen]], str]:
    """Read a collections file: its collections and the active name.

    Raises:
        CollectionFileError: not such a file, or damaged; says what is wrong.
    """
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise CollectionFileError(f"The file is larger than {MAX_FILE_BYTES // 1_000_000} MB; it is not a collections file.")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise CollectionFileError("The file is not text; choose a collections file exported from this app (.json).") from None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise CollectionFileError("The file is not a collections file exported from this app (it is not JSON).") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT or not isinstance(raw.get("collections"), list):
        raise CollectionFileError("The file is not a collections file exported from this app.")
    if raw.get("version") != VERSION:
        raise CollectionFileError(f"The file is a collections file of another version ({raw.get('version')!r}); "
                                  "export it again from this version of the app.")
    found: dict[str, list[Chosen]] = {}
    for entry in raw["collections"][:MAX_COLLECTIONS]:
        if not isinstance(entry, dict) or not isinstance(entry.get("items"), list):
            raise CollectionFileError("A collection in the file has no list of excerpts.")
        name = _clean_name(entry.get("name") if isinstance(entry.get("name"), str) else "")
        items, seen = [], set()
        for item in entry["items"][:MAX_ITEMS]:
            chosen = Chosen.from_dict(item)
            if chosen.id not in seen:
                seen.add(chosen.id)
                items.append(chosen)
        found[name] = found.get(name, []) + items
    active = raw.get("active") if isinstance(raw.get("active"), str) else ""
    return found, active


def import_file(data: bytes) -> list[str]:
    """Add the collections in an exported file; a name already in use gets "(imported)". The names added."""
    found, _ = parse(data)
    added = []
    for name, items in found.items():
        if len(collections()) >= MAX_COLLECTIONS:
            break
        if name in collections() and not collections()[name]:
            collections()[name] = items  # an empty collection of the same name is simply filled
        else:
            name = _unique(name if name not in collections() else f"{name} (imported)")
            collections()[name] = items
        added.append(name)
    if added:
        st.session_state[_ACTIVE] = added[0]
        _changed()
    return added


def sync() -> None:
    """Keep the browser's stored copy and this session in step; app.py calls it on every run.

    The first run of a session asks the browser for what it holds; once it answers, those are this
    session's collections (with anything added meanwhile kept). Each change is written back.
    """
    token = st.session_state.setdefault(_SESSION, secrets.token_hex(8))
    loaded = st.session_state.get(_LOADED, False)
    rev = st.session_state.get(_REV, 0)
    result = _store()(key="dscb-collections-store", height=0, on_stored_change=_noop,
                      data={"session": token, "rev": rev, "want": not loaded, "save": to_json() if rev else None})
    stored = result.get("stored") if hasattr(result, "get") else None
    if loaded or stored is None:
        return
    st.session_state[_LOADED] = True
    if not stored:
        return
    try:
        found, active = parse(stored)
    except CollectionFileError:
        return  # a damaged stored copy is replaced by this session's on its next change
    here = collections()
    merged = {**found}
    for name, items in here.items():  # added in this session before the browser answered
        known = {c.id for c in merged.get(name, [])}
        merged[name] = merged.get(name, []) + [c for c in items if c.id not in known]
    st.session_state[_COLLECTIONS] = merged
    st.session_state[_ACTIVE] = active if active in merged else next(iter(merged))
    if any(here.values()):
        _changed()


def _changed() -> None:
    st.session_state[_REV] = st.session_state.get(_REV, 0) + 1


def _noop() -> None:
    pass


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())[:MAX_NAME]
    return name or DEFAULT_NAME


def _unique(name: str) -> str:
    taken, candidate, n = collections(), name, 2
    while candidate in taken:
        candidate = f"{name} ({n})"
        n += 1
    return candidate


@st.cache_resource(show_spinner=False)
def _store():
    return st.components.v2.component("dscb_collections_store", js=_STORE_JS)
