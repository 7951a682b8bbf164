"""Reading articles: plain text with header lines, JSON, JSON Lines, or a directory of them."""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from pyoxigraph import NamedNode

from kg.dates import parse_iso

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HEADER_KEYS = ("date", "source", "url", "license", "title")

# Limits that keep one bad file from exhausting memory or time; each refusal says how to split.
MAX_FILE_BYTES = 1_000_000  # a text file (one article) or one JSON Lines record
MAX_JSON_BYTES = 50_000_000  # a JSON file is parsed whole; JSON Lines files have no limit
MAX_TEXT_CHARS = 100_000  # an article's text: spaCy's time and memory grow with it
MAX_BAD_LINES = 100  # then a .jsonl file is probably not JSON Lines at all
HTML_TAGS = 10  # this many tags make a text HTML; a few stray ones are quoted markup

# "date 2017-11-14" may share its line with the start of the text (the sample article's form).
# Matched on a stripped line: a trailing `\s*$` would make a long run of spaces quadratic.
_HEADER = re.compile(r"(date|source|url|license|title)\s*:?\s+(.*)", re.IGNORECASE)
_INLINE_DATE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*")
# spaCy's tokenizer takes quadratic time over a long run of punctuation (quotes, "'s's's"):
# such runs are refused; long runs of letters (CJK, URLs, base64) are fast and kept.
_LONG_RUN = re.compile(r"\S{1001,}")
_HTML_PAGE = re.compile(r"<!doctype\s+html|<html[\s>]|<head>|<body[\s>]", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|br|a|li|ul|ol|table|tr|td|h[1-6]|script|style|meta|link|img|nav|section)"
    r"\b[^<>]{0,500}>",
    re.IGNORECASE,
)

# Datelines: "GENEVA, November 14. /TASS/.", "VIENNA, June 20 (Reuters) -", "DOHA (AFP) --".
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
    notes: tuple[str, ...] = field(default=(), compare=False)  # read, but the user should know

    @cached_property  # read by the reader's cache and by the build, for every article
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
    """Articles in one file; a bad file or record yields an ArticleError instead of raising.

    Nothing here raises on any content: the size limits hold before a byte is read, text is
    decoded as UTF-8 (Windows-1252 with a note when it is not), and each record is checked.
    """
    name = str(path)
    try:
        if not path.is_file():
            yield ArticleError(name, "is not a regular file; give files or directories")
            return
        size = path.stat().st_size
    except OSError as exc:
        yield ArticleError(name, f"cannot be read ({exc.strerror}); check the path and permissions")
        return
    suffix = path.suffix.lower()
    try:
        if suffix in JSONL_SUFFIXES:
            yield from _read_jsonl(path, default_date)
            return
        limit = MAX_JSON_BYTES if suffix in JSON_SUFFIXES else MAX_FILE_BYTES
        if size > limit:
            yield ArticleError(name, _too_big(size, limit, suffix in JSON_SUFFIXES))
            return
        with path.open("rb") as f:
            raw = f.read(limit + 1)  # the file may have grown since stat
    except OSError as exc:
        yield ArticleError(name, f"cannot be read ({exc.strerror}); check the path and permissions")
        return
    if len(raw) > limit:
        yield ArticleError(name, _too_big(len(raw), limit, suffix in JSON_SUFFIXES))
        return
    try:
        content, note = decode(raw)
    except Undecodable as exc:
        yield ArticleError(name, exc.problem)
        return
    notes = (note,) if note else ()
    if suffix in JSON_SUFFIXES:
        yield from _read_json(content, path, default_date, notes)
    else:
        yield _read_text(content, path, default_date, notes)


class Undecodable(Exception):
    """Bytes that are not text in an encoding we read; `problem` says what to do."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


# Formats people save by mistake, by their first bytes: named so the message says what to do.
_MAGIC = {
    b"%PDF-": "a PDF document; extract its text first (e.g. pdftotext FILE)",
    b"PK\x03\x04": "a ZIP archive (or a .docx/.odt document); unpack it or save the text as .txt",
    b"\x1f\x8b": "gzip-compressed; decompress it first (gunzip FILE)",
    b"\x89PNG": "a PNG image, not text",
    b"\xff\xd8\xff": "a JPEG image, not text",
    b"GIF8": "a GIF image, not text",
    b"{\\rtf": "an RTF document; save it as plain text",
}
# A valid multi-byte UTF-8 sequence: a file with these and with invalid bytes is damaged UTF-8.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def decode(raw: bytes) -> tuple[str, str | None]:
    """Text from bytes, and a note when it was not UTF-8; Undecodable when it is not text.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read as
    they are. Other bytes are read as Windows-1252 (a superset of Latin-1, what Windows editors
    save), with a note, unless the file is mostly valid UTF-8: then it is damaged, and guessing
    would garble the good part.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise Undecodable(
                f"starts as UTF-16 but is not valid UTF-16 (byte {exc.start}); re-save it as UTF-8"
            ) from exc
        sniff(text.encode("utf-8", "surrogatepass"))
        return text, None
    sniff(raw)
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    good = len(_UTF8_MULTIBYTE.findall(raw))
    bad = raw.decode("utf-8", "replace").count("\ufffd") - raw.count("\ufffd".encode())
    if good >= bad:
        raise Undecodable(
            f"is not valid UTF-8 at byte {first_bad}, though the rest is UTF-8: the file is "
            "damaged or mixes encodings; repair it (iconv -f UTF-8 -t UTF-8 -c drops bad bytes)"
        )
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise Undecodable(
            f"is neither UTF-8 nor Windows-1252 text (byte {exc.start}); re-save it as UTF-8, "
            "e.g. iconv -f ENCODING -t UTF-8"
        ) from exc
    return text, (
        "is not UTF-8; read as Windows-1252 (Latin-1). If accents look wrong, re-save it as "
        "UTF-8, e.g. iconv -f WINDOWS-1252 -t UTF-8"
    )


_BINARY = "is a binary file, not text; give plain text, JSON or JSON Lines"
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def sniff(raw: bytes) -> None:
    """Undecodable if the bytes (the start of a file will do) are a known binary format, or
    hold NUL bytes or more control characters than any text has."""
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            raise Undecodable(f"is {what}")
    sample = raw[:65536]
    if b"\x00" in sample[:8192] or len(_CONTROL_BYTES.findall(sample)) > max(4, len(sample) // 100):
        raise Undecodable(_BINARY)


def _too_big(size: int, limit: int, is_json: bool) -> str:
    megabytes = f"{size / 1e6:.{1 if size >= 10e6 else 2}f} MB"
    if is_json:
        return (
            f"is {megabytes}, more than the {limit // 1_000_000} MB a JSON file may have (it is "
            "read whole); write it as JSON Lines, one article per line "
            "(e.g. jq -c '.[]' FILE.json > FILE.jsonl), which is read line by line"
        )
    return (
        f"is {megabytes}, more than the {limit // 1_000_000} MB an article file may have; a text "
        "file holds one article: split it into one file per article, or into a JSON Lines "
        "file (one article per line)"
    )


def _article_id(path: Path, index: int | None = None) -> str:
    stem = slug(path.stem)
    return stem if index is None else f"{stem}-{index + 1}"


def _read_text(
    content: str, path: Path, default_date: date | None, notes: tuple[str, ...]
) -> Article | ArticleError:
    name = str(path)
    meta: dict[str, str] = {}
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    body_start = 0
    for i, line in enumerate(lines):
        if not line.strip():
            body_start = i + 1
            continue
        inline = _INLINE_DATE.match(line)
        header = _HEADER.fullmatch(line.strip())
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
    return _make_article(name, _article_id(path), text, meta, default_date, notes)


def _read_json(
    content: str, path: Path, default_date: date | None, notes: tuple[str, ...]
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
    if not records:
        yield ArticleError(str(path), 'is an empty JSON list; give [{"text": ..., "date": ...}]')
    for i, record in enumerate(records):
        index = None if not isinstance(data, list) else i
        yield _from_record(record, path, index, f"{path} record {i + 1}", default_date, notes)


def _read_jsonl(path: Path, default_date: date | None) -> Iterator[Article | ArticleError]:
    """Records one line at a time, so a file of any size is read in little memory."""
    with path.open("rb") as f:
        head = f.read(8192)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            yield ArticleError(str(path), "is UTF-16; JSON Lines must be UTF-8: re-save it so")
            return
        try:
            sniff(head)
        except Undecodable as exc:
            yield ArticleError(str(path), exc.problem)
            return
        f.seek(0)
        bad = 0
        for lineno, line in _bounded_lines(f, MAX_FILE_BYTES):
            where = f"{path} line {lineno}"
            if line is None:
                item: Article | ArticleError = ArticleError(
                    where, f"is longer than {MAX_FILE_BYTES // 1_000_000} MB; one article per line"
                )
            elif not line.strip():
                continue
            else:
                item = _jsonl_record(line, lineno == 1, path, lineno, where, default_date)
            if isinstance(item, ArticleError):
                bad += 1
                if bad > MAX_BAD_LINES:
                    yield ArticleError(
                        str(path),
                        f"has more than {MAX_BAD_LINES} bad lines; the rest is not read. Is it "
                        "JSON Lines (one JSON object per line)?",
                    )
                    return
            yield item


def _jsonl_record(
    line: bytes, first: bool, path: Path, lineno: int, where: str, default_date: date | None
) -> Article | ArticleError:
    try:
        content, note = decode(line.removeprefix(codecs.BOM_UTF8) if first else line)
        content = content.rstrip("\r\n")
    except Undecodable as exc:
        return ArticleError(where, exc.problem)
    try:
        record = json.loads(content)
    except json.JSONDecodeError as exc:
        return ArticleError(
            where, f"is not valid JSON (column {exc.colno}: {exc.msg}); one JSON object per line"
        )
    except RecursionError:
        return ArticleError(where, "is JSON nested too deeply to read; flatten it")
    notes = (note,) if note else ()
    return _from_record(record, path, lineno - 1, where, default_date, notes)


def _bounded_lines(f: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines of a binary file; None for a line over the limit, which is skipped unread."""
    lineno = 0
    while line := f.readline(limit + 1):
        lineno += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := f.readline(1 << 16)) and not rest.endswith(b"\n"):
                pass
            yield lineno, None
        else:
            yield lineno, line


def _from_record(
    record: object,
    path: Path,
    index: int | None,
    where: str,
    default_date: date | None,
    notes: tuple[str, ...],
) -> Article | ArticleError:
    if not isinstance(record, dict):
        return ArticleError(where, 'is not a JSON object; give {"text": ..., "date": ...}')
    if not isinstance(record.get("text"), str):
        return ArticleError(where, 'has no "text" string; each record needs "text" and "date"')
    meta: dict[str, str] = {}
    for key in (*HEADER_KEYS, "id"):
        value = record.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return ArticleError(where, f'has a "{key}" that is not a string; give it as text')
        meta[key] = str(value)
    article_id = slug(meta.pop("id")) if meta.get("id") else _article_id(path, index)
    return _make_article(where, article_id, record["text"].strip(), meta, default_date, notes)


def _make_article(
    where: str,
    article_id: str,
    text: str,
    meta: dict[str, str],
    default_date: date | None,
    notes: tuple[str, ...] = (),
) -> Article | ArticleError:
    if not text:
        return ArticleError(where, "is empty; an article needs some text")
    if len(text) > MAX_TEXT_CHARS:
        return ArticleError(
            where,
            f"has {len(text):,} characters of text, more than the {MAX_TEXT_CHARS:,} an article "
            "may have; split it into articles (one file, or one JSON Lines record, each)",
        )
    if _HTML_PAGE.search(text[:2000]) or len(_HTML_TAG.findall(text)) >= HTML_TAGS:
        return ArticleError(
            where,
            "is HTML, not article text; save only the article's text (a browser's reader "
            "view, or a tool such as trafilatura or html2text) and build that",
        )
    for run in _LONG_RUN.finditer(text):
        if sum(c.isalnum() for c in run.group()) < len(run.group()) * 0.7:
            return ArticleError(
                where,
                f"has {len(run.group()):,} characters without a space, mostly punctuation, "
                f"from character {run.start():,}: that is not prose (and would take the "
                "tokenizer minutes); remove it",
            )
    text, broken = _clean(text)
    meta = {k: _clean(v)[0] for k, v in meta.items()}
    notes = (*notes, *(_BROKEN_NOTE,) * broken)
    if "date" in meta:
        when = article_date(meta["date"])
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
    if in_future(when):
        return ArticleError(
            where,
            f"is dated {when.isoformat()}, in the future; fix the date (its relative dates, "
            "'on Tuesday', 'last week', are resolved against it)",
        )
    url = meta.get("url")
    if url is not None and not _is_web_url(url):
        notes = (*notes, f"its url {url!r} is not an absolute http(s) URL, so it is left out")
        url = None
    language = _language_note(text)
    if language:
        notes = (*notes, language)
    place, agency, text = _split_dateline(text)
    return Article(
        id=article_id,
        text=text,
        date=when,
        source_file=where,
        title=meta.get("title"),
        source=meta.get("source"),
        url=url,
        license=meta.get("license"),
        dateline_place=place,
        dateline_agency=agency,
        meta=meta,
        notes=notes,
    )


def in_future(when: date) -> bool:
    """After today, with a day's grace for time zones."""
    return when > date.today() + timedelta(days=1)


def article_date(value: str) -> date | None:
    """An article's date: YYYY-MM-DD, or the date of an ISO 8601 timestamp (as JSON often has)."""
    value = value.strip()
    if len(value) > 10 and value[10] in "T ":
        try:
            stamp = datetime.fromisoformat(value)
        except ValueError:
            return None
        return stamp.date() if parse_iso(value[:10]) else None
    return parse_iso(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BROKEN_NOTE = "had broken characters (lone UTF-16 surrogates), read as U+FFFD"
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean(value: str) -> tuple[str, bool]:
    """Control characters become spaces, lone surrogates U+FFFD (they cannot be stored)."""
    value = _CONTROL.sub(" ", value.replace("\r\n", "\n").replace("\r", "\n"))
    cleaned, broken = _SURROGATE.subn("\ufffd", value)
    return cleaned, broken > 0


def _is_web_url(url: str) -> bool:
    if not re.match(r"https?://", url, re.IGNORECASE):
        return False
    try:
        NamedNode(url)
    except ValueError:
        return False
    return True


# Function words make up a fifth or more of English prose; other languages have few of them.
_ENGLISH_WORDS = frozenset(
    {"the", "of", "and", "to", "in", "a", "is", "was", "that", "for", "on", "with", "by", "as"}
    | {"at", "from", "has", "have", "said", "will", "it", "its", "are", "be", "an", "were"}
    | {"this", "which", "not", "but", "their", "his", "her", "they", "he", "she", "had", "been"}
)
_WORD = re.compile(r"[^\W\d_]+")
_NON_LATIN = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f]+")


def _language_note(text: str) -> str | None:
    """A note when the text does not look like English, which is all the rules read."""
    # a few hundred words are plenty to tell, and this runs on every article of every rebuild
    sample = text[:1500]
    words = _WORD.findall(sample.lower())
    letters = sum(map(len, words))
    latin = letters - sum(map(len, _NON_LATIN.findall(sample)))
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    if (letters >= 20 and latin < letters / 2) or (len(words) >= 30 and english < len(words) / 20):
        return (
            "does not look like English; kg reads English only, so little or nothing will be "
            "found in it (translate it first)"
        )
    return None


def _split_dateline(text: str) -> tuple[str | None, str | None, str]:
    """Take the dateline off the text: it names a place and a source, not part of a sentence."""
    match = _DATELINE.match(text)
    if not match or not (match["when"] or match["agency1"] or match["agency2"]):
        return None, None, text
    place = match.group("place").strip().title()
    agency = match.group("agency1") or match.group("agency2")
    return place, agency.strip() if agency else None, text[match.end() :]
