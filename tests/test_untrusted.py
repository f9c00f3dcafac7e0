"""The one renderer of untrusted text: what a PDF, a CSV or a user wrote shows as written, and does nothing else."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

import markdown_it
from hypothesis import given, settings
from hypothesis import strategies as st

from dscb_assistant.untrusted import STREAMLIT_SEPARATOR, markdown, markdown_file, terminal
from dscb_assistant.untrusted import html as html_text

HOSTILE = [
    "![x](http://outside.example/p.png)",
    "[click](javascript:alert(1)) <img src=http://outside.example/i.png>",
    "Price $5 and $x^2$ and $$\\int$$",
    ":red[alert] :blue-background[x] :material/home: :streamlit:",
    "https://outside.example/a www.outside.example someone@outside.example",
    "# heading\n\n- item\n1. one\n> quote\n---\n| a | b |\n|---|---|",
    "`code` *em* __strong__ ~~gone~~ \\escaped &amp; &#60;",
    "line one\r\n\r\nline two\rthree",
]
# Text whose every character could mean something to Markdown, HTML or a terminal.
_ALPHABET = st.sampled_from(list("ab1 \n\r\t\\`*_{}[]()<>#+-.!|~$:@&=/;'\"^%") + ["www", "http", "red", "material", "\x1b"])
TEXT = st.lists(_ALPHABET, max_size=40).map("".join)


def _commonmark():
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _visible_text(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def _words(text: str) -> list[str]:
    return text.split()


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_markdown_renders_back_to_the_same_words_and_makes_no_element(text):
    rendered = _commonmark().render(markdown_file(text))
    tags = set(re.findall(r"<([a-z0-9]+)", rendered))
    assert tags <= {"p", "br"}, (text, rendered)  # no link, image, heading, list, code, table or raw HTML
    assert _words(_visible_text(rendered)) == _words(text)


def test_markdown_hostile_samples_render_literally():
    for text in HOSTILE:
        rendered = _commonmark().render(markdown_file(text))
        assert set(re.findall(r"<([a-z0-9]+)", rendered)) <= {"p", "br"}, text
        assert _words(_visible_text(rendered)) == _words(text), text


def _unescaped(pattern: str, escaped: str) -> list[str]:
    """Occurrences of ``pattern`` not preceded by a backslash that is itself unescaped."""
    return [m for m in re.finditer(pattern, escaped) if len(re.match(r"\\*", escaped[: m.start()][::-1]).group(0)) % 2 == 0]


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_markdown_leaves_no_streamlit_syntax_active(text):
    escaped = markdown(text)
    # For Streamlit, an empty directive (nothing visible) splits what it would turn into a link after parsing.
    assert escaped.replace(STREAMLIT_SEPARATOR, "") == markdown_file(text)
    assert not re.search(r"(?i)(?<![a-z0-9])(https?|www|mailto)(\\[:.])", escaped)
    assert not re.search(r"[^\]]\\@", escaped)
    escaped = escaped.replace(STREAMLIT_SEPARATOR, "")
    # Streamlit reads $...$ as maths and :name[...] as a directive; CommonMark knows neither, so check the escapes.
    assert not _unescaped(r"\$", escaped)
    assert not _unescaped(r":(?=[A-Za-z\[/:])", escaped)
    # Streamlit turns ":material/" into an icon before it parses anything.
    assert ":material/" not in escaped


def test_markdown_one_line_for_captions_and_labels():
    assert "\n" not in markdown("Board\n\nof\r\nthe ![x](y)", one_line=True)


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "br":
            self.text.append("\n")

    def handle_data(self, data):
        self.text.append(data)


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_html_is_text_only_and_keeps_no_blank_line(text):
    out = html_text(text)
    parser = _Collect()
    parser.feed(out)
    parser.close()
    assert set(parser.tags) <= {"br", "span"} and "<span>" not in out.replace("<span></span>", "")
    assert "".join(parser.text) == re.sub(r"\r\n?", "\n", text)
    # A blank line would end the HTML block it sits in and let the rest be read as Markdown.
    assert not re.search(r"\n\s*\n", out) and "\n" not in out and "\r" not in out
    assert not set(out.replace("<br>", "").replace("<span></span>", "")) & set("$[]`*_~\\<>\"'")
    # An empty element splits "http://", "www." and "a@b", which Streamlit would otherwise turn into links.
    assert not re.search(r"(?i)(?<![a-z0-9])(https?|www|mailto)(&#58;|\.)|[^>]@", out)
    assert not re.search(r":[A-Za-z/\[:]", out)


def test_html_inside_a_markdown_paragraph_stays_text():
    for text in HOSTILE:
        rendered = _commonmark().render(f"Before {html_text(text)} after")
        assert set(re.findall(r"<([a-z0-9]+)", rendered)) <= {"p", "br", "span"}, text


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_terminal_text_has_no_control_characters(text):
    out = terminal(text)
    assert all(c in "\n\t" or unicodedata.category(c) != "Cc" for c in out)
    assert not set(out) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    one = terminal(text, one_line=True)
    assert "\n" not in one and "\t" not in one


def test_terminal_removes_escape_sequences_introducer_and_keeps_the_words():
    assert terminal("Child \x1b]8;;http://x\x07D\x1b[2J review\x9b") == "Child ]8;;http://xD[2J review"


def test_cli_search_prints_no_terminal_escape_sequences_from_a_report(settings, capsys, monkeypatch):
    from dscb_assistant import cli
    from dscb_assistant.ingest import ingest

    from .conftest import write_reports_csv
    from .pdfs import make_pdf, words

    corpus = settings.corpus_dir
    corpus.mkdir(parents=True)
    make_pdf(corpus / "esc.pdf", [["# Findings", "The health visitor saw a bruise on the baby. " + words(100)]])
    # A title and board that would clear the screen, recolour it and plant a hidden hyperlink.
    write_reports_csv(corpus, [{"file": "esc.pdf", "title": "Child \x1b[2J\x1b[31mR\x1b]8;;http://x.example\x07eview",
                                "board": "Board\x9b\x1b[1m", "year": "2020"}])
    ingest(settings)
    monkeypatch.setenv("DSCB_EMBEDDER", settings.embedder)
    assert cli.main(["search", "bruise on the baby", "--index", str(settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "Child [2J[31mR]8;;http://x.exampleeview" in out
    assert not [c for c in out if unicodedata.category(c) == "Cc" and c not in "\n\t"]
