"""Canned queries: `.rq` files with a comment header, and the formats results print in."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"

_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(r'^(?P<name>\w+)\s*(?:=\s*"(?P<default>[^"]*)")?\s*(?:\|\s*(?P<doc>.*))?$')


@dataclass(frozen=True)
class Param:
    name: str
    default: str | None
    description: str


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str

    def bindings(self, given: dict[str, str]) -> dict[str, str]:
        """Values for every parameter: what the user gave, else the default."""
        unknown = set(given) - {p.name for p in self.params}
        if unknown:
            raise QueryError(
                f"query '{self.name}' has no parameter {', '.join(sorted(unknown))}; "
                f"it takes: {', '.join(p.name for p in self.params) or 'none'}"
            )
        values = {}
        for p in self.params:
            value = given.get(p.name, p.default)
            if value is None:
                raise QueryError(f"query '{self.name}' needs --param {p.name}=VALUE")
            values[p.name] = value
        return values


class QueryError(Exception):
    """A query that cannot run; the message says what is wrong and where."""


def parse_canned(path: Path) -> CannedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        match = _HEADER.match(line)
        if not line.startswith("#"):
            break
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            pm = _PARAM.match(value)
            if pm:
                params.append(Param(pm["name"], pm["default"], (pm["doc"] or "").strip()))
        else:
            fields[key] = value
    return CannedQuery(
        name=path.stem,
        title=fields.get("title", path.stem),
        description=fields.get("description", ""),
        params=tuple(params),
        text=text,
    )


def load_canned(directory: Path = QUERIES_DIR) -> list[CannedQuery]:
    return [parse_canned(p) for p in sorted(directory.glob("*.rq"))]


def find_canned(name: str, directory: Path = QUERIES_DIR) -> CannedQuery | None:
    path = directory / f"{name.removesuffix('.rq')}.rq"
    return parse_canned(path) if path.is_file() else None


@dataclass(frozen=True)
class Table:
    """A SELECT result as plain strings, ready to print."""

    columns: list[str]
    rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]]


def run_select(store_query: object) -> Table | bool | list[ox.Triple]:
    """Turn a pyoxigraph result into a Table, a boolean (ASK) or triples (CONSTRUCT)."""
    if isinstance(store_query, ox.QueryBoolean):
        return bool(store_query)
    if isinstance(store_query, ox.QueryTriples):
        return list(store_query)
    columns = [v.value for v in store_query.variables]
    return Table(columns, [[sol[c] for c in columns] for sol in store_query])


def term_text(term: object) -> str:
    if term is None:
        return ""
    return term.value


def format_table(table: Table, fmt: str) -> str:
    """Render a SELECT result as table, csv, tsv or json (SPARQL 1.1 Query Results JSON)."""
    if fmt == "json":
        return json.dumps(
            {
                "head": {"vars": table.columns},
                "results": {
                    "bindings": [
                        {
                            c: json_term(t)
                            for c, t in zip(table.columns, row, strict=True)
                            if t is not None
                        }
                        for row in table.rows
                    ]
                },
            },
            indent=2,
            ensure_ascii=False,
        )
    if fmt in ("csv", "tsv"):
        out = io.StringIO()
        writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows([[term_text(t) for t in row] for row in table.rows])
        return out.getvalue()
    return _text_table(table)


def json_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> dict[str, str]:
    """A term as SPARQL 1.1 Query Results JSON writes it."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _text_table(table: Table, max_width: int = 60) -> str:
    def cell(term: object) -> str:
        text = term_text(term).replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(t) for t in row] for row in table.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(table.columns)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out)
