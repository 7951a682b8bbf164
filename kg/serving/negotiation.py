"""Which serialization to answer with: the `format` parameter first, then the Accept header."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    """One way to write a result: a media type and the pyoxigraph format behind it."""

    name: str
    media_type: str
    results: ox.QueryResultsFormat | None = None
    rdf: ox.RdfFormat | None = None

    @property
    def html(self) -> bool:
        return self.name == "html"

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/") or self.media_type.endswith(("+xml", "+json")):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


_R = ox.QueryResultsFormat
_G = ox.RdfFormat
HTML = Format("html", "text/html")

# Order is the server's preference when a client accepts several equally.
SOLUTIONS = (
    Format("json", "application/sparql-results+json", results=_R.JSON),
    Format("xml", "application/sparql-results+xml", results=_R.XML),
    Format("csv", "text/csv", results=_R.CSV),
    Format("tsv", "text/tab-separated-values", results=_R.TSV),
    HTML,
)
BOOLEAN = (*SOLUTIONS[:2], HTML)
GRAPH = (
    Format("turtle", "text/turtle", rdf=_G.TURTLE),
    Format("ntriples", "application/n-triples", rdf=_G.N_TRIPLES),
    Format("jsonld", "application/ld+json", rdf=_G.JSON_LD),
    Format("rdfxml", "application/rdf+xml", rdf=_G.RDF_XML),
    HTML,
)

# Other names clients use for the same formats.
_ALIASES = {
    "application/json": ("json", "jsonld"),
    "application/xml": ("xml", "rdfxml"),
    "text/xml": ("xml", "rdfxml"),
    "text/plain": ("tsv", "ntriples"),
    "application/x-turtle": ("turtle",),
    "text/n3": ("turtle",),
    "text/rdf+n3": ("turtle",),
    "application/xhtml+xml": ("html",),
}
_FORMAT_WORDS = {
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "json-ld": "jsonld",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
    "srj": "json",
    "srx": "xml",
}


def offered(form: str) -> tuple[Format, ...]:
    """The formats for a query form: 'solutions' (SELECT), 'boolean' (ASK) or 'graph'."""
    return {"solutions": SOLUTIONS, "boolean": BOOLEAN, "graph": GRAPH}[form]


@functools.lru_cache(maxsize=512)
def choose(form: str, accept: str | None, format_param: str | None) -> Format | None:
    """The best format for a query form, or None when the client accepts none of ours.

    Cached: clients send the same few Accept headers, and parsing one costs as much as a small
    query's serialization.
    """
    candidates = offered(form)
    if format_param:
        word = format_param.strip().lower()
        word = _FORMAT_WORDS.get(word, word)
        for fmt in candidates:
            if word in (fmt.name, fmt.media_type) or fmt.name in _ALIASES.get(word, ()):
                return fmt
        return None
    ranges = parse_accept(accept or "*/*")
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, fmt in enumerate(candidates):
        quality, specificity = _quality(fmt, ranges)
        if quality <= 0:
            continue
        # HTML only when asked for by name: SPARQL clients send */* and want data.
        if fmt.html and specificity < 2:
            continue
        key = (quality, specificity, -index)
        if best is None or key > best:
            best, chosen = key, fmt
    return chosen


def parse_accept(header: str) -> list[tuple[str, float]]:
    """Media ranges with their q values, e.g. [('text/turtle', 1.0), ('*/*', 0.1)]."""
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for field in fields[1:]:
            key, _, value = field.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((fields[0].lower(), quality))
    return ranges


def prefers_html(accept: str | None) -> bool:
    """True for browsers: text/html named and ranked at least as high as any RDF or results type."""
    ranges = parse_accept(accept or "")
    html = max((q for r, q in ranges if r in ("text/html", "application/xhtml+xml")), default=0.0)
    data = max(
        (q for r, q in ranges if r not in ("text/html", "application/xhtml+xml") and "*" not in r),
        default=0.0,
    )
    return html > 0 and html >= data


def _quality(fmt: Format, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The q a client gives a format, and how specifically it named it (2 exact ... 0 */*)."""
    best = (0.0, -1)
    names = {fmt.media_type} | {alias for alias, to in _ALIASES.items() if fmt.name in to}
    for media_range, quality in ranges:
        if media_range in names:
            specificity = 2
        elif media_range.endswith("/*") and fmt.media_type.startswith(media_range[:-1]):
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (quality, specificity)
    return best if best[1] >= 0 else (0.0, 0)
