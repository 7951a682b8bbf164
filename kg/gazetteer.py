"""Curated resources, read from kg/data: states, organisations, titles, triggers, processes,
well-known officials."""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import pycountry

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class OrgEntry:
    name: str
    kind: str  # "state" or "body"
    part_of: str | None = None


@dataclass(frozen=True)
class Term:
    """One term of office of a well-known official (kg/data/officials.tsv)."""

    affiliation: str
    office: str
    start: date
    end: date | None  # None: in office when the list was written


@dataclass
class Gazetteer:
    """Name forms → canonical entries, plus the word lists the extractor's rules use."""

    orgs: dict[str, OrgEntry] = field(default_factory=dict)  # surface form → entry
    demonyms: dict[str, str] = field(default_factory=dict)  # "Russian" → "Russia"
    demonym_of: dict[str, str] = field(default_factory=dict)  # "Russia" → "Russian"
    capitals: dict[str, str] = field(default_factory=dict)  # "Moscow" → "Russia"
    title_heads: set[str] = field(default_factory=set)
    title_words: set[str] = field(default_factory=set)
    portfolio_words: set[str] = field(default_factory=set)
    processes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    triggers: dict = field(default_factory=dict)
    officials: dict[str, list[Term]] = field(default_factory=dict)  # casefolded name → terms

    def office_body(self, title: str) -> str | None:
        """The body an office names by itself: an unqualified Secretary-General is the UN's."""
        office = re.sub(r"secretary[ -]general", "secretary-general", title.lower())
        return next(
            (
                body
                for pattern, body in self.triggers["office_affiliations"].items()
                if re.search(pattern, office)
            ),
            None,
        )

    def offices_on(self, names: list[str], when: date) -> list[Term]:
        """The terms of office that any of these names held on a day."""
        return [
            term
            for name in names
            for term in self.officials.get(name.casefold(), [])
            if term.start <= when and (term.end is None or when <= term.end)
        ]


def _lines(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _split(cell: str) -> list[str]:
    # "the" is matched by the rules around a name, never as part of it
    return [c.strip() for c in cell.split(";") if c.strip() and not c.strip().startswith("the ")]


@cache
def load() -> Gazetteer:
    gaz = Gazetteer()
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        if "," in name:
            continue
        entry = OrgEntry(name, "state")
        for form in {name, getattr(country, "official_name", name)}:
            gaz.orgs.setdefault(form, entry)
    for row in _lines("states.tsv"):
        row += [""] * (4 - len(row))
        entry = OrgEntry(row[0], "state")
        for form in [row[0], *_split(row[1])]:
            gaz.orgs[form] = entry
        for demonym in _split(row[2]):
            gaz.demonyms[demonym] = row[0]
            gaz.demonym_of.setdefault(row[0], demonym)
        for capital in _split(row[3]):
            gaz.capitals[capital] = row[0]
    for row in _lines("organisations.tsv"):
        row += [""] * (3 - len(row))
        entry = OrgEntry(row[0], "body", row[2] or None)
        for form in [row[0], *_split(row[1])]:
            gaz.orgs[form] = entry
    titles = [r[0] for r in _lines("titles.txt")]
    gaz.title_heads = {t.split()[-1] for t in titles}
    gaz.title_words = {w for t in titles for w in t.split()} | {
        r[0] for r in _lines("title_modifiers.txt")
    }
    gaz.portfolio_words = {r[0] for r in _lines("portfolio_words.txt")}
    gaz.processes = [(r[0], tuple(_split(r[1]))) for r in _lines("processes.tsv")]
    gaz.triggers = json.loads((DATA / "triggers.json").read_text(encoding="utf-8"))
    for name, others, affiliation, office, start, end in _lines("officials.tsv"):
        term = Term(affiliation, office, _month(start, first=True), _month(end, first=False))
        for form in {name, *_split(others)}:
            gaz.officials.setdefault(form.casefold(), []).append(term)
    return gaz


def _month(text: str, *, first: bool) -> date | None:
    """ "2017-11" or "2017" as its first (or last) day; "" as None."""
    if not text.strip():
        return None
    year, _, month = text.strip().partition("-")
    y = int(year)
    if first:
        return date(y, int(month or 1), 1)
    m = int(month or 12)
    return date(y, m, calendar.monthrange(y, m)[1])
