"""An article whose graph breaks the shapes is not stored, and not read again while unchanged.

The store keeps a ledger of such articles (content hash, extractor and shapes versions, and the
violations found), so a rebuild reports them as invalid and unchanged without extracting them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

import kg.build
import kg.validate
from kg.build import build
from kg.cli import main
from kg.namespaces import DEFAULT_BASE
from kg.store import INVALID_LEDGER, GraphStore

BAD = f"{DEFAULT_BASE}article/bad"
# A real shape, added for the test, that only the article labelled "bad" breaks.
EXTRA_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dkg: <https://w3id.org/diplomacy-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:test:not-bad> a sh:NodeShape ;
    sh:targetClass dkg:Article ;
    sh:property [ sh:path rdfs:label ; sh:pattern "^(?!bad$)" ; sh:name "test label" ;
                  sh:message "the test refuses this article" ] .
"""


def article(n: int) -> str:
    who = ["Ingrid Halvorsen", "Pablo Fuentes", "Marta Kovacs"][n]
    return (
        f"date 2021-03-10\n\nForeign Minister {who} met the United Nations Special Envoy for "
        "Syria Staffan de Mistura in Geneva on Monday.\n"
    )


@pytest.fixture
def strict_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = Graph()
    for triple in kg.validate.shapes():
        shapes.add(triple)
    shapes.parse(data=EXTRA_SHAPE, format="turtle")
    monkeypatch.setattr(kg.validate, "shapes", lambda: shapes)


@pytest.fixture
def extracted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the articles extraction was run on, in order."""
    seen: list[str] = []
    original = kg.build._graphs

    def spy(articles, base):  # type: ignore[no-untyped-def]
        seen.extend(a.id for a in articles)
        return original(articles, base)

    monkeypatch.setattr(kg.build, "_graphs", spy)
    return seen


def run(corpus: Path, store: Path, *flags: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(corpus), "--store", str(store), *flags])
    return result.exit_code, result.output


def stored(store: Path) -> set[str]:
    with GraphStore(store, read_only=True) as gs:
        return {r.graph.rsplit("/", 1)[-1] for r in gs.articles()}


@pytest.mark.usefixtures("strict_shapes")
def test_an_unchanged_invalid_article_is_not_read_again(
    tmp_path: Path, extracted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    (corpus / "good.txt").write_text(article(0), encoding="utf-8")
    (corpus / "bad.txt").write_text(article(1), encoding="utf-8")

    code, out = run(corpus, store)
    assert code == 1
    assert "1 built, 0 unchanged, 1 invalid, 0 failed" in out
    assert "the test refuses this article" in out
    assert sorted(extracted) == ["bad", "good"]
    assert stored(store) == {"good"}
    assert (store / INVALID_LEDGER).is_file()

    extracted.clear()
    code, out = run(corpus, store)
    assert code == 1  # still invalid, still a failed build
    assert extracted == []  # but nothing was extracted again
    assert "0 built, 1 unchanged, 1 invalid (1 unchanged), 0 failed" in out
    assert "bad.txt: 1 SHACL violation(s), unchanged since a build found so" in out
    assert "the test refuses this article" in out  # the violations are still shown

    # the article changes: it is read again (and is still invalid)
    (corpus / "bad.txt").write_text(article(2), encoding="utf-8")
    code, out = run(corpus, store)
    assert extracted == ["bad"] and "1 invalid, 0 failed" in out

    # --force reads everything again
    extracted.clear()
    run(corpus, store, "--force")
    assert sorted(extracted) == ["bad", "good"]

    # new shapes may accept it: a change of the shapes reads it again
    extracted.clear()
    monkeypatch.setattr(kg.build, "shapes_version", lambda: "other-shapes")
    run(corpus, store)
    assert extracted == ["bad"]
    extracted.clear()
    run(corpus, store)
    assert extracted == []


@pytest.mark.usefixtures("strict_shapes")
def test_keep_invalid_stores_it_and_a_rebuild_still_reports_it(
    tmp_path: Path, extracted: list[str]
) -> None:
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    (corpus / "good.txt").write_text(article(0), encoding="utf-8")
    (corpus / "bad.txt").write_text(article(1), encoding="utf-8")
    run(corpus, store)
    assert stored(store) == {"good"}

    # asked to keep it, the build must read it again: the ledger has no graph to store
    extracted.clear()
    code, out = run(corpus, store, "--keep-invalid")
    assert extracted == ["bad"]
    assert "1 invalid, 0 failed" in out and "stored anyway (--keep-invalid)" in out
    assert stored(store) == {"good", "bad"}

    extracted.clear()
    code, out = run(corpus, store)
    assert extracted == []
    assert code == 1
    assert "0 built, 1 unchanged, 1 invalid (1 unchanged)" in out
    assert stored(store) == {"good", "bad"}


def test_a_fixed_article_leaves_the_ledger_and_prune_clears_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(article(0), encoding="utf-8")
    (corpus / "bad.txt").write_text(article(1), encoding="utf-8")
    (corpus / "gone.txt").write_text(article(2), encoding="utf-8")
    shapes = Graph()
    for triple in kg.validate.shapes():
        shapes.add(triple)
    shapes.parse(data=EXTRA_SHAPE.replace("bad", "bad|gone"), format="turtle")
    with GraphStore(tmp_path / "store") as store:
        with monkeypatch.context() as m:
            m.setattr(kg.validate, "shapes", lambda: shapes)
            report = build([corpus], store)
        assert report.count("invalid") == 2
        assert set(store.invalid_articles()) == {BAD, f"{DEFAULT_BASE}article/gone"}
        # the shapes as shipped: bad is valid now; gone.txt is deleted and pruned
        (corpus / "gone.txt").unlink()
        monkeypatch.setattr(kg.build, "shapes_version", lambda: "shipped")
        report = build([corpus], store, prune=True)
        assert report.ok and report.count("built") == 1
        assert store.invalid_articles() == {}


def test_a_damaged_ledger_only_means_reading_again(tmp_path: Path, extracted: list[str]) -> None:
    corpus, store = tmp_path / "corpus", tmp_path / "store"
    corpus.mkdir()
    (corpus / "good.txt").write_text(article(0), encoding="utf-8")
    run(corpus, store)
    (store / INVALID_LEDGER).write_text("{not json", encoding="utf-8")
    extracted.clear()
    code, out = run(corpus, store)
    assert code == 0 and extracted == [] and "1 unchanged" in out
