#!/usr/bin/env python3
"""Render the fictional sample case reviews in ``corpus/sources/`` to PDF.

Development tool for the DSCB Learning Assistant. Every source file
``corpus/sources/<slug>.txt`` (format: ``corpus/sources/FORMAT.md``) is rendered
to ``corpus/<file>`` (the ``file:`` named in its header), and
``corpus/reports.csv`` is rewritten from the headers of *all* sources.

Usage::

    python tools/make_sample_corpus.py                      # render every source
    python tools/make_sample_corpus.py corpus/sources/x.txt # render only these

Output is deterministic: fonts are embedded (DejaVu), the creation date is
fixed and the scanned-page images are generated with a seeded random source,
so re-running produces byte-identical PDFs.

Layout summary (A4): running header (board, short title) and running footer
("Fictional sample ..." and "Page N of M") on every page except scanned
pages; bold, larger headings; numbered paragraphs with a hanging number;
bullet lists; a contents page with dot leaders (two-pass render); tables via
fpdf2's ``table()``; footnotes at the bottom of the page where the marker
falls; two-column passages via ``text_columns``; scanned pages as a full-page
image without a text layer; soft hyphens (``\\-`` -> U+00AD).
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF, FontFace, XPos, YPos
from fpdf.enums import MethodReturnValue
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
SOURCES_DIR = ROOT / "corpus" / "sources"
CORPUS_DIR = ROOT / "corpus"
REPORTS_CSV = CORPUS_DIR / "reports.csv"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

#: Fixed creation date so that re-rendering gives byte-identical files.
FIXED_DATE = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
FOOTER_NOTICE = "Fictional sample for demonstration - not a real case"
REVIEW_TYPES = {
    "serious case review",
    "child safeguarding practice review",
    "learning review",
    "thematic review",
    "other",
}
REQUIRED_KEYS = ("title", "board", "year", "review_type", "file")
CSV_COLUMNS = ("file", "title", "board", "year", "review_type", "url")

# Page geometry (mm) and type sizes (pt).
MARGIN_L, MARGIN_R, MARGIN_T = 22.0, 22.0, 24.0
MARGIN_B = 22.0  # body stops here; footer and footnotes live below/above it
BODY_SIZE, BODY_LH = 10.5, 5.3
SMALL_SIZE, SMALL_LH = 8.0, 3.7
H1_SIZE, H2_SIZE = 15.0, 12.0
PARA_GAP = 2.4
NUMBER_W = 12.0  # width of the hanging paragraph number
BULLET_INDENT, BULLET_TEXT = 4.0, 9.0

SOFT_HYPHEN = "\u00ad"
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:\s*(.*)$")
NUMBERED_PARA = re.compile(r"^(\d+(?:\.\d+)+\.?)\s+(.*)$", re.S)


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


@dataclass
class Block:
    """One element of a report body, e.g. ``Block("para", "3.1 The ...")``."""

    kind: str  # h1, h2, para, bullets, table, pagebreak, contents, twocolumn, scanned, cover
    data: object = None


@dataclass
class Report:
    """A parsed source file: header fields, body blocks and footnote texts."""

    source: Path
    meta: dict[str, str]
    blocks: list[Block]
    footnotes: dict[str, str] = field(default_factory=dict)  # printed number -> text

    @property
    def short_title(self) -> str:
        """Title for the running header (``short_title:`` or the title, shortened)."""
        text = self.meta.get("short_title") or self.meta["title"]
        return text if len(text) <= 70 else text[:67].rstrip() + "..."


class SourceError(ValueError):
    """A problem in a source file, reported with file name and line number."""


def inline(text: str, numbers: dict[str, str]) -> str:
    """Apply inline conventions: ``\\-`` soft hyphens, ``[^label]`` -> superscript number.

    ``numbers`` maps footnote labels to their printed numbers (order of first use).
    """
    text = text.replace("\\-", SOFT_HYPHEN)
    return FOOTNOTE_REF.sub(lambda m: numbers[m.group(1)].translate(SUPERSCRIPT), text)


def footnote_numbers(lines: list[str], path: Path) -> dict[str, str]:
    """Number footnote labels 1, 2, ... in the order their markers first appear."""
    numbers: dict[str, str] = {}
    defined: set[str] = set()
    for line in lines:
        m = FOOTNOTE_DEF.match(line.strip())
        if m:
            defined.add(m.group(1))
            continue
        for label in FOOTNOTE_REF.findall(line):
            numbers.setdefault(label, str(len(numbers) + 1))
    undefined = set(numbers) - defined
    if undefined:
        raise SourceError(f"{path}: footnote(s) without text: {sorted(undefined)}")
    return numbers


def parse_header(lines: list[str], path: Path) -> tuple[dict[str, str], int]:
    """Read ``key: value`` lines up to ``---``; return the fields and the body start."""
    meta: dict[str, str] = {}
    for i, line in enumerate(lines):
        if line.strip() == "---":
            break
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise SourceError(f"{path}:{i + 1}: header line without ':'")
        meta[key.strip()] = value.strip()
    else:
        raise SourceError(f"{path}: header is not closed by a '---' line")
    missing = [k for k in REQUIRED_KEYS if not meta.get(k)]
    if missing:
        raise SourceError(f"{path}: header lacks {', '.join(missing)}")
    if meta["review_type"] not in REVIEW_TYPES:
        raise SourceError(f"{path}: unknown review_type {meta['review_type']!r}")
    if not meta["file"].endswith(".pdf") or "/" in meta["file"]:
        raise SourceError(f"{path}: 'file' must be a bare *.pdf name")
    meta.setdefault("url", "")
    return meta, i + 1


def parse_source(path: Path) -> Report:
    """Parse one source file (see FORMAT.md) into a :class:`Report`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    meta, start = parse_header(lines, path)
    numbers = footnote_numbers(lines[start:], path)
    footnotes: dict[str, str] = {}  # printed number -> text
    top: list[Block] = []
    blocks = top  # where blocks currently go (top level or inside @twocolumn)
    para: list[str] = []
    i = start

    def flush() -> None:
        if para:
            blocks.append(Block("para", inline(" ".join(para), numbers)))
            para.clear()

    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        where = f"{path}:{i + 1}"
        i += 1
        if not line:
            flush()
            continue
        m = FOOTNOTE_DEF.match(line)
        if m:
            flush()
            if m.group(1) in numbers:  # an unused footnote is dropped
                footnotes[numbers[m.group(1)]] = inline(m.group(2), numbers)
            continue
        if line.startswith("@"):
            flush()
            word, _, arg = line.partition(" ")
            if word == "@pagebreak":
                blocks.append(Block("pagebreak"))
            elif word == "@contents":
                if arg and not arg.isdigit():
                    raise SourceError(f"{where}: write '@contents' or '@contents <pages>'")
                blocks.append(Block("contents", int(arg or 1)))
            elif word == "@table":
                rows = []
                while i < len(lines) and lines[i].strip():
                    rows.append([inline(c.strip(), numbers) for c in lines[i].strip().split(" | ")])
                    i += 1
                if len(rows) < 2:
                    raise SourceError(f"{where}: @table needs a header row and rows")
                width = len(rows[0])
                bad = [n for n, r in enumerate(rows) if len(r) != width]
                if bad:
                    raise SourceError(f"{where}: table row {bad[0]} has a wrong cell count")
                blocks.append(Block("table", rows))
            elif word == "@twocolumn":
                if blocks is not top:
                    raise SourceError(f"{where}: nested @twocolumn")
                inner: list[Block] = []
                top.append(Block("twocolumn", inner))
                blocks = inner
            elif word == "@endtwocolumn":
                if blocks is top:
                    raise SourceError(f"{where}: @endtwocolumn without @twocolumn")
                blocks = top
            elif word in ("@scanned", "@cover"):
                end = "@end" + word[1:]
                body = []
                while i < len(lines) and lines[i].strip() != end:
                    body.append(inline(lines[i].rstrip(), numbers))
                    i += 1
                if i == len(lines):
                    raise SourceError(f"{where}: {word} is not closed by {end}")
                i += 1
                blocks.append(Block(word[1:], body))
            else:
                raise SourceError(f"{where}: unknown directive {word}")
            continue
        if line.startswith("## "):
            flush()
            blocks.append(Block("h2", inline(line[3:].strip(), numbers)))
        elif line.startswith("# "):
            flush()
            blocks.append(Block("h1", inline(line[2:].strip(), numbers)))
        elif line.startswith("- "):
            flush()
            if blocks and blocks[-1].kind == "bullets":
                blocks[-1].data.append(inline(line[2:].strip(), numbers))
            else:
                blocks.append(Block("bullets", [inline(line[2:].strip(), numbers)]))
        elif raw.startswith("  ") and blocks and blocks[-1].kind == "bullets" and not para:
            blocks[-1].data[-1] += " " + inline(line, numbers)  # continuation of a bullet
        else:
            para.append(line)
    flush()
    if blocks is not top:
        raise SourceError(f"{path}: @twocolumn is not closed")
    return Report(path, meta, top, footnotes)


# --------------------------------------------------------------------------
# Scanned pages
# --------------------------------------------------------------------------


def render_scanned_image(lines: list[str], seed: str) -> Image.Image:
    """Draw text lines onto an off-white A4 'scan' (150 dpi, greyscale, slightly skewed).

    ``# `` lines are drawn bold and larger; long lines are wrapped; blank lines
    add space. The result has no text layer once placed in the PDF.
    """
    width, height, margin = 1240, 1754, 150
    background = 232
    img = Image.new("L", (width, height), background)
    draw = ImageDraw.Draw(img)
    regular = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif.ttf"), 25)
    bold = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif-Bold.ttf"), 30)
    y = margin
    for raw in lines:
        text = raw.replace(SOFT_HYPHEN, "").strip()
        if not text:
            y += 22
            continue
        font = bold if text.startswith("# ") else regular
        text = text[2:] if text.startswith("# ") else text
        line_h = int(font.size * 1.45)
        words, current = text.split(), ""
        for word in words:
            trial = f"{current} {word}".strip()
            if draw.textlength(trial, font=font) > width - 2 * margin and current:
                draw.text((margin, y), current, fill=38, font=font)
                y += line_h
                current = word
            else:
                current = trial
        if current:
            draw.text((margin, y), current, fill=38, font=font)
            y += line_h
    rng = random.Random(zlib.crc32(seed.encode("utf-8")))
    for _ in range(900):  # scanner dust
        x, yy = rng.randrange(width), rng.randrange(height)
        shade = rng.randrange(120, 215)
        draw.point((x, yy), fill=shade)
    img = img.rotate(0.45, resample=Image.BICUBIC, fillcolor=background)
    return img


# --------------------------------------------------------------------------
# PDF rendering
# --------------------------------------------------------------------------


class ReportPDF(FPDF):
    """FPDF subclass with the running header/footer, footnotes and blocks."""

    def __init__(self, report: Report, toc_pages: dict[int, int] | None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report = report
        self.toc_pages = toc_pages  # heading index -> page, from the first pass
        self.toc_entries: list[tuple[int, str, int]] = []  # (level, text, page)
        self.scanned_pages: set[int] = set()
        self.page_footnotes: dict[int, list[tuple[str, str]]] = {}
        self.pending_footnotes: list[tuple[str, str]] = []
        self.placed_footnotes: set[str] = set()
        self.fresh_page_needed = False
        self.next_page_scanned = False
        for style, name in (("", "DejaVuSans"), ("B", "DejaVuSans-Bold"),
                            ("I", "DejaVuSans-Oblique"), ("BI", "DejaVuSans-BoldOblique")):
            self.add_font("DejaVu", style, str(FONT_DIR / f"{name}.ttf"))
        self.set_margins(MARGIN_L, MARGIN_T, MARGIN_R)
        self.set_auto_page_break(True, MARGIN_B)
        self.set_creation_date(FIXED_DATE)
        meta = report.meta
        self.set_title(meta["title"])
        self.set_author(meta["board"])
        self.set_subject(f"{meta['review_type'].capitalize()}, {meta['year']} "
                         "(fictional sample for demonstration)")
        self.set_keywords("fictional sample; safeguarding; case review")
        self.set_creator("DSCB Learning Assistant tools/make_sample_corpus.py")
        self.set_lang("en-GB")
        self.set_font("DejaVu", "", BODY_SIZE)

    # -- running header and footer ------------------------------------------

    def header(self) -> None:
        """Running header; also moves deferred footnotes onto the new page."""
        if self.next_page_scanned:
            self.scanned_pages.add(self.page)
            self.next_page_scanned = False
        self.set_auto_page_break(True, MARGIN_B)
        if self.pending_footnotes:
            notes, self.pending_footnotes = self.pending_footnotes, []
            self._reserve_footnotes(notes)
        if self.page in self.scanned_pages:
            return
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(110)
        self.set_xy(MARGIN_L, 11)
        self.cell(self.epw / 2, 4, self.report.meta["board"])
        self.cell(self.epw / 2, 4, self.report.short_title, align="R")
        self.set_draw_color(170)
        self.set_line_width(0.2)
        self.line(MARGIN_L, 16, self.w - MARGIN_R, 16)
        self.set_text_color(0)
        self.set_font("DejaVu", "", BODY_SIZE)
        self.set_xy(MARGIN_L, MARGIN_T)

    def footer(self) -> None:
        """Footnotes of this page, then the running footer."""
        if self.page in self.scanned_pages:
            return
        notes = self.page_footnotes.get(self.page, [])
        if notes:
            self.set_y(self.h - self.b_margin + 2)
            self.set_draw_color(120)
            self.set_line_width(0.2)
            self.line(MARGIN_L, self.y, MARGIN_L + 45, self.y)
            self.ln(1.5)
            self.set_font("DejaVu", "", SMALL_SIZE)
            for mark, text in sorted(notes, key=lambda note: int(note[0])):
                self.set_x(MARGIN_L)
                self.cell(5, SMALL_LH, mark.translate(SUPERSCRIPT))
                self.multi_cell(self.epw - 5, SMALL_LH, text,
                                new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", 7.5)
        self.set_text_color(110)
        self.set_draw_color(170)
        self.set_line_width(0.2)
        self.line(MARGIN_L, self.h - 15, self.w - MARGIN_R, self.h - 15)
        self.set_xy(MARGIN_L, self.h - 14)
        self.cell(self.epw * 0.7, 4, FOOTER_NOTICE)
        self.cell(self.epw * 0.3, 4, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)

    # -- footnotes -----------------------------------------------------------

    def _footnote_height(self, notes: list[tuple[str, str]]) -> float:
        self.set_font("DejaVu", "", SMALL_SIZE)
        h = sum(self.multi_cell(self.epw - 5, SMALL_LH, t, dry_run=True,
                                output=MethodReturnValue.HEIGHT) for _, t in notes)
        self.set_font("DejaVu", "", BODY_SIZE)
        return h

    def _reserve_footnotes(self, notes: list[tuple[str, str]]) -> None:
        """Attach footnotes to the current page and shrink its body area to fit them."""
        page_notes = self.page_footnotes.setdefault(self.page, [])
        page_notes.extend(notes)
        self.set_auto_page_break(True, MARGIN_B + 5 + self._footnote_height(page_notes))

    def _notes_in(self, text: str) -> list[tuple[str, str]]:
        """Footnotes (number, text) whose superscript marker occurs in ``text``."""
        runs = set(SUPERSCRIPT_RUN.findall(text))
        notes = [(n, t) for n, t in self.report.footnotes.items()
                 if n.translate(SUPERSCRIPT) in runs]
        self.placed_footnotes.update(n for n, _ in notes)
        return notes

    # -- text helpers --------------------------------------------------------

    def _ensure_page(self) -> None:
        """Start a new page if a @pagebreak or scanned page asked for one."""
        if self.page == 0 or self.fresh_page_needed:
            self.add_page()
            self.fresh_page_needed = False

    def _space_left(self) -> float:
        """Height (mm) left for body text on the current page."""
        return self.page_break_trigger - self.y

    def _lines_that_fit(self, line_h: float) -> int:
        """How many lines of height ``line_h`` still fit on the current page."""
        return max(0, math.floor(self._space_left() / line_h + 1e-6))

    def text_block(self, text: str, label: str = "", indent: float = 0.0,
                   label_w: float = 0.0, align: str = "J") -> None:
        """Flow a paragraph with an optional hanging label (number or bullet).

        Footnotes referenced in the text are placed at the bottom of the page on
        which the first marker is printed.
        """
        width = self.epw - indent - label_w
        self.set_font("DejaVu", "", BODY_SIZE)
        notes = self._notes_in(text)
        if notes:
            lines = self.multi_cell(width, BODY_LH, text, align=align, dry_run=True,
                                    output=MethodReturnValue.LINES)
            marks = {m.translate(SUPERSCRIPT) for m, _ in notes}
            idx = next((n for n, ln in enumerate(lines)
                        if marks & set(SUPERSCRIPT_RUN.findall(ln))), 0)
            need = 5 + self._footnote_height(self.page_footnotes.get(self.page, []) + notes)
            room_with_notes = math.floor(
                (self.h - MARGIN_B - need - self.y) / BODY_LH + 1e-6)
            if idx < room_with_notes:
                self._reserve_footnotes(notes)
            elif idx < self._lines_that_fit(BODY_LH):
                self.add_page()  # marker would land on this page, but no room for notes
                self._reserve_footnotes(notes)
            else:
                self.pending_footnotes.extend(notes)  # marker lands on the next page
        if self._lines_that_fit(BODY_LH) < 1:
            self.add_page()
        self.set_x(self.l_margin + indent)
        if label:
            self.cell(label_w, BODY_LH, label)
        self.multi_cell(width, BODY_LH, text, align=align,
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, level: int, text: str) -> None:
        """Bold heading kept together with at least two following lines."""
        size = H1_SIZE if level == 1 else H2_SIZE
        before = 4.0 if level == 1 else 2.5
        line_h = size * 0.55
        if self.y > self.t_margin + 1:
            self.ln(before)
        if self._space_left() < line_h + 3 * BODY_LH + 2:
            self.add_page()
        self.start_section(text.replace(SOFT_HYPHEN, ""), level=level - 1, strict=False)
        self.toc_entries.append((level, text.replace(SOFT_HYPHEN, ""), self.page))
        self.set_font("DejaVu", "B", size)
        self.multi_cell(self.epw, line_h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2.0 if level == 1 else 1.2)
        self.set_font("DejaVu", "", BODY_SIZE)

    # -- blocks --------------------------------------------------------------

    def render_blocks(self, blocks: list[Block]) -> None:
        """Render the body blocks in order."""
        for block in blocks:
            if block.kind == "pagebreak":
                if self.page == 0:
                    self.add_page()
                self.fresh_page_needed = True
                continue
            if block.kind == "scanned":
                self.scanned(block.data)
                continue
            self._ensure_page()
            getattr(self, f"block_{block.kind}")(block.data)

    def block_h1(self, text: str) -> None:
        self.heading(1, text)

    def block_h2(self, text: str) -> None:
        self.heading(2, text)

    def block_para(self, text: str) -> None:
        m = NUMBERED_PARA.match(text)
        if m:
            self.text_block(m.group(2), label=m.group(1), label_w=NUMBER_W)
        else:
            self.text_block(text)
        self.ln(PARA_GAP)

    def block_bullets(self, items: list[str]) -> None:
        for item in items:
            self.text_block(item, label="•", indent=BULLET_INDENT,
                            label_w=BULLET_TEXT - BULLET_INDENT, align="L")
            self.ln(0.8)
        self.ln(PARA_GAP - 0.8)

    def block_table(self, rows: list[list[str]]) -> None:
        """Table with a shaded header row repeated on each page."""
        ncols = len(rows[0])
        lengths = [max(len(r[c]) for r in rows) for c in range(ncols)]
        avg = [sum(len(r[c]) for r in rows) / len(rows) for c in range(ncols)]
        # Relative widths: grow with the typical cell length, but sub-linearly.
        widths = [max(min(lengths[c], 12), avg[c] ** 0.8) for c in range(ncols)]
        self.set_font("DejaVu", "", 9)
        self.set_draw_color(150)
        self.set_line_width(0.2)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.4,
            padding=1.4,
            headings_style=FontFace(emphasis="BOLD", fill_color=(222, 226, 232)),
            repeat_headings=1,
        ) as table:
            for row in rows:
                tr = table.row()
                for cell in row:
                    tr.cell(cell)
        self.set_font("DejaVu", "", BODY_SIZE)
        self.ln(PARA_GAP + 1)

    def block_twocolumn(self, blocks: list[Block]) -> None:
        """Paragraphs, headings and bullets of an @twocolumn passage in two columns."""
        self.set_font("DejaVu", "", 9.5)
        with self.text_columns(ncols=2, gutter=8, text_align="J", line_height=1.3) as cols:
            for block in blocks:
                if block.kind in ("h1", "h2"):
                    self.set_font("DejaVu", "B", 10.5 if block.kind == "h2" else 12)
                    with cols.paragraph(text_align="L", top_margin=2, bottom_margin=1.5) as p:
                        p.write(block.data)
                    self.set_font("DejaVu", "", 9.5)
                elif block.kind == "para":
                    with cols.paragraph(bottom_margin=2.2) as p:
                        p.write(block.data)
                elif block.kind == "bullets":
                    for item in block.data:
                        with cols.paragraph(text_align="L", bullet_string="•", indent=4,
                                            bullet_r_margin=2, bottom_margin=1.2) as p:
                            p.write(item)
                elif block.kind == "pagebreak":
                    cols.new_column()
                else:
                    raise SourceError(f"{block.kind} is not supported inside @twocolumn")
        self.set_font("DejaVu", "", BODY_SIZE)
        self.ln(PARA_GAP)

    def block_cover(self, lines: list[str]) -> None:
        """Cover page: ``# `` lines as a large title, other lines centred."""
        self.set_y(70)
        for raw in lines:
            text = raw.strip()
            if not text:
                self.ln(6)
            elif text.startswith("# "):
                self.set_font("DejaVu", "B", 22)
                self.multi_cell(self.epw, 10, text[2:], align="C",
                                new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            else:
                self.set_font("DejaVu", "", 12)
                self.multi_cell(self.epw, 6.5, text, align="C",
                                new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font("DejaVu", "", BODY_SIZE)
        self.fresh_page_needed = True

    def block_contents(self, pages: int) -> None:
        """Contents page(s); entries and page numbers come from the first pass."""
        first_page = self.page
        self.set_font("DejaVu", "B", H1_SIZE)
        self.cell(self.epw, 10, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)
        if self.toc_pages is not None:
            for level, text, page in self.toc_pages:
                self.set_font("DejaVu", "B" if level == 1 else "", 10.5 if level == 1 else 10)
                indent = 0 if level == 1 else 8
                if level == 1:
                    self.ln(1.2)
                num = str(page)
                name_w = self.get_string_width(text)
                num_w = self.get_string_width(num)
                dot_w = self.get_string_width(".")
                gap = self.epw - indent - name_w - num_w - 4
                dots = "." * max(3, int(gap / dot_w))
                self.set_x(self.l_margin + indent)
                self.cell(name_w + 1, 6, text)
                self.set_text_color(120)
                self.cell(self.epw - indent - name_w - num_w - 2, 6, " " + dots, align="R")
                self.set_text_color(0)
                self.cell(num_w + 1, 6, num, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            if self.page - first_page + 1 > pages:
                raise SourceError(f"{self.report.source}: contents needs more than "
                                  f"{pages} page(s); write '@contents {pages + 1}'")
        for _ in range(pages - 1 - (self.page - first_page)):
            self.add_page()
        self.set_font("DejaVu", "", BODY_SIZE)
        self.fresh_page_needed = True

    def scanned(self, lines: list[str]) -> None:
        """A full-page image of typed text, with no text layer and no running header."""
        self.next_page_scanned = True
        self.add_page()
        seed = f"{self.report.meta['file']}:{self.page}"
        self.image(render_scanned_image(lines, seed), x=0, y=0, w=self.w, h=self.h)
        self.fresh_page_needed = True


def build_pdf(report: Report, toc_pages=None) -> ReportPDF:
    """Lay out the report once; ``toc_pages`` are the contents entries to print."""
    pdf = ReportPDF(report, toc_pages)
    pdf.render_blocks(report.blocks)
    if pdf.page == 0:
        pdf.add_page()
    lost = set(report.footnotes) - pdf.placed_footnotes
    if lost:
        raise SourceError(f"{report.source}: footnote marker(s) {sorted(lost, key=int)} are not "
                          "in a paragraph or bullet; footnotes are only placed from those")
    return pdf


def render_report(report: Report) -> tuple[bytes, int]:
    """Render a report (two passes if it has a contents page); return bytes and page count."""
    pdf = build_pdf(report)
    if any(b.kind == "contents" for b in report.blocks):
        entries = pdf.toc_entries
        second = build_pdf(report, entries)
        if [e[2] for e in second.toc_entries] != [e[2] for e in entries]:
            raise SourceError(f"{report.source}: contents pages moved between passes")
        pdf = second
    return bytes(pdf.output()), pdf.page


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def write_reports_csv(reports: list[Report]) -> None:
    """(Re)write corpus/reports.csv from the headers of all sources, sorted by file."""
    rows = sorted((r.meta for r in reports), key=lambda m: m["file"])
    with REPORTS_CSV.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for meta in rows:
            writer.writerow([meta.get(c, "") for c in CSV_COLUMNS])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="*", type=Path,
                        help="source files to render (default: corpus/sources/*.txt)")
    args = parser.parse_args(argv)
    all_sources = sorted(p.resolve() for p in SOURCES_DIR.glob("*.txt"))
    targets = [p.resolve() for p in args.sources] or all_sources
    reports: dict[Path, Report] = {}
    failed = False
    for path in sorted(set(all_sources) | set(targets)):
        try:
            reports[path] = parse_source(path)
        except SourceError as exc:
            # A broken source only fails the run if we were asked to render it;
            # otherwise it is left out of reports.csv with a warning.
            level = "error" if path in targets else "warning"
            print(f"{level}: {exc}", file=sys.stderr)
            failed = failed or path in targets
    for path in targets:
        if path not in reports:
            continue
        try:
            data, pages = render_report(reports[path])
        except SourceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed = True
            continue
        out = CORPUS_DIR / reports[path].meta["file"]
        out.write_bytes(data)
        print(f"{out.relative_to(ROOT)}: {pages} pages")
    csv_reports = [r for p, r in reports.items() if p in all_sources]
    write_reports_csv(csv_reports)
    print(f"{REPORTS_CSV.relative_to(ROOT)}: {len(csv_reports)} reports")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
