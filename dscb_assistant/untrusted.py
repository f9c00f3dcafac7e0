"""Untrusted text (from a PDF, a CSV or a user) made inert: for Streamlit Markdown, for HTML, for a terminal.

The one home of these rules: every page, the exports and the CLI call these functions, so a
crafted title, board name or passage shows exactly as written and never becomes a link, an image
(which the browser would fetch from anywhere), maths, a coloured directive, HTML or a terminal
escape sequence.
"""

from __future__ import annotations

import html as _html
import re

# Backslash-escaped for Markdown: CommonMark lets any ASCII punctuation be escaped, and Streamlit
# adds `$` (maths) and `:name[...]` directives on top of CommonMark.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~$])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Only what CommonMark reads as a block at the start of a line: "# " headings, "- " / "+ " bullets,
# "3. " / "3) " list items, "===" / "---" underlines. "9.1 The school..." is no list: left alone.
_MD_LINE_START = re.compile(r"^(#{1,6}(?=[ \t]|$)|[+\-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)|=+(?=[ \t]*$)|-+(?=[ \t]*$))",
                            re.MULTILINE)
_LINE_MARK = re.compile(r"([#+\-=.)])")
# Leading spaces would make an indented code block; Markdown drops them from a paragraph anyway.
_MD_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
# ":red[", ":material/icon:", "::directive", "https://" (autolinked); "www." and "a@b.org" are autolinked too.
_MD_COLON = re.compile(r":(?=[A-Za-z/\[:{])")
_MD_AUTOLINK = re.compile(r"(?i)(\bwww)\.|@")
_MD_ICON_SLASH = re.compile(r"(?<=\\:)(\w*)/")
# Streamlit also turns addresses into links after parsing, in the text itself, where no escape reaches: an
# empty element between "http" and "://", "www" and ".", or before "@" splits the text so none is found.
_AUTOLINK_START = re.compile(r"(?i)(?<![A-Za-z0-9])(https?|ftps?|mailto|www)(?=\\[:.]|&#58;|\.)")
_AUTOLINK_AT = re.compile(r"(\\@|@)")
STREAMLIT_SEPARATOR = ":small[]"  # an empty directive: renders as an empty <span>, nothing visible
# Characters that mean something to Markdown even inside an HTML fragment that ends up in inline text.
_HTML_MARKDOWN = str.maketrans({c: f"&#{ord(c)};" for c in "\\`*_[]$~"})
_NEWLINES = re.compile(r"\r\n?|\n")
# C0 and C1 controls (ESC starts terminal escape sequences), DEL, and the bidirectional overrides that
# can make a terminal show text in another order than it is.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def markdown(text: str, *, one_line: bool = False, streamlit: bool = True) -> str:
    """``text`` escaped for ``st.markdown``, captions, labels and tab titles (and, with ``streamlit=False``,
    for Markdown files).

    Args:
        text: untrusted text.
        one_line: collapse line breaks to spaces (for captions, labels and headings).
        streamlit: also stop Streamlit turning web and email addresses into links (with an empty
            directive only Streamlit understands; leave it out of files other programs read).
    """
    text = str(text or "")
    if one_line:
        text = " ".join(text.split())
    text = _MD_INDENT.sub("", _NEWLINES.sub("\n", text))
    text = _MD_INLINE.sub(r"\\\1", text)
    text = _MD_ENTITY.sub(r"\\&", text)
    text = _MD_COLON.sub(r"\\:", text)
    # Streamlit rewrites ":material/" to an icon before parsing; "\:material\/" no longer matches.
    text = _MD_ICON_SLASH.sub(r"\1\\/", text)
    text = _MD_AUTOLINK.sub(lambda m: f"{m.group(1)}\\." if m.group(1) else "\\@", text)
    if streamlit:
        text = _AUTOLINK_AT.sub(STREAMLIT_SEPARATOR + r"\1", _AUTOLINK_START.sub(r"\1" + STREAMLIT_SEPARATOR, text))
    return _MD_LINE_START.sub(lambda m: _LINE_MARK.sub(r"\\\1", m.group(1)), text)


def markdown_file(text: str, *, one_line: bool = False) -> str:
    """``text`` escaped for a Markdown file that other programs will render (an export)."""
    return markdown(text, one_line=one_line, streamlit=False)


def html(text: str, *, one_line: bool = False) -> str:
    """``text`` escaped for HTML placed in ``st.markdown(..., unsafe_allow_html=True)`` or ``st.html``.

    Line breaks become ``<br>``: a blank line would end the HTML block and let the rest be read
    as Markdown. Markdown's own characters become character references, so nothing is read as
    maths, a link or a directive even where the fragment sits in a paragraph, and an empty
    ``<span>`` splits "http://", "www." and "a@b" so they are not turned into links.
    """
    text = str(text or "")
    if one_line:
        text = " ".join(text.split())
    escaped = _MD_COLON.sub("&#58;", _html.escape(text, quote=True).translate(_HTML_MARKDOWN))
    escaped = _AUTOLINK_AT.sub(r"<span></span>\1", _AUTOLINK_START.sub(r"\1<span></span>", escaped))
    return _NEWLINES.sub("<br>", escaped)


def terminal(text: str, *, one_line: bool = False) -> str:
    """``text`` with control characters and escape sequences' introducers removed, safe to print.

    Line breaks and tabs are kept unless ``one_line``.
    """
    text = str(text or "")
    if one_line:
        text = " ".join(text.split())
    else:
        text = _NEWLINES.sub("\n", text)
    return _TERMINAL_UNSAFE.sub("", text)
