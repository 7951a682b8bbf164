"""Canned query files: the header, the page parameters written into the text, inlining."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.queries import MAX_LIMIT, QueryError, parse_canned

PAGED = """# title: Labels
# description: Every label, a page at a time.
# param: contains = "" | Part of the label
# param: limit = "2" | Rows per page
# param: offset = "0" | Rows to skip
SELECT ?label $contains WHERE {
  { SELECT ?label $contains WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label
      FILTER (CONTAINS(?label, $contains)) } }
}
ORDER BY ?label
LIMIT $limit
offset   $offset
"""


@pytest.fixture
def paged(tmp_path: Path) -> Path:
    path = tmp_path / "labels.rq"
    path.write_text(PAGED)
    return path


@pytest.fixture
def store() -> ox.Store:
    store = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for i, text in enumerate(["alpha", "beta", "gamma", "delta", "epsilon"]):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), label, ox.Literal(text)))
    return store


def labels(store: ox.Store, text: str, substitutions: dict[str, str]) -> list[str]:
    subs = {ox.Variable(k): ox.Literal(v) for k, v in substitutions.items()}
    return [row["label"].value for row in store.query(text, substitutions=subs)]


def test_page_parameters_are_written_into_the_text(paged: Path, store: ox.Store) -> None:
    query = parse_canned(paged)
    assert query.paging == {"limit": "LIMIT", "offset": "OFFSET"}
    values = query.bindings({"offset": "2"})
    assert values == {"contains": "", "limit": "2", "offset": "2"}
    text = query.render(values)
    assert "LIMIT 2\noffset   2\n" in text and "$limit" not in text
    # only the other parameters are bound as variables
    assert query.substitutions(values) == {"contains": ""}
    assert labels(store, text, query.substitutions(values)) == ["delta", "epsilon"]
    values = query.bindings({"limit": "10", "contains": "ta"})
    assert labels(store, query.render(values), query.substitutions(values)) == ["beta", "delta"]


@pytest.mark.parametrize(
    "given",
    [{"limit": "ten"}, {"limit": "-1"}, {"limit": str(MAX_LIMIT + 1)}, {"offset": "1 OFFSET 2"}],
)
def test_page_parameters_must_be_whole_numbers(paged: Path, given: dict[str, str]) -> None:
    with pytest.raises(QueryError) as caught:
        parse_canned(paged).bindings(given)
    name = next(iter(given))
    assert f"{name} must be a whole number from 0 to" in str(caught.value)


def test_inlined_query_runs_anywhere(paged: Path, store: ox.Store) -> None:
    query = parse_canned(paged)
    values = query.bindings({"contains": 'a"l', "offset": "1"})
    text = query.inline(values)
    # a constant in the outermost projection, dropped from the inner one, escaped
    assert '("a\\"l" AS ?contains)' in text and "SELECT ?label  WHERE" in text
    assert labels(store, text, {}) == []
    values = query.bindings({"contains": "l"})
    assert labels(store, query.inline(values), {}) == ["alpha", "delta"]
    with pytest.raises(QueryError, match="backslash"):
        query.inline(query.bindings({"contains": "\\u0022"}))


def test_cli_reports_a_bad_page_size(paged: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["query", str(paged), "--store", str(tmp_path / "none"), "-p", "limit=many"]
    )
    assert result.exit_code != 0
    assert "limit must be a whole number from 0 to 1,000, not 'many'" in result.output
    assert "Traceback" not in result.output


def test_cli_prints_a_canned_query_with_its_parameters_written_in() -> None:
    result = CliRunner().invoke(
        main, ["query", "who-met-whom", "--sparql", "-p", "entity=Sergey Lavrov", "-p", "limit=5"]
    )
    assert result.exit_code == 0, result.output
    assert '("Sergey Lavrov" AS ?entity)' in result.output and "LIMIT 5\n" in result.output
    code = "\n".join(
        line for line in result.output.splitlines() if not line.lstrip().startswith("#")
    )
    assert "$entity" not in code and "$limit" not in code
    ox.Store().query(result.output)  # parses
