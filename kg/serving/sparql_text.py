"""Lexical checks on SPARQL text that the engine cannot do for us.

Oxigraph parses and runs the queries; this module only scans tokens, so it can refuse `SERVICE`
and `LOAD` before anything reaches the network, and add the protocol's `using-graph-uri`
parameters to an update as `USING` clauses (pyoxigraph's `Store.update` takes no dataset).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)  # a comment ends at CR as well as LF
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>(?:[^\W\d][\w.\-]*)?:(?:\\.|[^\s{}()\[\];,<>"'\#\\])*)
  | (?P<word>[^\W\d]\w*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int


class DatasetConflict(ValueError):
    """The protocol named a dataset and the update names its own with USING or WITH."""


def tokens(text: str) -> Iterator[Token]:
    """Significant tokens with their brace depth (strings, IRIs and comments stay opaque)."""
    depth = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        if kind == "close":
            depth = max(depth - 1, 0)
        yield Token(kind, match.group(), match.start(), depth)
        if kind == "open":
            depth += 1


def keywords(text: str) -> set[str]:
    """The bare keywords of a query or update, upper-cased."""
    return {t.text.upper() for t in tokens(text) if t.kind == "word"}


def uses_network(text: str) -> str | None:
    """`SERVICE` or `LOAD` if the text would fetch from elsewhere, else None.

    Oxigraph needs no space between a literal and a keyword (`1e5SERVICE`, `trueSERVICE`), so
    any bare word containing one counts; no other SPARQL keyword contains either.
    """
    lowered = text.lower()
    if "service" not in lowered and "load" not in lowered:
        return None  # the common case, without tokenizing
    for token in tokens(text):
        if token.kind == "word":
            word = token.text.upper()
            for keyword in ("LOAD", "SERVICE"):
                if keyword in word:
                    return keyword
    return None


def add_using(update: str, using: list[str], using_named: list[str]) -> str:
    """Insert `USING <g>` / `USING NAMED <g>` before the WHERE of every DELETE/INSERT operation."""
    if not using and not using_named:
        return update
    clauses = " ".join(
        [f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named]
    )
    inserts: list[int] = []
    previous = ""
    for token in tokens(update):
        if token.depth != 0:
            continue
        word = token.text.upper() if token.kind == "word" else ""
        if word in ("USING", "WITH"):
            raise DatasetConflict(
                f"the update has its own {word} clause, so it cannot also take "
                "using-graph-uri / using-named-graph-uri parameters; drop one of the two"
            )
        # DELETE WHERE is the short form, which takes no USING clause.
        if word == "WHERE" and previous != "DELETE":
            inserts.append(token.start)
        previous = word
    for position in reversed(inserts):
        update = f"{update[:position]}{clauses} {update[position:]}"
    return update


def point_at(text: str, message: str) -> str:
    """Oxigraph's 'error at LINE:COL' message, followed by that line with a caret under it."""
    match = re.search(r"at (\d+):(\d+)", message)
    summary = _shorten(message)
    if not match:
        return summary
    line_no, column = int(match.group(1)), int(match.group(2))
    lines = text.split("\n")
    if not 1 <= line_no <= len(lines):
        return summary
    line = lines[line_no - 1]
    return f"{summary}\n\n{line}\n{' ' * max(column - 1, 0)}^"


def _shorten(message: str) -> str:
    # Oxigraph lists every acceptable character class; the first line says enough.
    first = message.splitlines()[0] if message else "syntax error"
    cut = first.find(", ['")
    return first[:cut] + ", …" if cut > 0 else first
