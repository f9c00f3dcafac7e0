"""Build small PDFs at test time (fpdf2), with the oddities real review PDFs have."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF


def make_pdf(
    path: Path,
    pages: Sequence[Sequence[str]],
    *,
    header: str = "",
    footer: str = "",
    page_numbers: bool = False,
    title: str = "",
    author: str = "",
    image_pages: Sequence[int] = (),
    user_password: str | None = None,
    aes: bool = False,
    width: float = 170,
) -> Path:
    """Write a PDF whose page i holds the paragraphs ``pages[i]`` (each wrapped to ``width`` mm).

    A paragraph starting with "# " is printed bold as a heading, one starting with "~ " in small
    type as a footnote (put it last on its page). Pages listed in ``image_pages``
    (1-based) carry only an image, like a scan.
    """
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(__import__("datetime").datetime(2020, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    total = len(pages)
    for number, paragraphs in enumerate(pages, start=1):
        pdf.add_page()
        if header:
            pdf.set_font("Helvetica", size=8)
            pdf.set_xy(20, 10)
            pdf.cell(170, 5, header)
        if number in image_pages:
            _scan_image(pdf, paragraphs)
        else:
            pdf.set_xy(20, 25)
            for paragraph in paragraphs:
                if paragraph.startswith("# "):
                    pdf.set_font("Helvetica", style="B", size=13)
                    pdf.multi_cell(width, 7, paragraph[2:], new_x="LMARGIN", new_y="NEXT")
                elif paragraph.startswith("~ "):
                    pdf.set_font("Helvetica", size=7)
                    pdf.set_x(20)
                    pdf.multi_cell(width, 3.5, paragraph[2:], new_x="LMARGIN", new_y="NEXT")
                else:
                    pdf.set_font("Helvetica", size=11)
                    pdf.set_x(20)
                    pdf.multi_cell(width, 5.5, paragraph, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(3)
                pdf.set_x(20)
        if footer or page_numbers:
            pdf.set_font("Helvetica", size=8)
            pdf.set_xy(20, 285)
            text = " ".join(filter(None, [footer, f"Page {number} of {total}" if page_numbers else ""]))
            pdf.cell(170, 5, text)
    if user_password is not None:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(
            owner_password="owner-secret",
            user_password=user_password,
            encryption_method=EncryptionMethod.AES_128 if aes else EncryptionMethod.RC4,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def _scan_image(pdf: FPDF, lines: Sequence[str]) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 800), color=235)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((30, 40 + 20 * i), line, fill=20)
    pdf.image(image, x=0, y=0, w=210, h=297)


def words(n: int, seed: int = 0) -> str:
    """A sentence-rich filler text of about ``n`` words, deterministic; another ``seed`` gives other sentences."""
    vocabulary = ("the review panel met on several occasions and considered the records held by each agency "
                  "during the period under review together with interviews of staff").split()
    out, i = [], seed * 7
    while len(out) < n:
        sentence = [vocabulary[(i + j) % len(vocabulary)] for j in range(12)]
        sentence[0] = sentence[0].capitalize()
        out.extend(sentence)
        out[-1] += "."
        i += 5
    return " ".join(out[:n]).rstrip(".") + "."
