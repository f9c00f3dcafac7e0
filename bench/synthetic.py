"""Synthetic data for the benchmarks: review-like PDFs, and large indexes of fake passages with realistic vectors.

Text is sampled from the sentences of the fictional sample reports (corpus/sources), so word
frequencies look like the real thing to BM25. Vectors are drawn around real MiniLM vectors of
the sample corpus (see :func:`realistic_vectors`), so an approximate index sees clusters the way
it would on real embeddings rather than the uniform sphere, which is a much harder and
unrepresentative case.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "corpus" / "sources"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
BOARDS = ("Northmere", "Castlebridge", "Wexley Vale", "Ashford Marsh", "Harlow Fen", "Kingsmead", "Eastholt", "Brackwater")
REVIEW_TYPES = ("serious case review", "child safeguarding practice review", "learning review", "thematic review")
BOILERPLATE = (
    "This review was commissioned by the safeguarding partnership under the national guidance. "
    "Its purpose is to identify improvements to be made to safeguard and promote the welfare of children, "
    "and it is not concerned with who was to blame."
)
_FALLBACK = (
    "The health visitor saw the baby at home and noted a small bruise. No referral was made. "
    "Information held by the police was not shared with children's social care. "
    "The school raised concerns about the child's attendance and presentation. "
    "The strategy discussion did not include health. Professionals accepted the parents' account. "
    "The child was not seen alone and their voice was not heard in the assessment."
)


@lru_cache(maxsize=1)
def sentences() -> tuple[str, ...]:
    """Sentences of the fictional sample reports (plain text, markup removed)."""
    pool: list[str] = []
    for path in sorted(SOURCES.glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        for line in body.splitlines():
            line = line.strip()
            if not line or line.startswith(("@", "#", "-", "|", "[^")) or " | " in line:
                continue
            line = re.sub(r"\[\^\d+\]|\\-", "", line)
            line = re.sub(r"^\d+(\.\d+)+\s+", "", line)
            pool.extend(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line) if len(s.split()) >= 5)
    if len(pool) < 50:
        pool.extend(re.split(r"(?<=\.)\s+", _FALLBACK))
    return tuple(pool)


def paragraph(rng: random.Random, words: int) -> str:
    """Random sentences from the pool, about ``words`` words long."""
    pool, out, count = sentences(), [], 0
    while count < words:
        sentence = pool[rng.randrange(len(pool))]
        out.append(sentence)
        count += len(sentence.split())
    return " ".join(out)


# -- PDFs -------------------------------------------------------------------------------------------


def make_corpus(folder: Path, pages: int, *, pages_per_report: int = 40, seed: int = 7) -> Path:
    """A folder of review-like PDFs with about ``pages`` pages in all, made once and reused.

    Each report has a running header and footer, numbered headings and paragraphs, and one
    boilerplate paragraph shared by every report (identical passages must be embedded once).
    """
    marker = folder / ".complete"
    expected = f"{pages}:{pages_per_report}:{seed}"
    if marker.exists() and marker.read_text() == expected:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    rows = []
    reports = max(1, round(pages / pages_per_report))
    for number in range(reports):
        board = f"{BOARDS[number % len(BOARDS)]} Safeguarding Children Partnership"
        year = 2010 + number % 15
        kind = REVIEW_TYPES[number % len(REVIEW_TYPES)]
        title = f"{kind.title()}: Child {chr(65 + number % 26)}{number}"
        name = f"synthetic-{number:04d}.pdf"
        count = pages_per_report if number < reports - 1 else max(1, pages - pages_per_report * (reports - 1))
        _write_report(folder / name, title, board, count, rng)
        rows.append(f"{name},{title},{board},{year},{kind},")
    (folder / "reports.csv").write_text("file,title,board,year,review_type,url\n" + "\n".join(rows) + "\n", encoding="utf-8")
    marker.write_text(expected)
    return folder


def _write_report(path: Path, title: str, board: str, pages: int, rng: random.Random) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_creation_date(__import__("datetime").datetime(2024, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    pdf.set_title(title)
    family = "Helvetica"
    if FONT.exists() and FONT_BOLD.exists():
        pdf.add_font("DejaVu", "", str(FONT))
        pdf.add_font("DejaVu", "B", str(FONT_BOLD))
        family = "DejaVu"

    def text(value: str) -> str:
        return value if family == "DejaVu" else value.encode("latin-1", "replace").decode("latin-1")

    def header_footer(number: int) -> None:
        pdf.set_font(family, size=8)
        pdf.set_xy(20, 8)
        pdf.cell(170, 5, text(f"{board}  {title}"))
        pdf.set_xy(20, 284)
        pdf.cell(170, 5, f"Page {number} of {pages}")

    section, para = 0, 0
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_auto_page_break(False)
        header_footer(number)
        pdf.set_xy(20, 22)
        if number == 1:
            pdf.set_font(family, style="B", size=15)
            pdf.multi_cell(170, 8, text(title), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(family, size=11)
            pdf.multi_cell(170, 5.5, BOILERPLATE, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        while pdf.get_y() < 230:
            if rng.random() < 0.25:
                section, para = section + 1, 0
                pdf.set_font(family, style="B", size=13)
                pdf.set_x(20)
                pdf.multi_cell(170, 7, f"{section}. {text(paragraph(rng, 4).split('.')[0][:60])}", new_x="LMARGIN", new_y="NEXT")
            para += 1
            pdf.set_font(family, size=11)
            pdf.set_x(20)
            pdf.multi_cell(170, 5.5, text(f"{max(section, 1)}.{para} {paragraph(rng, rng.randint(40, 120))}"),
                           new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.output(str(path))


# -- vectors and indexes ----------------------------------------------------------------------------


def realistic_vectors(seeds: np.ndarray, n: int, *, seed: int = 11, topics: int = 20_000) -> np.ndarray:
    """``n`` unit vectors clustered the way sentence embeddings are.

    Two levels of clusters: ``topics`` centres drawn around the real seed vectors, then points
    around the centres. Noise follows the covariance of the real vectors (their principal
    directions and spread), so the vectors live near the same low-dimensional shape.
    """
    rng = np.random.default_rng(seed)
    seeds = np.asarray(seeds, dtype=np.float32)
    centred = seeds - seeds.mean(axis=0)
    _, singular, basis = np.linalg.svd(centred, full_matrices=False)
    spread = (singular / np.sqrt(max(1, len(seeds) - 1))).astype(np.float32)  # std along each principal axis

    def around(points: np.ndarray, scale: float) -> np.ndarray:
        noise = (rng.standard_normal((len(points), len(spread)), dtype=np.float32) * spread) @ basis
        noise += rng.standard_normal(points.shape, dtype=np.float32) * (0.02 * scale)
        out = points + scale * noise
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    centres = around(seeds[rng.integers(0, len(seeds), size=min(topics, max(n, 1)))], 0.8)
    out = np.empty((n, seeds.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        out[start:stop] = around(centres[rng.integers(0, len(centres), size=stop - start)], 0.55)
    return out


def fake_contents(n: int, seeds: np.ndarray, model: str, *, per_report: int = 100, seed: int = 5):
    """IndexContents of ``n`` fake passages in reports of ``per_report``, with realistic text and vectors."""
    from dscb_assistant.index import IndexContents
    from dscb_assistant.records import DocumentInfo, Passage, ReportMeta

    rng = random.Random(seed)
    themes = ("neglect", "domestic-abuse", "mental-health", "substance-misuse", "exploitation", "information-sharing")
    reports, infos, passages = {}, {}, []
    for r in range((n + per_report - 1) // per_report):
        file = f"synthetic/report-{r:06d}.pdf"
        year = 2008 + r % 17
        kind = REVIEW_TYPES[r % len(REVIEW_TYPES)]
        reports[file] = ReportMeta(file=file, title=f"{kind.title()}: Child {r}", board=f"{BOARDS[r % len(BOARDS)]} Safeguarding",
                                   year=year, review_type=kind, url="", sha256=f"{r:064x}", pages=per_report // 3 + 1)
        infos[file] = DocumentInfo(page_count=per_report // 3 + 1)
        for i in range(min(per_report, n - r * per_report)):
            words = max(20, min(200, int(rng.gauss(138, 45))))
            passages.append(Passage(
                id=f"{r:012x}-{i:04d}", file=file, page=i // 3 + 1, page_end=i // 3 + 1, page_label="",
                section=f"{i // 10 + 1}. Findings", paragraph=f"{i // 10 + 1}.{i % 10 + 1}", text=paragraph(rng, words),
                themes=tuple(t for t in themes if rng.random() < 0.15),
            ))
    vectors = realistic_vectors(seeds, n)
    manifest = {"model": {"name": model, "dim": int(vectors.shape[1])}, "chunking": {}, "files": {},
                "reports_csv_sha256": "", "problems": [], "synthetic": True}
    return IndexContents(manifest, reports, infos, passages, vectors)


def build_index(folder: Path, n: int, seeds: np.ndarray, model: str, fingerprint: str) -> Path:
    """An index folder of ``n`` fake passages written by ``dscb_assistant.index.write``; reused while ``fingerprint`` holds."""
    from dscb_assistant import index as index_store

    stamp = folder / ".bench.json"
    if stamp.exists() and index_store.current_build(folder) is not None:
        if json.loads(stamp.read_text()).get("fingerprint") == fingerprint:
            return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    index_store.write(folder, fake_contents(n, seeds, model))
    stamp.write_text(json.dumps({"fingerprint": fingerprint, "n": n}))
    return folder
