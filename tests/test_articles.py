"""Reading articles: headers, datelines, JSON, JSON Lines, and clear errors for bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kg.articles import Article, ArticleError, read_path
from kg.build import read_articles


def read_one(path: Path, default_date: date | None = None) -> Article | ArticleError:
    items = list(read_path(path, default_date))
    assert len(items) == 1
    return items[0]


def test_header_lines_and_title(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(
        "date 2020-03-01\nsource Example Wire\nurl https://example.org/a\nlicense CC BY 4.0\n\n"
        "title: Envoys meet\n\nThe envoys met in Oslo on Sunday.\n",
        encoding="utf-8",
    )
    article = read_one(path)
    assert isinstance(article, Article)
    assert article.date == date(2020, 3, 1)
    assert article.title == "Envoys meet"
    assert article.source == "Example Wire"
    assert article.url == "https://example.org/a"
    assert article.text == "The envoys met in Oslo on Sunday."


def test_inline_date_and_dateline(tmp_path: Path) -> None:
    path = tmp_path / "b.txt"
    path.write_text(" date 2019-05-02 OSLO, May 2. /TASS/. The minister arrived.", encoding="utf-8")
    article = read_one(path)
    assert isinstance(article, Article)
    assert article.date == date(2019, 5, 2)
    assert article.dateline_place == "Oslo"
    assert article.dateline_agency == "TASS"
    assert article.text == "The minister arrived."


@pytest.mark.parametrize(
    "opening, place, agency",
    [
        ("UNITED NATIONS (Sputnik) — The council met.", "United Nations", "Sputnik"),
        ("DAMASCUS (Reuters) - The council met.", "Damascus", "Reuters"),
    ],
)
def test_agency_datelines(tmp_path: Path, opening: str, place: str, agency: str) -> None:
    path = tmp_path / "c.txt"
    path.write_text(f"date 2018-01-01\n\n{opening}", encoding="utf-8")
    article = read_one(path)
    assert isinstance(article, Article)
    assert (article.dateline_place, article.dateline_agency) == (place, agency)
    assert article.text == "The council met."


def test_json_list_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(
        json.dumps(
            [
                {"text": "One.", "date": "2020-01-01"},
                {"text": "Two.", "date": "2020-01-02", "title": "T"},
            ]
        )
    )
    (tmp_path / "y.jsonl").write_text(
        '{"text": "Three.", "date": "2020-01-03"}\n\n{"text": "Four.", "date": "2020-01-04"}\n'
    )
    articles, errors = read_articles([tmp_path])
    assert not errors
    assert [a.text for a in articles] == ["One.", "Two.", "Three.", "Four."]
    assert len({a.id for a in articles}) == 4


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("empty.txt", b"", "is empty"),
        ("blank.txt", b"date 2020-01-01\n\n   \n", "is empty"),
        ("binary.txt", b"\x00\x01\x02PNG", "binary"),
        ("latin1.txt", "date 2020-01-01\n\nCaf\xe9".encode("latin-1"), "not valid UTF-8"),
        ("nodate.txt", b"Text without a date.", "--date"),
        ("baddate.txt", b"date 2017-02-30\n\nText.", "invalid date"),
        ("bad.json", b'{"text": "x", ', "not valid JSON"),
        ("notext.json", b'{"date": "2020-01-01"}', '"text"'),
    ],
)
def test_bad_input_gets_a_clear_message(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    item = read_one(path)
    assert isinstance(item, ArticleError)
    assert fragment in str(item)
    assert str(path) in str(item)


def test_default_date_and_bom_crlf(tmp_path: Path) -> None:
    path = tmp_path / "d.txt"
    path.write_bytes("\ufeffTalks resumed.\r\nThey ended.\r\n".encode())
    article = read_one(path, default_date=date(2021, 6, 1))
    assert isinstance(article, Article)
    assert article.date == date(2021, 6, 1)
    assert article.text == "Talks resumed.\nThey ended."


def test_a_bad_file_does_not_stop_the_batch(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("date 2020-01-01\n\nGood.")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00")
    articles, errors = read_articles([tmp_path])
    assert [a.text for a in articles] == ["Good."]
    assert len(errors) == 1


@pytest.mark.parametrize("url", ["none", "n/a", "-", "www.example.org/story", "http://a b"])
def test_a_url_that_is_no_address_is_left_out(tmp_path: Path, url: str) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"date 2020-01-02\nurl {url}\n\nEnvoys met in Oslo.", encoding="utf-8")
    (article,) = read_path(path)
    assert isinstance(article, Article) and article.url is None


@pytest.mark.parametrize(
    ("first_line", "place", "agency"),
    [
        ("VIENNA, June 20 (Reuters) - Talks resumed.", "Vienna", "Reuters"),
        ("MEXICO CITY (AFP) -- Talks resumed.", "Mexico City", "AFP"),
        ("GENEVA, November 14. /TASS/. Talks resumed.", "Geneva", "TASS"),
        ("LONDON, May 5 (AP) _ Talks resumed.", "London", "AP"),
        ("UN envoys met. Talks resumed.", None, None),
    ],
)
def test_datelines_name_the_place_and_the_agency(
    tmp_path: Path, first_line: str, place: str | None, agency: str | None
) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"date 2020-01-02\n\n{first_line}", encoding="utf-8")
    (article,) = read_path(path)
    assert isinstance(article, Article)
    assert (article.dateline_place, article.dateline_agency) == (place, agency)
    assert article.text.endswith("Talks resumed.")
