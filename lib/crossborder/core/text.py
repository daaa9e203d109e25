"""Making text that users typed safe where it is shown: in Markdown/HTML (reports, notebooks), in error
messages and on a terminal.

User text (scenario fields, ``risks.csv`` rows, plan tasks and notes) is data, never markup: ``escape_md``
turns it into Markdown that renders as the same characters (no HTML, no links, no images, no emphasis);
``escape_html`` does the same for HTML; ``one_line`` shows it on a terminal on one line with control
characters visible; ``shorten`` bounds what an error message echoes.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones that can start
# or end Markdown syntax (emphasis, code, links, images, headings, lists, tables, quotes, raw HTML).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>:&\"'])")
_MD_RAW = re.compile(r"\\.|<|&|!\[", re.S)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_html(text: object) -> str:
    """``text`` as HTML text: ``<``, ``>``, ``&`` and quotes become entities."""
    return html.escape(str(text), quote=True)


def escape_md(text: object) -> str:
    """``text`` as Markdown that renders literally: Markdown and HTML punctuation is backslash-escaped (CommonMark
    shows ``\\<`` as ``<`` text) and line breaks become spaces (a value never starts a new block)."""
    flat = re.sub(r"[\r\n\u2028\u2029]+", " ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", flat)


def neutralize_md(markdown: str) -> str:
    """Markdown written by the workbook, with any raw HTML or image that slipped in shown as text.

    The workbook's own Markdown never contains HTML or images, so ``<`` and ``![`` are always data: raw HTML
    (which Markdown renderers pass through) becomes text and an image becomes the literal ``![...](...)``.
    """
    def fix(m: re.Match[str]) -> str:
        token = m.group(0)
        if token.startswith("\\"):
            return token  # already escaped (e.g. by escape_md): left as it is
        return {"<": "&lt;", "&": "&amp;", "![": "!\\["}[token]

    return _MD_RAW.sub(fix, markdown)


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` on one terminal line: control characters (newlines, ANSI escapes, bidi overrides) shown as
    ``\\n``, ``\\x1b``... and, with ``limit``, at most that many characters (``…`` marks a cut)."""
    def show(m: re.Match[str]) -> str:
        ch = m.group(0)
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    out = _CONTROL.sub(show, str(text))
    return shorten(out, limit) if limit else out


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character (newline, escape, bidi override...)."""
    return _CONTROL.search(text) is not None


def shorten(text: str, limit: int = 80) -> str:
    """At most ``limit`` characters of ``text`` (``…`` and the full length mark a cut)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def brief_repr(value: object, limit: int = 80) -> str:
    """``repr(value)`` for an error message, at most about ``limit`` characters, on one line (safe on huge
    or deeply nested values: strings are cut before ``repr``, containers are not expanded past a few items)."""
    import reprlib

    if isinstance(value, str):
        text = repr(value[:limit]) + (f"… ({len(value)} characters)" if len(value) > limit else "")
        return one_line(text)
    r = reprlib.Repr()
    r.maxlevel, r.maxdict, r.maxlist, r.maxtuple, r.maxset, r.maxstring, r.maxother = 3, 6, 6, 6, 6, limit, limit
    try:
        text = r.repr(value)
    except Exception:  # noqa: BLE001 - a repr that fails is still shown as something
        text = f"<{type(value).__name__}>"
    return one_line(shorten(text, limit))
