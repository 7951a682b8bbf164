"""Evaluating: the graphs read from annotated articles, scored against gold annotations.

The rules are those of the project's official scorer (shared/eval/score.py): the same contract
queries, name normalisation, matching and one-to-one pairing, and the same figures. Only the
way each article is built differs: here in this process with kg.build.article_graph (then
through a temporary store, so the graph is read in the order score.py reads it), where score.py
runs `kg build` and `kg export` for every article, so a run takes seconds instead of minutes.

    from kg.evaluate import evaluate
    report = evaluate(Path("eval/gold"), Path("eval/articles"))
    print(report.table())

The gold format is described in shared/eval/GUIDELINES.md: one JSON file per article, with its
diplomats, organisations, negotiation rounds and meetings.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import pyoxigraph as ox

if TYPE_CHECKING:
    from rdflib import Graph

CATEGORIES = ("diplomats", "organisations", "rounds", "meetings")
ATTRIBUTES = ("title", "affiliation", "round_dates", "meeting_dates")


class EvalError(Exception):
    """The evaluation cannot start (no gold files, unknown --only stems)."""


class GoldError(ValueError):
    """A gold file that cannot be read or does not follow the guidelines."""


# --------------------------------------------------------------------------------------------
# Names and the matching rules

_STOPWORDS = frozenset({"the", "of", "and", "for", "in", "to", "s", "mr", "mrs", "ms", "dr"})
# Words a title may carry or drop without changing the position it names.
_TITLE_QUALIFIERS = frozenset({"un", "us", "russian", "american", "french", "iranian", "chinese"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_SPACED_INITIALS = re.compile(r"\b(\w) (?=\w\b)")  # "h r mcmaster" -> "hr mcmaster"
_WHOLE_NUMBER = re.compile(r"\d+(\.0+)?")


def normalise(text: str) -> str:
    """A name reduced to lower-case ASCII words, so that spellings of one name compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = plain.replace("’", "'").replace("'s ", " ")
    words = _NOT_ALNUM.sub(" ", plain)
    return " ".join(_SPACED_INITIALS.sub(r"\1", words).split())


def content_words(text: str) -> set[str]:
    return {word for word in normalise(text).split() if word not in _STOPWORDS}


def _name_forms(names: Iterable[str]) -> set[str]:
    return {normalise(name) for name in names if name}


@dataclass(frozen=True)
class GoldName:
    """A gold entity's name and the other forms the article uses for it."""

    name: str
    aliases: tuple[str, ...] = ()

    def forms(self) -> set[str]:
        return {normalise(self.name)} | {normalise(alias) for alias in self.aliases}


def person_matches(names: Iterable[str], gold: GoldName) -> bool:
    """A predicted person is the gold one by a shared name form, or by surname and initial."""
    predicted = _name_forms(names)
    if predicted & gold.forms():
        return True
    gold_words = normalise(gold.name).split()
    for form in predicted:
        words = form.split()
        same_surname = bool(words) and words[-1] == gold_words[-1]
        if same_surname and (len(words) == 1 or words[0][0] == gold_words[0][0]):
            return True
    return False


def org_matches(names: Iterable[str], gold: GoldName) -> bool:
    """A shared name form, or (for a long official name) the same three or more content words."""
    predicted = _name_forms(names)
    if predicted & gold.forms():
        return True
    gold_words = content_words(gold.name)
    if len(gold_words) < 3:
        return False
    for form in predicted:
        words = content_words(form)
        nested = words <= gold_words or gold_words <= words
        if words and nested and len(words & gold_words) >= 3:
            return True
    return False


def title_matches(titles: Iterable[str], gold_title: str | None) -> bool:
    """At least 60% of the gold title's words (nationality adjectives aside) are read."""
    if not gold_title:
        return True
    gold_words = content_words(gold_title) - _TITLE_QUALIFIERS
    if not gold_words:
        return False
    return any(len(gold_words & content_words(t)) / len(gold_words) >= 0.6 for t in titles)


def dates_match(predicted: Iterable[str], gold: str | None) -> bool:
    """The same date, or a day within a gold month (YYYY-MM); an absent gold date always holds."""
    if not gold:
        return True
    month = len(gold) == 7
    return any(p and (p == gold or (month and p.startswith(gold))) for p in predicted)


P = TypeVar("P")
G = TypeVar("G")


def greedy_pairs(
    predicted: Sequence[P], gold: Sequence[G], match: Callable[[P, G], bool]
) -> list[tuple[int, int]]:
    """One-to-one (predicted index, gold index) pairs: each gold item takes the first free fit."""
    taken: set[int] = set()
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            if pi not in taken and match(p, g):
                taken.add(pi)
                pairs.append((pi, gi))
                break
    return pairs


# --------------------------------------------------------------------------------------------
# Gold files


@dataclass(frozen=True)
class GoldDiplomat(GoldName):
    title: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class GoldRound:
    number: int | None = None
    start: str | None = None
    end: str | None = None

    def describe(self) -> str:
        return _describe_round(
            {str(self.number)} if self.number is not None else set(),
            {self.start} if self.start else set(),
            {self.end} if self.end else set(),
        )


@dataclass(frozen=True)
class GoldMeeting:
    participants: tuple[str, ...]
    date: str | None = None


@dataclass(frozen=True)
class Gold:
    """One gold file: what a careful reader finds in one article."""

    article: str
    diplomats: tuple[GoldDiplomat, ...]
    organisations: tuple[GoldName, ...]
    rounds: tuple[GoldRound, ...]
    meetings: tuple[GoldMeeting, ...]

    def meeting_pairs(self) -> dict[frozenset[str], GoldMeeting]:
        """Each unordered pair of (normalised) participants, with the first meeting it is in."""
        pairs: dict[frozenset[str], GoldMeeting] = {}
        for meeting in self.meetings:
            names = [normalise(p) for p in meeting.participants]
            for pair in _pairs(names):
                pairs.setdefault(pair, meeting)
        return pairs

    def counts_if_unread(self) -> dict[str, int]:
        """Gold items per category, as score.py counts them for an article whose build failed."""
        slots = sum(len(m.participants) * (len(m.participants) - 1) // 2 for m in self.meetings)
        return {
            "diplomats": len(self.diplomats),
            "organisations": len(self.organisations),
            "rounds": len(self.rounds),
            "meetings": slots,
        }


def _pairs(names: Sequence[str]) -> Iterable[frozenset[str]]:
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            yield frozenset((first, second))


def load_gold(path: Path) -> Gold:
    """Read and check one gold file; a GoldError says what is wrong and where."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoldError(f"cannot be read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise GoldError(f"is not valid UTF-8 (byte {exc.start}); re-save it as UTF-8") from exc
    except json.JSONDecodeError as exc:
        raise GoldError(
            f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError as exc:
        raise GoldError("is JSON nested too deeply to read") from exc
    return parse_gold(data)


def parse_gold(data: object) -> Gold:
    if not isinstance(data, dict):
        raise GoldError('is not a JSON object; see GUIDELINES.md for {"article": ..., ...}')
    article = data.get("article")
    if not isinstance(article, str) or not article.strip():
        raise GoldError('has no "article" string naming the article file')
    lists = {key: _list(data, key) for key in CATEGORIES}
    diplomats = tuple(
        _diplomat(_object(item, f"diplomats[{i}]"), f"diplomats[{i}]")
        for i, item in enumerate(lists["diplomats"])
    )
    organisations = tuple(
        _gold_name(_object(item, f"organisations[{i}]"), f"organisations[{i}]")
        for i, item in enumerate(lists["organisations"])
    )
    rounds = tuple(
        _round(_object(item, f"rounds[{i}]"), f"rounds[{i}]")
        for i, item in enumerate(lists["rounds"])
    )
    meetings = tuple(
        _meeting(_object(item, f"meetings[{i}]"), f"meetings[{i}]")
        for i, item in enumerate(lists["meetings"])
    )
    return Gold(article, diplomats, organisations, rounds, meetings)


def _object(item: object, where: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise GoldError(f"{where} is not a JSON object")
    return item


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise GoldError(f'has no "{key}" list; write [] when the article has none')
    return value


def _text(item: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = item.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        wanted = "a non-empty string" if required else "a string or null"
        raise GoldError(f'{where}: "{key}" must be {wanted}')
    return value


def _gold_name(item: dict[str, Any], where: str) -> GoldName:
    name = _text(item, "name", where, required=True)
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise GoldError(f'{where}: "aliases" must be a list of strings')
    return GoldName(str(name), tuple(aliases))


def _diplomat(item: dict[str, Any], where: str) -> GoldDiplomat:
    person = _gold_name(item, where)
    if not normalise(person.name):
        raise GoldError(f'{where}: "name" {person.name!r} has no letters or digits')
    return GoldDiplomat(
        person.name,
        person.aliases,
        title=_text(item, "title", where),
        affiliation=_text(item, "affiliation", where),
    )


def _round(item: dict[str, Any], where: str) -> GoldRound:
    number = item.get("number")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
        raise GoldError(f'{where}: "number" must be an integer or null, not {number!r}')
    return GoldRound(number, _text(item, "start", where), _text(item, "end", where))


def _meeting(item: dict[str, Any], where: str) -> GoldMeeting:
    participants = item.get("participants")
    if not isinstance(participants, list) or not all(isinstance(p, str) for p in participants):
        raise GoldError(f'{where}: "participants" must be a list of names')
    return GoldMeeting(tuple(participants), _text(item, "date", where))


# --------------------------------------------------------------------------------------------
# What the graph says, read with the contract vocabulary (shared/spec/vocabulary.md)

_PREFIXES = """PREFIX dkg: <https://w3id.org/diplomacy-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
_NAMED = "{ ?e rdfs:label ?name } UNION { ?e skos:altLabel ?name }"
_DIPLOMATS = f"""SELECT ?e ?name ?title ?aff WHERE {{
  ?e a dkg:Diplomat .
  {_NAMED}
  OPTIONAL {{ ?e dkg:title ?title }}
  OPTIONAL {{ ?e dkg:affiliation ?a . {{ ?a rdfs:label ?aff }} UNION {{ ?a skos:altLabel ?aff }} }}
}}"""
_ORGANISATIONS = f"SELECT ?e ?name WHERE {{ ?e a dkg:Organisation . {_NAMED} }}"
_ROUNDS = """SELECT ?e ?num ?start ?end ?loc WHERE {
  ?e a dkg:NegotiationRound .
  OPTIONAL { ?e dkg:roundNumber ?num }
  OPTIONAL { ?e dkg:startDate ?start }
  OPTIONAL { ?e dkg:endDate ?end }
  OPTIONAL { ?e dkg:location/rdfs:label ?loc }
}"""
_MEETINGS = """SELECT ?e ?p ?start ?loc WHERE {
  ?e a dkg:Meeting ; dkg:participant ?p .
  OPTIONAL { ?e dkg:startDate ?start }
  OPTIONAL { ?e dkg:location/rdfs:label ?loc }
}"""
_LABELS = f"SELECT ?e ?name WHERE {{ {_NAMED} }}"


@dataclass
class Predicted:
    """One node of the graph and the values of each queried variable (key: variable name)."""

    node: str
    values: dict[str, set[str]] = field(default_factory=dict)

    def get(self, key: str) -> set[str]:
        return self.values.get(key, set())

    def display_name(self) -> str:
        return min(self.get("name"), default="?")


@dataclass
class Predictions:
    diplomats: list[Predicted]
    organisations: list[Predicted]
    rounds: list[Predicted]
    meetings: list[Predicted]
    labels: dict[str, set[str]]

    @classmethod
    def read(cls, store: ox.Store) -> Predictions:
        labels = _select(store, _LABELS, ("name",))
        return cls(
            diplomats=_select(store, _DIPLOMATS, ("name", "title", "aff")),
            organisations=_select(store, _ORGANISATIONS, ("name",)),
            rounds=_select(store, _ROUNDS, ("num", "start", "end", "loc")),
            meetings=_select(store, _MEETINGS, ("p", "start", "loc")),
            labels={p.node: p.get("name") for p in labels},
        )


def _select(store: ox.Store, query: str, names: tuple[str, ...]) -> list[Predicted]:
    """The rows grouped by ?e, in the order each node first appears."""
    nodes: dict[str, Predicted] = {}
    for solution in store.query(_PREFIXES + query, use_default_graph_as_union=True):
        node = solution["e"].value
        predicted = nodes.setdefault(node, Predicted(node))
        for name in names:
            term = solution[name]
            if term is not None:
                predicted.values.setdefault(name, set()).add(term.value)
    return list(nodes.values())


# --------------------------------------------------------------------------------------------
# Scores


@dataclass
class Counts:
    """Matched, predicted and gold items of one category."""

    tp: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.predicted += other.predicted
        self.gold += other.gold

    @property
    def precision(self) -> float:
        if self.predicted:
            return self.tp / self.predicted
        return 0.0 if self.gold else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Accuracy:
    """Of the attributes the gold gives for matched items, how many the graph has right."""

    correct: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.correct += int(ok)
        self.total += 1

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass
class Detail:
    """Gold items the graph misses and graph items the gold does not have."""

    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


def _categories() -> dict[str, Counts]:
    return {c: Counts() for c in CATEGORIES}


def _attributes() -> dict[str, Accuracy]:
    return {a: Accuracy() for a in ATTRIBUTES}


@dataclass
class ArticleScore:
    """One gold file's figures; `error` is set when the article could not be scored."""

    stem: str
    counts: dict[str, Counts] = field(default_factory=_categories)
    accuracy: dict[str, Accuracy] = field(default_factory=_attributes)
    details: dict[str, Detail] = field(default_factory=lambda: {c: Detail() for c in CATEGORIES})
    wrong: list[str] = field(default_factory=list)  # attributes of matched items read wrongly
    error: str | None = None

    def describe(self) -> list[str]:
        """The verbose lines for this article."""
        lines = [f"  {self.stem}"]
        if self.error:
            return [*lines, f"    FAILED: {self.error}"]
        for category, detail in self.details.items():
            lines.append(f"    {category} missed={detail.missed} extra={detail.extra}")
        lines.extend(f"    wrong {item}" for item in self.wrong)
        return lines


@dataclass
class EvalReport:
    """The figures over all scored gold files, with each article's own."""

    articles: list[ArticleScore] = field(default_factory=list)

    def totals(self) -> dict[str, Counts]:
        totals = _categories()
        for article in self.articles:
            for category, counts in article.counts.items():
                totals[category].add(counts)
        return totals

    def accuracies(self) -> dict[str, Accuracy]:
        totals = _attributes()
        for article in self.articles:
            for name, acc in article.accuracy.items():
                totals[name].correct += acc.correct
                totals[name].total += acc.total
        return totals

    @property
    def failures(self) -> list[str]:
        return [f"{a.stem}: {a.error}" for a in self.articles if a.error]

    @property
    def macro_f1(self) -> float:
        # the mean of the F1 figures as reported (to 3 decimals), as score.py computes it
        return sum(round(c.f1, 3) for c in self.totals().values()) / len(CATEGORIES)

    def figures(self) -> dict[str, Any]:
        """The figures in score.py's JSON layout."""
        out: dict[str, Any] = {
            category: {"p": round(c.precision, 3), "r": round(c.recall, 3), "f1": round(c.f1, 3)}
            for category, c in self.totals().items()
        }
        for name, acc in self.accuracies().items():
            out[f"{name}_accuracy"] = round(acc.value, 3)
        out["macro_f1"] = round(self.macro_f1, 3)
        out["articles"] = len(self.articles)
        out["failures"] = self.failures
        return out

    def table(self) -> str:
        """The figures in score.py's printed layout."""
        lines = [f"{'category':<16}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'pred':>6}{'gold':>6}"]
        for category, c in self.totals().items():
            lines.append(
                f"{category:<16}{c.precision:7.3f}{c.recall:7.3f}{c.f1:7.3f}"
                f"{c.tp:6d}{c.predicted:6d}{c.gold:6d}"
            )
        for name, acc in self.accuracies().items():
            lines.append(
                f"{name + ' acc':<16}{acc.value:7.3f}  ({acc.correct}/{acc.total} matched items)"
            )
        lines.append(
            f"macro F1 {self.macro_f1:.3f} over {len(self.articles)} articles, "
            f"{len(self.failures)} failed builds"
        )
        return "\n".join(lines)

    def details(self) -> str:
        return "\n".join(line for a in self.articles for line in a.describe())


def score_article(stem: str, gold: Gold, predictions: Predictions) -> ArticleScore:
    """Match one article's graph to its gold annotation."""
    score = ArticleScore(stem)
    _score_diplomats(score, gold, predictions.diplomats)
    _score_organisations(score, gold, predictions.organisations)
    _score_rounds(score, gold, predictions.rounds)
    _score_meetings(score, gold, predictions)
    return score


def _unpaired(size: int, taken: Iterable[int]) -> list[int]:
    used = set(taken)
    return [i for i in range(size) if i not in used]


def _score_diplomats(score: ArticleScore, gold: Gold, predicted: list[Predicted]) -> None:
    pairs = greedy_pairs(predicted, gold.diplomats, lambda p, g: person_matches(p.get("name"), g))
    score.counts["diplomats"] = Counts(len(pairs), len(predicted), len(gold.diplomats))
    for pi, gi in pairs:
        person, found = gold.diplomats[gi], predicted[pi]
        if person.title:
            ok = title_matches(found.get("title"), person.title)
            score.accuracy["title"].add(ok)
            if not ok:
                score.wrong.append(
                    f"title of {person.name}: gold {person.title!r}, "
                    f"read {sorted(found.get('title'))}"
                )
        if person.affiliation:
            affiliations = found.get("aff")
            ok = org_matches(affiliations, GoldName(person.affiliation)) or normalise(
                person.affiliation
            ) in {normalise(a) for a in affiliations}
            score.accuracy["affiliation"].add(ok)
            if not ok:
                score.wrong.append(
                    f"affiliation of {person.name}: gold {person.affiliation!r}, "
                    f"read {sorted(affiliations)}"
                )
    detail = score.details["diplomats"]
    detail.missed = [gold.diplomats[i].name for i in _unpaired(len(gold.diplomats), _golds(pairs))]
    detail.extra = [predicted[i].display_name() for i in _unpaired(len(predicted), _preds(pairs))]


def _score_organisations(score: ArticleScore, gold: Gold, predicted: list[Predicted]) -> None:
    pairs = greedy_pairs(predicted, gold.organisations, lambda p, g: org_matches(p.get("name"), g))
    # a state or body the gold names only as a diplomat's affiliation is neither right nor wrong
    affiliations = [GoldName(d.affiliation) for d in gold.diplomats if d.affiliation]
    unmatched = _unpaired(len(predicted), _preds(pairs))
    neutral = {
        i for i in unmatched if any(org_matches(predicted[i].get("name"), a) for a in affiliations)
    }
    score.counts["organisations"] = Counts(
        len(pairs), len(predicted) - len(neutral), len(gold.organisations)
    )
    detail = score.details["organisations"]
    detail.missed = [
        gold.organisations[i].name for i in _unpaired(len(gold.organisations), _golds(pairs))
    ]
    detail.extra = [predicted[i].display_name() for i in unmatched if i not in neutral]


def _round_numbers(found: Predicted) -> set[int]:
    return {int(float(n)) for n in found.get("num") if _WHOLE_NUMBER.fullmatch(n)}


def _same_round(found: Predicted, gold: GoldRound) -> bool:
    """Numbered gold rounds match by number; unnumbered ones match unnumbered predictions."""
    numbers = _round_numbers(found)
    return gold.number in numbers if gold.number is not None else not numbers


def _same_round_and_dates(found: Predicted, gold: GoldRound) -> bool:
    return (
        _same_round(found, gold)
        and dates_match(found.get("start"), gold.start)
        and dates_match(found.get("end"), gold.end)
    )


def _score_rounds(score: ArticleScore, gold: Gold, predicted: list[Predicted]) -> None:
    # first the rounds whose dates agree too, then the rest by number alone
    pairs = greedy_pairs(predicted, gold.rounds, _same_round_and_dates)
    rest_p = _unpaired(len(predicted), _preds(pairs))
    rest_g = _unpaired(len(gold.rounds), _golds(pairs))
    later = greedy_pairs(
        [predicted[i] for i in rest_p], [gold.rounds[i] for i in rest_g], _same_round
    )
    pairs += [(rest_p[pi], rest_g[gi]) for pi, gi in later]
    score.counts["rounds"] = Counts(len(pairs), len(predicted), len(gold.rounds))
    for pi, gi in pairs:
        expected, found = gold.rounds[gi], predicted[pi]
        for key, gold_date in (("start", expected.start), ("end", expected.end)):
            if gold_date:
                ok = dates_match(found.get(key), gold_date)
                score.accuracy["round_dates"].add(ok)
                if not ok:
                    score.wrong.append(
                        f"{key} of {expected.describe()}: gold {gold_date!r}, "
                        f"read {sorted(found.get(key))}"
                    )
    detail = score.details["rounds"]
    detail.missed = [gold.rounds[i].describe() for i in _unpaired(len(gold.rounds), _golds(pairs))]
    detail.extra = [
        _describe_round(
            {str(n) for n in _round_numbers(predicted[i])},
            predicted[i].get("start"),
            predicted[i].get("end"),
        )
        for i in _unpaired(len(predicted), _preds(pairs))
    ]


def _describe_round(numbers: set[str], starts: set[str], ends: set[str]) -> str:
    text = f"round {'/'.join(sorted(numbers))}" if numbers else "unnumbered round"
    if starts:
        text += f" from {'/'.join(sorted(starts))}"
    if ends:
        text += f" to {'/'.join(sorted(ends))}"
    return text


def _score_meetings(score: ArticleScore, gold: Gold, predictions: Predictions) -> None:
    parties: list[tuple[Callable[[Iterable[str], GoldName], bool], GoldName]] = [
        (person_matches, d) for d in gold.diplomats
    ] + [(org_matches, o) for o in gold.organisations]

    def party(node: str) -> str:
        """The gold party a participant node stands for (its normalised name), if any."""
        names = predictions.labels.get(node, set())
        for matches, named in parties:
            if matches(names, named):
                return normalise(named.name)
        return "?" + node

    expected = gold.meeting_pairs()
    found: dict[frozenset[str], set[str]] = {}
    for meeting in predictions.meetings:
        participants = sorted({party(node) for node in meeting.get("p")})
        for pair in _pairs(participants):
            found.setdefault(pair, set()).update(meeting.get("start"))
    matched = expected.keys() & found.keys()
    score.counts["meetings"] = Counts(len(matched), len(found), len(expected))
    for pair in sorted(matched, key=sorted):
        gold_date = expected[pair].date
        if gold_date:
            ok = dates_match(found[pair], gold_date)
            score.accuracy["meeting_dates"].add(ok)
            if not ok:
                score.wrong.append(
                    f"date of meeting {_describe_pair(pair)}: gold {gold_date!r}, "
                    f"read {sorted(found[pair])}"
                )
    detail = score.details["meetings"]
    detail.missed = sorted(_describe_pair(p) for p in expected.keys() - matched)
    detail.extra = sorted(_describe_pair(p) for p in found.keys() - matched)


def _describe_pair(pair: frozenset[str]) -> str:
    return " + ".join(sorted(pair))


def _preds(pairs: list[tuple[int, int]]) -> list[int]:
    return [pi for pi, _ in pairs]


def _golds(pairs: list[tuple[int, int]]) -> list[int]:
    return [gi for _, gi in pairs]


# --------------------------------------------------------------------------------------------
# Building and the whole run


class ArticleFailure(Exception):
    """The article could not be built into a graph (as `kg build` would fail on it)."""


def graph_store(article_path: Path, *, validate: bool = True) -> ox.Store:
    """An in-memory store holding what `kg export` gives after `kg build ARTICLE`.

    Raises ArticleFailure where `kg build` would exit with an error: an unreadable file, an
    extraction that fails, or (with validate) a graph that breaks the SHACL shapes.
    """
    from kg.build import article_graph, read_articles

    articles, errors = read_articles([article_path])
    if errors:
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise ArticleFailure(f"{errors[0]}{more}")
    graphs = []
    for article in articles:
        try:
            graph = article_graph(article)
        except Exception as exc:  # any bug in extraction costs this article only
            raise ArticleFailure(
                f"{article.source_file}: could not be read ({type(exc).__name__}: {exc})"
            ) from exc
        if validate:
            from kg.validate import validate_graph

            violations = [v for v in validate_graph(graph) if v.severity == "Violation"]
            if violations:
                raise ArticleFailure(
                    f"{article.source_file}: {len(violations)} SHACL violation(s), so "
                    f"'kg build' would not store it; first: {violations[0].describe()}"
                )
        graphs.append(graph)
    return _as_exported(graphs)


def _as_exported(graphs: Iterable[Graph]) -> ox.Store:
    """The graphs as score.py sees them: stored on disk, exported as N-Quads, loaded in memory.

    The scorer pairs predictions with gold items in the order the queries return them, and an
    in-memory store returns them in the order they were loaded. rdflib serializes a graph in
    the order of its hash-keyed indices, which changes with PYTHONHASHSEED; the on-disk store
    keeps quads in key order, so its export is the same for the same graph, whatever the seed.
    """
    from kg.store import GraphStore

    with (
        tempfile.TemporaryDirectory(prefix="kg-eval-") as tmp,
        GraphStore(Path(tmp) / "store") as disk,
    ):
        for graph in graphs:
            disk.replace_article(graph)
        data = disk.export("nquads")
    store = ox.Store()
    store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    return store


def gold_files(gold_dir: Path, only: Collection[str] = ()) -> list[Path]:
    """The gold files to score, sorted; EvalError if there are none or a stem is unknown."""
    files = sorted(p for p in gold_dir.glob("*.json") if p.is_file())
    if not files:
        raise EvalError(f"no gold files (*.json) in {gold_dir}")
    if only:
        unknown = sorted(set(only) - {p.stem for p in files})
        if unknown:
            raise EvalError(
                f"no gold file for {', '.join(unknown)} in {gold_dir}; "
                "give --only the file name without .json"
            )
        files = [p for p in files if p.stem in only]
    return files


def evaluate_one(gold_path: Path, articles_dir: Path, *, validate: bool = True) -> ArticleScore:
    """Score one gold file; a bad gold file or article gives a score with `error` set."""
    stem = gold_path.stem
    try:
        gold = load_gold(gold_path)
    except GoldError as exc:
        return ArticleScore(stem, error=_one_line(f"gold file {gold_path}: {exc}"))
    try:
        store = graph_store(articles_dir / gold.article, validate=validate)
    except ArticleFailure as exc:
        failed = ArticleScore(stem, error=_one_line(str(exc)))
        for category, size in gold.counts_if_unread().items():
            failed.counts[category] = Counts(0, 0, size)
        return failed
    return score_article(stem, gold, Predictions.read(store))


def evaluate(
    gold_dir: Path,
    articles_dir: Path,
    *,
    only: Collection[str] = (),
    validate: bool = True,
) -> EvalReport:
    """Score the graph built from each gold file's article against that gold file."""
    return EvalReport(
        [evaluate_one(path, articles_dir, validate=validate) for path in gold_files(gold_dir, only)]
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------
# The command

_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@click.command("eval", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--gold", "gold_dir", required=True, type=_DIR, help="Folder of gold JSON files.")
@click.option(
    "--articles",
    "articles_dir",
    required=True,
    type=_DIR,
    help='Folder holding the articles the gold files name in "article".',
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the figures to this file as JSON.",
)
@click.option(
    "--only",
    multiple=True,
    metavar="STEM",
    help="Score only this gold file (its name without .json); repeatable.",
)
@click.option(
    "--no-validate",
    is_flag=True,
    help="Score graphs that break the SHACL shapes too (kg build would not store them).",
)
@click.option("-v", "--verbose", is_flag=True, help="List each article's missed and extra items.")
def eval_command(
    gold_dir: Path,
    articles_dir: Path,
    json_path: Path | None,
    only: tuple[str, ...],
    no_validate: bool,
    verbose: bool,
) -> None:
    """Measure the extraction on annotated articles: precision, recall and F1.

    Each gold JSON file (format: shared/eval/GUIDELINES.md) names its article in
    "article"; the article is read from --articles and built in memory, and its
    diplomats, organisations, negotiation rounds and meetings (as participant pairs)
    are matched to the gold with the rules of the official scorer score.py. Prints
    the figures per category, the accuracy of titles, affiliations and dates, and
    the macro F1. An article or gold file that cannot be read is reported and
    counted as all missed; the command then exits 1.

    \b
    Example:
      kg eval --gold annotated/gold --articles annotated/articles
      kg eval --gold annotated/gold --articles annotated/articles \\
              --only 012_geneva-talks --only 013_astana -v --json figures.json
    """
    try:
        report = evaluate(gold_dir, articles_dir, only=only, validate=not no_validate)
    except EvalError as exc:
        raise click.ClickException(str(exc)) from exc
    if verbose:
        click.echo(report.details())
    click.echo(report.table())
    for failure in report.failures:
        click.secho(f"error: {failure}", fg="red", err=True)
    if json_path is not None:
        try:
            json_path.write_text(json.dumps(report.figures(), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {json_path}: {exc.strerror or exc}") from exc
        click.echo(f"wrote {json_path}", err=True)
    if report.failures:
        sys.exit(1)
