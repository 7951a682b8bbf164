"""The ontology (ontology/dkg.ttl), its SHACL shapes (ontology/shapes.ttl) and the canned
queries (queries/*.rq), checked against the vocabulary contract and a small article graph."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import SH

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "dkg.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
QUERIES = sorted((ROOT / "queries").glob("*.rq"))
DKG = Namespace("https://w3id.org/diplomacy-kg/ontology#")
DKGSH = Namespace("https://w3id.org/diplomacy-kg/shapes#")
SCHEMA = Namespace("https://schema.org/")
BASE = "https://w3id.org/diplomacy-kg/id/"
ARTICLE = BASE + "article/tass-2017-11-15-gatilov"
EARLIER_ARTICLE = BASE + "article/tass-2017-11-10-de-mistura"

HEADER = f"""
BASE <{BASE}>
PREFIX dkg: <https://w3id.org/diplomacy-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# One article graph exactly as docs/graph-model.md describes it.
EXAMPLE = (
    HEADER
    + """
<article/tass-2017-11-15-gatilov> a dkg:Article ;
    schema:headline "Gatilov and de Mistura discuss Geneva talks" ;
    schema:datePublished "2017-11-15"^^xsd:date ;
    dkg:sourceName "TASS" ;
    dkg:sourceFile "tass-2017-11-15-gatilov.txt" ;
    dkg:contentHash "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" ;
    dkg:extractorVersion "0.1.0" .
<article/tass-2017-11-15-gatilov/sentence/1> a dkg:Sentence ;
    dkg:text "Gennady Gatilov held talks in Geneva on Tuesday with Staffan de Mistura." ;
    dkg:inArticle <article/tass-2017-11-15-gatilov> ;
    dkg:position "1"^^xsd:positiveInteger .
<article/tass-2017-11-15-gatilov/sentence/2> a dkg:Sentence ;
    dkg:text "The 8th round of the Geneva talks on Syria is scheduled for November 28." ;
    dkg:inArticle <article/tass-2017-11-15-gatilov> ;
    dkg:position "2"^^xsd:positiveInteger .
<person/gennady-gatilov> a dkg:Diplomat ;
    rdfs:label "Gennady Gatilov" ; skos:altLabel "Gatilov" ;
    dkg:title "Deputy Foreign Minister" ; dkg:affiliation <org/russia> ;
    dkg:mentionedIn <article/tass-2017-11-15-gatilov> ;
    dkg:evidence <article/tass-2017-11-15-gatilov/sentence/1> .
<person/staffan-de-mistura> a dkg:Diplomat ;
    rdfs:label "Staffan de Mistura" ; skos:altLabel "de Mistura" ;
    dkg:title "UN Special Envoy for Syria" ; dkg:affiliation <org/united-nations> ;
    dkg:mentionedIn <article/tass-2017-11-15-gatilov> ;
    dkg:evidence <article/tass-2017-11-15-gatilov/sentence/1> .
<org/russia> a dkg:Organisation ;
    rdfs:label "Russia" ;
    dkg:mentionedIn <article/tass-2017-11-15-gatilov> ;
    dkg:evidence <article/tass-2017-11-15-gatilov/sentence/1> .
<org/united-nations> a dkg:Organisation ;
    rdfs:label "United Nations" ; skos:altLabel "UN" ;
    dkg:mentionedIn <article/tass-2017-11-15-gatilov> ;
    dkg:evidence <article/tass-2017-11-15-gatilov/sentence/1> .
<place/geneva> a dkg:Place ;
    rdfs:label "Geneva" ;
    dkg:mentionedIn <article/tass-2017-11-15-gatilov> ;
    dkg:evidence <article/tass-2017-11-15-gatilov/sentence/1> .
<process/geneva-talks-on-syria> a dkg:NegotiationProcess ;
    rdfs:label "Geneva talks on Syria" ;
    dkg:mentionedIn <article/tass-2017-11-15-gatilov> ;
    dkg:evidence <article/tass-2017-11-15-gatilov/sentence/2> .
<meeting/5d41402abc4b> a dkg:Meeting ;
    rdfs:label "Gennady Gatilov and Staffan de Mistura, 2017-11-14" ;
    dkg:participant <person/gennady-gatilov>, <person/staffan-de-mistura> ;
    dkg:startDate "2017-11-14"^^xsd:date ; dkg:dateText "on Tuesday" ;
    dkg:location <place/geneva> ; dkg:status dkg:Held ;
    dkg:mentionedIn <article/tass-2017-11-15-gatilov> ;
    dkg:evidence <article/tass-2017-11-15-gatilov/sentence/1> .
<round/geneva-talks-on-syria/8> a dkg:NegotiationRound ;
    rdfs:label "8th round of the Geneva talks on Syria" ;
    dkg:process <process/geneva-talks-on-syria> ;
    dkg:roundNumber "8"^^xsd:positiveInteger ;
    dkg:startDate "2017-11-28"^^xsd:date ; dkg:dateText "November 28" ;
    dkg:location <place/geneva> ; dkg:status dkg:Planned ;
    dkg:mentionedIn <article/tass-2017-11-15-gatilov> ;
    dkg:evidence <article/tass-2017-11-15-gatilov/sentence/2> .
"""
)

# An older article, so that the queries meet what only the union shows: the same meeting and
# round reported twice (the meeting as planned, the round for a month only), a meeting known
# only by a date range, and one with no date at all.
EARLIER = (
    HEADER
    + """
<article/tass-2017-11-10-de-mistura> a dkg:Article ;
    schema:datePublished "2017-11-10"^^xsd:date .
<article/tass-2017-11-10-de-mistura/sentence/1> a dkg:Sentence ;
    dkg:text "De Mistura met Gatilov in late October and briefed the UN Security Council." ;
    dkg:inArticle <article/tass-2017-11-10-de-mistura> .
<person/gennady-gatilov> a dkg:Diplomat ; rdfs:label "Gennady Gatilov" ;
    dkg:affiliation <org/russia> ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> ;
    dkg:evidence <article/tass-2017-11-10-de-mistura/sentence/1> .
<person/staffan-de-mistura> a dkg:Diplomat ; rdfs:label "Staffan de Mistura" ;
    dkg:affiliation <org/united-nations> ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> ;
    dkg:evidence <article/tass-2017-11-10-de-mistura/sentence/1> .
<org/russia> a dkg:Organisation ; rdfs:label "Russia" ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> .
<org/united-nations> a dkg:Organisation ; rdfs:label "United Nations" ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> .
<org/un-security-council> a dkg:Organisation ; rdfs:label "UN Security Council" ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> .
<process/geneva-talks-on-syria> a dkg:NegotiationProcess ; rdfs:label "Geneva talks on Syria" .
<meeting/5d41402abc4b> a dkg:Meeting ;
    rdfs:label "Gennady Gatilov and Staffan de Mistura, 2017-11-14" ;
    dkg:participant <person/gennady-gatilov>, <person/staffan-de-mistura> ;
    dkg:startDate "2017-11-14"^^xsd:date ; dkg:status dkg:Planned ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> ;
    dkg:evidence <article/tass-2017-11-10-de-mistura/sentence/1> .
<meeting/7c4a8d09ca37> a dkg:Meeting ;
    rdfs:label "Gennady Gatilov and Staffan de Mistura, October 2017" ;
    dkg:participant <person/gennady-gatilov>, <person/staffan-de-mistura> ;
    dkg:notBefore "2017-10-16"^^xsd:date ; dkg:notAfter "2017-10-31"^^xsd:date ;
    dkg:dateText "In the second half of October" ; dkg:status dkg:Held ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> ;
    dkg:evidence <article/tass-2017-11-10-de-mistura/sentence/1> .
<meeting/aaf4c61ddcc5> a dkg:Meeting ;
    rdfs:label "Staffan de Mistura and UN Security Council" ;
    dkg:participant <person/staffan-de-mistura>, <org/un-security-council> ;
    dkg:status dkg:Held ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> ;
    dkg:evidence <article/tass-2017-11-10-de-mistura/sentence/1> .
<round/geneva-talks-on-syria/8> a dkg:NegotiationRound ;
    rdfs:label "8th round of the Geneva talks on Syria" ;
    dkg:process <process/geneva-talks-on-syria> ;
    dkg:roundNumber "8"^^xsd:positiveInteger ;
    dkg:startDate "2017-11"^^xsd:gYearMonth ; dkg:status dkg:Planned ;
    dkg:mentionedIn <article/tass-2017-11-10-de-mistura> ;
    dkg:evidence <article/tass-2017-11-10-de-mistura/sentence/1> .
"""
)

# The vocabulary contract (shared/spec/vocabulary.md): these IRIs and kinds never change.
CONTRACT = {
    "Diplomat": OWL.Class,
    "Organisation": OWL.Class,
    "NegotiationRound": OWL.Class,
    "Meeting": OWL.Class,
    "title": OWL.DatatypeProperty,
    "affiliation": OWL.ObjectProperty,
    "participant": OWL.ObjectProperty,
    "startDate": OWL.DatatypeProperty,
    "endDate": OWL.DatatypeProperty,
    "location": OWL.ObjectProperty,
    "roundNumber": OWL.DatatypeProperty,
    "status": OWL.ObjectProperty,
}

# The alignments listed in docs/graph-model.md.
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
SUPER = {
    "Diplomat": [FOAF + "Person", SCHEMA.Person, PROV + "Agent"],
    "Organisation": [ORG + "Organization", FOAF + "Organization", SCHEMA.Organization],
    "NegotiationRound": [SCHEMA.Event, PROV + "Activity"],
    "Meeting": [SCHEMA.Event, PROV + "Activity"],
    "Place": [SCHEMA.Place],
    "NegotiationProcess": [SCHEMA.Event],
    "Article": [SCHEMA.NewsArticle, PROV + "Entity"],
    "Sentence": [PROV + "Entity"],
    "title": [SCHEMA.jobTitle],
    "affiliation": [SCHEMA.affiliation, ORG + "memberOf"],
    "participant": [PROV + "wasAssociatedWith", SCHEMA.attendee],
    "startDate": [SCHEMA.startDate],
    "endDate": [SCHEMA.endDate],
    "location": [SCHEMA.location],
    "status": [SCHEMA.eventStatus],
    "process": [SCHEMA.superEvent],
    "mentionedIn": [PROV + "wasDerivedFrom"],
    "inArticle": ["http://purl.org/dc/terms/isPartOf"],
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES)


def declared(graph: Graph) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)
    return {
        s.removeprefix(str(DKG))
        for kind in kinds
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and s.startswith(str(DKG))
    }


# --- (a) both files parse with both parsers -------------------------------------------------


@pytest.mark.parametrize("path", [ONTOLOGY, SHAPES], ids=lambda p: p.name)
def test_parses_with_rdflib_and_pyoxigraph(path: Path) -> None:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    assert len(Graph().parse(path)) == len(store) > 0


# --- (b) the ontology declares the contract and the graph model ------------------------------


@pytest.mark.parametrize("term", CONTRACT)
def test_contract_term_declared(ontology: Graph, term: str) -> None:
    assert (DKG[term], RDF.type, CONTRACT[term]) in ontology
    assert ontology.value(DKG[term], RDFS.label) and ontology.value(DKG[term], RDFS.comment)


def test_every_graph_model_term_declared_with_label_and_comment(ontology: Graph) -> None:
    used = set(re.findall(r"dkg:(\w+)", (ROOT / "docs" / "graph-model.md").read_text()))
    assert used <= declared(ontology)
    for term in declared(ontology):
        assert ontology.value(DKG[term], RDFS.label), term
        assert ontology.value(DKG[term], RDFS.comment), term


def test_shapes_and_queries_use_only_declared_terms(ontology: Graph, shapes: Graph) -> None:
    # Catches typos: an undeclared dkg: term in a shape or query silently matches nothing.
    text = SHAPES.read_text() + "".join(q.read_text() for q in QUERIES)
    assert set(re.findall(r"\bdkg:(\w+)", text)) <= declared(ontology)


@pytest.mark.parametrize("term", SUPER)
def test_alignment(ontology: Graph, term: str) -> None:
    supers = set(ontology.objects(DKG[term], RDFS.subClassOf))
    supers |= set(ontology.objects(DKG[term], RDFS.subPropertyOf))
    assert {URIRef(s) for s in SUPER[term]} <= supers


def test_event_statuses(ontology: Graph) -> None:
    labels = {"Held": "held", "Planned": "planned", "Postponed": "postponed"}
    for term, label in (labels | {"Cancelled": "cancelled"}).items():
        assert (DKG[term], RDF.type, DKG.EventStatus) in ontology
        assert str(ontology.value(DKG[term], RDFS.label)) == label
    close = ontology.value(DKG.Postponed, URIRef("http://www.w3.org/2004/02/skos/core#closeMatch"))
    assert close == SCHEMA.EventPostponed


def test_date_range_is_a_union_of_datatypes(ontology: Graph) -> None:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for prop in (DKG.startDate, DKG.endDate):
        rng = ontology.value(prop, RDFS.range)
        assert (rng, RDF.type, RDFS.Datatype) in ontology
        members = ontology.collection(ontology.value(rng, OWL.unionOf))
        assert list(members) == [URIRef(xsd + t) for t in ("date", "gYearMonth", "gYear")]


# --- (c, d) SHACL: the example conforms, each broken variant fails for the expected reason -----


def violations(data: Graph, shapes: Graph) -> tuple[bool, set[URIRef], list[str]]:
    conforms, report, _ = validate(data, shacl_graph=shapes, ont_graph=None, inference="none")
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    sources = {report.value(r, SH.sourceShape) for r in results}
    return conforms, sources, [str(report.value(r, SH.resultMessage)) for r in results]


@pytest.mark.parametrize("turtle", [EXAMPLE, EARLIER], ids=["example", "earlier"])
def test_example_conforms(shapes: Graph, turtle: str) -> None:
    conforms, _, messages = violations(Graph().parse(data=turtle, format="turtle"), shapes)
    assert conforms, messages


# (SPARQL update applied to the example, shape expected to fail, words of its message)
BROKEN = {
    "meeting with one participant": (
        "DELETE DATA { <meeting/5d41402abc4b> dkg:participant <person/staffan-de-mistura> }",
        DKGSH["Meeting-participantCount"],
        "at least two participants",
    ),
    "two labels on a diplomat": (
        'INSERT DATA { <person/staffan-de-mistura> rdfs:label "de Mistura" }',
        DKGSH["Diplomat-label"],
        "exactly one name",
    ),
    "round number 0": (
        "DELETE { ?r dkg:roundNumber ?n } INSERT { ?r dkg:roundNumber '0'^^xsd:positiveInteger }"
        " WHERE { ?r dkg:roundNumber ?n }",
        DKGSH["NegotiationRound-roundNumber"],
        "round number",
    ),
    "date typed xsd:string": (
        "DELETE { ?m dkg:startDate ?d } INSERT { ?m dkg:startDate '2017-11-14' }"
        " WHERE { ?m a dkg:Meeting ; dkg:startDate ?d }",
        DKGSH["Event-startDate"],
        "start date",
    ),
    "month typed as a date": (
        "DELETE { ?m dkg:startDate ?d } INSERT { ?m dkg:startDate '2017-11'^^xsd:date }"
        " WHERE { ?m a dkg:Meeting ; dkg:startDate ?d }",
        DKGSH["Event-startDate"],
        "xsd:gYearMonth (2017-11)",
    ),
    "unknown status": (
        "DELETE { ?m dkg:status ?s } INSERT { ?m dkg:status dkg:Rumoured }"
        " WHERE { ?m a dkg:Meeting ; dkg:status ?s }",
        DKGSH["Event-status"],
        "exactly one status",
    ),
    "end date before start date": (
        "INSERT DATA { <round/geneva-talks-on-syria/8> dkg:endDate '2017-10'^^xsd:gYearMonth }",
        DKGSH.EventDatesInOrderShape,
        "cannot end",
    ),
    "date bounds reversed": (
        "INSERT DATA { <meeting/5d41402abc4b> dkg:notBefore '2017-11-14'^^xsd:date ;"
        " dkg:notAfter '2017-11-13'^^xsd:date }",
        DKGSH.EventDateBoundsInOrderShape,
        "latest possible date",
    ),
    "affiliation that is not an organisation": (
        "DELETE { ?p dkg:affiliation ?o } INSERT { ?p dkg:affiliation <place/geneva> }"
        " WHERE { ?p rdfs:label 'Gennady Gatilov' ; dkg:affiliation ?o }",
        DKGSH["Diplomat-affiliation"],
        "must be an organisation",
    ),
    "diplomat without evidence": (
        "DELETE WHERE { <person/gennady-gatilov> dkg:evidence ?s }",
        DKGSH["Diplomat-evidence"],
        "evidence sentence",
    ),
    "sentence outside any article": (
        "DELETE WHERE { ?s dkg:inArticle ?a ; dkg:position '2'^^xsd:positiveInteger }",
        DKGSH["Sentence-inArticle"],
        "exactly one article",
    ),
    "article without a date": (
        "DELETE WHERE { ?a schema:datePublished ?d }",
        DKGSH["Article-datePublished"],
        "publication date",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_variant_fails(shapes: Graph, case: str) -> None:
    update, shape, words = BROKEN[case]
    data = Graph().parse(data=EXAMPLE, format="turtle")
    data.update(HEADER + update)
    conforms, sources, messages = violations(data, shapes)
    assert not conforms
    assert sources == {shape}, messages
    assert all(words in m for m in messages), messages


# --- (e) canned queries ------------------------------------------------------------------------

HEADER_LINE = re.compile(r"^# (title|description): (\S.*)$", re.M)
PARAM_LINE = re.compile(r'^# param: (\w+) = "([^"]*)" \| (\S.*)$', re.M)


def run(path: Path, store: ox.Store) -> list[dict[str, str | None]]:
    text = path.read_text()
    params = {ox.Variable(n): ox.Literal(default) for n, default, _ in PARAM_LINE.findall(text)}
    solutions = store.query(text, use_default_graph_as_union=True, substitutions=params)
    names = [v.value for v in solutions.variables]
    # GROUP_CONCAT has no defined order: compare joined lists sorted.
    return [
        {
            n: None if t is None else " ; ".join(sorted(t.value.split(" ; ")))
            for n, t in zip(names, s, strict=True)
        }
        for s in solutions
    ]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for name, turtle in ((ARTICLE, EXAMPLE), (EARLIER_ARTICLE, EARLIER)):
        store.load(turtle, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(name))
    return store


def test_there_are_queries() -> None:
    names = {q.stem for q in QUERIES}
    assert {"diplomats", "meetings-timeline", "rounds-by-process", "who-met-whom"} <= names
    assert {"organisations-by-meetings", "evidence"} <= names


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_query_has_header_and_runs(path: Path, store: ox.Store) -> None:
    text = path.read_text()
    assert {k for k, _ in HEADER_LINE.findall(text)} == {"title", "description"}
    for name, _, _ in PARAM_LINE.findall(text):
        assert f"${name}" in text
    assert run(path, ox.Store()) == []
    rows = [tuple(r.values()) for r in run(path, store)]
    # The union default graph repeats triples once per article: queries must not.
    assert rows and len(rows) == len(set(rows))


def query(name: str, store: ox.Store) -> list[dict[str, str | None]]:
    return run(ROOT / "queries" / f"{name}.rq", store)


def project(rows: list[dict[str, str | None]], *cols: str) -> list[tuple[str | None, ...]]:
    return [tuple(r[c] for c in cols) for r in rows]


def test_diplomats(store: ox.Store) -> None:
    rows = project(query("diplomats", store), "name", "titles", "affiliations", "other_names")
    assert rows == [
        ("Gennady Gatilov", "Deputy Foreign Minister", "Russia", "Gatilov"),
        ("Staffan de Mistura", "UN Special Envoy for Syria", "United Nations", "de Mistura"),
    ]


def test_meetings_timeline(store: ox.Store) -> None:
    rows = project(query("meetings-timeline", store), "date", "place", "participants", "status")
    both = "Gennady Gatilov ; Staffan de Mistura"
    assert rows == [
        ("2017-10-16/2017-10-31", None, both, "held"),
        # planned in the earlier article, held in the later one
        ("2017-11-14", "Geneva", both, "held"),
        (None, None, "Staffan de Mistura ; UN Security Council", "held"),
    ]


def test_who_met_whom(store: ox.Store) -> None:
    rows = query("who-met-whom", store)
    cols = ("participant_1", "participant_2", "meetings", "held", "last_date")
    # each pair once, in the order of the participants' IRIs
    assert project(rows, *cols) == [
        ("Gennady Gatilov", "Staffan de Mistura", "2", "2", "2017-11-14"),
        ("UN Security Council", "Staffan de Mistura", "1", "1", None),
    ]


def test_organisations_by_meetings(store: ox.Store) -> None:
    rows = project(query("organisations-by-meetings", store), "organisation", "meetings")
    assert rows == [("United Nations", "3"), ("Russia", "2"), ("UN Security Council", "1")]


def test_rounds_by_process_takes_latest_report(store: ox.Store) -> None:
    rows = query("rounds-by-process", store)
    cols = ("process", "round_number", "start", "place", "status", "last_reported")
    assert project(rows, *cols) == [
        ("Geneva talks on Syria", "8", "2017-11-28", "Geneva", "planned", "2017-11-15")
    ]


def test_evidence(store: ox.Store) -> None:
    rows = query("evidence", store)
    assert {r["name"] for r in rows} == {"Staffan de Mistura"}
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    about = {(r["about"], r["article"]) for r in rows}
    assert ("Staffan de Mistura", ARTICLE) in about
    assert ("Staffan de Mistura and UN Security Council", EARLIER_ARTICLE) in about
