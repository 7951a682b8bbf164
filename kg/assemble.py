"""Assembling the graph: one article's resolved facts as an rdflib named graph.

The IRIs follow docs/graph-model.md: derived from canonical names, so the same entity gets the
same IRI in every article and on every rebuild.
"""

from __future__ import annotations

import hashlib

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg import __version__
from kg.articles import slug
from kg.dates import DateValue
from kg.namespaces import DEFAULT_BASE, DKG, PREFIXES, SCHEMA
from kg.resolve import ArticleFacts, Event, PartyKey

STATUS = {
    "held": DKG.Held,
    "planned": DKG.Planned,
    "postponed": DKG.Postponed,
    "cancelled": DKG.Cancelled,
}


class IRIs:
    """IRI minting under a base IRI the user may choose."""

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base if base.endswith(("/", "#")) else base + "/"

    def article(self, article_id: str) -> URIRef:
        return URIRef(f"{self.base}article/{article_id}")

    def sentence(self, article_id: str, n: int) -> URIRef:
        return URIRef(f"{self.base}article/{article_id}/sentence/{n}")

    def person(self, name: str) -> URIRef:
        return URIRef(f"{self.base}person/{slug(name)}")

    def org(self, name: str) -> URIRef:
        return URIRef(f"{self.base}org/{slug(name)}")

    def place(self, name: str) -> URIRef:
        return URIRef(f"{self.base}place/{slug(name)}")

    def process(self, name: str) -> URIRef:
        return URIRef(f"{self.base}process/{slug(name)}")

    def party(self, key: PartyKey) -> URIRef:
        kind, name = key
        return self.person(name) if kind == "person" else self.org(name)

    def round(self, event: Event, article_id: str, index: int) -> URIRef:
        process = slug(event.process or "talks")
        if event.number is not None:
            tail = str(event.number)
        elif event.start is not None:
            tail = event.start.literal()
        else:
            tail = f"{article_id}-{index}"
        return URIRef(f"{self.base}round/{process}/{tail}")

    def meeting(self, event: Event, article_id: str) -> URIRef:
        parts = sorted(str(self.party(p)) for p in event.participants)
        date = event.start.literal() if event.start else f"undated:{article_id}"
        digest = hashlib.sha1("|".join([*parts, date]).encode()).hexdigest()[:12]
        return URIRef(f"{self.base}meeting/{digest}")


def date_literal(value: DateValue) -> Literal:
    return Literal(value.literal(), datatype=XSD[value.xsd_type])


def assemble(facts: ArticleFacts, base: str = DEFAULT_BASE, version: str = __version__) -> Graph:
    iris = IRIs(base)
    article = facts.article
    art = iris.article(article.id)
    g = Graph(identifier=art)
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    used_sentences: set[int] = set()

    def evidence(node: URIRef, sentences: set[int]) -> None:
        g.add((node, DKG.mentionedIn, art))
        for n in sorted(s for s in sentences if s > 0):
            g.add((node, DKG.evidence, iris.sentence(article.id, n)))
            used_sentences.add(n)

    g.add((art, RDF.type, DKG.Article))
    g.add((art, SCHEMA.datePublished, Literal(article.date.isoformat(), datatype=XSD.date)))
    g.add((art, RDFS.label, Literal(article.title or article.id)))
    if article.title:
        g.add((art, SCHEMA.headline, Literal(article.title)))
    if article.url:
        g.add((art, SCHEMA.url, URIRef(article.url)))
    if article.source:
        g.add((art, DKG.sourceName, Literal(article.source)))
    g.add((art, DKG.sourceFile, Literal(article.source_file)))
    g.add((art, DKG.contentHash, Literal(article.content_hash)))
    g.add((art, DKG.extractorVersion, Literal(version)))

    for org in facts.orgs.values():
        node = iris.org(org.name)
        g.add((node, RDF.type, DKG.Organisation))
        g.add((node, RDFS.label, Literal(org.name)))
        for alias in sorted(org.aliases):
            g.add((node, SKOS.altLabel, Literal(alias)))
        evidence(node, org.sentences)

    for person in facts.persons.values():
        node = iris.person(person.name)
        g.add((node, RDF.type, DKG.Diplomat))
        g.add((node, RDFS.label, Literal(person.name)))
        for alias in sorted(person.aliases):
            g.add((node, SKOS.altLabel, Literal(alias)))
        for title in person.titles:
            g.add((node, DKG.title, Literal(title)))
        for aff in person.affiliations:
            g.add((node, DKG.affiliation, iris.org(aff)))
        evidence(node, person.sentences)

    def event_common(node: URIRef, event: Event) -> None:
        if event.start:
            g.add((node, DKG.startDate, date_literal(event.start)))
        if event.end:
            g.add((node, DKG.endDate, date_literal(event.end)))
        vague = [v for v in (event.start, event.end) if v and v.precision != "day"]
        if vague:
            g.add((node, DKG.notBefore, Literal(vague[0].earliest.isoformat(), datatype=XSD.date)))
            g.add((node, DKG.notAfter, Literal(vague[-1].latest.isoformat(), datatype=XSD.date)))
        if event.date_text:
            g.add((node, DKG.dateText, Literal(event.date_text)))
        if event.place:
            place = iris.place(event.place)
            g.add((place, RDF.type, DKG.Place))
            g.add((place, RDFS.label, Literal(event.place)))
            g.add((node, DKG.location, place))
        g.add((node, DKG.status, STATUS[event.status]))
        for party in event.participants:
            g.add((node, DKG.participant, iris.party(party)))
        evidence(node, event.sentences)

    for meeting in facts.meetings:
        node = iris.meeting(meeting, article.id)
        g.add((node, RDF.type, DKG.Meeting))
        g.add((node, RDFS.label, Literal(_meeting_label(meeting))))
        event_common(node, meeting)

    minted: set[URIRef] = set()
    for index, rnd in enumerate(facts.rounds, 1):
        node = iris.round(rnd, article.id, index)
        if node in minted:  # two rounds of one series on the same date: keep them apart
            node = URIRef(f"{node}-{article.id}-{index}")
        minted.add(node)
        process = iris.process(rnd.process or "talks")
        g.add((process, RDF.type, DKG.NegotiationProcess))
        g.add((process, RDFS.label, Literal(rnd.process or "talks")))
        g.add((node, RDF.type, DKG.NegotiationRound))
        g.add((node, RDFS.label, Literal(_round_label(rnd))))
        g.add((node, DKG.process, process))
        if rnd.number is not None:
            g.add((node, DKG.roundNumber, Literal(rnd.number, datatype=XSD.positiveInteger)))
        event_common(node, rnd)

    for sentence in facts.sentences:
        if sentence.index in used_sentences:
            node = iris.sentence(article.id, sentence.index)
            g.add((node, RDF.type, DKG.Sentence))
            g.add((node, DKG.text, Literal(sentence.text)))
            g.add((node, DKG.inArticle, art))
            g.add((node, DKG.position, Literal(sentence.index, datatype=XSD.positiveInteger)))
    return g


def _meeting_label(event: Event) -> str:
    names = " and ".join(name for _, name in event.participants)
    when = f" ({event.start.literal()})" if event.start else ""
    return f"Meeting of {names}{when}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _round_label(event: Event) -> str:
    process = event.process or "talks"
    if event.number is not None:
        return f"{_ordinal(event.number)} round of the {process}"
    when = f" ({event.start.literal()})" if event.start else ""
    return f"Round of the {process}{when}"
