"""Text made inert in Markdown (report.md), as `html.escape` makes it inert in HTML, but
readable: what a user wrote (a priors name, a source, an evidence note or file name)
can open no HTML tag, comment, autolink, link or image, heading or table row."""

from __future__ import annotations

import re

#: What would open raw HTML, a comment or an autolink in Markdown: '<' before a letter,
#: '/', '!' or '?' (CommonMark), escaped as &lt;.
_MD_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


def md_text(text: str) -> str:
    """Text made inert in Markdown, as `html.escape` makes it in HTML, but readable: tag,
    comment and autolink openings escaped (&lt;), a link or image target's '](' broken
    (]\\(), line breaks made spaces (no heading or table row can start). '<=' stays."""
    text = _MD_TAG_OPEN.sub("&lt;", text).replace("](", "]\\(")
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


def md_cell(text: str) -> str:
    """`md_text` for a table cell, with '|' escaped."""
    return md_text(text).replace("|", "\\|")


def md_fence(text: str) -> str:
    """A fenced code block whose fence is longer than any run of backticks in the text."""
    runs = [len(r) for r in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}\n{text}\n{fence}\n"
