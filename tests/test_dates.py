"""Tests for kg.dates: date expressions found in text and resolved against the article date."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from itertools import pairwise
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.dates import DateMention, DateValue, Tense, find_dates, parse_iso

TUE = date(2017, 11, 14)  # a Tuesday: the default article date
MON = date(2014, 12, 22)  # a Monday


class Expected(NamedTuple):
    words: str
    literal: str
    precision: str
    earliest: str
    latest: str
    until: str | None = None


def day(words: str, iso: str, until: str | None = None) -> Expected:
    return Expected(words, iso, "day", iso, iso, until)


def month(words: str, literal: str, first: str, last: str) -> Expected:
    return Expected(words, literal, "month", first, last)


def year(words: str, literal: str, until: str | None = None) -> Expected:
    return Expected(words, literal, "year", f"{literal}-01-01", f"{literal}-12-31", until)


def interval(words: str, literal: str, first: str, last: str) -> Expected:
    return Expected(words, literal, "interval", first, last)


# fmt: off
CASES: list[tuple[str, date, Tense, list[Expected]]] = [
    # explicit days, months and years
    ("The next session opens November 28.", TUE, "future", [day("November 28", "2017-11-28")]),
    ("Envoys conferred on July 14 in Vienna.", TUE, "past", [day("on July 14", "2017-07-14")]),
    ("On October 26, she briefed the council.", TUE, None, [day("On October 26", "2017-10-26")]),
    ("It was ratified on October 19, 2016.", date(2017, 1, 18), None,
     [day("on October 19, 2016", "2016-10-19")]),
    ("Leaders gather on 6 December 2019 in Paris.", TUE, None,
     [day("on 6 December 2019", "2019-12-06")]),
    ("A note dated 06.12.2019 was leaked.", TUE, None, [day("06.12.2019", "2019-12-06")]),
    ("The file is stamped 2019-12-06.", TUE, None, [day("2019-12-06", "2019-12-06")]),
    ("Voters went to the polls 3 March 2016.", TUE, "past", [day("3 March 2016", "2016-03-03")]),
    ("Delegates return Nov. 28 to Astana.", TUE, "future", [day("Nov. 28", "2017-11-28")]),
    # a relative year that follows a date gives its year
    ("The third round was in June last year.", date(2005, 7, 26), "past",
     [month("in June last year", "2004-06", "2004-06-01", "2004-06-30")]),
    ("They meet on 5 March next year.", date(2005, 7, 26), None,
     [day("on 5 March next year", "2006-03-05")]),
    # a weekday names the year of a date given without one, whatever the tense says
    ("They co-host it next Wednesday, 23 June.", date(2021, 6, 17), "past",
     [day("Wednesday, 23 June", "2021-06-23")]),
    ("Talks ended on Tuesday, June 23.", date(2021, 6, 17), "future",
     [day("on Tuesday, June 23", "2020-06-23")]),
    ("They met on Monday, 23 June.", date(2021, 6, 17), "past",
     [day("on Monday, 23 June", "2020-06-23")]),
    ("They spoke September 17, 2018 and June 22, 2018.", TUE, None,
     [day("September 17, 2018", "2018-09-17"), day("June 22, 2018", "2018-06-22")]),
    ("Exports fell in September 2017.", TUE, None,
     [month("in September 2017", "2017-09", "2017-09-01", "2017-09-30")]),
    ("A ceasefire was agreed in September.", TUE, "past",
     [month("in September", "2017-09", "2017-09-01", "2017-09-30")]),
    ("Shelling has gone on since July.", TUE, None,
     [month("since July", "2017-07", "2017-07-01", "2017-07-31")]),
    ("The mediator went to Kabul last month.", TUE, "past",
     [month("last month", "2017-10", "2017-10-01", "2017-10-31")]),
    ("A report is expected this month.", TUE, None,
     [month("this month", "2017-11", "2017-11-01", "2017-11-30")]),
    ("A vote may come later this month.", TUE, "future",
     [interval("later this month", "2017-11", "2017-11-14", "2017-11-30")]),
    ("Consultations resume next month.", TUE, "future",
     [month("next month", "2017-12", "2017-12-01", "2017-12-31")]),
    ("The pact was first drafted in 2007.", TUE, "past", [year("in 2007", "2007")]),
    ("Troops are to leave by the end of 2007.", date(2007, 3, 1), "future",
     [interval("by the end of 2007", "2007", "2007-09-01", "2007-12-31")]),
    ("Monitors stayed from 2014 to 2016.", TUE, "past",
     [year("from 2014 to 2016", "2014", until="2016")]),
    # weekdays: the anchor's own weekday is the anchor
    ("Gatilov will hold talks on Tuesday.", TUE, "future", [day("on Tuesday", "2017-11-14")]),
    ("The two ministers spoke Tuesday.", TUE, "past", [day("Tuesday", "2017-11-14")]),
    ("The negotiators met Sunday in Doha.", TUE, "past", [day("Sunday", "2017-11-12")]),
    ("Also Monday, the envoy flies to Ankara.", TUE, "future", [day("Monday", "2017-11-20")]),
    ("The council convenes Thursday.", TUE, None, [day("Thursday", "2017-11-16")]),
    ("The council convened Thursday.", TUE, "past", [day("Thursday", "2017-11-09")]),
    ("Rebels attacked Saturday.", TUE, None, [day("Saturday", "2017-11-11")]),
    ("The minister resigned last Friday.", TUE, None, [day("last Friday", "2017-11-10")]),
    ("They meet again next Monday.", TUE, None, [day("next Monday", "2017-11-20")]),
    ("A decision is due this Friday.", TUE, None, [day("this Friday", "2017-11-17")]),
    ("Compare last Tuesday with next Tuesday.", TUE, None,
     [day("last Tuesday", "2017-11-07"), day("next Tuesday", "2017-11-21")]),
    ("The talks ran late Friday night.", TUE, "past", [day("Friday night", "2017-11-10")]),
    # relative to the anchor
    ("The envoy arrives today and leaves tonight.", TUE, None,
     [day("today", "2017-11-14"), day("tonight", "2017-11-14")]),
    ("A statement came this morning, a reply this evening.", TUE, None,
     [day("this morning", "2017-11-14"), day("this evening", "2017-11-14")]),
    ("Shells fell yesterday afternoon.", TUE, "past", [day("yesterday afternoon", "2017-11-13")]),
    ("He landed yesterday; she lands tomorrow.", TUE, None,
     [day("yesterday", "2017-11-13"), day("tomorrow", "2017-11-15")]),
    ("They met the day before yesterday.", TUE, "past",
     [day("the day before yesterday", "2017-11-12")]),
    ("Aid arrived last week.", TUE, "past",
     [interval("last week", "2017-11", "2017-11-06", "2017-11-12")]),
    ("The summit is this week.", TUE, None,
     [interval("this week", "2017-11", "2017-11-13", "2017-11-19")]),
    ("Inspectors return next week.", TUE, "future",
     [interval("next week", "2017-11", "2017-11-20", "2017-11-26")]),
    ("Rockets were fired earlier this week.", TUE, "past",
     [interval("earlier this week", "2017-11", "2017-11-13", "2017-11-14")]),
    ("A deal may come later this week.", TUE, "future",
     [interval("later this week", "2017-11", "2017-11-14", "2017-11-19")]),
    ("The truce broke down three days ago.", TUE, "past", [day("three days ago", "2017-11-11")]),
    ("He was freed 10 days ago.", TUE, "past", [day("10 days ago", "2017-11-04")]),
    ("The offer came two weeks ago.", TUE, "past",
     [interval("two weeks ago", "2017", "2017-10-30", "2017-11-05")]),
    ("The round ended four months ago.", TUE, "past",
     [month("four months ago", "2017-07", "2017-07-01", "2017-07-31")]),
    ("The round ended exactly four months ago.", TUE, "past",
     [day("exactly four months ago", "2017-07-14")]),
    ("The embassy reopened two years ago.", TUE, "past", [year("two years ago", "2015")]),
    ("The mission began twenty-five years ago.", TUE, "past",
     [year("twenty-five years ago", "1992")]),
    ("The letter was sent more than a week ago.", TUE, "past",
     [interval("more than a week ago", "2017", "2017-10-31", "2017-11-07")]),
    ("Clashes have intensified in recent days.", TUE, None,
     [interval("in recent days", "2017-11", "2017-11-07", "2017-11-14")]),
    ("A deal is expected in the coming weeks.", TUE, "future",
     [interval("in the coming weeks", "2017", "2017-11-14", "2017-12-26")]),
    ("Talks resume in two weeks.", TUE, "future",
     [interval("in two weeks", "2017", "2017-11-27", "2017-12-03")]),
    ("Turnout was the lowest in five years.", TUE, None, []),
    ("The ceremony marks 77 years ago today.", TUE, None,
     [day("77 years ago today", "1940-11-14")]),
    ("The city was bombed 77 years ago.", TUE, "past", [year("77 years ago", "1940")]),
    # vague parts of a month or year
    ("In the second half of October, the envoy visited Moscow.", TUE, "past",
     [interval("In the second half of October", "2017-10", "2017-10-16", "2017-10-31")]),
    ("in the first half of October", TUE, None,
     [interval("in the first half of October", "2017-10", "2017-10-01", "2017-10-15")]),
    ("Fighting flared in early October.", TUE, None,
     [interval("in early October", "2017-10", "2017-10-01", "2017-10-10")]),
    ("A lull came in mid-October.", TUE, None,
     [interval("in mid-October", "2017-10", "2017-10-11", "2017-10-20")]),
    ("Snow fell in late October.", TUE, None,
     [interval("in late October", "2017-10", "2017-10-21", "2017-10-31")]),
    ("Funds ran out at the end of October.", TUE, None,
     [interval("at the end of October", "2017-10", "2017-10-21", "2017-10-31")]),
    ("He took office at the beginning of October.", TUE, None,
     [interval("at the beginning of October", "2017-10", "2017-10-01", "2017-10-10")]),
    ("Elections are set for the last week of February.", TUE, "future",
     [interval("the last week of February", "2018-02", "2018-02-22", "2018-02-28")]),
    ("A new envoy arrives early next year.", TUE, "future",
     [interval("early next year", "2018", "2018-01-01", "2018-04-30")]),
    # a missing year follows the tense
    ("The next meeting is due in September.", date(2019, 8, 23), "future",
     [month("in September", "2019-09", "2019-09-01", "2019-09-30")]),
    ("Sanctions were eased last month.", date(2023, 1, 3), "past",
     [month("last month", "2022-12", "2022-12-01", "2022-12-31")]),
    ("The inauguration is on January 23.", date(2017, 1, 18), "future",
     [day("on January 23", "2017-01-23")]),
    ("The inauguration was on January 23.", date(2017, 1, 18), "past",
     [day("on January 23", "2016-01-23")]),
    ("A meeting took place November 28.", TUE, "past", [day("November 28", "2016-11-28")]),
    ("Envoys will return in September.", TUE, "future",
     [month("in September", "2018-09", "2018-09-01", "2018-09-30")]),
    ("It happened on July 14.", TUE, None, [day("on July 14", "2017-07-14")]),
    ("The leap-day accord of February 29 held.", date(2017, 3, 1), None,
     [day("February 29", "2016-02-29")]),
    # ranges
    ("Talks run from August 27 - 29 in Beijing.", date(2003, 8, 14), "future",
     [day("from August 27 - 29", "2003-08-27", until="2003-08-29")]),
    ("Talks run August 27-29.", date(2003, 8, 14), "future",
     [day("August 27-29", "2003-08-27", until="2003-08-29")]),
    ("Talks run 27\u201329 August.", date(2003, 8, 14), "future",
     [day("27\u201329 August", "2003-08-27", until="2003-08-29")]),
    ("Envoys met between 3 and 5 March.", TUE, "past",
     [day("between 3 and 5 March", "2017-03-03", until="2017-03-05")]),
    ("Envoys meet from 3 to 5 March.", TUE, "future",
     [day("from 3 to 5 March", "2018-03-03", until="2018-03-05")]),
    ("The parties will meet Wednesday and Friday.", MON, "future",
     [day("Wednesday and Friday", "2014-12-24", until="2014-12-26")]),
    ("The forum runs December 28 - January 3, 2018.", TUE, None,
     [day("December 28 - January 3, 2018", "2017-12-28", until="2018-01-03")]),
    ("The fair ran 27 August - 2 September 2019.", TUE, None,
     [day("27 August - 2 September 2019", "2019-08-27", until="2019-09-02")]),
    # the longest candidate wins
    ("GENEVA, Tuesday, November 14, 2017.", TUE, None,
     [day("Tuesday, November 14, 2017", "2017-11-14")]),
    ("on the 28th of November", TUE, "future", [day("on the 28th of November", "2017-11-28")]),
    # what is not a date
    ("Another 1,300 deaths and $20 billion over 19 years.", TUE, None, []),
    ("Iran may join; they may not.", TUE, None, []),
    ("A march to the square; they plan to march.", TUE, None, []),
    ("May God help them. March organisers met.", TUE, None, []),
    ("The Day of Memory in the second-largest city.", TUE, None, []),
    ("The Minsk-2 accords of the 1970's and the 1970s.", TUE, None, []),
    ("April Ryan asked about the October Revolution.", TUE, None, []),
    ("Russia Today and USA Today reported it.", TUE, None, []),
    ("He said the next day that it was over.", TUE, None, []),
    ("February 30, 31 April and 0 May 2017 do not exist.", TUE, None, []),
]
# fmt: on


def _row_id(row: tuple[str, date, Tense, list[Expected]]) -> str:
    return f"{row[0][:40]}|{row[2]}"


@pytest.mark.parametrize(("text", "anchor", "tense", "expected"), CASES, ids=map(_row_id, CASES))
def test_find_dates(text: str, anchor: date, tense: Tense, expected: list[Expected]) -> None:
    found = [
        Expected(
            m.text,
            m.value.literal(),
            m.value.precision,
            m.value.earliest.isoformat(),
            m.value.latest.isoformat(),
            m.until.literal() if m.until else None,
        )
        for m in find_dates(text, anchor, tense)
    ]
    assert found == expected


def test_mentions_are_ordered_and_disjoint() -> None:
    text = "On Monday and again on November 28, 2017, then in early December and next year."
    mentions = find_dates(text, TUE)
    assert [m.text for m in mentions] == [
        "On Monday",
        "on November 28, 2017",
        "in early December",
        "next year",
    ]
    assert all(a.end <= b.start for a, b in pairwise(mentions))


def test_explicit_dates_ignore_the_tense() -> None:
    for tense in (None, "past", "future"):
        (mention,) = find_dates("on October 19, 2016", TUE, tense)
        assert mention.value.literal() == "2016-10-19"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-11-14", date(2017, 11, 14)),
        ("2016-02-29", date(2016, 2, 29)),
        ("2017-02-30", None),
        ("2017-02-29", None),
        ("2017-13-01", None),
        ("2017-1-14", None),
        ("20171114", None),
        (" 2017-11-14", None),
        ("2017-11-14T10:00", None),
        ("\u0662\u0660\u0661\u0667-\u0661\u0661-\u0661\u0664", None),  # Arabic-Indic digits
        ("", None),
    ],
)
def test_parse_iso(text: str, expected: date | None) -> None:
    assert parse_iso(text) == expected


@pytest.mark.parametrize(
    ("first", "last", "literal", "xsd_type"),
    [
        ("2017-11-14", "2017-11-14", "2017-11-14", "date"),
        ("2017-10-16", "2017-10-31", "2017-10", "gYearMonth"),
        ("2017-01-01", "2017-04-30", "2017", "gYear"),
        ("2017-12-28", "2018-01-03", "2017", "gYear"),
    ],
)
def test_interval_literal(first: str, last: str, literal: str, xsd_type: str) -> None:
    value = DateValue(date.fromisoformat(first), date.fromisoformat(last), "interval")
    assert (value.literal(), value.xsd_type) == (literal, xsd_type)


# --- properties ---------------------------------------------------------------------------------

MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Words that make up date expressions, so that generated texts reach the resolvers.
DATE_WORDS = [
    *MONTH_NAMES, *WEEKDAY_NAMES, "Nov.", "on", "in", "since", "by", "from", "between", "and",
    "to", "-", ",", "the", "of", "last", "next", "this", "early", "mid-", "late", "end",
    "beginning", "first", "second", "half", "quarter", "week", "weeks", "weekend", "month",
    "months", "year", "years", "day", "days", "ago", "today", "yesterday", "tomorrow", "exactly",
    "more than", "a", "several", "twenty-one", "recent", "coming", "past", "earlier", "later",
    "1", "9", "28", "29", "30", "31", "0", "1999", "2017", "2100", "06.12.2019", "2019-02-29",
    "0001-01-01", "9999", "Today",
]  # fmt: skip

ANCHORS = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
TENSES = st.sampled_from([None, "past", "future"])
FAST = settings(max_examples=200, deadline=None)


def check_mention(text: str, mention: DateMention) -> None:
    """Offsets slice back to the words; values are ordered; literals parse back and cover them."""
    assert text[mention.start : mention.end] == mention.text
    for value in (mention.value, mention.until):
        if value is None:
            continue
        assert value.earliest <= value.latest
        literal = value.literal()
        if value.xsd_type == "date":
            assert date.fromisoformat(literal) == value.earliest == value.latest
        elif value.xsd_type == "gYearMonth":
            assert re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", literal)
            assert literal == value.earliest.isoformat()[:7] == value.latest.isoformat()[:7]
        else:
            assert value.xsd_type == "gYear"
            assert re.fullmatch(r"[0-9]{4}", literal)
            assert int(literal) == value.earliest.year
        if value.precision == "day":
            assert value.earliest == value.latest
    if mention.until is not None:
        assert mention.value.earliest < mention.until.latest


@FAST
@given(st.text(), ANCHORS, TENSES)
def test_never_raises_on_any_text(text: str, anchor: date, tense: Tense) -> None:
    for mention in find_dates(text, anchor, tense):
        check_mention(text, mention)


@FAST
@given(st.lists(st.sampled_from(DATE_WORDS), max_size=12).map(" ".join), ANCHORS, TENSES)
def test_never_raises_on_date_words(text: str, anchor: date, tense: Tense) -> None:
    mentions = find_dates(text, anchor, tense)
    for mention in mentions:
        check_mention(text, mention)
    assert all(a.end <= b.start for a, b in pairwise(mentions))


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


@FAST
@given(st.integers(1, 12), st.integers(0, 32), ANCHORS, TENSES)
def test_month_day_takes_the_year_the_tense_allows(
    month: int, day: int, anchor: date, tense: Tense
) -> None:
    text = f"{MONTH_NAMES[month - 1]} {day}"
    mentions = find_dates(text, anchor, tense)
    if not any(_valid(y, month, day) for y in range(anchor.year - 1, anchor.year + 2)):
        assert mentions == []
        return
    (mention,) = mentions
    value = mention.value.earliest
    assert (value.month, value.day, mention.value.precision) == (month, day, "day")
    if (month, day) == (2, 29):
        return  # leap days are placed in the only nearby year that has one
    if tense == "past":
        assert anchor - timedelta(days=366) < value <= anchor
    elif tense == "future":
        assert anchor <= value < anchor + timedelta(days=366)
    else:
        assert abs((value - anchor).days) <= 184


@FAST
@given(st.integers(0, 32), st.integers(1, 12), st.integers(1600, 2199), ANCHORS, TENSES)
def test_day_month_year_is_that_day(
    day: int, month: int, year: int, anchor: date, tense: Tense
) -> None:
    text = f"{day} {MONTH_NAMES[month - 1]} {year}"
    mentions = find_dates(text, anchor, tense)
    if not _valid(year, month, day):
        assert mentions == []
        return
    assert [(m.text, m.value.literal()) for m in mentions] == [
        (text, f"{year}-{month:02d}-{day:02d}")
    ]


@FAST
@given(st.sampled_from(WEEKDAY_NAMES), ANCHORS, TENSES)
def test_weekday_is_within_the_week_the_tense_allows(name: str, anchor: date, tense: Tense) -> None:
    (mention,) = find_dates(f"They met on {name}.", anchor, tense)
    value = mention.value.earliest
    assert value.weekday() == WEEKDAY_NAMES.index(name)
    offset = (value - anchor).days
    if tense == "past":
        assert -6 <= offset <= 0
    elif tense == "future":
        assert 0 <= offset <= 6
    else:
        assert -3 <= offset <= 3


NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


@FAST
@given(st.integers(1, 3000), st.booleans(), ANCHORS, TENSES)
def test_days_ago_is_exact(count: int, in_words: bool, anchor: date, tense: Tense) -> None:
    number = NUMBER_WORDS[count - 1] if in_words and count <= 10 else str(count)
    text = f"It happened {number} day{'s' if count > 1 else ''} ago."
    (mention,) = find_dates(text, anchor, tense)
    assert mention.value == DateValue(
        anchor - timedelta(days=count), anchor - timedelta(days=count), "day"
    )


@FAST
@given(st.dates(date(1950, 1, 1), date(2049, 12, 31)), st.integers(-500, 500), TENSES)
def test_weekday_and_day_pick_the_year_they_name(day: date, shift: int, tense: Tense) -> None:
    anchor = day + timedelta(days=shift)
    text = f"on {calendar.day_name[day.weekday()]}, {MONTH_NAMES[day.month - 1]} {day.day}"
    years = [y for y in range(anchor.year - 1, anchor.year + 2) if _valid(y, day.month, day.day)]
    named = [y for y in years if date(y, day.month, day.day).weekday() == day.weekday()]
    (mention,) = find_dates(text, anchor, tense)
    if named:
        assert mention.value.earliest == date(named[0], day.month, day.day)
