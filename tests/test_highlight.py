"""Highlighting picks the best sentence, marks the question's words, and never lets PDF text become markup."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dscb_assistant.highlight import best_sentences, highlight_html, query_terms

PASSAGE = (
    "The review panel met on four occasions. "
    "The health visitor saw a bruise on the non-mobile baby and accepted that he rolled off the sofa. "
    "No referral was made to children's social care."
)


def _text_of(markup: str) -> str:
    """What a browser would show: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup.replace("<br>", "\n")))


def test_best_sentence_is_the_one_about_the_question():
    spans = best_sentences(PASSAGE, query_terms("bruising in non-mobile babies"))
    assert [PASSAGE[s:e] for s, e in spans] == [
        "The health visitor saw a bruise on the non-mobile baby and accepted that he rolled off the sofa."
    ]


def test_marks_query_words_by_stem_and_emphasises_best_sentence():
    out = highlight_html(PASSAGE, "bruising in non-mobile babies")
    assert '<strong class="dscb-best">The health visitor saw a <mark>bruise</mark>' in out
    assert "<mark>baby</mark>" in out and "<mark>mobile</mark>" in out
    assert "<mark>in</mark>" not in out  # stop words are never marked
    assert out.count("<strong") == 1


def test_hostile_passage_is_escaped_before_markup():
    hostile = (
        '<script>alert("x")</script> The baby was <b onmouseover="steal()">bruised</b>. '
        "<img src=x onerror=alert(1)> & a <mark>fake mark</mark>."
    )
    out = highlight_html(hostile, "baby bruise script mark")
    assert "<script" not in out and "<img" not in out and "<b " not in out
    assert "&lt;<mark>script</mark>&gt;" in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    # The only tags are the ones we add.
    assert set(re.findall(r"<(/?[a-z]+)", out)) <= {"mark", "/mark", "strong", "/strong", "br"}
    assert _text_of(out) == hostile


def test_no_overlap_means_no_emphasis_and_no_marks():
    out = highlight_html(PASSAGE, "county lines exploitation")
    assert "<strong" not in out and "<mark>" not in out
    assert _text_of(out) == PASSAGE


def test_words_left_unmarked_for_more_like_this():
    out = highlight_html(PASSAGE, PASSAGE, mark_words=False)
    assert "<mark>" not in out and "<strong" in out


def test_paragraph_breaks_become_line_breaks():
    out = highlight_html("First paragraph about neglect.\n\nSecond one.", "neglect")
    assert "<br><br>" in out


@settings(max_examples=200, deadline=None)
@given(text=st.lists(st.sampled_from(list("ab <>&\"'.\n/=") + ["baby ", "Bruise. ", "script", "\n\n"]),
                     max_size=60).map("".join),
       query=st.sampled_from(["baby", "bruise script", "", "a b"]))
def test_any_text_round_trips_and_only_our_tags_appear(text, query):
    out = highlight_html(text, query)
    assert _text_of(out) == text
    assert set(re.findall(r"<(/?[a-z]+)", out)) <= {"mark", "/mark", "strong", "/strong", "br"}
    # Tags are balanced and properly nested.
    stack = []
    for closing, name in re.findall(r"<(/?)(mark|strong)\b", out):
        if closing:
            assert stack and stack.pop() == name
        else:
            stack.append(name)
    assert not stack
