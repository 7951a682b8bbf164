"""Reading articles: plain text with header lines, JSON, JSON Lines, or a directory of them."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kg.dates import parse_iso

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
# an absolute IRI: a scheme, a colon and no character an IRI may not hold (RFC 3987)
_ABSOLUTE_IRI = re.compile(r'[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|\\^`]+')
HEADER_KEYS = ("date", "source", "url", "license", "title")

# "date 2017-11-14" may share its line with the start of the text (the sample article's form).
_HEADER = re.compile(r"^\s*(date|source|url|license|title)\s*:?\s+(.*?)\s*$", re.IGNORECASE)
_INLINE_DATE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*")

# Datelines: "GENEVA, November 14. /TASS/.", "UNITED NATIONS (Sputnik) —", "DAMASCUS (Reuters) -".
# "GENEVA, November 14. /TASS/.", "VIENNA, June 20 (Reuters) -", "DOHA (AFP) --"
_DATELINE = re.compile(
    r"""^(?P<place>[A-Z][A-Z.'\-]+(?:[ ][A-Z][A-Z.'\-]+){0,4})
        (?:,\s*(?P<when>[A-Z][a-z]+\.?\s+\d{1,2})\.?)?
        \s*(?:/(?P<agency1>[A-Za-z\- ]{2,30})/\.?|\((?P<agency2>[A-Za-z\- ]{2,30})\))?
        \s*[-—–_]{0,2}\s+""",
    re.VERBOSE,
)


class ArticleError(Exception):
    """A file that cannot be read as an article; the message says what to do."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


@dataclass(frozen=True)
class Article:
    """One article: its text and what is known about it."""

    id: str
    text: str
    date: date
    source_file: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    license: str | None = None
    dateline_place: str | None = None
    dateline_agency: str | None = None
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def content_hash(self) -> str:
        payload = json.dumps([self.text, self.date.isoformat(), self.title, self.source, self.url])
        return hashlib.sha256(payload.encode()).hexdigest()


def slug(text: str) -> str:
    """A lower-case, ASCII, dash-separated form of a name, stable across runs."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Files under the given paths, directories read recursively in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith("."):
                    yield child
        else:
            yield path


def read_path(path: Path, default_date: date | None = None) -> Iterator[Article | ArticleError]:
    """Articles in one file; a bad file or record yields an ArticleError instead of raising."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield ArticleError(name, f"cannot be read ({exc.strerror}); check the path and permissions")
        return
    if b"\x00" in raw[:8192]:
        yield ArticleError(name, "is a binary file, not text; give plain text, JSON or JSON Lines")
        return
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield ArticleError(
            name,
            f"is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8, "
            "e.g. iconv -f WINDOWS-1252 -t UTF-8",
        )
        return
    suffix = path.suffix.lower()
    if suffix in JSON_SUFFIXES:
        yield from _read_json(content, path, default_date)
    elif suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(content, path, default_date)
    else:
        yield _read_text(content, path, default_date)


def _article_id(path: Path, index: int | None = None) -> str:
    stem = slug(path.stem)
    return stem if index is None else f"{stem}-{index + 1}"


def _read_text(content: str, path: Path, default_date: date | None) -> Article | ArticleError:
    name = str(path)
    meta: dict[str, str] = {}
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    body_start = 0
    for i, line in enumerate(lines):
        if not line.strip():
            body_start = i + 1
            continue
        inline = _INLINE_DATE.match(line)
        header = _HEADER.match(line)
        if header and header.group(1).lower() != "date":
            meta[header.group(1).lower()] = header.group(2)
            body_start = i + 1
        elif inline and inline.end() < len(line.rstrip()):
            meta["date"] = inline.group(1)
            lines[i] = line[inline.end() :]
            body_start = i
            break
        elif header:
            meta["date"] = header.group(2)
            body_start = i + 1
        else:
            body_start = i
            break
    text = "\n".join(lines[body_start:]).strip()
    return _make_article(name, _article_id(path), text, meta, default_date)


def _read_json(
    content: str, path: Path, default_date: date | None
) -> Iterator[Article | ArticleError]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        yield ArticleError(
            str(path), f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        )
        return
    except RecursionError:
        yield ArticleError(str(path), "is JSON nested too deeply to read; flatten it")
        return
    records = data if isinstance(data, list) else [data]
    for i, record in enumerate(records):
        index = None if not isinstance(data, list) else i
        yield _from_record(record, path, index, f"{path} record {i + 1}", default_date)


def _read_jsonl(
    content: str, path: Path, default_date: date | None
) -> Iterator[Article | ArticleError]:
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path} line {lineno}"
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield ArticleError(where, f"is not valid JSON ({exc}); one JSON object per line")
            continue
        yield _from_record(record, path, lineno - 1, where, default_date)


def _from_record(
    record: object, path: Path, index: int | None, where: str, default_date: date | None
) -> Article | ArticleError:
    if not isinstance(record, dict):
        return ArticleError(where, 'is not a JSON object; give {"text": ..., "date": ...}')
    if not isinstance(record.get("text"), str):
        return ArticleError(where, 'has no "text" string; each record needs "text" and "date"')
    meta = {k: str(record[k]) for k in HEADER_KEYS if record.get(k) is not None}
    article_id = slug(str(record["id"])) if record.get("id") else _article_id(path, index)
    return _make_article(where, article_id, record["text"].strip(), meta, default_date)


def _make_article(
    where: str, article_id: str, text: str, meta: dict[str, str], default_date: date | None
) -> Article | ArticleError:
    if not text:
        return ArticleError(where, "is empty; an article needs some text")
    if "date" in meta:
        when = parse_iso(meta["date"].strip())
        if when is None:
            return ArticleError(
                where, f"has an invalid date {meta['date']!r}; write it as YYYY-MM-DD"
            )
    elif default_date is not None:
        when = default_date
    else:
        return ArticleError(
            where,
            "has no date; add a first line 'date YYYY-MM-DD' (or a \"date\" field), "
            "or pass --date YYYY-MM-DD",
        )
    place, agency, text = _split_dateline(text)
    return Article(
        id=article_id,
        text=text,
        date=when,
        source_file=where,
        title=meta.get("title"),
        source=meta.get("source"),
        url=_web_address(meta.get("url")),
        license=meta.get("license"),
        dateline_place=place,
        dateline_agency=agency,
        meta=meta,
    )


def _web_address(url: str | None) -> str | None:
    """The article's address if it is one ("none", "n/a" or a bare path say there is none)."""
    url = (url or "").strip()
    return url if _ABSOLUTE_IRI.fullmatch(url) else None


def _split_dateline(text: str) -> tuple[str | None, str | None, str]:
    """Take the dateline off the text: it names a place and a source, not part of a sentence."""
    match = _DATELINE.match(text)
    if not match or not (match["when"] or match["agency1"] or match["agency2"]):
        return None, None, text
    place = match.group("place").strip().title()
    agency = match.group("agency1") or match.group("agency2")
    return place, agency.strip() if agency else None, text[match.end() :]
