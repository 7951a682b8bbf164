"""Properties of the article reader: no bytes crash it, and what is written is read back.

(The date resolver's properties are in test_dates.py.)
"""

from __future__ import annotations

import codecs
import json
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.articles import (
    MAX_TEXT_CHARS,
    Article,
    ArticleError,
    Undecodable,
    decode,
    in_future,
    read_path,
)

SUFFIXES = [".txt", ".json", ".jsonl", ".md", ""]
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_bytes(data: bytes, suffix: str, default_date: date | None) -> list[object]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"article{suffix}"
        path.write_bytes(data)
        return list(read_path(path, default_date))


def assert_sound(items: list[object]) -> None:
    """Every item is an error with a message, or an article that can be stored as it is."""
    for item in items:
        assert isinstance(item, Article | ArticleError)
        if isinstance(item, ArticleError):
            assert item.problem and "\n" not in str(item)
            continue
        assert item.text and len(item.text) <= MAX_TEXT_CHARS
        assert not in_future(item.date)
        item.text.encode("utf-8")  # no lone surrogates: the store could not hold them
        for value in (item.title, item.source, item.url, item.license):
            if value is not None:
                value.encode("utf-8")
        assert len(item.content_hash) == 64
        assert item.id and all(c.isalnum() or c == "-" for c in item.id)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
record_keys = st.sampled_from(["text", "date", "title", "source", "url", "license", "id", "x"])
records = st.dictionaries(record_keys, json_values | st.text(max_size=200), max_size=7)


@FAST
@given(
    data=st.binary(max_size=4000),
    suffix=st.sampled_from(SUFFIXES),
    default=st.none() | st.dates(max_value=date(2030, 1, 1)),
)
@example(data=b"\xff\xfe\x00", suffix=".txt", default=None)
@example(data=b"\xef\xbb\xbf", suffix=".jsonl", default=None)
@example(data=b"date 2017-02-30\n\nx", suffix=".txt", default=None)
@example(data=b'{"text": "\\ud800", "date": "2020-01-01"}', suffix=".json", default=None)
@example(data=b'{"text": "a", "date": "2020-01-01T25:00"}', suffix=".jsonl", default=None)
def test_no_bytes_crash_the_reader(data: bytes, suffix: str, default: date | None) -> None:
    assert_sound(read_bytes(data, suffix, default))


@FAST
@given(
    record=records | json_values,
    suffix=st.sampled_from([".json", ".jsonl"]),
    default=st.none() | st.just(date(2020, 1, 1)),
)
def test_no_json_record_crashes_the_reader(
    record: object, suffix: str, default: date | None
) -> None:
    data = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
    assert_sound(read_bytes(data, suffix, default))


@FAST
@given(text=st.text(max_size=2000), prefix=st.sampled_from(["", "date 2020-01-01\n\n"]))
def test_no_text_crashes_the_reader(text: str, prefix: str) -> None:
    data = (prefix + text).encode("utf-8", "surrogatepass")
    assert_sound(read_bytes(data, ".txt", None))


# Header values: letters, digits, punctuation, symbols and spaces, any script, one line.
value = st.text(
    st.characters(categories=["L", "N", "P", "S", "Zs"], exclude_characters="\x85"),
    min_size=1,
    max_size=60,
).map(str.strip)
word = st.text(st.characters(categories=["Ll"]), min_size=1, max_size=10)
body = st.lists(word, min_size=3, max_size=40).map(lambda ws: "The " + " ".join(ws) + ".")
url = st.builds(
    lambda host, path: f"https://{host}.example.org/{path}",
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-_/", max_size=30),
)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date.today())


@FAST
@given(
    when=dates,
    title=value,
    source=value,
    license_=value,
    link=url,
    text=body,
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_text_headers_round_trip(
    when: date,
    title: str,
    source: str,
    license_: str,
    link: str,
    text: str,
    bom: bool,
    newline: str,
) -> None:
    if not (title and source and license_):
        return
    lines = [f"date {when}", f"source {source}", f"url {link}", f"license {license_}", ""]
    content = newline.join([*lines, f"title: {title}", "", text, ""])
    data = (codecs.BOM_UTF8 if bom else b"") + content.encode("utf-8")
    (item,) = read_bytes(data, ".txt", None)
    assert isinstance(item, Article), item
    assert (item.date, item.title, item.source, item.url, item.license, item.text) == (
        when,
        title,
        source,
        link,
        license_,
        text,
    )


@FAST
@given(
    when=dates,
    title=value,
    source=value,
    link=url,
    text=body,
    ident=st.lists(
        st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
        min_size=1,
        max_size=4,
    ).map("-".join),  # ids are slugs already, so they are kept as they are
    suffix=st.sampled_from([".json", ".jsonl"]),
)
def test_json_fields_round_trip(
    when: date, title: str, source: str, link: str, text: str, ident: str, suffix: str
) -> None:
    if not (title and source):
        return
    record = {"id": ident, "text": text, "date": str(when), "title": title, "source": source}
    record["url"] = link
    (item,) = read_bytes(json.dumps(record).encode(), suffix, None)
    assert isinstance(item, Article), item
    assert (item.id, item.date, item.title, item.source, item.url, item.text) == (
        ident,
        when,
        title,
        source,
        link,
        text,
    )


printable = st.text(
    st.characters(categories=["L", "N", "P", "S", "Zs"]) | st.sampled_from("\n\t"), max_size=300
)


@FAST
@given(text=printable, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_unicode_text_decodes_exactly(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == (text, None)


@FAST
@given(text=printable)
def test_windows_1252_text_is_read_exactly_or_refused(text: str) -> None:
    """Bytes that are not UTF-8 are read as Windows-1252 with a note, or refused with a reason
    (when they look like damaged UTF-8); never read as something else without a word."""
    try:
        data = text.encode("cp1252")
        data.decode("utf-8")
        return  # not a fallback case
    except UnicodeEncodeError:
        return
    except UnicodeDecodeError:
        pass
    try:
        decoded, note = decode(data)
    except Undecodable as exc:
        assert "UTF-8" in exc.problem
    else:
        assert decoded == text
        assert note and "Windows-1252" in note
