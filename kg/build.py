"""Building: articles → mentions → entities → graph → validation → store, one article at a time.

This is the library API the CLI wraps:

    from kg.build import build
    from kg.store import GraphStore
    report = build([Path("seeds")], GraphStore(Path("kg-store")))
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from rdflib import Graph

from kg import __version__
from kg.articles import Article, ArticleError, iter_files, read_path
from kg.assemble import IRIs, assemble
from kg.mentions import extract, extract_all
from kg.namespaces import DEFAULT_BASE
from kg.resolve import resolve
from kg.store import GraphStore, SerializedGraph
from kg.validate import Violation, validate_graph

Outcome = Literal["built", "unchanged", "invalid", "failed"]


@dataclass
class ArticleResult:
    article: Article
    outcome: Outcome
    triples: int = 0
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None


@dataclass
class BuildReport:
    results: list[ArticleResult] = field(default_factory=list)
    errors: list[ArticleError] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and all(r.outcome in ("built", "unchanged") for r in self.results)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


@dataclass
class Extracted:
    """One article read: its graph and SHACL violations, or why it could not be read."""

    graph: Graph | SerializedGraph | None
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None


# Reads articles into graphs in batches of its choosing, and gives back each batch with what
# each of its articles gave, in the batch's order; the batches may come back in any order.
# extract_locally does it in this process, kg.cluster.DaskExtract on a Dask cluster.
Extract = Callable[[list[Article], str], Iterable[tuple[list[Article], list[Extracted]]]]


def article_graph(article: Article, base: str = DEFAULT_BASE) -> Graph:
    """Read one article into its named graph (no validation, no store)."""
    return assemble(resolve(extract(article)), base, extractor_version())


@cache
def extractor_version() -> str:
    """The release plus a digest of the rules and word lists: a change rebuilds every article."""
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*package.glob("*.py"), *(package / "data").glob("*")]):
        digest.update(path.name.encode() + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def read_articles(
    paths: list[Path], default_date: date | None = None
) -> tuple[list[Article], list[ArticleError]]:
    articles: list[Article] = []
    errors: list[ArticleError] = []
    seen: dict[str, str] = {}
    for path in iter_files(paths):
        if not path.exists():
            errors.append(ArticleError(str(path), "does not exist; check the path"))
            continue
        for item in read_path(path, default_date):
            if isinstance(item, ArticleError):
                errors.append(item)
            elif item.id in seen:
                errors.append(
                    ArticleError(
                        item.source_file,
                        f"has the same article id '{item.id}' as {seen[item.id]}; "
                        'rename one of the files (or give the records distinct "id" fields)',
                    )
                )
            else:
                seen[item.id] = item.source_file
                articles.append(item)
    return articles, errors


def build(
    paths: list[Path],
    store: GraphStore,
    *,
    base: str = DEFAULT_BASE,
    default_date: date | None = None,
    force: bool = False,
    keep_invalid: bool = False,
    prune: bool = False,
    progress: Callable[[ArticleResult], None] | None = None,
    extract: Extract | None = None,
) -> BuildReport:
    """Build every article under the paths into the store; bad files are reported, not fatal.

    With prune, article graphs in the store that this run did not read are removed, so the
    store mirrors the corpus given (a deleted file's facts go with it). `extract` reads the
    changed articles (default: extract_locally); this process is the store's only writer.
    """
    articles, errors = read_articles(paths, default_date)
    report = BuildReport(errors=errors)
    # an article is unchanged when its text and the extractor that read it are the same
    known = {r.graph: (r.content_hash, r.version) for r in store.articles()} if not force else {}
    fingerprint = extractor_version()
    changed = []
    for article in articles:
        if known.get(_graph_iri(base, article.id)) == (article.content_hash, fingerprint):
            _record(report, ArticleResult(article, "unchanged"), progress)
        else:
            changed.append(article)
    for batch, extracted in (extract or extract_locally)(changed, base):
        for article, item in zip(batch, extracted, strict=True):
            if item.graph is None:
                _record(report, ArticleResult(article, "failed", error=item.error), progress)
                continue
            violations = [v for v in item.violations if v.severity == "Violation"]
            outcome: Outcome = "invalid" if violations else "built"
            if not violations or keep_invalid:
                store.replace_article(item.graph)
            _record(report, ArticleResult(article, outcome, len(item.graph), violations), progress)
        # Oxigraph keeps writes in memory until flushed: flushing per batch keeps memory flat
        store.flush()
    # an unreadable file may be an article whose graph must not be lost: prune only a clean read
    if prune and not report.errors:
        read = {_graph_iri(base, r.article.id) for r in report.results}
        for record in list(store.articles()):
            if record.graph not in read:
                store.remove_article(record.graph)
                report.pruned.append(record.graph)
    store.flush()
    return report


_BATCH = 64  # articles parsed together: spaCy's batches are faster, memory stays flat


def extract_locally(
    articles: list[Article], base: str
) -> Iterator[tuple[list[Article], list[Extracted]]]:
    """The default Extract: in this process, a batch at a time."""
    for start in range(0, len(articles), _BATCH):
        batch = articles[start : start + _BATCH]
        yield batch, extract_batch(batch, base)


def extract_batch(articles: list[Article], base: str) -> list[Extracted]:
    """Read, assemble and validate a batch of articles: all the per-article work of a build."""
    out = []
    for graph in _graphs(articles, base):
        if isinstance(graph, Exception):  # a bug must not cost the rest of the batch
            out.append(Extracted(None, error=f"{type(graph).__name__}: {graph}"))
        else:
            out.append(Extracted(graph, validate_graph(graph)))
    return out


def _graphs(articles: list[Article], base: str) -> list[Graph | Exception]:
    """The articles' graphs; an article whose reading fails gets its exception instead."""
    try:
        return [assemble(resolve(m), base, extractor_version()) for m in extract_all(articles)]
    except Exception:  # find the article that fails, one by one
        out: list[Graph | Exception] = []
        for article in articles:
            try:
                out.append(article_graph(article, base))
            except Exception as exc:
                out.append(exc)
        return out


def _record(
    report: BuildReport, result: ArticleResult, progress: Callable[[ArticleResult], None] | None
) -> None:
    report.results.append(result)
    if progress:
        progress(result)


def _graph_iri(base: str, article_id: str) -> str:
    return str(IRIs(base).article(article_id))  # minted in one place: kg.assemble
