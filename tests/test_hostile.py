"""A hostile corpus, generated here, built in one `kg build` run over a store built before.

Every kind of bad input users feed the tool sits next to good articles. Each bad file must get
a one-line message naming it, the summary must count it, every good article must be built,
the exit status must say the run failed, and nothing already in the store may change.
"""

from __future__ import annotations

import codecs
import json
import os
import random
import re
import subprocess
import sys
import tracemalloc
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.articles import MAX_FILE_BYTES, MAX_TEXT_CHARS, Article, ArticleError, read_path
from kg.cli import main
from kg.namespaces import DEFAULT_BASE, DKG, SCHEMA
from kg.store import GraphStore

ENVOYS = [
    "Ingrid Halvorsen",
    "Pablo Fuentes",
    "Marta Kovacs",
    "Omar Haddad",
    "Lena Brandt",
    "Tomas Novak",
    "Anna Keller",
    "Paul Girard",
    "Nia Diallo",
    "Henrik Aubert",
    "Jane Cole",
    "Elena Petrova",
    "Karim Nassar",
    "Yuki Tanabe",
]


def story(n: int) -> str:
    """A short English article, different for each n."""
    who = ENVOYS[n % len(ENVOYS)]
    return (
        f"Foreign Minister {who} met the United Nations Special Envoy for Syria Staffan de "
        f"Mistura in Geneva on Monday. {who.split()[-1]} said the talks were useful, and the "
        "two discussed the next round of the Geneva talks."
    )


def text_file(n: int, when: str = "2020-03-02", **headers: str) -> str:
    lines = [f"date {when}", *(f"{k} {v}" for k, v in headers.items())]
    return "\n".join(lines) + "\n\n" + story(n) + "\n"


@dataclass(frozen=True)
class Case:
    """One file of the corpus and what must happen to it."""

    name: str
    expect: str  # "error" (refused, named in a message), "built", or "warning" (built + note)
    fragment: str = ""  # words the message must contain


FUTURE = (date.today() + timedelta(days=400)).isoformat()
CP1252_TITLE = "Talks in Zürich — “progress”, says Café owner"
CASES = [
    # refused
    Case("empty.txt", "error", "is empty"),
    Case("whitespace.txt", "error", "is empty"),
    Case("binary.dat", "error", "binary file"),
    Case("noise.txt", "error", "binary file"),
    Case("report.pdf", "error", "PDF document"),
    Case("damaged-utf8.txt", "error", "not valid UTF-8 at byte"),
    Case("page.html", "error", "is HTML"),
    Case("punctuation.txt", "error", "characters without a space, mostly punctuation"),
    Case("huge.txt", "error", "split it into one file per article"),
    Case("one-line.txt", "error", "split it"),
    Case("long-text.txt", "error", f"more than the {MAX_TEXT_CHARS:,}"),
    Case("malformed.json", "error", "not valid JSON (line 1, column"),
    Case("deep.json", "error", "nested too deeply"),
    Case("deep-title.json record 1", "error", '"title" that is not a string'),
    Case("not-records.json record 1", "error", "not a JSON object"),
    Case("no-date.txt", "error", "has no date"),
    Case("bad-date.txt", "error", "invalid date '2017-13-45'"),
    Case("impossible-date.txt", "error", "invalid date '2017-02-30'"),
    Case("future-date.txt", "error", f"dated {FUTURE}, in the future"),
    Case("mixed.jsonl line 2", "error", "invalid date '2017-02-30'"),
    Case("mixed.jsonl line 3", "error", "not valid JSON"),
    Case("mixed.jsonl line 4", "error", "longer than 1 MB"),
    Case("broken-now.txt", "error", "binary file"),
    # read as intended
    Case("bom.txt", "built"),
    Case("crlf.txt", "built"),
    Case("utf16.txt", "built"),
    Case("timestamp.json", "built"),
    Case("mixed.jsonl line 1", "built"),
    Case("mixed.jsonl line 5", "built"),
    Case("not-records.json record 2", "built"),
    Case("same.txt", "built"),  # unchanged since the first build
    # read, with a note the user sees
    Case("cp1252.txt", "warning", "read as Windows-1252"),
    Case("latin1.txt", "warning", "read as Windows-1252"),
    Case("french.txt", "warning", "does not look like English"),
    Case("russian.txt", "warning", "does not look like English"),
    Case("script-url.json", "warning", "not an absolute http(s) URL"),
    Case("surrogate.json", "warning", "lone UTF-16 surrogates"),
]


def write_hostile(corpus: Path) -> None:
    """The hostile files, written into a corpus that already holds same.txt and broken-now.txt."""
    rng = random.Random(6)
    files: dict[str, bytes] = {
        "empty.txt": b"",
        "whitespace.txt": b"date 2020-01-01\n\n  \t \n\n   \n",
        "binary.dat": bytes(rng.randrange(256) for _ in range(4096)) + b"\x00",
        # random bytes without a single NUL: still no text
        "noise.txt": bytes(rng.choice(range(1, 256)) for _ in range(4096)),
        "report.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n",
        "damaged-utf8.txt": (text_file(1) + "Lavrov’s “note” — Zürich.\n").encode()[:-5]
        + b"\xc3\x28 end.\n",
        "page.html": (
            "<!DOCTYPE html>\n<html><head><title>News</title><script>var x = 1;</script></head>"
            f"<body><nav><a href='/'>Home</a></nav><p>{story(2)}</p></body></html>\n"
        ).encode(),
        "punctuation.txt": ("date 2020-01-01\n\n" + story(2) + " " + "“" * 40_000).encode(),
        "one-line.txt": b"date 2020-01-01\n\n" + (story(3) + " ").encode() * 5000,
        "long-text.txt": b"date 2020-01-01\n\n"
        + (story(3) + " ").encode() * (MAX_TEXT_CHARS // len(story(3)) + 10),
        "malformed.json": b'{"text": "The envoy arrived.", "date": "2020-01-01",',
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "deep-title.json": json.dumps(
            {"text": story(4), "date": "2020-01-01", "title": json.loads("[" * 200 + "]" * 200)}
        ).encode(),
        "not-records.json": b'[1, {"text": "' + story(5).encode() + b'", "date": "2020-01-02"}]',
        "no-date.txt": story(6).encode(),
        "bad-date.txt": text_file(7, "2017-13-45").encode(),
        "impossible-date.txt": text_file(7, "2017-02-30").encode(),
        "future-date.txt": text_file(7, FUTURE).encode(),
        "mixed.jsonl": b"\n".join(
            [
                json.dumps({"id": "mixed-good", "text": story(8), "date": "2020-01-03"}).encode(),
                json.dumps({"text": story(8), "date": "2017-02-30"}).encode(),
                b'{"text": "unterminated',
                json.dumps({"text": "x" * (MAX_FILE_BYTES + 10), "date": "2020-01-01"}).encode(),
                json.dumps({"id": "after-long", "text": story(9), "date": "2020-01-04"}).encode(),
            ]
        )
        + b"\n",
        "broken-now.txt": b"\x00\x01\x02\x03 this file was an article once",
        "bom.txt": codecs.BOM_UTF8 + text_file(10, title="Envoys meet").encode(),
        "crlf.txt": text_file(11, title="Envoys meet again").replace("\n", "\r\n").encode(),
        "utf16.txt": text_file(12).encode("utf-16"),
        "timestamp.json": json.dumps(
            {"text": story(13), "date": "2019-06-01T08:30:00Z", "title": "Timed"}
        ).encode(),
        "cp1252.txt": ("date 2020-02-01\ntitle: " + CP1252_TITLE + "\n\n" + story(0)).encode(
            "cp1252"
        ),
        "latin1.txt": ("date 2020-02-02\n\nIn Zürich, " + story(1)).encode("latin-1"),
        "french.txt": (
            "date 2020-02-03\n\nLe ministre des Affaires étrangères a rencontré mardi à Genève "
            "l'envoyé spécial des Nations unies. Les deux hommes ont discuté du prochain cycle "
            "de négociations sur la Syrie, prévu le 28 novembre, et de la situation humanitaire "
            "dans le nord du pays, selon un communiqué publié par le ministère."
        ).encode(),
        "russian.txt": (
            "date 2020-02-04\n\nЗаместитель министра иностранных дел России провел во вторник "
            "в Женеве встречу со спецпосланником ООН. Стороны обсудили подготовку к новому "
            "раунду переговоров."
        ).encode(),
        "script-url.json": json.dumps(
            {"text": story(2), "date": "2020-02-05", "url": "javascript:alert(1)"}
        ).encode(),
        "surrogate.json": b'{"text": "The envoy \\ud83d arrived. '
        + story(3).encode()
        + b'", "date": "2020-02-06"}',
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    # 100 MB of real text: only a size limit, checked before reading, keeps it out
    with (corpus / "huge.txt").open("wb") as f:
        f.write(b"date 2020-01-01\n\n")
        block = (story(0) + "\n").encode() * 4000
        while f.tell() < 100_000_000:
            f.write(block)
        f.truncate(100_000_000)


def graph_quads(store: GraphStore, iri: str) -> set[str]:
    return {str(q) for q in store.oxigraph.quads_for_pattern(None, None, None, _node(iri))}


def _node(iri: str):  # type: ignore[no-untyped-def]
    import pyoxigraph as ox

    return ox.NamedNode(iri)


def article_iri(article_id: str) -> str:
    return f"{DEFAULT_BASE}article/{article_id}"


def case_id(case: Case) -> str:
    stem = case.name.split()[0].rsplit(".", 1)[0]
    if "line" in case.name:  # these records have an "id"
        return {"1": "mixed-good", "5": "after-long"}[case.name.rsplit(" ", 1)[1]]
    if "record 2" in case.name:
        return f"{stem}-2"
    return stem


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("hostile")
    corpus, store = root / "corpus", root / "store"
    corpus.mkdir()
    (corpus / "keep.txt").write_text(text_file(0, title="Kept"), encoding="utf-8")
    (corpus / "same.txt").write_text(text_file(1), encoding="utf-8")
    (corpus / "broken-now.txt").write_text(text_file(2), encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(main, ["build", str(corpus), "--store", str(store)])
    assert first.exit_code == 0, first.output
    with GraphStore(store, read_only=True) as gs:
        before = {r.graph: graph_quads(gs, r.graph) for r in gs.articles()}
    assert len(before) == 3

    (corpus / "keep.txt").unlink()  # gone from the corpus: --prune would remove its graph
    write_hostile(corpus)
    fifo = root / "a-fifo"
    os.mkfifo(fifo)
    missing = root / "no-such-file.txt"
    empty_dir = root / "empty-dir"
    empty_dir.mkdir()
    args = [str(corpus), str(fifo), str(missing), str(empty_dir)]
    result = runner.invoke(main, ["build", *args, "--store", str(store), "--prune"])
    return {"corpus": corpus, "store": store, "before": before, "result": result, "root": root}


def test_the_run_fails_and_names_every_bad_file(hostile_run: dict[str, object]) -> None:
    result = hostile_run["result"]
    corpus = hostile_run["corpus"]
    root = hostile_run["root"]
    assert isinstance(corpus, Path) and isinstance(root, Path)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    for case in CASES:
        if case.expect != "error":
            continue
        where = f"error: {corpus / case.name}: "
        hits = [line for line in errors if line.startswith(where)]
        assert len(hits) == 1, (case, errors)
        assert case.fragment in hits[0], hits[0]
    assert any(f"{root / 'a-fifo'}: is not a regular file" in line for line in errors)
    assert any(f"{root / 'no-such-file.txt'}: does not exist" in line for line in errors)
    assert any(f"{root / 'empty-dir'}: has no files in it" in line for line in errors)
    refused = sum(1 for c in CASES if c.expect == "error") + 3
    assert len(errors) == refused
    # one line per message: a message never spills a traceback or a dump of the file
    assert all(len(line) < 400 for line in errors)
    assert f"{refused} unreadable" in result.output
    warned = sum(1 for c in CASES if c.expect == "warning")
    assert f"{warned} with warnings" in result.output
    assert "not pruned" in result.output


def test_every_good_file_is_built_and_read_right(hostile_run: dict[str, object]) -> None:
    result = hostile_run["result"]
    store = hostile_run["store"]
    assert isinstance(store, Path)
    good = [c for c in CASES if c.expect in ("built", "warning")]
    assert f"{len(good) - 1} built, 1 unchanged, 0 invalid, 0 failed" in result.output
    for case in good:
        if case.expect == "warning":
            assert any(
                line.startswith(f"warning: {hostile_run['corpus']}/{case.name}")
                and case.fragment in line
                for line in result.output.splitlines()
            ), case
    with GraphStore(store, read_only=True) as gs:
        stored = {r.graph for r in gs.articles()}
        for case in good:
            assert article_iri(case_id(case)) in stored, case
        graph = gs.article_graph(article_iri("cp1252"))
        assert graph.value(URIRef(article_iri("cp1252")), SCHEMA.headline) == Literal(CP1252_TITLE)
        for name, title in (("bom", "Envoys meet"), ("crlf", "Envoys meet again")):
            graph = gs.article_graph(article_iri(name))
            assert graph.value(URIRef(article_iri(name)), SCHEMA.headline) == Literal(title)
            assert graph.value(URIRef(article_iri(name)), SCHEMA.datePublished).toPython() == (
                date(2020, 3, 2)
            )
        stamp = gs.article_graph(article_iri("timestamp"))
        published = stamp.value(URIRef(article_iri("timestamp")), SCHEMA.datePublished)
        assert published.toPython() == date(2019, 6, 1)
        script = gs.article_graph(article_iri("script-url"))
        assert script.value(URIRef(article_iri("script-url")), SCHEMA.url) is None
        # the good UTF-16 and Latin-1 articles are read, not just stored: their envoys are found
        for name, envoy in (("utf16", ENVOYS[12]), ("latin1", ENVOYS[1])):
            graph = gs.article_graph(article_iri(name))
            names = {
                str(graph.value(s, RDFS.label)) for s in graph.subjects(RDF.type, DKG.Diplomat)
            }
            assert envoy in names, (name, names)


def test_nothing_already_stored_is_lost_or_changed(hostile_run: dict[str, object]) -> None:
    store = hostile_run["store"]
    before = hostile_run["before"]
    assert isinstance(store, Path) and isinstance(before, dict)
    with GraphStore(store, read_only=True) as gs:
        for iri, quads in before.items():
            assert graph_quads(gs, iri) == quads, iri  # keep, same and broken-now: as they were
    check = CliRunner().invoke(main, ["validate", "--store", str(store)])
    assert check.exit_code == 0, check.output


def test_a_huge_file_is_refused_without_being_read(hostile_run: dict[str, object]) -> None:
    corpus = hostile_run["corpus"]
    assert isinstance(corpus, Path)
    huge = corpus / "huge.txt"
    assert huge.stat().st_size == 100_000_000
    tracemalloc.start()
    try:
        (item,) = list(read_path(huge))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(item, ArticleError)
    assert "100.0 MB" in item.problem
    assert peak < 2_000_000  # bytes: not a hundredth of the file was held


def test_a_long_jsonl_line_is_skipped_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("wb") as f:
        f.write(b'{"text": "' + b"word " * 10_000_000 + b'", "date": "2020-01-01"}\n')
        f.write(json.dumps({"id": "next", "text": story(1), "date": "2020-01-02"}).encode())
    tracemalloc.start()
    try:
        items = list(read_path(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(items[0], ArticleError) and "longer than 1 MB" in items[0].problem
    assert isinstance(items[1], Article) and items[1].id == "next"
    assert peak < 10_000_000  # bytes: a fifth of the 50 MB line


def test_a_file_of_garbage_lines_stops_after_a_hundred(tmp_path: Path) -> None:
    path = tmp_path / "not-really.jsonl"
    path.write_text("this is not JSON\n" * 5000, encoding="utf-8")
    items = list(read_path(path))
    assert len(items) == 101
    assert "more than 100 bad lines" in str(items[-1])


@pytest.mark.parametrize(
    "text",
    [
        '<script>alert("x")</script> The envoy arrived in Geneva on Monday.',
        "The minister said 3 < 4 and 5 > 2 were not the issue; <b>talks</b> went on.",
    ],
)
def test_a_few_tags_in_a_text_are_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "tags.txt"
    path.write_text(f"date 2020-01-01\n\n{text}", encoding="utf-8")
    (item,) = list(read_path(path))
    assert isinstance(item, Article) and item.text == text


def test_control_characters_in_json_text_become_spaces(tmp_path: Path) -> None:
    path = tmp_path / "ctl.json"
    path.write_text(
        json.dumps({"text": "The envoy\u0000 arrived\u0007 today.", "date": "2020-01-01"}),
        encoding="utf-8",
    )
    (item,) = list(read_path(path))
    assert isinstance(item, Article)
    assert item.text == "The envoy  arrived  today."
    assert not re.search(r"[\x00-\x08]", item.text)


def test_a_header_with_a_long_run_of_spaces_is_read_in_linear_time(tmp_path: Path) -> None:
    # `\s*$` after a lazy group made this quadratic: about an hour for half a million spaces
    path = tmp_path / "spaces.txt"
    path.write_text("source x" + " " * 500_000 + "y\ndate 2020-01-01\n\nThe envoy arrived.")
    script = (
        "import sys; from pathlib import Path; from kg.articles import read_path; "
        "print(next(read_path(Path(sys.argv[1]))).source[-1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], timeout=120, capture_output=True, text=True
    )
    assert done.stdout.strip() == "y", done.stderr
