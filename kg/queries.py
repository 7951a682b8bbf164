"""Canned queries: `.rq` files with a comment header, and the formats results print in."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.serving.sparql_text import tokens

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"

_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(r'^(?P<name>\w+)\s*(?:=\s*"(?P<default>[^"]*)")?\s*(?:\|\s*(?P<doc>.*))?$')
# SPARQL binds variables, not LIMIT and OFFSET: a parameter written there is a page size or
# start, checked to be a whole number and written into the query text.
_PAGING = re.compile(r"\b(LIMIT|OFFSET)(\s+)\$(\w+)\b", re.IGNORECASE)
MAX_LIMIT = 1000
MAX_OFFSET = 10**9


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

    @property
    def paging(self) -> dict[str, str]:
        """The parameters written after LIMIT or OFFSET, with that keyword (upper case)."""
        return {m[3]: m[1].upper() for m in _PAGING.finditer(self.text)}

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
        for name, keyword in self.paging.items():
            if name in values:
                self._whole_number(name, keyword, values[name])
        return values

    def render(self, values: dict[str, str]) -> str:
        """The query text with the page size and start of `values` written in."""
        paging = self.paging

        def fill(match: re.Match[str]) -> str:
            name = match[3]
            if name not in values:
                return match[0]
            number = self._whole_number(name, paging[name], values[name])
            return f"{match[1]}{match[2]}{number}"

        return _PAGING.sub(fill, self.text)

    def substitutions(self, values: dict[str, str]) -> dict[str, str]:
        """The values bound to SPARQL variables: every parameter but the page size and start."""
        paging = self.paging
        return {k: v for k, v in values.items() if k not in paging}

    def inline(self, values: dict[str, str]) -> str:
        """The query with its parameters written in, for the editor and for other SPARQL
        endpoints, which take only text: what pyoxigraph's substitution does, as a constant
        wherever the variable is used and `("value" AS ?name)` in the outermost projection
        (inner projections and GROUP BY just drop it). A VALUES clause at the end would not
        do: it binds the variable only after the subqueries have run without it."""
        text = self.render(values)
        literals = {}
        for name, value in self.substitutions(values).items():
            if "\\" in value:
                # SPARQL reads \u escapes before anything else, even inside a string
                raise QueryError(f"query '{self.name}': {name} cannot contain a backslash here")
            literals[name] = json.dumps(value, ensure_ascii=False)
        out: list[str] = []
        last = 0
        in_projection = in_group_by = False
        previous = ""
        for token in tokens(text):
            word = token.text.upper() if token.kind == "word" else ""
            if word == "SELECT":
                in_projection = True
            elif token.kind == "open" or word == "WHERE":
                in_projection = False
            if word == "BY" and previous == "GROUP":
                in_group_by = True
            elif token.kind == "close" or word in ("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"):
                in_group_by = False
            previous = word
            name = token.text[1:]
            if token.kind != "var" or name not in literals:
                continue
            literal = literals[name]
            if in_group_by:
                literal = ""
            elif in_projection:
                literal = f"({literal} AS ?{name})" if token.depth == 0 else ""
            out += [text[last : token.start], literal]
            last = token.start + len(token.text)
        return "".join(out) + text[last:]

    def _whole_number(self, name: str, keyword: str, value: str) -> int:
        top = MAX_LIMIT if keyword == "LIMIT" else MAX_OFFSET
        if not re.fullmatch(r"[0-9]{1,10}", value.strip()) or int(value) > top:
            raise QueryError(
                f"query '{self.name}': {name} must be a whole number from 0 to {top:,}, "
                f"not {value!r}"
            )
        return int(value)


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
