"""Unit tests for dscb_assistant.themes and its data file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dscb_assistant.errors import DscbError
from dscb_assistant.evaluate import evaluate_tagging
from dscb_assistant.themes import (
    TOXIC_TRIO,
    Theme,
    ThemeDataError,
    ThemeScore,
    add_toxic_trio,
    load_themes,
    report_themes,
    tag_passages,
    tag_text,
)

REPO = Path(__file__).resolve().parents[1]
THEMES_MD_PLACES = (REPO.parent / "shared" / "themes.md", Path("/work/shared/themes.md"))


@pytest.fixture(scope="module")
def themes():
    return load_themes()


def ids(text, themes):
    return {t.theme_id for t in tag_text(text, themes)}


def tag(text, themes, theme_id):
    return next((t for t in tag_text(text, themes) if t.theme_id == theme_id), None)


# --- the data file ---------------------------------------------------------------------------


def test_data_file_loads_with_unique_ids_and_cues(themes):
    assert len(themes) >= 28
    assert len({t.id for t in themes}) == len(themes)
    for theme in themes:
        assert theme.name and theme.description
        assert theme.strong_cues or len(theme.cues) >= 2, theme.id


def test_cues_are_lower_case_except_abbreviations(themes):
    # A capitalised cue is matched case-sensitively, so only all-capital abbreviations may use it.
    for theme in themes:
        for cue in theme.cues + theme.strong_cues + theme.context_cues + theme.ignore:
            assert cue == cue.lower() or cue.isupper(), (theme.id, cue)


def _themes_md():
    for place in THEMES_MD_PLACES:
        if place.is_file():
            return place
    return None


@pytest.mark.skipif(_themes_md() is None, reason="shared/themes.md is not beside the repo or at /work/shared")
def test_every_theme_of_themes_md_is_present_with_its_name_and_description(themes):
    rows = {}
    for line in _themes_md().read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] != "id" and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cells[0]):
            rows[cells[0]] = (cells[1], cells[2])
    assert len(rows) >= 28
    loaded = {t.id: (t.name, t.description) for t in themes}
    assert set(rows) == set(loaded)
    for theme_id, (name, description) in rows.items():
        assert loaded[theme_id] == (name, description), theme_id


# --- tagging real sentences ------------------------------------------------------------------


def test_hidden_men_needs_a_cue(themes):
    assert "hidden-men" not in ids("The health visitor did not ask who else lived in the household.", themes)
    found = tag("Mother's new partner was never assessed.", themes, "hidden-men")
    assert found is not None
    assert "mother's new partner" in found.cues


def test_overlapping_cues_count_once_and_longest_wins(themes):
    found = tag("Mother's new partner moved in.", themes, "hidden-men")
    assert found.cues == ("mother's new partner",)  # not also "new partner"


def test_curly_apostrophe_and_line_break_still_match(themes):
    assert "hidden-men" in ids("Mother\u2019s new\npartner was not seen.", themes)
    assert "domestic-abuse" in ids("a history of domestic\nabuse", themes)
    assert "safe-sleep" in ids("The parents were co sleeping with the baby.", themes)
    assert "safe-sleep" in ids("Cosleeping had been discussed.", themes)


def test_marac_and_other_abbreviations_tag_domestic_abuse(themes):
    assert "domestic-abuse" in ids("Mother was referred to MARAC after the third incident.", themes)
    assert "domestic-abuse" in ids("The case was heard at Marac in June.", themes)
    assert "domestic-abuse" in ids("The DASH risk assessment was scored as high.", themes)


def test_ambiguous_abbreviations_only_match_in_capitals(themes):
    assert "domestic-abuse" not in ids("She made a dash for the bus before the appointment.", themes)
    assert "disabled-children" not in ids("The school will send a letter and send the records.", themes)
    assert "disabled-children" in ids("He was on the SEND register at school.", themes)
    assert "head-injury" not in ids("Click the icon to open the record.", themes)


def test_cues_do_not_match_inside_words(themes):
    synthetic = (Theme("x", "X", "x", cues=("cot", "nurse"), strong_cues=("CIN", "marac")),)
    assert tag_text("The CINEMA trip went ahead; the Maracana is a stadium.", synthetic) == ()
    assert tag_text("They stayed in a cottage near the nursery.", synthetic) == ()
    assert tag_text("Child B was on a CIN plan.", synthetic)[0].cues == ("CIN",)
    assert tag_text("Child B was on a cin plan.", synthetic) == ()


def test_statutory_boilerplate_is_not_neglect(themes):
    boilerplate = (
        "An SCR is undertaken when abuse or neglect is known or suspected and a child has died "
        "or been seriously harmed."
    )
    assert "neglect" not in ids(boilerplate, themes)
    assert "neglect" in ids("The children lived with chronic neglect for many years.", themes)


def test_escalating_violence_is_not_escalation(themes):
    assert "escalation" not in ids("There was an escalation of violence and the police were called.", themes)
    assert "escalation" in ids("The school did not use the escalation policy to challenge the decision.", themes)


def test_parental_themes_need_a_parent_in_the_passage(themes):
    teenager = "Child C, aged 15, had low mood and anxiety and was using cannabis and alcohol."
    assert not {"parental-mental-health", "substance-misuse"} & ids(teenager, themes)
    parent = "Mother had low mood and anxiety; Father was drinking alcohol daily."
    assert {"parental-mental-health", "substance-misuse"} <= ids(parent, themes)


def test_non_mobile_bruising_needs_an_injury_and_a_baby(themes):
    assert "non-mobile-bruising" not in ids("The baby was a healthy infant at birth.", themes)
    assert "non-mobile-bruising" not in ids("He had a bruise and a fracture from football.", themes)
    assert "non-mobile-bruising" in ids("A small bruise was seen on the baby's ear.", themes)
    assert "non-mobile-bruising" in ids("A skeletal survey was not requested.", themes)


def test_safe_sleep_and_sudi(themes):
    text = "Mother fell asleep on the sofa with the baby after drinking; he was found unresponsive."
    assert {"safe-sleep", "substance-misuse"} <= ids(text, themes)
    assert "safe-sleep" in ids("The death was classed as a SUDI.", themes)


def test_other_themes_on_genre_sentences(themes):
    cases = {
        "adolescent-mental-health": "Child C was referred to CAMHS after she disclosed self-harm to her teacher.",
        "exploitation": "There were concerns about county lines and CCE.",
        "professional-curiosity": "Practitioners accepted Mother's explanation at face value.",
        "information-sharing": "Information held by the GP was not shared with the school.",
        "organisational": "The social worker had a caseload of 32 and supervision was infrequent.",
        "voice-of-child": "He was never seen alone and his wishes and feelings were not recorded.",
        "education": "His mother withdrew him from school to electively home educate him.",
        "missing-children": "She was reported missing eleven times and no return home interview took place.",
        "care-experience": "The children were placed with their grandmother under a special guardianship order.",
        "culture-identity": "No interpreter was used during the home visits.",
        "fii": "The paediatrician raised the possibility of fabricated or induced illness.",
        "housing-poverty": "The family lived in temporary accommodation and had rent arrears.",
        "young-carers": "Child D was a young carer for his mother.",
        "online-harm": "She had been sending nude images to a man she met on Snapchat.",
        "sexual-abuse": "The girl made a disclosure of sexual abuse by her uncle.",
        "transfer-between-areas": "The family moved area three times and records did not follow them.",
        "head-injury": "The baby was found to have a subdural haemorrhage.",
    }
    for theme_id, text in cases.items():
        assert theme_id in ids(text, themes), (theme_id, text)


def test_methodology_paragraph_carries_no_theme(themes):
    text = "The review panel met on four occasions. The lead reviewer interviewed practitioners."
    assert tag_text(text, themes) == ()


def test_inflections_of_one_cue_count_once():
    synthetic = (Theme("inj", "Injury", "x", cues=("bruise", "bruises", "bruising", "mark")),)
    assert tag_text("A bruise, then more bruises and bruising.", synthetic) == ()
    assert tag_text("A bruise and a mark.", synthetic)[0].cues == ("bruise", "mark")


def test_scores_grow_with_evidence_and_stay_below_one(themes):
    weak = tag("Mother was referred to MARAC.", themes, "domestic-abuse")
    strong = tag(
        "Mother was referred to MARAC; there was domestic abuse and coercive control, an IDVA was allocated.",
        themes,
        "domestic-abuse",
    )
    assert 0 < weak.score < strong.score < 1
    assert weak.score == pytest.approx(0.5)


def test_tags_are_sorted_best_first(themes):
    tags = tag_text("Father was drinking heavily and there was domestic abuse, coercive control and MARAC.", themes)
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)


def test_word_start_dispatch_finds_what_trying_every_theme_everywhere_finds(themes):
    """tag_text tries a word start only with the themes whose cues share its first letters; on text
    made of every cue (in capitals, hyphenated, at the very end, after punctuation) it must find
    exactly what trying every theme at every word start finds."""
    import random

    from dscb_assistant import themes as module

    def reference(text):
        matchers = [module._matcher(t) for t in themes]
        places = [m.start() for m in re.finditer(r"(?<!\w)\w", text)]
        tags = []
        for theme, matcher in zip(themes, matchers):
            score = module._score(theme, module._cues_found(text, places, matcher))
            if score:
                found = module._cues_found(text, places, matcher)
                tags.append(ThemeScore(theme.id, score, tuple(dict.fromkeys(c for c, _ in found))))
        return module._ranked(tags)

    cues = sorted({c for t in themes for c in (*t.strong_cues, *t.cues, *t.context_cues, *t.ignore)})
    rng = random.Random(11)
    for _ in range(60):
        picked = rng.sample(cues, 6)
        variants = [rng.choice([c, c.upper(), c.replace(" ", "-"), c + "s", "(" + c]) for c in picked]
        text = " the ".join(variants) + rng.choice(["", ".", " GP", " a&e"])
        assert tag_text(text, themes) == reference(text), text


def test_empty_text_has_no_themes(themes):
    assert tag_text("", themes) == ()


# --- toxic trio and report level -------------------------------------------------------------


def _t(theme_id, score=0.5, cues=("c",)):
    return ThemeScore(theme_id, score, cues)


def test_toxic_trio_when_two_risks_share_a_passage():
    tagged = add_toxic_trio([(_t("domestic-abuse", 0.6), _t("substance-misuse", 0.5))])
    trio = [t for t in tagged[0] if t.theme_id == TOXIC_TRIO]
    assert trio and trio[0].score == pytest.approx(0.5)


def test_toxic_trio_from_neighbours_needs_all_three():
    passages = [
        (_t("parental-mental-health"),),
        (_t("domestic-abuse"),),
        (_t("substance-misuse"),),
        (_t("neglect"),),
    ]
    tagged = add_toxic_trio(passages)
    assert TOXIC_TRIO in {t.theme_id for t in tagged[1]}
    assert TOXIC_TRIO not in {t.theme_id for t in tagged[0]}  # sees only two of three
    assert TOXIC_TRIO not in {t.theme_id for t in tagged[3]}  # carries none itself
    assert all(TOXIC_TRIO not in {t.theme_id for t in p} for p in add_toxic_trio(passages, window=0))


def test_toxic_trio_from_real_text(themes):
    text = (
        "Father was a heavy drinker and Mother had long-standing depression; there had been "
        "domestic abuse throughout the relationship."
    )
    tagged = add_toxic_trio([tag_text(text, themes)])
    assert TOXIC_TRIO in {t.theme_id for t in tagged[0]}


def test_toxic_trio_keeps_an_explicit_tag_and_its_cues():
    existing = ThemeScore(TOXIC_TRIO, 0.8, ("toxic trio",))
    tagged = add_toxic_trio([(existing, _t("domestic-abuse", 0.5, ("marac",)), _t("substance-misuse", 0.5, ("alcohol",)))])
    trio = next(t for t in tagged[0] if t.theme_id == TOXIC_TRIO)
    assert trio.score == pytest.approx(0.8)
    assert trio.cues == ("toxic trio", "marac", "alcohol")
    assert sum(t.theme_id == TOXIC_TRIO for t in tagged[0]) == 1


def test_report_themes_counts_passages():
    passages = [
        (_t("neglect", 0.6), _t("hidden-men", 0.5)),
        (_t("neglect", 0.8),),
        (_t("hidden-men", 0.5),),
        (_t("neglect", 0.5), _t("education", 0.9)),
    ]
    found = report_themes(passages)
    assert [r.theme_id for r in found] == ["neglect", "hidden-men"]
    assert found[0].passages == 3
    assert found[0].score == pytest.approx((0.6 + 0.8 + 0.5) / 3)
    assert [r.theme_id for r in report_themes(passages, min_passages=1)][-1] == "education"
    assert [r.theme_id for r in report_themes(passages, min_score=0.55)] == ["neglect"]  # 0.6 and 0.8


def test_evaluate_tagging_scores_the_tagger_on_the_paragraph_and_the_passage_tags(tmp_path):
    from dscb_assistant.records import Passage

    def passage(text, themes):
        return Passage("p", "r.pdf", 1, 1, "1", "", "", text, themes)

    passages = [
        # The stored tags include a neighbour's theme (hidden-men); the paragraph itself is domestic abuse.
        passage("Mother was referred to MARAC after the assault.\n\nHer new partner was not assessed.",
                ("domestic-abuse", "hidden-men")),
        passage("The panel met four times.", ()),
    ]
    rows = [
        '{"file": "r.pdf", "quote": "Mother was referred to MARAC", "themes": ["domestic-abuse"]}',
        '{"file": "r.pdf", "quote": "The panel met four times.", "themes": ["organisational"]}',
        '{"file": "r.pdf", "quote": "a sentence that is not there", "themes": []}',
    ]
    (tmp_path / "r.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    table = evaluate_tagging(passages, tmp_path)
    assert "on 2 labelled paragraphs (1 quotes not found" in table
    assert "| domestic-abuse | 1 | 0 | 0 | 1.00 | 1.00 |" in table
    assert "| organisational | 0 | 0 | 1 | - | 0.00 |" in table
    assert "| **all themes, labelled paragraph** | 1 | 0 | 1 | 1.00 | 0.50 |" in table
    assert "| **all themes, passage holding it** | 1 | 1 | 1 | 0.50 | 0.50 |" in table


# --- loading errors --------------------------------------------------------------------------


def _write(tmp_path, text):
    path = tmp_path / "themes.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = '[[theme]]\nid = "neglect"\nname = "Neglect"\ndescription = "d"\ncues = ["hygiene", "hunger"]\n'


def test_load_a_small_file(tmp_path):
    (theme,) = load_themes(_write(tmp_path, GOOD))
    assert theme == Theme("neglect", "Neglect", "d", cues=("hygiene", "hunger"))


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[theme]\n", "not valid TOML"),
        (GOOD + GOOD, "more than once"),
        (GOOD.replace("cues =", "stong ="), "unknown key"),
        (GOOD.replace('"neglect"\nname', '"Neglect Theme"\nname'), "lower-case words"),
        (GOOD.replace('["hygiene", "hunger"]', '["co-sleeping", "co sleeping"]'), "more than once"),
        (GOOD.replace('["hygiene", "hunger"]', '["hygiene", 3]'), "list of non-empty strings"),
        ('title = "x"\n', "only [[theme]]"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path, text, message):
    with pytest.raises(ThemeDataError, match=re.escape(message)):
        load_themes(_write(tmp_path, text))


def test_missing_file_raises_the_project_error(tmp_path):
    with pytest.raises(DscbError, match="not found"):
        load_themes(tmp_path / "nope.toml")


def test_a_ligature_in_the_shown_text_does_not_hide_a_cue():
    """Shown text keeps the PDF's ligatures ("\ufb01"); tagging reads the folded search text."""
    from dscb_assistant.records import Passage

    synthetic = (Theme("fii", "FII", "x", cues=(), strong_cues=("fictitious",)),)
    passage = Passage(id="b", file="a.pdf", page=2, page_end=2, page_label="", section="", paragraph="",
                      text="The \ufb01ctitious illness was described by the carer.")
    assert tag_passages([passage], synthetic)[0].themes == ("fii",)
