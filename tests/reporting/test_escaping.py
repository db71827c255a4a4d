"""User text (priors names, sources, evidence notes and file names) in report.md is inert
Markdown as it is inert HTML in report.html: no raw tag, autolink or link target, no line
break that starts a heading or a table row."""

from __future__ import annotations

import re

from foomcalc.reporting.report import Block, render_html, render_markdown

NAME = "<script>alert('name')</script> ../../evil"
SOURCE = "<img src=x onerror=alert(1)> & \"quotes\""
NOTE = "</td><script>alert('note')</script>"
LINK = "[click me](javascript:alert(1)) ![pixel](http://evil.example/p.png) <http://evil.example>"
BREAK = "ok\n# injected heading\n| a | b |\n<!-- comment -->"
FENCE = "```\n<script>x</script>\n```"
HOSTILE = (NAME, SOURCE, NOTE, LINK, BREAK)


def blocks() -> list[Block]:
    return [Block("h1", NAME), Block("h2", SOURCE), Block("lead", LINK), Block("p", BREAK),
            Block("warn", NOTE), Block("pre", FENCE),
            Block("table", SOURCE, headers=("parameter", "source"),
                  rows=tuple((NAME, t) for t in HOSTILE))]


def test_markdown_has_no_raw_html_or_links_from_user_text():
    md = render_markdown(blocks())
    fenced = re.search(r"^(`{4,})\n.*?^\1$", md, flags=re.M | re.S)
    assert fenced and FENCE in fenced.group(0)  # shown as code, which renders no HTML
    outside = md.replace(fenced.group(0), "")
    assert not re.search(r"<[A-Za-z/!?]", outside), outside  # no tag, comment or autolink
    assert "](javascript:" not in md and "](http://evil" not in md
    for line in md.splitlines():
        assert not line.startswith("# injected"), line
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(HOSTILE)  # header, rule and one line per row


def test_markdown_keeps_the_text_readable():
    md = render_markdown([Block("p", "P(hard takeoff, <= 30 days) 4.5% & r < 1"),
                          Block("table", "t", headers=("a",), rows=(("x < 2",),))])
    assert "P(hard takeoff, <= 30 days) 4.5% & r < 1" in md and "| x < 2 |" in md


def test_html_stays_escaped():
    page = render_html(blocks(), NAME)
    assert "<script>" not in page and "<img src=x" not in page and "<!-- comment" not in page
