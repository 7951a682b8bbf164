"""Date expressions in English news text, resolved against the article's date.

`find_dates` returns each date expression with a `DateValue`: the first and last day the words
allow and how precise they are. Nothing is made more precise than the words make it:

- Explicit days ("November 28", "6 December 2019", "2019-12-06", "06.12.2019" = day.month.year)
  are days; months ("in September", "last month") are months; years ("in 2007", "last year") are
  years. Decades ("the 1970s") and slash dates (day/month order unknowable) are skipped.
- Weeks ("last week", "this week", "a week ago") are Monday-Sunday intervals; weekends Saturday
  and Sunday.
- Parts are intervals, cut into the same shares whatever the whole: "early"/"beginning" is the
  first third, "mid" the second, "late"/"end" the last; of a month that is days 1-10, 11-20 and
  21-last (halves 1-15 and 16-last, "the first week of" 1-7, "the last week of" its last 7 days);
  of a year January-April, May-August and September-December (so "by the end of 2007" is
  2007-09-01..2007-12-31), quarters three months; of a week Mon-Tue, Wed-Thu and Fri-Sun.
  "Earlier this week/month/year" runs from its start to the anchor, "later ..." from the anchor
  to its end.
- "N units ago" (and "in N units' time", "N units from now") is exact to its unit only: days give
  the day, weeks the Monday-Sunday week, months the calendar month, years the year holding the
  day N units away; "exactly" or "ago today" makes it that very day (a month end is clamped:
  31 March less a month is the last day of February). Vague counts ("a few" 2-4, "several" 3-7)
  span their range. "More than N ago" is the interval from 2N to N units before the anchor (a
  bound is needed, and "more than N" seldom means more than twice N); "less than N ago" runs
  from N units before the anchor to it. A bare "in N units" is future only in a future clause:
  elsewhere it is as likely "the lowest in five years".
- Open windows: "in recent days" is the week before the anchor up to it, "recent weeks" six
  weeks, "recent months" six months, "recent years" five; "the coming days/weeks/..." and
  "the ... ahead" the same spans forward; "the past/next N units" exactly N units.
- Days or months without a year, and bare weekdays, are placed by the clause's tense: past ->
  the latest occurrence that had begun by the anchor, future -> the earliest not yet over,
  unknown -> the one nearest the anchor (ties go to the past). "Since" marks the past. A weekday
  equal to the anchor's is the anchor; "last/next Friday" is the latest/earliest Friday strictly
  before/after it; "this Friday" the one in the anchor's Monday-Sunday week.
- Ranges ("August 27-29", "between 3 and 5 March", "Wednesday and Friday", "2016-2017") give
  the first value and, as `until`, the last.

Not handled: dates relative to another date of the story ("the next day", "two days later"),
times of day beyond keeping them in the words, seasons, holidays, ordinal words as days ("the
first of May"). Month and weekday names count only Capitalised or in CAPITALS; "May" and "March"
alone need a day, a year or a cue word before them; a month name alone followed by a capitalised
word is taken for a name ("April Ryan", "October Revolution"); "Today" after a capitalised word
is a title ("Russia Today").
"""

from __future__ import annotations

import bisect
import calendar
import codecs
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal

Tense = Literal["past", "future"] | None
Precision = Literal["day", "month", "year", "interval"]
# Which occurrence to take of a date that leaves its year (or week) open: by the tense, or the
# nearest strictly before/after the anchor for "last"/"next".
Placement = Literal["past", "future", "before", "after"] | None
Span = tuple[date, date]

_DATA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "dates.json").read_text(encoding="utf-8")
)
MONTHS: dict[str, int] = _DATA["months"]
MONTH_ABBREVIATIONS: dict[str, int] = _DATA["month_abbreviations"]
AMBIGUOUS_MONTHS: frozenset[str] = frozenset(_DATA["ambiguous_months"])
WEEKDAYS: dict[str, int] = _DATA["weekdays"]
NUMBER_WORDS: dict[str, int] = _DATA["number_words"]
VAGUE_COUNTS: dict[str, tuple[int, int]] = {k: tuple(v) for k, v in _DATA["vague_counts"].items()}
ORDINALS: dict[str, int] = _DATA["ordinals"]
FRACTIONS: dict[str, int] = _DATA["fractions"]
PARTS: dict[str, tuple[int, int]] = {
    k: tuple(v) for k, v in (_DATA["part_adjectives"] | _DATA["part_nouns"]).items()
}
RELATIVE_DAYS: dict[str, int] = _DATA["relative_days"]
PERIOD_MODIFIERS: dict[str, int] = _DATA["period_modifiers"]
COUNT_QUALIFIERS: dict[str, str] = _DATA["count_qualifiers"]
OPEN_SPANS: dict[str, int] = _DATA["open_spans"]
PAST_PREPOSITIONS: frozenset[str] = frozenset(_DATA["past_prepositions"])


@dataclass(frozen=True)
class DateValue:
    """The days a date expression allows, from `earliest` to `latest`, and its precision."""

    earliest: date
    latest: date
    precision: Precision

    def literal(self) -> str:
        """The narrowest ISO form covering earliest..latest: YYYY-MM-DD, YYYY-MM or YYYY.

        An interval across a year boundary has no covering form; it gives its first year.
        """
        first, last = self.earliest, self.latest
        if first == last:
            return first.isoformat()
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.year:04d}-{first.month:02d}"
        return f"{first.year:04d}"

    @property
    def xsd_type(self) -> str:
        """The XML Schema datatype of `literal()`: date, gYearMonth or gYear."""
        return {10: "date", 7: "gYearMonth"}.get(len(self.literal()), "gYear")


@dataclass(frozen=True)
class DateMention:
    """A date expression: its offsets and words in the text, its value and a range's end."""

    start: int
    end: int
    text: str
    value: DateValue
    until: DateValue | None = None


@dataclass(frozen=True, slots=True)
class _Context:
    text: str
    anchor: date
    tense: Tense


Resolved = tuple[DateValue, DateValue | None]
Handler = Callable[[re.Match[str], _Context], Resolved | None]


class _Rule:
    """A pattern and the handler that resolves its matches."""

    __slots__ = ("handler", "has_prep", "names", "pattern")

    # Groups that hold month or weekday names, which count only Capitalised or in CAPITALS.
    NAME_GROUPS = ("wd", "m1", "m2", "m", "w1", "w2", "tm")

    def __init__(self, pattern: re.Pattern[str], handler: Handler) -> None:
        self.pattern = pattern
        self.handler = handler
        self.names = tuple(g for g in self.NAME_GROUPS if g in pattern.groupindex)
        self.has_prep = "prep" in pattern.groupindex


def find_dates(text: str, anchor: date, tense: Tense = None) -> list[DateMention]:
    """The date expressions of `text` resolved against `anchor`, in text order.

    `tense` is that of the clause the dates stand in; it only places dates whose year or week
    the words leave open. Where candidates overlap the longest wins.
    """
    context = _Context(text, anchor, tense)
    # Patterns read a lower-case ASCII copy of the same length (fast, and no case-insensitive
    # matching, which is slow); names are checked for their capitals in the text itself.
    ascii_text = text.encode("ascii", _FOLD_ERRORS).decode("ascii")
    folded = ascii_text.lower()
    backwards = folded[::-1]
    seen: set[tuple[int, int, int]] = set()
    found: list[tuple[int, DateMention]] = []
    # Searching the text with every pattern is slow. Every date expression holds a name, a
    # number or a unit word: fast scans find those, and the patterns are only tried, anchored,
    # where the run of words that may lead up to such a word begins ("in the second half of").
    for hit_start, hit_end, rules in _triggers(ascii_text, folded):
        core = hit_start
        while core and folded[core - 1].isalpha():
            core -= 1
        lead = len(text) - _LEAD.match(backwards, len(text) - core).end()
        starts = [lead]
        if lead < core:
            starts += (w.start() for w in _WORD_START.finditer(folded, lead + 1, core + 1))
        longest: DateMention | None = None
        for index in rules:
            rule = _RULES[index]
            for start in starts:
                match = rule.pattern.match(folded, start)
                if match is None or match.end() < hit_end:
                    continue
                key = (index, start, match.end())
                if key in seen or (
                    longest and longest.start <= start and match.end() <= longest.end
                ):
                    break  # done from another word, or inside a longer date found from this one
                seen.add(key)
                mention = _resolve(match, rule, context)
                if mention is not None:
                    found.append((_core_length(match, rule), mention))
                    if longest is None or mention.end - mention.start > longest.end - longest.start:
                        longest = mention
                    break
    return _year_named_after(_longest(found), text)


def _year_named_after(mentions: list[DateMention], text: str) -> list[DateMention]:
    """ "June last year", "5 March of next year": the year that follows places the date."""
    out: list[DateMention] = []
    for mention in mentions:
        previous = out[-1] if out else None
        if (
            previous is not None
            and mention.value.precision == "year"
            and _RELATIVE_YEAR.fullmatch(mention.text)
            and _YEAR_JOIN.fullmatch(text[previous.end : mention.start])
            and not re.search(r"[0-9]{4}", previous.text)
            and previous.value.precision != "year"
            and previous.value.earliest.year == previous.value.latest.year
        ):
            year = mention.value.earliest.year
            try:
                value = _in_year(previous.value, year)
                until = _in_year(previous.until, year) if previous.until else None
            except ValueError:  # 29 February
                out.append(mention)
                continue
            words = text[previous.start : mention.end]
            out[-1] = DateMention(previous.start, mention.end, words, value, until)
            continue
        out.append(mention)
    return out


def _in_year(value: DateValue, year: int) -> DateValue:
    shift = year - value.earliest.year
    return DateValue(
        value.earliest.replace(year=year),
        value.latest.replace(year=value.latest.year + shift),
        value.precision,
    )


_RELATIVE_YEAR = re.compile(r"(?:last|next|this|the previous|the following) year", re.IGNORECASE)
_YEAR_JOIN = re.compile(r"\s*,?\s*(?:of\s+)?")


def parse_iso(text: str) -> date | None:
    """A strict YYYY-MM-DD date, or None when malformed or not in the calendar."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _triggers(text: str, folded: str) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    """The names, years and unit words of a text, each with the rules that may hold it."""
    for hit in _NAME_OR_NUMBER.finditer(text):
        word = hit.group()
        if word[0].isdigit():
            rules = _NUMBER_RULES
        else:
            rules = _WEEKDAY_RULES if word.lower() in WEEKDAYS else _MONTH_RULES
        yield hit.start(), hit.end(), rules
    for word, rules in _UNIT_WORDS:  # str.find is many times faster than a regular expression
        at = folded.find(word)
        while at >= 0:
            if not folded.endswith(_WEEKDAY_STEMS, 0, at):  # the "day" of "Tuesday"
                yield at, at + len(word), rules
            at = folded.find(word, at + len(word))


def _resolve(match: re.Match[str], rule: _Rule, context: _Context) -> DateMention | None:
    text = context.text
    for group in rule.names:
        if match[group] is not None:
            name = text[match.start(group) : match.end(group)]
            if not (name.istitle() or name.isupper()):
                return None  # "may", "march": names count only Capitalised or in CAPITALS
    try:
        resolved = rule.handler(match, context)
    except (ValueError, OverflowError):
        # Impossible dates (30 February) and arithmetic beyond years 1-9999 are no dates.
        return None
    if resolved is None:
        return None
    return DateMention(match.start(), match.end(), text[match.start() : match.end()], *resolved)


def _core_length(match: re.Match[str], rule: _Rule) -> int:
    """The length of a match without its leading preposition, which says nothing of the date."""
    has_prep = rule.has_prep and match["prep"] is not None
    return match.end() - (match.end("prep") if has_prep else match.start())


def _longest(candidates: list[tuple[int, DateMention]]) -> list[DateMention]:
    """Each candidate that no longer one overlaps, in text order."""
    kept: list[DateMention] = []
    starts: list[int] = []
    for _, mention in sorted(candidates, key=lambda c: (-c[0], c[1].start - c[1].end, c[1].start)):
        at = bisect.bisect(starts, mention.start)
        if (at and kept[at - 1].end > mention.start) or (
            at < len(kept) and kept[at].start < mention.end
        ):
            continue
        kept.insert(at, mention)
        starts.insert(at, mention.start)
    return kept


# --- calendar arithmetic -------------------------------------------------------------------


def _month_length(year: int, month: int) -> int:
    return 29 if month == 2 and calendar.isleap(year) else _MONTH_LENGTHS[month - 1]


def _month_span(year: int, month: int) -> Span:
    return date(year, month, 1), date(year, month, _month_length(year, month))


def _year_span(year: int) -> Span:
    return date(year, 1, 1), date(year, 12, 31)


def _add_months(day: date, months: int) -> date:
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, index + 1, min(day.day, _month_length(year, index + 1)))


def _shift(day: date, count: int, unit: str) -> date:
    """`day` moved by `count` units (day, week, month or year)."""
    if unit == "day":
        return day + timedelta(days=count)
    if unit == "week":
        return day + timedelta(weeks=count)
    return _add_months(day, count * (12 if unit == "year" else 1))


def _unit_span(day: date, unit: str) -> tuple[date, date, Precision]:
    """The calendar unit (day, Monday-Sunday week, month, year) that holds `day`."""
    if unit == "day":
        return day, day, "day"
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6), "interval"
    if unit == "month":
        return *_month_span(day.year, day.month), "month"
    return *_year_span(day.year), "year"


def _period(anchor: date, unit: str, offset: int) -> tuple[date, date, Precision]:
    """The week, weekend, month or year `offset` units from the one holding `anchor`."""
    if unit == "weekend":
        first, last, _ = _unit_span(anchor + timedelta(weeks=offset), "week")
        return first + timedelta(days=5), last, "interval"
    return _unit_span(_shift(anchor, offset, unit), unit)


def _distance(span: Span, anchor: date) -> int:
    if anchor < span[0]:
        return (span[0] - anchor).days
    return (anchor - span[1]).days if anchor > span[1] else 0


# For each placement: which occurrences qualify, and which of them to take.
_CHOICE: dict[str, tuple[Callable[[Span, date], bool], Callable[[list[Span]], Span]]] = {
    "past": (lambda s, a: s[0] <= a, max),
    "future": (lambda s, a: s[1] >= a, min),
    "before": (lambda s, a: s[1] < a, max),
    "after": (lambda s, a: s[0] > a, min),
}


def _pick(spans: list[Span], anchor: date, placement: Placement) -> Span:
    """The occurrence the placement points to; without one, the nearest (ties: the earlier)."""
    if placement is not None:
        qualifies, choose = _CHOICE[placement]
        pool = [s for s in spans if qualifies(s, anchor)]
        if pool:
            return choose(pool)
    return min(spans, key=lambda s: (_distance(s, anchor), s[0]))


def _infer_year(span_in: Callable[[int], Span], anchor: date, placement: Placement) -> Span:
    """Place a date given without its year in the year before, of or after the anchor's."""
    spans = []
    for year in range(anchor.year - 1, anchor.year + 2):
        try:
            spans.append(span_in(year))
        except ValueError:  # 29 February in a common year
            continue
    if not spans:
        raise ValueError("no such date near the anchor")
    return _pick(spans, anchor, placement)


def _cut(span: Span, kind: str, index: int, shares: int) -> Span:
    """Share `index` (from 0) of `shares` equal shares of a year (by months), else by days.

    Months count as 30 days so that thirds fall on the 10th and 20th, the last share ending
    with the month.
    """
    first, last = span
    if kind == "year":
        start = date(first.year, 1 + 12 * index // shares, 1)
        return start, _month_span(first.year, 12 * (index + 1) // shares)[1]
    size = 30 if kind == "month" else 7
    end = last if index == shares - 1 else first + timedelta(days=size * (index + 1) // shares - 1)
    return first + timedelta(days=size * index // shares), end


# --- word helpers ----------------------------------------------------------------------------


def _norm(words: str) -> str:
    return " ".join(words.split())


def _day_number(words: str) -> int:
    return int(words.rstrip("stndrh"))


def _month_number(words: str) -> int:
    key = words.rstrip(".")
    return MONTHS.get(key) or MONTH_ABBREVIATIONS[key]


def _count(words: str) -> tuple[int, int]:
    """The lowest and highest number a count allows: "three" (3, 3), "several" (3, 7)."""
    key = _norm(words)
    if key in VAGUE_COUNTS:
        return VAGUE_COUNTS[key]
    if key.isdigit():
        return int(key), int(key)
    values = [NUMBER_WORDS[w] for w in re.split(r"[\s-]+", key)]
    if len(values) == 2 and not (values[0] >= 20 and values[0] % 10 == 0 and values[1] < 10):
        raise ValueError(f"not a number: {words!r}")
    return sum(values), sum(values)


def _placement(preposition: str | None, tense: Tense) -> Placement:
    if preposition is not None and _norm(preposition) in PAST_PREPOSITIONS:
        return "past"
    return tense


def _modifier_placement(modifier: str | None) -> Placement:
    """For "last May" the latest May wholly before the anchor; for "next May" the earliest after."""
    if modifier is None:
        return None
    return "before" if PERIOD_MODIFIERS[_norm(modifier)] < 0 else "after"


def _day(day: date) -> DateValue:
    return DateValue(day, day, "day")


# --- handlers: one per pattern ---------------------------------------------------------------


def _numeric(m: re.Match[str], c: _Context) -> Resolved:
    return _day(date(int(m["y"]), int(m["mo"]), int(m["d"]))), None


def _calendar_date(m: re.Match[str], c: _Context) -> Resolved | None:
    """Month-day and day-month dates and ranges, with or without the year."""
    groups = m.groupdict()
    if groups.get("d2") and groups.get("d3"):
        return None
    first_month, first_day = _month_number(m["m1"]), _day_number(m["d1"])
    last_words = groups.get("d2") or groups.get("d3")
    last_month = _month_number(groups["m2"]) if groups.get("m2") else first_month
    wraps = last_words is not None and last_month < first_month
    weekday = WEEKDAYS.get(_norm(groups["wd"])) if groups.get("wd") else None

    def span_in(year: int, check_weekday: bool = True) -> Span:
        start = date(year, first_month, first_day)
        if check_weekday and weekday is not None and start.weekday() != weekday:
            raise ValueError("the weekday belongs to another year")
        if last_words is None:
            return start, start
        end = date(year + 1 if wraps else year, last_month, _day_number(last_words))
        if end <= start:
            raise ValueError("a range runs forwards")
        return start, end

    if m["y"]:
        # The year of a range across New Year ("December 28 - January 3, 2018") is its end's.
        start, end = span_in(int(m["y"]) - 1 if wraps else int(m["y"]), check_weekday=False)
    else:
        placement = _placement(m["prep"], c.tense)
        try:  # "Wednesday, 23 June" is in the year in which 23 June is a Wednesday
            start, end = _infer_year(span_in, c.anchor, placement)
        except ValueError:  # no nearby year has it on that weekday: the tense decides
            start, end = _infer_year(partial(span_in, check_weekday=False), c.anchor, placement)
    return _day(start), (_day(end) if last_words else None)


def _month(m: re.Match[str], c: _Context) -> Resolved | None:
    number = _month_number(m["m"])
    next_to_number = _NUMBER_BEFORE.search(c.text, max(0, m.start("m") - 12), m.start("m"))
    if next_to_number or (not m["y"] and _NUMBER_AFTER.match(c.text, m.end())):
        return None  # a day that made no date ("February 30", "0 May 2017"): no month either
    if m["y"]:
        return DateValue(*_month_span(int(m["y"]), number), "month"), None
    name = m["m"]
    if name not in MONTHS:  # an abbreviation alone is too often something else ("Jan")
        return None
    bare = m["mod"] is None and m["prep"] is None
    if bare and (name in AMBIGUOUS_MONTHS or _NAME_AFTER.match(c.text, m.end())):
        return None
    if m["mod"] is not None and PERIOD_MODIFIERS[_norm(m["mod"])] == 0:
        return DateValue(*_month_span(c.anchor.year, number), "month"), None
    placement = _modifier_placement(m["mod"]) or _placement(m["prep"], c.tense)
    span = _infer_year(lambda y: _month_span(y, number), c.anchor, placement)
    return DateValue(*span, "month"), None


def _weekday(m: re.Match[str], c: _Context) -> Resolved:
    first = WEEKDAYS[m["w1"]]
    last = WEEKDAYS[m["w2"]] if m["w2"] else None
    # A range ends on the next such weekday after its start ("Friday to Friday" spans a week).
    length = 0 if last is None else (last - first - 1) % 7 + 1
    offset = PERIOD_MODIFIERS[_norm(m["mod"])] if m["mod"] else None
    if offset == 0:
        start = c.anchor + timedelta(days=first - c.anchor.weekday())
    else:
        latest = c.anchor - timedelta(days=(c.anchor.weekday() - first) % 7)
        span = timedelta(days=length)
        spans = [(s, s + span) for s in (latest - _WEEK, latest, latest + _WEEK)]
        placement = _modifier_placement(m["mod"]) or _placement(m["prep"], c.tense)
        start = _pick(spans, c.anchor, placement)[0]
    until = _day(start + timedelta(days=length)) if last is not None else None
    return _day(start), until


def _year(m: re.Match[str], c: _Context) -> Resolved | None:
    first = int(m["y"])
    if m["y2"]:
        last = int(m["y2"])
    elif m["y2s"]:
        last = first // 100 * 100 + int(m["y2s"])
    else:
        return DateValue(*_year_span(first), "year"), None
    if last <= first:
        return None
    return DateValue(*_year_span(first), "year"), DateValue(*_year_span(last), "year")


def _part(m: re.Match[str], c: _Context) -> Resolved | None:
    """A share of a month, year or week: "late October", "the first half of 2018"."""
    if m["ord"] is not None:
        ordinal = ORDINALS[m["ord"]]
        if m["week"] is not None:
            return _week_of_month(m, c, ordinal)
        shares = FRACTIONS[m["frac"]]
        index = shares - 1 if ordinal < 0 else ordinal - 1
        if index >= shares:
            return None
    else:
        index, shares = PARTS[m["q"] or m["pos"]]

    if m["tm"] is not None:
        month = _month_number(m["tm"])

        def whole(year: int) -> Span:
            return _cut(_month_span(year, month), "month", index, shares)

        if m["ty"]:
            span = whole(int(m["ty"]))
        else:
            span = _infer_year(whole, c.anchor, _placement(m["prep"], c.tense))
    elif m["ty2"] is not None:
        span = _cut(_year_span(int(m["ty2"])), "year", index, shares)
    else:
        offset = PERIOD_MODIFIERS.get(_norm(m["tmod"]), 0)  # "the month": the anchor's
        unit = m["tunit"]
        span = _cut(_period(c.anchor, unit, offset)[:2], unit, index, shares)
    return DateValue(*span, "interval"), None


def _week_of_month(m: re.Match[str], c: _Context, ordinal: int) -> Resolved | None:
    """Weeks of a month: "the first week of October" is days 1-7, "the last week" the last 7."""
    if m["tm"] is None:
        return None
    month = _month_number(m["tm"])

    def span_in(year: int) -> Span:
        first, last = _month_span(year, month)
        if ordinal < 0:
            return last - timedelta(days=6), last
        return first + timedelta(weeks=ordinal - 1), first + timedelta(weeks=ordinal, days=-1)

    if m["ty"]:
        span = span_in(int(m["ty"]))
    else:
        span = _infer_year(span_in, c.anchor, _placement(m["prep"], c.tense))
    return DateValue(*span, "interval"), None


def _relative_day(m: re.Match[str], c: _Context) -> Resolved | None:
    start = m.start("rel")
    if c.text[start].isupper() and _NAME_BEFORE.search(c.text, max(0, start - 40), start):
        return None  # "Russia Today"
    return _day(c.anchor + timedelta(days=RELATIVE_DAYS[_norm(m["rel"])])), None


def _calendar_period(m: re.Match[str], c: _Context) -> Resolved:
    """Calendar periods: "last week", "next year", "earlier this week", "over the weekend"."""
    anchor = c.anchor
    if m["edge"] is not None:
        first, last, _ = _period(anchor, m["eunit"], 0)
        if m["edge"] == "earlier":
            return DateValue(first, anchor, "interval"), None
        return DateValue(anchor, last, "interval"), None
    if m["unit"] is not None:
        return DateValue(*_period(anchor, m["unit"], PERIOD_MODIFIERS[_norm(m["mod"])])), None
    weekends = [_period(anchor, "weekend", k)[:2] for k in (-1, 0, 1)]
    return DateValue(*_pick(weekends, anchor, c.tense), "interval"), None


def _window(m: re.Match[str], c: _Context) -> Resolved | None:
    """Spans reaching back or forward from the anchor: "in recent days", "the next two weeks"."""
    words = m["unit"] or m["runit"] or m["aunit"]
    unit = words.removesuffix("s")
    if m["unit"] is not None:
        forward = m["dir"] in ("next", "coming")
        if m["count"] is not None:
            size = _count(m["count"])[1]
        elif words.endswith("s"):
            size = OPEN_SPANS[unit]
        elif unit == "day":  # "the next day" counts from a day of the story, not the article's
            return None
        else:
            size = 1
    else:
        forward, size = m["aunit"] is not None, OPEN_SPANS[unit]
    other = _shift(c.anchor, size if forward else -size, unit)
    return DateValue(min(c.anchor, other), max(c.anchor, other), "interval"), None


# "the first ... in": "in N years" then counts the time since the last one
_FIRST_IN = re.compile(
    r"\b(?:first|only)\s+(?!(?:\w+\s+)*?(?:will|would|is|are|be|was|starts?|begins?|opens?"
    r"|resumes?|takes?|held)\b)(?:[\w-]+\s+){1,3}$",
    re.IGNORECASE,
)


def _ago(m: re.Match[str], c: _Context) -> Resolved | None:
    """N units away: "exactly four months ago", "more than a week ago", "in a week's time"."""
    if m["within"] is not None:
        if m["ago"] is not None or m["from_now"] is not None:
            return None
        if m["time"] is None and c.tense != "future":
            return None
        if _FIRST_IN.search(c.text[max(0, m.start() - 80) : m.start()]):
            return None  # "their first talks in three years": a gap, not a date
    elif m["ago"] is None and m["from_now"] is None:
        return None
    low, high = _count(m["count"])
    unit = m["unit"].removesuffix("s")
    sign = -1 if m["ago"] is not None else 1
    near, far = _shift(c.anchor, sign * low, unit), _shift(c.anchor, sign * high, unit)
    kind = COUNT_QUALIFIERS[_norm(m["qual"])] if m["qual"] else None
    if kind == "more":
        far = _shift(c.anchor, sign * 2 * high, unit)
        return DateValue(min(near, far), max(near, far), "interval"), None
    if kind == "less":
        return DateValue(min(c.anchor, far), max(c.anchor, far), "interval"), None
    grain = "day" if kind == "exact" or m["today"] or unit == "day" else unit
    near_span, far_span = _unit_span(near, grain), _unit_span(far, grain)
    first, last = min(near_span[0], far_span[0]), max(near_span[1], far_span[1])
    return DateValue(first, last, near_span[2] if low == high else "interval"), None


# --- patterns: lower case ASCII, matched against the folded text -------------------------------


def _alt(words: Iterable[str]) -> str:
    """An alternation of the words, longest first; a space matches any run of white space."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered) + ")"


def _prep(kind: str, optional: bool = True) -> str:
    group = f"(?P<prep>{_alt(_DATA['prepositions'][kind])})\\s+"
    return f"(?:{group})?" if optional else group


_MONTH = _alt(MONTHS) + r"\b"
_ANY_MONTH = f"(?:{_MONTH}|{_alt(MONTH_ABBREVIATIONS)}\\b\\.?)"
_WEEKDAY = _alt(WEEKDAYS) + r"\b"
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?\b"
# A year not followed by "s" or "'s": decades ("the 1970s") are skipped.
_YEAR = r"(?:1[5-9]|2[01])[0-9][0-9](?![0-9]|'?s\b)"
_RANGE = r"(?:\s*-\s*|\s+(?:to|through|until|till|and)\s+)"
_TIME_OF_DAY = f"(?:\\s+{_alt(_DATA['times_of_day'])})?"
_MODIFIER = _alt(PERIOD_MODIFIERS)
_NUMBER = _alt(NUMBER_WORDS)
_COUNT = rf"(?:(?<![0-9][.,])[0-9]{{1,4}}|{_alt(VAGUE_COUNTS)}|{_NUMBER}(?:[\s-]{_NUMBER})?)"
_UNITS = r"(?:days?|weeks?|months?|years?)"
_PLURAL_UNITS = r"(?:days|weeks|months|years)"


_RULES: tuple[_Rule, ...] = tuple(
    _Rule(re.compile(pattern, re.VERBOSE), handler)
    for pattern, handler in (
        (  # 0: 2019-12-06
            rf"\b{_prep('date')}(?P<y>[0-9]{{4}})-(?P<mo>[0-9]{{2}})-(?P<d>[0-9]{{2}})"
            r"(?![0-9]|-[0-9])",
            _numeric,
        ),
        (  # 1: 06.12.2019: day first, as outside the United States
            rf"\b{_prep('date')}(?<![0-9.])(?P<d>[0-9]{{1,2}})\.(?P<mo>[0-9]{{1,2}})\."
            r"(?P<y>[0-9]{4})(?![0-9]|\.[0-9])",
            _numeric,
        ),
        (  # 2: [on] [Tuesday,] November 28[-30][, 2017]; August 27 to September 2
            rf"""\b{_prep("date")}(?:(?P<wd>{_WEEKDAY}),?\s+)?
            (?P<m1>{_ANY_MONTH})\s*(?P<d1>{_DAY})
            (?:{_RANGE}(?:(?P<m2>{_ANY_MONTH})\s*)?(?P<d2>{_DAY}))?
            (?:,?\s+(?P<y>{_YEAR}))?""",
            _calendar_date,
        ),
        (  # 3: [on] [the] 28[th] [of] November[ 2017]; 27-29 August; 27 August - 2 September
            rf"""\b{_prep("date")}(?:(?P<wd>{_WEEKDAY}),?\s+)?(?:the\s+)?
            (?<![\w.,$/-])(?P<d1>{_DAY})
            (?:{_RANGE}(?:the\s+)?(?P<d2>{_DAY}))?
            \s+(?:of\s+)?(?P<m1>{_ANY_MONTH})
            (?:{_RANGE}(?P<d3>{_DAY})\s+(?:of\s+)?(?P<m2>{_ANY_MONTH}))?
            (?:,?\s+(?P<y>{_YEAR}))?""",
            _calendar_date,
        ),
        (  # 4: [on] [last] Tuesday [morning] [and Friday]
            rf"""\b{_prep("date")}(?:(?P<mod>{_MODIFIER})\s+)?
            (?P<w1>{_WEEKDAY}){_TIME_OF_DAY}
            (?:{_RANGE}(?P<w2>{_WEEKDAY}){_TIME_OF_DAY})?""",
            _weekday,
        ),
        (  # 5: [in] [last] September[ 2017]
            rf"""\b{_prep("month")}(?:(?P<mod>{_MODIFIER})\s+)?
            (?P<m>{_ANY_MONTH})(?:,?\s+(?P<y>{_YEAR}))?""",
            _month,
        ),
        (  # 6: in 2007; between 2014 and 2016; in 2016-17
            rf"""\b{_prep("year", optional=False)}(?P<y>{_YEAR})
            (?:{_RANGE}(?P<y2>{_YEAR})|-(?P<y2s>[0-9]{{2}})\b)?""",
            _year,
        ),
        (  # 7: [in] [the] early/mid-/late | beginning/end of | first half/last week of ...
            rf"""\b{_prep("part")}(?:the\s+)?
            (?:(?P<q>{_alt(_DATA["part_adjectives"])})(?:\s*-\s*|\s+)
              |(?P<pos>{_alt(_DATA["part_nouns"])})\s+of\s+(?:the\s+)?
              |(?P<ord>{_alt(ORDINALS)})\s+(?:(?P<frac>{_alt(FRACTIONS)})|(?P<week>week))
               \s+of\s+(?:the\s+)?)
            (?:(?P<tm>{_MONTH})(?:,?\s+(?P<ty>{_YEAR}))?
              |(?P<ty2>{_YEAR})
              |(?P<tmod>{_MODIFIER}|the)\s+(?P<tunit>week|month|year)\b)""",
            _part,
        ),
        (  # 8: today, yesterday afternoon, the day before yesterday
            rf"""\b{_prep("period")}(?P<rel>{_alt(RELATIVE_DAYS)})\b{_TIME_OF_DAY}""",
            _relative_day,
        ),
        (  # 9: last week, next month, this year, earlier this week, over the weekend
            rf"""\b{_prep("period")}
            (?:(?P<edge>earlier|later)\s+(?:this|in\s+the)\s+(?P<eunit>week|month|year)
              |(?P<mod>{_MODIFIER})\s+(?P<unit>weekend|week|month|year)
              |(?:over|at|during|on)\s+the\s+weekend)\b""",
            _calendar_period,
        ),
        (  # 10: in recent days, over the past two weeks, in the coming months, the days ahead
            rf"""\b{_prep("window")}
            (?:the\s+(?P<dir>past|last|next|coming)\s+(?:(?P<count>{_COUNT})\s+)?(?P<unit>{_UNITS})
              |recent\s+(?P<runit>{_PLURAL_UNITS})
              |the\s+(?P<aunit>{_PLURAL_UNITS})\s+(?:ahead|to\s+come))\b""",
            _window,
        ),
        (  # 11: three days ago, exactly four months ago, in two weeks' time, a year from now
            rf"""\b(?:(?P<within>in)\s+)?(?:(?P<qual>{_alt(COUNT_QUALIFIERS)})\s+)?
            (?P<count>{_COUNT})\s+(?P<unit>{_UNITS})
            (?:(?P<time>'s?\s+time)
              |\s+(?P<ago>ago)(?:\s+(?P<today>today))?
              |\s+(?P<from_now>from\s+(?:now|today)))?
            \b(?!\s+of\b)""",
            _ago,
        ),
    )
)

# The words that may lead up to a name, number or unit word within a date expression.
_LEAD_WORDS = {
    *(w for kind in _DATA["prepositions"].values() for w in kind),
    *(w for key in PERIOD_MODIFIERS for w in key.split()),
    *(w for key in COUNT_QUALIFIERS for w in key.split()),
    *(w for key in VAGUE_COUNTS for w in key.split()),
    *(w for key in RELATIVE_DAYS for w in key.split()),
    *_DATA["part_adjectives"],
    *_DATA["part_nouns"],
    *ORDINALS,
    *FRACTIONS,
    *NUMBER_WORDS,
    *MONTHS,
    *MONTH_ABBREVIATIONS,
    *WEEKDAYS,
    *("the", "of", "and", "to", "week", "recent", "earlier", "later"),
}
# Matched against the text reversed, from the word a trigger found, back over the lead words.
_LEAD = re.compile(
    r"(?:[\s,.-]+(?:"
    + _alt(w[::-1] for w in _LEAD_WORDS)
    + r"|(?:ts|dn|dr|ht)?[0-9]+)(?!\w)){0,12}"
)
_WORD_START = re.compile(r"\b\w")
_NAME_OR_NUMBER = re.compile(
    # Each alternative starts with a plain character, so that the scan skips ahead quickly.
    # Numbers that may make dates: years, and the day of "06.12.2019".
    "|".join(
        [
            *(
                f(w) + r"\b"
                for w in (*MONTHS, *MONTH_ABBREVIATIONS, *WEEKDAYS)
                for f in (str.capitalize, str.upper)
            ),
            *(f"{digit}[0-9]{{3}}(?![0-9])|{digit}[0-9]?\\.[0-9]" for digit in "0123456789"),
        ]
    )
)
# Each word that may hold a date, with the rules (by number, see _RULES) to try on it, the
# longer dates first.
_UNIT_WORDS = (
    ("day", (11, 10, 8)),
    *((w, (11, 10, 7, 9)) for w in ("week", "month", "year")),
    *((w, (8,)) for w in ("night", "tomorrow", "morning", "afternoon", "evening")),
)
_WEEKDAY_STEMS = tuple(w.removesuffix("day") for w in WEEKDAYS)
_MONTH_RULES = (2, 3, 7, 5)
_WEEKDAY_RULES = (4,)  # "Tuesday, November 14" is found from its month
_NUMBER_RULES = (0, 1, 7, 6)

# Non-ASCII characters the patterns care about, as ASCII; others become "a" (letters and digits
# stay word characters), " " or "?", one for one so that offsets hold.
_FOLD = {"\u00a0": " ", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"}
_FOLD |= {"\u2212": "-", "\u2018": "'", "\u2019": "'", "\u02bc": "'"}
_FOLD_ERRORS = "kg.dates.fold"


def _fold(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return "".join(_FOLD.get(c) or _fold_other(c) for c in chunk), error.end


def _fold_other(char: str) -> str:
    return "a" if char.isalnum() else " " if char.isspace() else "?"


codecs.register_error(_FOLD_ERRORS, _fold)

_WEEK = timedelta(weeks=1)
_MONTH_LENGTHS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER_AFTER = re.compile(r"\s*[0-9]")
_NUMBER_BEFORE = re.compile(r"[0-9](?:st|nd|rd|th)?\s+(?:of\s+)?$")
_NAME_AFTER = re.compile(r"[ \t]+[A-Z]")
_NAME_BEFORE = re.compile(r"\b[A-Z]\w*[ \t]+$")
