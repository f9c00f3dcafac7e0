"""Page images with the passage highlighted, PDFs served from the static folder, and the browse helpers."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from dscb_assistant import browse, serve
from dscb_assistant.errors import DscbError
from dscb_assistant.records import Passage, ReportMeta
from dscb_assistant.render import locate, render_page

from .pdfs import make_pdf, words

TARGET = ("The health visitor saw a bruise on the non-mobile baby and accepted that he rolled off the sofa. "
          "No referral was made for a medical assessment and the bruising protocol was not followed.")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    path = tmp_path_factory.mktemp("render") / "report.pdf"
    return make_pdf(path, [["# 1. Introduction", words(120)], ["# 2. Findings", words(40, seed=3), TARGET, words(60, seed=5)]],
                    header="Testshire Safeguarding Children Partnership", page_numbers=True)


def _yellow_rows(png: bytes) -> list[int]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    return [y for y in range(height) if any(pixels[x, y][2] < 200 < pixels[x, y][1] and pixels[x, y][0] > 230
                                            for x in range(width // 4, width * 3 // 4, 3))]


def test_render_highlights_the_passage_only(pdf):
    image = render_page(pdf, 2, TARGET, width=600)
    assert image.highlighted and image.width == 600
    rows = _yellow_rows(image.png)
    assert rows, "no highlight drawn"
    span = (max(rows) - min(rows)) / image.height
    assert 0.02 < span < 0.2  # a few lines in the middle of the page, not the whole page
    plain = render_page(pdf, 2, "", width=600)
    assert not plain.highlighted and not _yellow_rows(plain.png)


def test_passage_not_on_the_page_is_not_highlighted(pdf):
    assert not render_page(pdf, 1, TARGET, width=300).highlighted


def test_render_errors_are_messages(pdf, tmp_path):
    with pytest.raises(DscbError, match="no page 9"):
        render_page(pdf, 9)
    with pytest.raises(DscbError, match="not at"):
        render_page(tmp_path / "gone.pdf", 1)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nonsense")
    with pytest.raises(DscbError, match="could not be opened"):
        render_page(broken, 1)


def test_locate_survives_hyphenation_ligatures_and_line_breaks():
    page = list("Header line\r\nThe safe-\r\nguarding was signi\ufb01cant-\r\nly late. Footer 3")
    first, last = locate(page, "The safeguarding was significantly late.")
    assert "".join(page[first:last + 1]) == "The safe-\r\nguarding was signi\ufb01cant-\r\nly late"
    assert locate(page, "Something else entirely") is None


def test_publish_links_pdfs_into_static_and_drops_stale_ones(tmp_path):
    corpus, static = tmp_path / "corpus", tmp_path / "static" / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.pdf").write_bytes(b"%PDF-a")
    (corpus / "sub" / "b.pdf").write_bytes(b"%PDF-b")
    (tmp_path / "secret.txt").write_text("secret")
    static.mkdir(parents=True)
    (static / "stale.pdf").write_bytes(b"old")
    served = serve.publish(corpus, static, ["a.pdf", "sub/b.pdf", "../secret.txt", "missing.pdf"])
    assert served == {"a.pdf", "sub/b.pdf"}
    assert (static / "sub" / "b.pdf").read_bytes() == b"%PDF-b"
    assert os.path.samefile(static / "a.pdf", corpus / "a.pdf") or (static / "a.pdf").read_bytes() == b"%PDF-a"
    assert not (static / "stale.pdf").exists() and not (tmp_path / "static" / "secret.txt").exists()
    assert not (static.parent / "secret.txt").exists()
    assert not any(p.is_symlink() for p in static.rglob("*"))  # Streamlit refuses links that leave its folder


def _passage(pid, file, section, themes=()):
    return Passage(id=pid, file=file, page=1, page_end=1, page_label="", section=section, paragraph="", text="t",
                   themes=themes)


def test_theme_counts_and_report_themes():
    passages = [_passage("1", "a.pdf", "", ("neglect",)), _passage("2", "a.pdf", "", ("neglect", "education")),
                _passage("3", "b.pdf", "", ("neglect",))]
    counts = browse.theme_counts(passages)
    assert counts["neglect"] == browse.ThemeCount("neglect", 2, 3)
    assert counts["education"] == browse.ThemeCount("education", 1, 1)
    assert browse.report_theme_ids(passages[:2]) == ["neglect"]


def test_learning_sections_come_first_in_reading_order():
    passages = [_passage("1", "a", "1. Introduction"), _passage("2", "a", "3. Findings"), _passage("3", "a", "2. Background"),
                _passage("4", "a", "5. Recommendations"), _passage("5", "a", "Lessons learned")]
    assert [p.id for p in browse.learning_first(passages)] == ["2", "4", "5", "1", "3"]


def test_sample_corpus_is_recognised_by_its_sources(tmp_path):
    report = ReportMeta(file="x-2019.pdf", title="X", board="", year=None, review_type="other", url="", sha256="", pages=1)
    assert not browse.is_sample_corpus([report], tmp_path)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "x-2019.txt").write_text("fiction")
    assert browse.is_sample_corpus([report], tmp_path)
