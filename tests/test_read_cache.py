"""A rebuild does not read again the files that have not changed since a build read them all."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import kg.build
from kg.articles import Article, ArticleError
from kg.build import BuildReport, build
from kg.store import READ_FILES, GraphStore

TEXT = "date 2020-05-0{day}\n\nForeign Minister Ana Ruiz met the envoy Karl Berg in Geneva."


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times each file is read."""
    counts: Counter[str] = Counter()
    real = kg.build.read_path

    def counting(path: Path, default_date: date | None = None) -> Iterator[Article | ArticleError]:
        counts[path.name] += 1
        return real(path, default_date)

    monkeypatch.setattr(kg.build, "read_path", counting)
    return counts


def corpus(tmp_path: Path, files: int = 3) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(files):
        (folder / f"a{i}.txt").write_text(TEXT.format(day=i + 1), encoding="utf-8")
    return folder


def outcomes(report: BuildReport) -> dict[str, str]:
    return {r.article.id: r.outcome for r in report.results}


def test_an_unchanged_corpus_is_not_read_again(tmp_path: Path, reads: Counter[str]) -> None:
    folder = corpus(tmp_path)
    with GraphStore(tmp_path / "store") as store:
        assert set(outcomes(build([folder], store)).values()) == {"built"}
        reads.clear()
        again = build([folder], store, prune=True)
        assert outcomes(again) == {"a0": "unchanged", "a1": "unchanged", "a2": "unchanged"}
        assert not reads and not again.pruned and again.ok
        assert len(list(store.articles())) == 3


def test_a_changed_file_is_read_and_rebuilt_and_only_it(
    tmp_path: Path, reads: Counter[str]
) -> None:
    folder = corpus(tmp_path)
    with GraphStore(tmp_path / "store") as store:
        build([folder], store)
        reads.clear()
        (folder / "a1.txt").write_text(TEXT.format(day=9), encoding="utf-8")
        report = build([folder], store)
        assert outcomes(report) == {"a0": "unchanged", "a1": "built", "a2": "unchanged"}
        assert reads == {"a1.txt": 1}


def test_a_file_rewritten_with_its_old_size_and_time_is_read_again(
    tmp_path: Path, reads: Counter[str]
) -> None:
    folder = corpus(tmp_path)
    path = folder / "a0.txt"
    with GraphStore(tmp_path / "store") as store:
        build([folder], store)
        before = path.stat()
        path.write_text(TEXT.format(day=8), encoding="utf-8")  # same length
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert path.stat().st_size == before.st_size
        reads.clear()
        assert outcomes(build([folder], store))["a0"] == "built"
        assert reads == {"a0.txt": 1}


def test_a_file_whose_graph_left_the_store_is_read_again(
    tmp_path: Path, reads: Counter[str]
) -> None:
    folder = corpus(tmp_path)
    with GraphStore(tmp_path / "store") as store:
        build([folder], store)
        store.remove_article(next(r.graph for r in store.articles() if r.graph.endswith("/a2")))
        reads.clear()
        assert outcomes(build([folder], store))["a2"] == "built"
        assert reads == {"a2.txt": 1}


def test_another_date_option_or_force_reads_everything(tmp_path: Path, reads: Counter[str]) -> None:
    folder = corpus(tmp_path)
    with GraphStore(tmp_path / "store") as store:
        build([folder], store)
        reads.clear()
        assert set(outcomes(build([folder], store, force=True)).values()) == {"built"}
        assert reads == {"a0.txt": 1, "a1.txt": 1, "a2.txt": 1}
        reads.clear()
        build([folder], store, default_date=date(2020, 1, 1))
        assert reads == {"a0.txt": 1, "a1.txt": 1, "a2.txt": 1}


def test_a_file_with_a_problem_is_read_and_reported_every_time(
    tmp_path: Path, reads: Counter[str]
) -> None:
    records = tmp_path / "records.jsonl"
    good = {"id": "good", "date": "2020-05-04", "text": "Foreign Minister Ana Ruiz met envoys."}
    records.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with GraphStore(tmp_path / "store") as store:
        for _ in range(2):
            reads.clear()
            report = build([records], store)
            assert reads == {"records.jsonl": 1}
            assert len(report.errors) == 1


def test_a_damaged_cache_only_means_reading_again(tmp_path: Path, reads: Counter[str]) -> None:
    folder = corpus(tmp_path)
    with GraphStore(tmp_path / "store") as store:
        build([folder], store)
        entries = json.loads((tmp_path / "store" / READ_FILES).read_text(encoding="utf-8"))
        first, second, *_ = sorted(entries)
        entries[first]["articles"] = "not a list"
        entries[second] = None
        (tmp_path / "store" / READ_FILES).write_text(json.dumps(entries), encoding="utf-8")
        reads.clear()
        assert set(outcomes(build([folder], store)).values()) == {"unchanged"}
        assert reads == {Path(first).name: 1, Path(second).name: 1}
        (tmp_path / "store" / READ_FILES).write_text("{not json", encoding="utf-8")
        reads.clear()
        assert set(outcomes(build([folder], store)).values()) == {"unchanged"}
        assert len(reads) == 3
