"""Resolving entities: one node per person, organisation, round and meeting in an article.

Mentions come in as the text names them ("de Mistura", "the emissary", "he", "his Russian
counterpart"); facts go out keyed by canonical names, which kg.assemble turns into IRIs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from kg.articles import Article
from kg.dates import DateValue
from kg.gazetteer import load
from kg.mentions import EventMention, Mentions, PartyRef, Sentence

PartyKey = tuple[str, str]  # ("person", "Staffan de Mistura") or ("org", "United Nations")


@dataclass
class Person:
    name: str
    aliases: set[str] = field(default_factory=set)
    titles: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    sentences: set[int] = field(default_factory=set)


@dataclass
class Organisation:
    name: str
    aliases: set[str] = field(default_factory=set)
    sentences: set[int] = field(default_factory=set)


@dataclass
class Event:
    kind: str  # "meeting" or "round"
    participants: list[PartyKey]
    start: DateValue | None = None
    end: DateValue | None = None
    date_text: str | None = None
    place: str | None = None
    status: str = "held"
    number: int | None = None
    process: str | None = None
    sentences: set[int] = field(default_factory=set)
    earlier: bool = False  # a round the text calls "previous" or "last"
    later: bool = False  # a round the text calls "next" or "new"


@dataclass
class ArticleFacts:
    article: Article
    sentences: list[Sentence]
    persons: dict[str, Person]
    orgs: dict[str, Organisation]
    meetings: list[Event]
    rounds: list[Event]


def resolve(mentions: Mentions) -> ArticleFacts:
    named = _persons(mentions)
    persons = {k: p for k, p in named.items() if _is_official(p, mentions.article.date)}
    orgs = _organisations(mentions, persons)
    resolver = _PartyResolver(mentions, persons, orgs)
    meetings = _meetings(mentions, resolver)
    # someone the article names without a title, meeting officials or an organisation, acts
    # in an official capacity there: a diplomat
    for meeting in meetings:
        for kind, name in meeting.participants:
            if kind == "person" and name not in persons:
                persons[name] = named[name]
    for meeting in meetings:
        # a party known only by inference ("the Prime Minister" → the publishing state)
        for kind, name in meeting.participants:
            if kind == "org":
                orgs.setdefault(name, Organisation(name)).sentences.update(meeting.sentences)
    rounds = _rounds(mentions)
    return ArticleFacts(mentions.article, mentions.sentences, persons, orgs, meetings, rounds)


def _persons(mentions: Mentions) -> dict[str, Person]:
    # reading order, never set order: the same article must give the same graph in any process
    names = list(dict.fromkeys(m.name for m in mentions.persons if len(m.name.split()) > 1))
    # "Olvera Lugo" is "Adriana Olvera Lugo" (double surnames): the longest form is the name
    full_names = [n for n in names if not any(o != n and o.endswith(" " + n) for o in names)]
    longer = {
        n: max((o for o in names if o.endswith(" " + n)), key=len)
        for n in names
        if n not in full_names
    }
    # "Rob Malley" after "Robert Malley": forms of one well-known official are one person
    official = {n: load().official_name.get(n.casefold()) for n in full_names}
    for n in list(full_names):
        if official[n] is None:
            continue
        first = next(o for o in full_names if official[o] == official[n])
        if first != n:
            longer[n] = first
            full_names.remove(n)
    by_surname: dict[str, list[str]] = {}
    by_first: dict[str, list[str]] = {}
    by_first_surname: dict[str, list[str]] = {}  # "Rangel" of "Héctor Rangel Mujica"
    for name in full_names:
        words = name.lower().split()
        by_surname.setdefault(words[-1], []).append(name)
        by_first.setdefault(words[0], []).append(name)
        if len(words) == 3:
            by_first_surname.setdefault(words[1], []).append(name)
    persons: dict[str, Person] = {}
    latest: dict[str, int] = {}  # where each full name was last written out
    for m in mentions.persons:
        if m.name in full_names:
            latest[m.name] = m.start
        # "Aubert" when two Auberts are named: the one named most recently before
        candidates = by_surname.get(m.name.lower(), [])
        # "Xi" for Xi Jinping, "Isaias" for Isaias Afwerki: names whose first part is the one
        # used alone, when it is no one's surname and starts only that one person's name
        if not candidates and len(by_first.get(m.name.lower(), [])) == 1:
            candidates = by_first[m.name.lower()]
        # Spanish and Portuguese names are used by the first of two surnames
        if not candidates and len(by_first_surname.get(m.name.lower(), [])) == 1:
            candidates = by_first_surname[m.name.lower()]
        surname_of = max(candidates, key=lambda n: latest.get(n, -1)) if candidates else m.name
        key = longer.get(m.name) or (m.name if m.name in full_names else surname_of)
        m.name = key
        person = persons.setdefault(key, Person(key))
        surface = mentions.text[m.start : m.end]
        if surface and surface != key and not surface.isupper():
            person.aliases.add(surface)
        for title in (m.title, m.also_title):
            if title and title.lower() not in {t.lower() for t in person.titles}:
                person.titles.append(title)
        if m.affiliation and m.affiliation not in person.affiliations:
            person.affiliations.append(m.affiliation)
        person.sentences.add(m.sentence)
    _inferred_affiliations(mentions, persons)
    for m in mentions.persons:
        if m.affiliation_of:
            owners = by_surname.get(m.affiliation_of.lower(), [])
            owner = owners[-1] if owners else None
            if owner and owner in persons:
                for aff in persons[owner].affiliations:
                    if aff not in persons[m.name].affiliations:
                        persons[m.name].affiliations.append(aff)
    return persons


def _is_official(person: Person, when: date) -> bool:
    """The article gives them an official role, or they held a well-known office that day
    ("Putin and Erdogan spoke by phone")."""
    return bool(person.titles or load().offices_on([person.name, *person.aliases], when))


def _inferred_affiliations(
    mentions: Mentions, persons: dict[str, Person], lead_sentences: int = 4
) -> None:
    """What a careful reader infers about whom a person represents.

    A body's parent is represented too (the European Commission's president speaks for the
    European Union), and in a government's own readout an unqualified national office
    ("President", "Prime Minister") is that government's.
    """
    gaz = load()
    home = _publishing_state(mentions.article.source or "")
    offices = set(gaz.triggers["national_offices"])
    # the readout's own office-holder is the one its opening sentences are about
    lead = {m.name for m in mentions.persons if m.subject and m.sentence <= lead_sentences}
    for p in persons.values():
        if not p.affiliations:
            p.affiliations.extend(
                _known_affiliation(p, mentions.article.date) or _office_affiliation(p.titles)
            )
        for aff in list(p.affiliations):
            parent = _parent(aff)
            if parent and parent not in p.affiliations:
                p.affiliations.append(parent)
        if (
            home
            and p.name in lead
            and not p.affiliations
            and any(t.lower() in offices for t in p.titles)
        ):
            p.affiliations.append(home)


@cache
def _parent(body: str) -> str | None:
    """The body or state a body belongs to: the EU for the European Commission, Iran for the
    Atomic Energy Organization of Iran."""
    gaz = load()
    parent = next((e.part_of for e in gaz.orgs.values() if e.name == body and e.part_of), None)
    if parent:
        return parent
    of_state = re.search(r" of (?:the )?([A-Z][\w .'-]+)$", body)
    entry = gaz.orgs.get(of_state.group(1)) if of_state else None
    return entry.name if entry is not None and entry.kind == "state" else None


def _known_affiliation(person: Person, when: date) -> list[str]:
    """Whom a well-known official represented that day, when the curated list is sure."""
    held = {t.affiliation for t in load().offices_on([person.name, *person.aliases], when)}
    return list(held) if len(held) == 1 else []


def _office_affiliation(titles: list[str]) -> list[str]:
    return next(([b] for t in titles if (b := load().office_body(t))), [])


@cache  # one outlet publishes many articles, and the look-up tries every gazetteer form
def _publishing_state(source: str) -> str | None:
    """The state whose government published the article, if the source names one."""
    gaz = load()
    if not any(word in source for word in gaz.triggers["government_sources"]):
        return None  # a newspaper or agency, even one named after its city
    found = []
    for form, entry in gaz.orgs.items():
        if form in source and _names(form, source):
            if entry.kind != "state":
                return None  # a news agency or an international body, not a government
            found.append((source.index(form), entry.name))
    for form, state in list(gaz.capitals.items()) + list(gaz.demonyms.items()):
        if form in source and _names(form, source):
            found.append((source.index(form), state))
    return min(found)[1] if found else None


def _names(form: str, source: str) -> bool:
    """Whether the source names the form as a whole word (callers test `in` first: compiling
    a pattern for each of the gazetteer's thousands of forms was most of resolution's time)."""
    return re.search(rf"(?<![\w.]){re.escape(form)}(?![\w])", source) is not None


def _organisations(mentions: Mentions, persons: dict[str, Person]) -> dict[str, Organisation]:
    orgs: dict[str, Organisation] = {}
    for m in mentions.orgs:
        org = orgs.setdefault(m.name, Organisation(m.name))
        if m.surface and m.surface != m.name and m.surface.lower() != f"the {m.name}".lower():
            org.aliases.add(m.surface)
        org.sentences.add(m.sentence)
    for p in persons.values():
        for aff in p.affiliations:
            orgs.setdefault(aff, Organisation(aff)).sentences.update(p.sentences)
    return orgs


class _PartyResolver:
    """Turns a PartyRef into a person or organisation of the article, or None."""

    def __init__(
        self, mentions: Mentions, persons: dict[str, Person], orgs: dict[str, Organisation]
    ):
        self.mentions, self.persons, self.orgs = mentions, persons, orgs
        self.gaz = load()
        self.home = _publishing_state(mentions.article.source or "")
        synonyms = self.gaz.triggers["title_synonyms"]
        self.synonyms = synonyms
        self.heads = {
            name: {self._norm_head(w) for t in p.titles for w in t.lower().split()}
            for name, p in persons.items()
        }

    def untitled(self, party: PartyKey) -> bool:
        """A person the article names with no official role (kept only meeting one)."""
        return party[0] == "person" and party[1] not in self.persons

    def _norm_head(self, word: str) -> str:
        return self.synonyms.get(word, word)

    def resolve(self, ref: PartyRef) -> list[PartyKey]:
        if ref.kind == "speaker":
            speaker = next(
                (name for at, name in reversed(self.mentions.speakers) if at <= ref.start), None
            )
            speaker = self._full_name(speaker) if speaker else None
            return [("person", speaker)] if speaker in self.persons else []
        if ref.kind == "body":
            # the body of that kind named last: "the Panel" after "the AU High-Level Panel"
            head = ref.text.lower()
            named = [
                o.name
                for o in self.mentions.orgs
                if o.start < ref.start
                and head in (o.name.lower().split()[-1], o.surface.lower().split()[-1])
            ]
            return [("org", named[-1])] if named else []
        if ref.kind == "pronoun":
            found = self._antecedent(ref.start)
            return [found] if found else []
        if ref.kind == "counterpart":
            return [
                ("person", name)
                for state in ref.demonym_states
                for name in self._persons_of(state)[:1]
            ]
        inside = [p for p in self.mentions.persons if ref.start <= p.start < ref.end]
        if inside and inside[0].name in self.persons:
            return [("person", inside[0].name)]
        if inside and ref.kind == "name" and len(inside[0].name.split()) > 1:
            # an official only if they meet one; named in full, since a lone word the
            # entity recogniser calls a person is as often a place or a group ("Tigray")
            return [("person", inside[0].name)]
        orgs = [o for o in self.mentions.orgs if ref.start <= o.start < ref.end]
        if orgs and ref.kind == "description" and " of " not in ref.text:
            # "the Kosovo prime minister": the state only qualifies the office; its holder,
            # if the article names one, is the party
            described = self._described_person(ref)
            if described:
                return [("person", described)]
        if orgs:
            return [("org", orgs[0].name)]
        described = self._described_person(ref)
        if described:
            return [("person", described)]
        # "The Prime Minister spoke to ..." in a government's own readout: that government
        office = ref.text.lower().removeprefix("the ").strip()
        if self.home and office in self.gaz.triggers["national_offices"]:
            return [("org", self.home)]
        return []

    def _full_name(self, name: str) -> str:
        """ "MERKEL:" labels a transcript's turn with the surname of a person named in full."""
        if name in self.persons:
            return name
        full = [n for n in self.persons if n.endswith(" " + name)]
        return full[0] if len(full) == 1 else name

    def _persons_of(self, state: str) -> list[str]:
        return [n for n, p in self.persons.items() if state in p.affiliations]

    def _described_person(self, ref: PartyRef) -> str | None:
        words = [self._norm_head(w.strip(",.")) for w in ref.text.lower().split()]
        heads = [w for w in words if w in self.gaz.title_heads or w in self.synonyms.values()]
        if not heads:
            return None
        head = heads[-1]
        candidates = [n for n, hs in self.heads.items() if head in hs]
        # "the Kosovo prime minister": of the prime ministers, Kosovo's ("envoy for Syria" is
        # about Syria, so only the words before the title count)
        before = ref.text.split()[: max(0, len(words) - 1 - words[::-1].index(head))]
        states = {self.gaz.orgs[w].name for w in before if w in self.gaz.orgs}
        states |= {self.gaz.demonyms[w] for w in before if w in self.gaz.demonyms}
        if states:
            candidates = [n for n in candidates if states & set(self.persons[n].affiliations)]
        if len(candidates) == 1:
            return candidates[0]
        return self._latest_before(ref.start, set(candidates)) if candidates else None

    def _latest_before(self, char: int, names: set[str]) -> str | None:
        best = None
        for p in self.mentions.persons:
            if p.start >= char:
                break
            if p.name in names:
                best = p.name
        return best

    def _antecedent(self, char: int) -> PartyKey | None:
        """The latest subject-like person before a pronoun: the last person named or described."""
        best: tuple[int, str] | None = None
        for p in self.mentions.persons:
            if p.start < char and p.name in self.persons and p.subject:
                best = (p.start, p.name)
        for e in self.mentions.events:
            for ref in e.parties:
                if (
                    ref.kind == "description"
                    and ref.start < char
                    and (best is None or ref.start > best[0])
                ):
                    name = self._described_person(ref)
                    if name and self._is_subject_ref(ref, e):
                        best = (ref.start, name)
        for d in self.mentions.descriptions:
            if d.start < char and (best is None or d.start > best[0]) and d.subject:
                name = self._described_person(
                    PartyRef(d.title or "", d.start, d.end, "description")
                )
                if name:
                    best = (d.start, name)
        opener = self._sentence_opener(char)
        if opener is not None and (best is None or best[0] < opener[0]):
            best = opener
        return ("person", best[1]) if best else None

    def _sentence_opener(self, char: int) -> tuple[int, str] | None:
        """The person a sentence opens with ("Envoy X, whose ..., said that he would ..."):
        the subject even where the parse loses it, and the pronoun's nearest antecedent."""
        sent = next((s for s in self.mentions.sentences if s.start <= char < s.end), None)
        if sent is None:
            return None
        lead = self.mentions.text[sent.start : sent.end]
        offset = len(lead) - len(lead.lstrip())
        for p in self.mentions.persons:
            opens = p.phrase_start if p.phrase_start >= 0 else p.start
            if opens == sent.start + offset and p.start < char and p.name in self.persons:
                return (p.start, p.name)
        return None

    @staticmethod
    def _is_subject_ref(ref: PartyRef, event: EventMention) -> bool:
        return bool(event.groups) and ref in event.groups[0][:1]


def _meetings(mentions: Mentions, resolver: _PartyResolver) -> list[Event]:
    article = mentions.article
    out: dict[tuple, Event] = {}
    first_dated_lead = True
    sides: list[PartyKey] = []  # the two sides of the talks reported last
    dated: list[tuple[list[PartyKey], DateValue, DateValue | None, str | None]] = []
    body_start = len(article.title) + 2 if article.title else 0  # as kg.mentions reads it
    for em in (e for e in mentions.events if e.kind == "meeting"):
        for group in em.groups:
            # "the two sides", "the meeting" (chaired by X): the talks reported last
            refers_back = any(r.kind == "sides" for r in group)
            resolved = [
                key for ref in group if ref.kind != "sides" for key in resolver.resolve(ref)
            ]
            counterpart_refs = [r for r in group if r.kind == "counterpart"]
            parties = list(dict.fromkeys(resolved))
            if sides and refers_back:
                # "X met both delegations": a meeting with each; "the two sides met (with X)": one
                others = [s for s in sides if s not in parties]
                joint = not parties or group[0].kind == "sides"
                combos = [[*others, *parties]] if joint else [[*parties, s] for s in others]
            elif counterpart_refs and len(parties) > 2:
                subject = parties[0]
                combos = [[subject, other] for other in parties[1:]]
            else:
                combos = [parties]
                if len(parties) == 2 and not any(resolver.untitled(p) for p in parties):
                    sides = parties
            for combo in combos:
                if len(combo) < 2 or all(resolver.untitled(party) for party in combo):
                    continue
                start = em.date.value if em.date else None
                until = em.date.until if em.date else None
                date_text = em.date.text if em.date else None
                if start is None and first_dated_lead and em.status == "held":
                    start = DateValue(article.date, article.date, "day")
                first_dated_lead = False
                if start is None and (_also(mentions, em) or refers_back):
                    # "Also briefing the Council, X said", "the two sides met", "the meeting
                    # was chaired by X": the occasion of the last dated meeting with a party of
                    # this one
                    shared = [d for d in dated if set(d[0]) & set(combo)]
                    if shared:
                        start, until, date_text = shared[-1][1:]
                if start is None and dated and _same_day(mentions, em):
                    # "Later the same day, he went to see X": the day of the meeting before
                    start, until, date_text = dated[-1][1:]
                if start is not None:
                    dated.append((combo, start, until, date_text))
                key = (tuple(sorted(combo)), start.literal() if start else None)
                if key not in out and refers_back:
                    # "The meeting was chaired by X": X joins the meeting reported before
                    joined = next(
                        (
                            k
                            for k, e in reversed(out.items())
                            if k[1] == key[1] and set(e.participants) < set(combo)
                        ),
                        None,
                    )
                    if joined is not None:
                        out[key] = out.pop(joined)
                        out[key].participants = combo
                event = out.get(key)
                if event is None:
                    event = out[key] = Event(
                        "meeting", combo, start, until, date_text, em.place, em.status
                    )
                event.sentences.add(em.sentence)
                event.place = event.place or em.place
    # a headline ("Readout of X's call with Y") says no more than its story: where the story
    # reports the same meeting, the headline's own reading of it goes
    title = {s.index for s in mentions.sentences if s.start < body_start}
    told = {frozenset(e.participants) for e in out.values() if e.sentences - title}
    return [e for e in out.values() if e.sentences - title or frozenset(e.participants) not in told]


def _same_day(mentions: Mentions, em: EventMention) -> bool:
    text = (
        mentions.sentences[em.sentence - 1].text if em.sentence <= len(mentions.sentences) else ""
    )
    return re.search(r"\b(?:the same day|that same day)\b", text, re.IGNORECASE) is not None


def _also(mentions: Mentions, em: EventMention) -> bool:
    text = (
        mentions.sentences[em.sentence - 1].text if em.sentence <= len(mentions.sentences) else ""
    )
    return re.search(r"\b[Aa]lso\b", text) is not None


def _rounds(mentions: Mentions) -> list[Event]:
    """Round mentions merged into rounds: by number, by "next"/"previous", by date."""
    ems = [e for e in mentions.events if e.kind == "round"]
    known = {name for name, _ in load().processes}
    named = Counter(e.process for e in ems if e.process in known)
    talks = [
        e.process for e in ems if e.process and e.process not in known and _is_talks(e.process)
    ]
    # one article usually follows one series: generic "peace talks" are that series, and a
    # round named without its series ("The 42nd round will begin on ...") is the series named
    # before it, whatever its name ("the 41st round of conversations")
    named_any = [e.process for e in ems if e.process]
    default = (
        named.most_common(1)[0][0]
        if named
        else (talks[0] if talks else (named_any[0] if named_any else None))
    )
    rounds: list[Event] = []
    for em in ems:
        process = em.process
        if process is None or (process not in known and _is_talks(process)):
            process = default or process
        target = _merge_target(rounds, em, process)
        if target is None:
            target = Event("round", [], process=process, number=em.number, status=em.status)
            rounds.append(target)
        _merge_round(target, em)
    _number_by_order(rounds)
    for r in rounds:
        if r.start and r.end and r.end.latest < r.start.earliest:
            # mentions that disagree (a year guessed wrong): keep the more precise date
            if (r.start.latest - r.start.earliest) > (r.end.latest - r.end.earliest):
                r.start = None
            else:
                r.end = None
    return [r for r in rounds if r.process and _is_negotiation(r.process)]


def _is_negotiation(process: str) -> bool:
    """ "the ninth round of the chess tournament", "a new round of sanctions": not talks."""
    words = set(re.split(r"[^a-z]+", process.lower()))
    return not words & set(load().triggers["not_negotiation_series"])


def _number_by_order(rounds: list[Event]) -> None:
    """ "The next round" after the 14th is the 15th, when the article follows one series."""
    numbered = [r for r in rounds if r.number is not None]
    if len({_series_key(r.process) for r in numbered}) != 1:
        _number_after_nearest(rounds, numbered)
        return
    last = max(r.number for r in numbered if r.number is not None)
    series = _series_key(numbered[0].process)
    for r in rounds:
        if r.number is None and r.later and not r.earlier and _same_or_generic(r, series):
            r.number, r.process = last + 1, numbered[0].process
            last += 1
            break
    # "the previous round" before the 4th (the last one held) is the 3rd
    taken = {r.number for r in rounds}
    held = max((r.number for r in numbered if r.status == "held" and r.number), default=0)
    for r in rounds:
        if r.number is None and r.earlier and not r.later and held > 1 and held - 1 not in taken:
            r.number, r.process = held - 1, numbered[0].process
            break


def _same_or_generic(r: Event, series: frozenset[str]) -> bool:
    """A round of the series, or one its text names only generically ("the next round")."""
    return _series_key(r.process) == series or r.process is None or _is_talks(r.process)


def _number_after_nearest(rounds: list[Event], numbered: list[Event]) -> None:
    """With several numbered series, "the next round" follows the one named just before it:
    "the 14th round of the commanders' meeting was held ...; they agreed to hold the next
    round of the talks soon" is the 15th."""
    for r in rounds:
        if r.number is not None or not r.later or r.earlier or not r.sentences:
            continue
        first = min(r.sentences)
        before = [n for n in numbered if n.sentences and min(n.sentences) <= first]
        if not before or not _same_or_generic(r, frozenset()):
            continue
        prior = max(before, key=lambda n: min(n.sentences))
        number = (prior.number or 0) + 1
        if not any(n.number == number and n.process == prior.process for n in numbered):
            r.number, r.process = number, prior.process


def _is_talks(process: str) -> bool:
    return process.lower().split()[-1] in ("talks", "negotiations", "consultations", "process")


def _series_key(process: str | None) -> frozenset[str]:
    # "Australia - Papua New Guinea Forum" and "Papua New Guinea - Australia Forum" are one
    return frozenset(w for w in re.split(r"[^a-z0-9]+", (process or "").lower()) if w)


def _merge_target(rounds: list[Event], em: EventMention, process: str | None) -> Event | None:
    same = [
        r
        for r in rounds
        if _series_key(r.process) == _series_key(process)
        # "talks in Istanbul ... they last met in the third round, held in Minsk"
        and not (em.place and r.place and em.place != r.place and r.number != em.number)
    ]
    if em.number is not None:
        numbered = next((r for r in same if r.number == em.number), None)
        if numbered is not None:
            return numbered
        # "the next round" named before its number: the one after the last numbered round
        last = max((r.number for r in same if r.number is not None), default=em.number - 1)
        upcoming = [r for r in same if r.number is None and r.later]
        if upcoming and last == em.number - 1:
            return upcoming[-1]
        # the unnumbered talks it names: "their first talks in years next week ... the first
        # round will run from July 9 to 13"
        return next(
            (
                r
                for r in same
                if r.number is None
                and not r.earlier
                and (r.start is None or (em.date is not None and _overlap(r.start, em.date.value)))
            ),
            None,
        )
    # "previous talks, held in 2019": not a round the text dates otherwise
    same_time = [r for r in same if not _other_time(r, em)]
    if em.order == "later":
        planned = [r for r in same_time if r.status == "planned" or r.later]
        return planned[-1] if planned else None
    if em.order == "earlier":
        held = [r for r in same_time if r.earlier or (r.status == "held" and r.number is not None)]
        return held[-1] if held else None
    for r in reversed(same):
        if (em.date or em.began) is not None and em.status == "held" and r.status == "planned":
            continue  # "no date is set for a seventh round. The round began on June 12"
        if em.date is None or (r.start is None and r.end is None):
            return r
        if r.start is not None and _overlap(r.start, em.date.value):
            return r  # "later this month" and "from August 27 - 29" are one round
        if (
            r.start is None
            and em.date_role == "start"
            and r.end is not None
            and em.date.value.earliest <= r.end.latest
        ):
            return r  # "the sixth round ended on Sunday ... The round began on June 12"
    return None


def _other_time(r: Event, em: EventMention) -> bool:
    """The mention's date falls outside the round's known span."""
    when = em.date.value if em.date else (em.began.value if em.began else None)
    if when is None or r.start is None:
        return False
    last = r.end.latest if r.end is not None else r.start.latest
    return not (r.start.earliest <= when.latest and when.earliest <= last)


def _overlap(a: DateValue, b: DateValue) -> bool:
    return a.earliest <= b.latest and b.earliest <= a.latest


def _merge_round(target: Event, em: EventMention) -> None:
    target.sentences.add(em.sentence)
    target.earlier = target.earlier or em.order == "earlier"
    target.later = target.later or em.order == "later"
    target.place = target.place or em.place
    if em.number is not None:
        target.number = em.number
    if em.date is not None or em.status != "held":
        target.status = em.status
    if em.began is not None:
        target.start = _more_precise(target.start, em.began.value)
        if em.began.until:  # "held from 9 to 20 November"
            target.end = _more_precise(target.end, em.began.until)
    if em.date is None:
        return
    if em.date_role == "end":
        target.end = _more_precise(target.end, em.date.value)
        if target.start is None and em.date.value.precision == "month":
            target.start = em.date.value  # "the previous round, in June, had ended": June
    else:
        target.start = _more_precise(target.start, em.date.value)
        if em.date.until:
            target.end = _more_precise(target.end, em.date.until)
        elif em.one_day:
            target.end = _more_precise(target.end, em.date.value)
    target.date_text = target.date_text or em.date.text


def _more_precise(old: DateValue | None, new: DateValue) -> DateValue:
    if old is None:
        return new
    return new if (new.latest - new.earliest) < (old.latest - old.earliest) else old
