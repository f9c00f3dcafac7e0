"""Unit tests for dscb_assistant.glossary and its data file."""

from __future__ import annotations

import re

import pytest

from dscb_assistant.errors import DscbError
from dscb_assistant.glossary import (
    Glossary,
    GlossaryDataError,
    GlossaryEntry,
    expand_query,
    expansion_terms,
    load_glossary,
)

WORD = re.compile(r"[a-z0-9]+(?:[&'][a-z0-9]+)*")


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


def words(text):
    return WORD.findall(text.lower())


# --- the data file ---------------------------------------------------------------------------


def test_data_file_has_the_fields_vocabulary(glossary):
    assert len(glossary.entries) >= 80
    abbrs = {e.abbr for e in glossary.entries if e.abbr}
    wanted = (
        "CAMHS MARAC MASH LADO CIN LAC CLA SUDI SIDS NAI FII CSE CCE EHE HV GP ED A&E IDVA ISVA DASH "
        "PLO SGO EHCP SEND ICPC RCPC S47 TAF CSPR SCR LSCB DSL YOT NRM CME PREVENT ICON MAPPA CAF "
        "PEP VSH PP+ AP EP SEMH EET FASD FGC FGDM DoLS ICO MFH EDT IFA DBS"
    ).split() + ["CP plan"]
    assert not set(wanted) - abbrs
    phrases = {p.lower() for e in glossary.entries for p in e.phrases}
    for everyday in ("mum", "step-dad", "boyfriend", "co-sleeping", "rolled off", "gran", "kicked out of school", "ran away", "self-harm"):
        assert everyday in phrases, everyday


def test_every_entry_has_at_least_two_phrases(glossary):
    for entry in glossary.entries:
        assert len(entry.phrases) >= 2, entry
        if entry.abbr:
            assert entry.phrases[0] == entry.abbr


# --- expansion -------------------------------------------------------------------------------


def test_abbreviation_adds_its_expansion(glossary):
    assert "child and adolescent mental health services" in expansion_terms("CAMHS waiting times", glossary)
    expanded = expand_query("CAMHS waiting times", glossary)
    assert expanded.startswith("CAMHS waiting times ")
    assert "adolescent" in words(expanded)


def test_expansion_adds_its_abbreviation(glossary):
    assert "CAMHS" in expansion_terms("child and adolescent mental health", glossary)
    assert "MARAC" in expansion_terms("multi-agency risk assessment conference minutes", glossary)
    assert "SUDI" in expansion_terms("sudden unexpected death in infancy", glossary)


def test_lower_case_abbreviation_still_expands_when_unambiguous(glossary):
    assert "child and adolescent mental health services" in expansion_terms("camhs referral", glossary)


def test_everyday_words_add_formal_ones(glossary):
    assert "mother" in expansion_terms("mum says he rolled off the sofa", glossary)
    assert "fell off" in expansion_terms("mum says he rolled off the sofa", glossary)
    assert "mum" in expansion_terms("the mother was not asked", glossary)
    assert "step-father" in expansion_terms("stepdad not assessed", glossary)
    assert "bed-sharing" in expansion_terms("baby was co sleeping with parents", glossary)
    assert "co-sleeping" in expansion_terms("bed sharing", glossary)


def test_plural_in_the_question_still_matches(glossary):
    assert "general practitioner" in expansion_terms("GPs did not share records", glossary)
    assert "strategy meeting" in expansion_terms("strategy discussions", glossary)


def test_no_duplicate_terms_or_words(glossary):
    for query in ("CAMHS and mum", "child protection plan", "baby bruise rolled off sofa", "A&E ED hospital", "LAC foster"):
        terms = expansion_terms(query, glossary)
        assert len({t.lower() for t in terms}) == len(terms), terms
        added = expand_query(query, glossary)[len(query) :].split()
        added_words = [w for a in added for w in words(a)]
        assert len(added_words) == len(set(added_words)), added
        assert not set(added_words) & set(words(query)), added


def test_phrase_already_in_question_is_not_added(glossary):
    query = "CAMHS child and adolescent mental health services"
    assert "child and adolescent mental health services" not in expansion_terms(query, glossary)
    assert "CAMHS" not in expansion_terms(query, glossary)


def test_longest_match_wins(glossary):
    terms = expansion_terms("child protection plan", glossary)
    assert "CP plan" in terms
    assert "CP" not in terms  # "child protection" inside the plan is not expanded on its own


def test_short_abbreviations_do_not_match_inside_words_or_in_lower_case(glossary):
    assert expansion_terms("he was REFERRED to the CINEMA club", glossary) == ()
    assert expansion_terms("Ed went to the cinema", glossary) == ()
    assert expansion_terms("please send a referral", glossary) == ()
    assert "emergency department" in expansion_terms("seen in ED twice", glossary)
    assert "child in need" in expansion_terms("CIN plan", glossary)
    assert "special educational needs and disabilities" in expansion_terms("SEND support", glossary)


def test_education_abbreviations_of_looked_after_children(glossary):
    assert "personal education plan" in expansion_terms("PEP not reviewed", glossary)
    assert "pupil premium plus" in expansion_terms("is PP+ a personal budget?", glossary)
    assert "virtual school head" in expansion_terms("ask the VSH", glossary)
    assert "alternative provision" in expansion_terms("placed in AP after exclusion", glossary)
    # their lower-case forms are ordinary words: left alone
    assert expansion_terms("a pep talk", glossary) == ()
    assert expansion_terms("an ap of the river", glossary) == ()


def test_ampersand_abbreviation(glossary):
    assert "accident and emergency" in expansion_terms("taken to A&E", glossary)
    assert "A&E" in expansion_terms("accident and emergency", glossary)


def test_question_without_glossary_words_is_unchanged(glossary):
    assert expand_query("what went wrong", glossary) == "what went wrong"
    assert expansion_terms("", glossary) == ()


def test_expand_query_keeps_the_abbreviations_case(glossary):
    assert "CAMHS" in expand_query("child and adolescent mental health", glossary).split()


def test_small_glossary_by_hand():
    glossary = Glossary(
        entries=(
            GlossaryEntry(("MASH", "multi-agency safeguarding hub"), abbr="MASH"),
            GlossaryEntry(("mum", "mother", "maternal")),
        ),
        case_sensitive=frozenset({"MASH"}),
    )
    assert expansion_terms("mash the potatoes", glossary) == ()
    assert expand_query("MASH and mum", glossary) == "MASH and mum multi-agency safeguarding hub mother maternal"
    assert expansion_terms("maternal grandmother", glossary) == ("mum", "mother")


try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # the property test is a bonus; the examples above cover the behaviour
    given = None

if given is not None:
    VOCAB = ["CAMHS", "mum", "mother", "baby", "bruise", "GP", "ED", "SEND", "send", "A&E", "co-sleeping",
             "multi", "plan", "child", "protection", "the", "LAC", "in", "care"]

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.sampled_from(VOCAB), max_size=8))
    def test_expansion_only_appends_new_words(tokens):
        glossary = load_glossary()
        query = " ".join(tokens)
        expanded = expand_query(query, glossary)
        assert expanded.startswith(query)
        added = [w for a in expanded[len(query) :].split() for w in words(a)]
        assert len(added) == len(set(added))
        assert not set(added) & set(words(query))


# --- loading errors --------------------------------------------------------------------------


def _write(tmp_path, text):
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_a_small_file(tmp_path):
    text = 'case_sensitive = ["ED"]\n[[term]]\nabbr = "ED"\nexpansions = ["emergency department"]\n[[synonyms]]\nwords = ["mum", "mother"]\n'
    glossary = load_glossary(_write(tmp_path, text))
    assert glossary.entries == (GlossaryEntry(("ED", "emergency department"), abbr="ED"), GlossaryEntry(("mum", "mother")))
    assert glossary.case_sensitive == {"ED"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[term]\n", "not valid TOML"),
        ('[[term]]\nabbr = "ED"\n', "expansions is missing"),
        ('[[term]]\nabbr = "ED"\nexpansions = ["x"]\nalso_known = ["y"]\n', "unknown key"),
        ('[[synonyms]]\nwords = ["mum"]\n', "at least two"),
        ('[[synonyms]]\nwords = ["mum", "Mum"]\n', "more than once"),
        ('case_sensitive = ["XYZ"]\n[[synonyms]]\nwords = ["a", "b"]\n', "no entry uses"),
        ('glossary = 1\n', "unknown top-level"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path, text, message):
    with pytest.raises(GlossaryDataError, match=re.escape(message)):
        load_glossary(_write(tmp_path, text))


def test_missing_file_raises_the_project_error(tmp_path):
    with pytest.raises(DscbError, match="not found"):
        load_glossary(tmp_path / "nope.toml")
