"""Storing: an on-disk Oxigraph store, one named graph per article, written through oxrdflib."""

from __future__ import annotations

import gc
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import XSD

from kg.namespaces import DKG, PREFIXES

DEFAULT_STORE = "kg-store"
INVALID_LEDGER = "kg-invalid-articles.json"
READ_FILES = "kg-read-files.json"


class StoreError(Exception):
    """The store cannot be opened or written; the message says what to do."""


EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": None,  # through rdflib: pyoxigraph writes no JSON-LD
}
_POSITIVE = ox.NamedNode(str(XSD.positiveInteger))
# Oxigraph stores every integer type as xsd:integer; the ontology declares these ranges.
_POSITIVE_INTEGER_PROPERTIES = {ox.NamedNode(str(DKG.roundNumber)), ox.NamedNode(str(DKG.position))}


def _declared_type(triple: ox.Triple) -> ox.Triple:
    if triple.predicate in _POSITIVE_INTEGER_PROPERTIES and isinstance(triple.object, ox.Literal):
        return ox.Triple(
            triple.subject, triple.predicate, ox.Literal(triple.object.value, datatype=_POSITIVE)
        )
    return triple


def default_store_path() -> Path:
    return Path(os.environ.get("KG_STORE", DEFAULT_STORE))


@dataclass(frozen=True)
class SerializedGraph:
    """An article graph as N-Triples: cheap to send between processes, and to store."""

    identifier: str
    ntriples: bytes
    triples: int

    @classmethod
    def of(cls, graph: Graph) -> SerializedGraph:
        data = graph.serialize(format="nt", encoding="utf-8")
        return cls(str(graph.identifier), data, len(graph))

    def __len__(self) -> int:
        return self.triples


@dataclass(frozen=True)
class ArticleRecord:
    graph: str
    content_hash: str | None
    source_file: str | None
    version: str | None


def _create(path: Path) -> None:
    """Make an empty store at `path` all at once.

    RocksDB writes a new database's files one after another, and one killed half-way cannot be
    opened read-only ("Column family not found"), so the store is made beside and renamed into
    place: `path` is either absent or a whole store.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.rmdir()  # empty (checked by the caller): a directory made ready for the store
    partial = path.with_name(f".{path.name}.creating")
    shutil.rmtree(partial, ignore_errors=True)  # left by a build killed while creating it
    store = ox.Store(str(partial))
    store.flush()
    del store  # closes the database
    partial.rename(path)


class GraphStore:
    """The knowledge graph on disk. Readers open it read-only, so they never block a build."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        try:
            if read_only:
                if not (path / "CURRENT").exists():
                    raise StoreError(
                        f"no graph store at {path}; build one first with 'kg build PATH "
                        f"--store {path}' (or point --store / KG_STORE at an existing one)"
                    )
                self.oxigraph = ox.Store.read_only(str(path))
            else:
                if not path.exists() or (path.is_dir() and not any(path.iterdir())):
                    _create(path)
                self.oxigraph = ox.Store(str(path))
        except (OSError, RuntimeError) as exc:
            message = str(exc)
            if "lock" in message.lower():
                raise StoreError(
                    f"the store {path} is being written by another 'kg build'; "
                    "wait for it to finish or use another --store"
                ) from exc
            if "column family not found" in message.lower():
                raise StoreError(
                    f"the store {path} was left half-made by a build stopped as it created it; "
                    f"run 'kg build PATH --store {path}' again to complete it"
                ) from exc
            raise StoreError(f"cannot open the store {path}: {message}") from exc
        self.dataset = Dataset(store=OxigraphStore(store=self.oxigraph), default_union=True)
        self.unflushed = 0  # triples written since the last flush

    def replace_article(self, graph: Graph | SerializedGraph) -> None:
        """Swap an article's named graph for a new one, in one transaction.

        One SPARQL update drops the old graph and inserts the new one, so a reader, or the
        store reopened after the process was killed, sees the old graph or the new one, never
        neither and never part of one. (Parsing the data as SPARQL costs about as much as
        writing it; two calls, remove then add, would be two transactions.)
        """
        name = graph.identifier
        if isinstance(graph, SerializedGraph):  # N-Triples already, from a worker process
            data = graph.ntriples.decode("utf-8")
        else:
            data = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
        self.oxigraph.update(
            f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{data}}} }}"
        )
        self.unflushed += len(graph)

    def remove_article(self, graph_iri: str) -> None:
        self.oxigraph.remove_graph(ox.NamedNode(graph_iri))

    def invalid_articles(self) -> dict[str, object]:
        """What the last builds found invalid and did not store: graph IRI → a JSON record."""
        return self._read_json(INVALID_LEDGER)

    def save_invalid_articles(self, records: dict[str, object]) -> None:
        self._write_json(INVALID_LEDGER, records)

    def read_files(self) -> dict[str, object]:
        """What the last build read in each article file: path → a JSON record."""
        return self._read_json(READ_FILES)

    def save_read_files(self, records: dict[str, object]) -> None:
        self._write_json(READ_FILES, records)

    def _read_json(self, name: str) -> dict[str, object]:
        # Caches kept beside the graph (files in the store directory, not in a graph, so no
        # query sees them): losing one or finding it stale only means reading articles again.
        try:
            data = json.loads((self.path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_json(self, name: str, records: dict[str, object]) -> None:
        """Replace a cache file, atomically (a killed write leaves the old one)."""
        tmp = self.path / (name + ".part")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(records, f, ensure_ascii=False, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path / name)

    def articles(self) -> Iterator[ArticleRecord]:
        """Every article graph with the content hash it was built from."""
        query = f"""
            SELECT ?g ?hash ?file ?version WHERE {{
              GRAPH ?g {{ ?g a <{DKG.Article}> .
                OPTIONAL {{ ?g <{DKG.contentHash}> ?hash }}
                OPTIONAL {{ ?g <{DKG.sourceFile}> ?file }}
                OPTIONAL {{ ?g <{DKG.extractorVersion}> ?version }} }}
            }}"""
        for row in self.oxigraph.query(query):
            yield ArticleRecord(
                graph=row["g"].value,
                content_hash=row["hash"].value if row["hash"] else None,
                source_file=row["file"].value if row["file"] else None,
                version=row["version"].value if row["version"] else None,
            )

    def query(self, sparql: str, substitutions: dict[str, str] | None = None) -> object:
        """Run SPARQL in Oxigraph's engine over the union of all article graphs."""
        subs = {ox.Variable(k): ox.Literal(v) for k, v in (substitutions or {}).items()}
        return self.oxigraph.query(sparql, use_default_graph_as_union=True, substitutions=subs)

    def article_graph(self, graph_iri: str) -> Graph:
        """An in-memory copy of one article's named graph."""
        quads = self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))
        # through N-Triples, so that every literal keeps its exact lexical form and datatype
        data = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
        copy = Graph(identifier=URIRef(graph_iri))
        copy.parse(data=data.decode(), format="nt")
        return copy

    def article_ntriples(self, graph_iri: str) -> bytes:
        """One article's named graph as N-Triples for other stores, with the declared datatypes."""
        quads = self.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))
        triples = (_declared_type(q.triple) for q in quads)
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)

    def export(self, fmt: str) -> bytes:
        """The graph serialized for other triple stores (see EXPORT_FORMATS).

        Turtle and N-Triples hold the merged graph (the union of the articles, each triple
        once); TriG, N-Quads and JSON-LD keep one named graph per article.
        """
        if fmt == "jsonld":
            return self.dataset.serialize(format="json-ld", auto_compact=True, encoding="utf-8")
        if fmt in ("turtle", "ntriples"):
            merged = self.oxigraph.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
            prefixes = {k: str(v) for k, v in PREFIXES.items()} if fmt == "turtle" else None
            return ox.serialize(
                (_declared_type(t) for t in merged), format=EXPORT_FORMATS[fmt], prefixes=prefixes
            )
        quads = (ox.Quad(*_declared_type(q.triple), q.graph_name) for q in self.oxigraph)
        return ox.serialize(quads, format=EXPORT_FORMATS[fmt])

    def __len__(self) -> int:
        return len(self.oxigraph)

    def flush(self) -> None:
        if not self.read_only:
            self.oxigraph.flush()
            self.unflushed = 0

    def close(self) -> None:
        """Release the store so another process (or a reader here) can open it."""
        self.flush()
        # pyoxigraph closes the database when the last reference goes, and rdflib's Dataset
        # holds one in a reference cycle
        self.dataset.store.close()
        del self.dataset
        del self.oxigraph
        gc.collect()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
