"""A question that names an idea of the field ("contextual safeguarding", "disguised compliance") reaches
passages about it in other words, and the card says which theme linked them."""

from __future__ import annotations

import pytest

from dscb_assistant import search
from dscb_assistant.ingest import ingest
from dscb_assistant.search import Searcher
from dscb_assistant.themes import load_themes, named_themes


@pytest.mark.parametrize("question, theme", [
    ("disguised compliance - family looks fine", "professional-curiosity"),
    ("Rule of Optimism in long CP plans", "professional-curiosity"),
    ("toxic trio parents", "toxic-trio"),
    ("start-again syndrome after a transfer", "assessment"),
    ("children who Were Not Brought to appointments", "neglect"),
    ("neglect of the neglected child", "neglect"),
    ("adultification of black boys", "culture-identity"),
    ("Neglect", "neglect"),  # the theme's own name
])
def test_terms_of_art_name_their_theme(question, theme):
    assert theme in named_themes(question, load_themes())


@pytest.mark.parametrize("question", ["baby with a bruise, mum says he rolled off the sofa", "optimistic", "compliance checks"])
def test_ordinary_words_name_no_theme(question):
    assert named_themes(question, load_themes()) == ()


def test_the_passages_carrying_the_named_theme_are_lifted_and_say_why(small_corpus, monkeypatch):
    ingest(small_corpus)
    searcher = Searcher(small_corpus)
    question = "contextual safeguarding"  # no report in the corpus uses these words
    assert not any("contextual" in p.text.lower() for p in searcher.passages)
    hits = searcher.search(question, k=5)
    carriers = [h for h in hits if "exploitation" in h.passage.themes]
    assert carriers and all(h.named_themes == ("exploitation",) for h in carriers)
    assert all(h.named_themes == () for h in hits if h not in carriers)
    assert carriers[0].to_json()["named_themes"] == ["exploitation"]
    assert all(h.named_themes == () for h in searcher.search("bruise on a baby", k=5))

    def first_carrier(hits):
        return next(i for i, h in enumerate(hits) if "exploitation" in h.passage.themes)

    monkeypatch.setattr(search, "THEME_WEIGHT", 0.0)
    unlinked = searcher.search(question, k=len(searcher.passages), per_report=0)
    monkeypatch.setattr(search, "THEME_WEIGHT", 1.0)
    linked = searcher.search(question, k=len(searcher.passages), per_report=0)
    assert first_carrier(linked) == 0 < first_carrier(unlinked)  # the link to the theme is what lifts them

    from dscb_assistant.ui.cards import card_html

    card = card_html(carriers[0], question)
    assert "Found through the theme you named: Exploitation and risks outside the home" in card
    assert "Found through the theme you named" not in card_html(searcher.search("bruise on a baby", k=1)[0], "bruise")
