"""Broken and hostile PDFs, built at test time: damaged files, encryption, bombs and loops.

The raw builders write PDF syntax by hand (``raw_pdf``) so a test controls every byte the
parser sees; the ordinary ones start from :func:`tests.pdfs.make_pdf`.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable
from pathlib import Path

from .pdfs import make_pdf, words


def raw_pdf(objects: dict[int, bytes], *, root: int = 1, xref: bool = True) -> bytes:
    """A PDF file from numbered object bodies, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    start = len(out)
    size = max(objects) + 1
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for number in range(1, size):
            out += b"%010d 00000 n \n" % offsets[number] if number in objects else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, start)
    return bytes(out)


def _stream(data: bytes, *, flate: bool = False, length: int | None = None) -> bytes:
    head = b"<< /Length %d" % (len(data) if length is None else length) + (b" /Filter /FlateDecode" if flate else b"") + b" >>"
    return head + b"\nstream\n" + data + b"\nendstream"


def _text_page_objects(content: bytes, *, flate: bool = False) -> dict[int, bytes]:
    """Catalog 1, Pages 2, Page 3, contents 4, font 5: one page showing ``content``."""
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: _stream(content, flate=flate),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }


@functools.lru_cache(maxsize=4)
def _deflated(unit: bytes, megabytes: int) -> bytes:
    """``unit`` repeated to ``megabytes`` MB, FlateDecode-compressed (cached: zeros compress slowly)."""
    packer = zlib.compressobj(9)
    block = unit * max(1, (1 << 20) // len(unit))
    return b"".join(packer.compress(block) for _ in range(megabytes)) + packer.flush()


def _pages_sharing_nothing(contents: list[bytes]) -> dict[int, bytes]:
    """One page per compressed content stream, each stream its own object (so none is decoded once for all)."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for i, packed in enumerate(contents):
        page, stream = 10 + 2 * i, 11 + 2 * i
        objects[page] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>" % stream
        )
        objects[stream] = _stream(packed, flate=True)
        kids.append(b"%d 0 R" % page)
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    return objects


def zip_bomb(path: Path, megabytes: int = 200) -> Path:
    """One page whose content stream inflates to ``megabytes`` MB of zeros: pypdf's own 75 MB limit refuses it."""
    path.write_bytes(raw_pdf(_pages_sharing_nothing([_deflated(b"\0", megabytes)])))
    return path


def memory_bomb(path: Path, pages: int = 16, megabytes: int = 70) -> Path:
    """``pages`` pages of ``megabytes`` MB of zeros each: every stream passes pypdf's per-stream limit, but
    together they inflate to over a gigabyte in memory (about 1 MB on disk). Only the worker's memory cap stops it."""
    path.write_bytes(raw_pdf(_pages_sharing_nothing([_deflated(b"\0", megabytes)] * pages)))
    return path


def text_flood(path: Path, megabytes: int = 40) -> Path:
    """A page of ``megabytes`` MB of tiny text-showing operators: small on disk, minutes of parsing (a 'hang')."""
    path.write_bytes(raw_pdf(_pages_sharing_nothing([_deflated(b"BT /F1 1 Tf [(a) 1 (b)] TJ ET\n", megabytes)])))
    return path


def form_replay(path: Path, times: int = 5000) -> Path:
    """A 40 kB page that draws one 1 MB form of text operators ``times`` times: memory stays flat, the CPU
    spins for many minutes within every pypdf limit. Only the worker's timeout stops it."""
    form = _stream(_deflated(b"BT /F1 1 Tf [(a) 1 (b)] TJ ET\n", 1), flate=True)
    objects = _text_page_objects(b"/X0 Do\n" * times)
    objects[3] = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /X0 6 0 R >> >> >>"
    )
    objects[6] = b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /Font << /F1 5 0 R >> >>" + form[2:]
    path.write_bytes(raw_pdf(objects))
    return path


def kids_loop(path: Path) -> Path:
    """The page tree lists itself among its own kids (``/Kids [2 0 R]`` inside object 2)."""
    objects = _text_page_objects(b"BT /F1 12 Tf 72 720 Td (Looping) Tj ET")
    objects[2] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"
    path.write_bytes(raw_pdf(objects))
    return path


def parent_loop(path: Path) -> Path:
    """Two page-tree nodes that are each other's /Parent and /Kids, with inherited resources to chase."""
    objects = _text_page_objects(b"BT /F1 12 Tf 72 720 Td (Looping) Tj ET")
    objects[2] = b"<< /Type /Pages /Kids [6 0 R] /Count 1 /Parent 6 0 R >>"
    objects[6] = b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 /Parent 2 0 R >>"
    objects[3] = b"<< /Type /Page /Parent 6 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
    path.write_bytes(raw_pdf(objects))
    return path


def self_reference(path: Path) -> Path:
    """A page whose /Contents and /Resources are objects that refer only to themselves."""
    objects = _text_page_objects(b"")
    objects[3] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources 6 0 R >>"
    objects[4] = b"4 0 R"
    objects[6] = b"6 0 R"
    path.write_bytes(raw_pdf(objects))
    return path


def broken_xref(path: Path, seed: int = 0) -> Path:
    """A readable report whose cross-reference table points every object at the wrong offset."""
    make_pdf(path, [["# Findings", "The cross reference table of this report is wrong. " + words(80, seed)]])
    data = path.read_bytes()
    table = data.rindex(b"xref\n")
    head, tail = data[:table], data[table:]
    tail = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), tail)
    path.write_bytes(head + tail)
    return path


def truncated(path: Path, keep: float = 0.4) -> Path:
    make_pdf(path, [[words(200, 1)]] * 3)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def html_as_pdf(path: Path) -> Path:
    path.write_text("<!DOCTYPE html>\n<html><head><title>404</title></head><body>Not found</body></html>\n")
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def locked(path: Path) -> Path:
    return make_pdf(path, [["Nobody can read this without the password."]], user_password="letmein")


def empty_password(path: Path, *, aes: bool, seed: int) -> Path:
    kind = "AES" if aes else "RC4"
    return make_pdf(
        path,
        [["# Summary", f"This {kind} encrypted report opens with an empty password. " + words(80, seed)]],
        user_password="",
        aes=aes,
    )


def scanned(path: Path) -> Path:
    """Every page an image, no text layer at all."""
    return make_pdf(path, [["SCANNED LETTER"], ["PAGE TWO OF THE SCAN"]], image_pages=[1, 2])


def long_report(path: Path, pages: int = 600) -> Path:
    """``pages`` pages of text; only the last mentions a zebra crossing."""
    body = [[words(60, i)] for i in range(1, pages)]
    body.append(["# Closing remarks", "The last page of this long report discusses the zebra crossing. " + words(30)])
    return make_pdf(path, body, page_numbers=True)


def good(path: Path, topic: str, seed: int) -> Path:
    return make_pdf(path, [["# Summary", f"This report is about {topic}. " + words(90, seed)], [words(70, seed + 1)]])


def same_bytes(path: Path, source: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source.read_bytes())
    return path


# Files that must be skipped, each with words one of which its reason must contain.
BAD: dict[str, tuple[Callable[[Path], Path], tuple[str, ...]]] = {
    "empty.pdf": (empty, ("empty",)),
    "truncated.pdf": (truncated, ("damaged",)),
    "web page.pdf": (html_as_pdf, ("web page",)),
    "password.pdf": (locked, ("password",)),
    "scanned.pdf": (scanned, ("OCR",)),
    "zip bomb.pdf": (zip_bomb, ("decompression bomb",)),
    "memory bomb.pdf": (memory_bomb, ("memory",)),
    "text flood.pdf": (text_flood, ("longer than", "memory", "decompression bomb")),
    "form replay.pdf": (form_replay, ("longer than",)),
    "kids loop.pdf": (kids_loop, ("cyclic", "loop")),
    "parent loop.pdf": (parent_loop, ("cyclic", "loop")),
    "self reference.pdf": (self_reference, ("damaged", "loop", "no readable text")),
}

# Files that must be indexed despite their oddities: name -> (builder, a phrase from their text).
GOOD: dict[str, tuple[Callable[[Path], Path], str]] = {
    "plain report.pdf": (lambda p: good(p, "dental neglect", 11), "dental neglect"),
    "sous-dossier/Rapport d\u2019\u00e9valuation \u00fcber \u2713 \u00e5r 2020.pdf":
        (lambda p: good(p, "unicode file names", 12), "unicode file names"),
    "final..v2..report.pdf": (lambda p: good(p, "dotted names", 13), "dotted names"),
    "dir..with..dots/inner report.pdf": (lambda p: good(p, "dotted folders", 14), "dotted folders"),
    "empty password rc4.pdf": (lambda p: empty_password(p, aes=False, seed=15), "RC4 encrypted report"),
    "empty password aes.pdf": (lambda p: empty_password(p, aes=True, seed=16), "AES encrypted report"),
    "broken xref.pdf": (lambda p: broken_xref(p, seed=17), "cross reference table"),
    "six hundred pages.pdf": (long_report, "zebra crossing"),
}


def build_hostile_corpus(corpus: Path) -> dict[str, str]:
    """Every bad and good file above, plus a copy of a good file under another name and a folder symlink loop.

    Returns the expected outcome per file: "indexed", "duplicate", or the bad file's name.
    """
    expected = {}
    for name, (builder, _) in {**BAD, **GOOD}.items():
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        builder(path)
        expected[name] = "indexed" if name in GOOD else "bad"
    # The same bytes under a name that sorts after the original: the original is indexed, the copy reported.
    same_bytes(corpus / "zz copy of plain report.pdf", corpus / "plain report.pdf")
    expected["zz copy of plain report.pdf"] = "duplicate"
    (corpus / "loop").symlink_to(corpus, target_is_directory=True)  # must not be walked forever
    return expected
