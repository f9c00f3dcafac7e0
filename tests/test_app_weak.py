"""The Ask page with a question nothing answers and with long pastes (AppTest, fake embedder)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from .test_app import app, ask, cards, library  # noqa: F401  (app and library are fixtures)

MARAC_SENTENCE = "The mother was referred to MARAC after a high risk domestic abuse incident."  # in domestic.pdf
SUMMARY = ("Referral: the mother was referred to MARAC after a high risk domestic abuse incident at the flat. "
           "The father's violence was known to police but was not shared with the school or with health. ")


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def test_nonsense_says_no_passage_matches_and_marks_the_closest(app):  # noqa: F811
    at = ask(app, "asdfgh qwerty")
    assert any("No passage matches your question well" in w for w in warnings(at))
    shown = cards(at)
    assert shown and all('class="dscb-weak"' in card and "Weak match" in card for card in shown)


def test_a_question_the_reports_answer_gets_no_such_warning(app):  # noqa: F811
    at = ask(app, MARAC_SENTENCE)
    assert not any("No passage matches" in w for w in warnings(at))
    first = cards(at)[0]
    assert "Serious Case Review: Child C" in first and 'class="dscb-weak"' not in first


def test_a_pasted_5000_character_case_summary_is_answered(app):  # noqa: F811
    paste = (SUMMARY * 30)[:4999] + "."
    at = ask(app, paste)
    assert not any("too long" in w for w in warnings(at))
    assert any("Pasted text of 5,000 characters." in c.value for c in at.caption)
    shown = cards(at)
    assert shown and "Serious Case Review: Child C" in shown[0]


def test_past_20000_characters_the_answer_says_how_much_was_used(app):  # noqa: F811
    paste = (SUMMARY * 200)[:24_999] + "."
    at = ask(app, paste)
    assert any("Used the first 20,000 of 25,000 characters." in c.value for c in at.caption)
    assert cards(at)
