"""Validating: pySHACL against the shapes in ontology/, with a report people can read."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pyshacl.shape
from pyshacl import validate as shacl_validate
from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"


@dataclass(frozen=True)
class Violation:
    graph: str  # the article graph it was found in
    focus: str  # the node that breaks the rule
    focus_label: str | None
    path: str | None
    rule: str  # the shape's name
    message: str
    severity: str

    def describe(self) -> str:
        who = f"{self.focus_label} <{self.focus}>" if self.focus_label else f"<{self.focus}>"
        where = f" ({self.path})" if self.path else ""
        rule = f"[rule {self.rule}; article <{self.graph}>]"
        return f"{self.severity}: {who}{where}: {self.message} {rule}"


@cache
def shapes() -> Graph:
    # pySHACL reads the shapes graph for every focus node: the store without named-graph
    # bookkeeping answers that a sixth faster than the default one
    graph = Graph(store="SimpleMemory")
    graph.parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")
    return graph


# pySHACL looks up each predicate of each shape, for every focus node, in a list of the ~40
# constraint parameters, comparing terms in Python one by one: a third of the validation time.
# It keeps that list in this module attribute, filled on first use; a set gives the same answers
# by hashing. (Only its SHACL-JS and advanced modes, which we do not use, need a list there.)
_PARAMETERS = frozenset(CONSTRAINT_PARAMETERS_MAP)
pyshacl.shape.CONSTRAINT_PARAMS = (_PARAMETERS, CONSTRAINT_PARAMETERS_MAP)  # type: ignore[attr-defined]


class _ParsedOnce(Graph):
    """A graph that parses each SPARQL string once.

    pySHACL runs a SPARQL-based constraint as a string once per focus node, and rdflib parses
    the string every time: without this, parsing is about two thirds of the validation time.
    """

    def query(self, query_object: object, *args: object, **kwargs: object) -> Result:
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)  # type: ignore[arg-type]


_prepared = lru_cache(maxsize=64)(prepareQuery)


def validate_graph(graph: Graph) -> list[Violation]:
    """The violations of one article graph (an empty list when it conforms)."""
    # a view of the graph's own store, not a copy (pySHACL with inplace=True changes nothing)
    data = _ParsedOnce(store=graph.store, identifier=graph.identifier)
    conforms, report, _ = shacl_validate(
        data, shacl_graph=shapes(), inference="none", allow_warnings=True, inplace=True
    )
    if conforms:
        return []
    out = []
    for result in report.subjects(predicate=SH.focusNode):
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        name = shapes().value(shape, SH.name) if shape is not None else None
        path = report.value(result, SH.resultPath)
        severity = report.value(result, SH.resultSeverity)
        out.append(
            Violation(
                graph=str(graph.identifier),
                focus=str(focus),
                focus_label=str(graph.value(focus, RDFS.label) or "") or None,
                path=_short(graph, path),
                rule=str(name or _short(graph, shape) or "shape"),
                message=str(report.value(result, SH.resultMessage) or "breaks a shape"),
                severity=_short(graph, severity).split(":")[-1] if severity else "Violation",
            )
        )
    return sorted(out, key=lambda v: (v.focus, v.rule))


def _short(graph: Graph, node: object) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except ValueError:
            return str(node)
    return str(node)
