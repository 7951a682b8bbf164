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

from kg.queries import parse_canned

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


def run(
    path: Path, store: ox.Store, *, inline: bool = False, **given: str
) -> list[dict[str, str | None]]:
    """The query with its defaults, or the given values, as `kg query` runs it (or with them
    written into the text, as the editor and other endpoints get it)."""
    canned = parse_canned(path)
    values = canned.bindings(given)
    params = {ox.Variable(n): ox.Literal(v) for n, v in canned.substitutions(values).items()}
    text = canned.render(values)
    if inline:
        text, params = canned.inline(values), {}
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


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_inlined_query_gives_the_same_rows(path: Path, store: ox.Store) -> None:
    assert run(path, store, inline=True) == run(path, store)


def query(name: str, store: ox.Store, **given: str) -> list[dict[str, str | None]]:
    return run(ROOT / "queries" / f"{name}.rq", store, **given)


def project(rows: list[dict[str, str | None]], *cols: str) -> list[tuple[str | None, ...]]:
    return [tuple(r[c] for c in cols) for r in rows]


def test_diplomats(store: ox.Store) -> None:
    cols = ("name", "titles", "affiliations", "other_names")
    gatilov = ("Gennady Gatilov", "Deputy Foreign Minister", "Russia", "Gatilov")
    de_mistura = (
        "Staffan de Mistura",
        "UN Special Envoy for Syria",
        "United Nations",
        "de Mistura",
    )
    # by default those of the United Nations; an organisation by its name or other name
    assert project(query("diplomats", store), *cols) == [de_mistura]
    assert project(query("diplomats", store, affiliation="Russia"), *cols) == [gatilov]
    assert project(query("diplomats", store, affiliation="UN"), *cols) == [de_mistura]
    assert query("diplomats", store, affiliation="Russian Federation") == []
    # every diplomat by name, a page at a time, or those whose name contains some text
    every = query("diplomats", store, affiliation="")
    assert project(every, *cols) == [gatilov, de_mistura]
    page = query("diplomats", store, affiliation="", limit="1", offset="1")
    assert project(page, *cols) == [de_mistura]
    assert project(query("diplomats", store, affiliation="", search="GATIL"), *cols) == [gatilov]


def test_meetings_timeline(store: ox.Store) -> None:
    cols = ("date", "place", "participants", "status")
    rows = project(query("meetings-timeline", store), *cols)
    both = "Gennady Gatilov ; Staffan de Mistura"
    vague = ("2017-10-16/2017-10-31", None, both, "held")
    # planned in the earlier article, held in the later one
    geneva = ("2017-11-14", "Geneva", both, "held")
    assert rows == [vague, geneva, (None, None, "Staffan de Mistura ; UN Security Council", "held")]
    assert project(query("meetings-timeline", store, entity="Gatilov"), *cols) == [vague, geneva]
    # a place's meetings
    assert project(query("meetings-timeline", store, entity="Geneva"), *cols) == [geneva]


def test_meetings_timeline_window(store: ox.Store) -> None:
    def dates(**window: str) -> list[str | None]:
        return [r["date"] for r in query("meetings-timeline", store, **window)]

    # an undated meeting is outside any window; a vague date falls in those it may lie in
    assert dates(**{"from": "2017-11"}) == ["2017-11-14"]
    assert dates(to="2017-10") == ["2017-10-16/2017-10-31"]
    assert dates(**{"from": "2017-10-20", "to": "2017-10-25"}) == ["2017-10-16/2017-10-31"]
    assert dates(**{"from": "2017", "to": "2017"}) == ["2017-10-16/2017-10-31", "2017-11-14"]
    assert dates(**{"from": "2017-11-15"}) == []
    assert dates(limit="1", offset="1") == ["2017-11-14"]


def test_who_met_whom(store: ox.Store) -> None:
    cols = ("participant", "met", "meetings", "held", "last_date")
    # most meetings first
    assert project(query("who-met-whom", store), *cols) == [
        ("Staffan de Mistura", "Gennady Gatilov", "2", "2", "2017-11-14"),
        ("Staffan de Mistura", "UN Security Council", "1", "1", None),
    ]
    assert project(query("who-met-whom", store, entity="Gennady Gatilov"), *cols) == [
        ("Gennady Gatilov", "Staffan de Mistura", "2", "2", "2017-11-14")
    ]
    assert project(query("who-met-whom", store, limit="1", offset="1"), *cols) == [
        ("Staffan de Mistura", "UN Security Council", "1", "1", None)
    ]


def test_organisations_by_meetings(store: ox.Store) -> None:
    cols = ("organisation", "meetings", "as_party", "through_diplomats", "diplomats")
    everything = [
        ("United Nations", "3", "0", "3", "1"),
        ("Russia", "2", "0", "2", "1"),
        ("UN Security Council", "1", "1", "0", "0"),
    ]
    # de Mistura (the default) takes part in every meeting, so all of them count
    assert project(query("organisations-by-meetings", store), *cols) == everything
    assert project(query("organisations-by-meetings", store, entity=""), *cols) == everything
    gatilov = project(query("organisations-by-meetings", store, entity="Gatilov"), *cols)
    assert gatilov == [("Russia", "2", "0", "2", "1"), ("United Nations", "2", "0", "2", "1")]
    page = query("organisations-by-meetings", store, entity="", limit="2", offset="1")
    assert project(page, "organisation") == [("Russia",), ("UN Security Council",)]


def test_rounds_by_process_takes_latest_report(store: ox.Store) -> None:
    rows = query("rounds-by-process", store)
    cols = ("process", "round_number", "start", "place", "status", "last_reported")
    assert project(rows, *cols) == [
        ("Geneva talks on Syria", "8", "2017-11-28", "Geneva", "planned", "2017-11-15")
    ]
    assert query("rounds-by-process", store, process="Astana talks") == []


def test_evidence(store: ox.Store) -> None:
    rows = query("evidence", store)
    assert {r["name"] for r in rows} == {"Staffan de Mistura"}
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    about = {(r["about"], r["article"]) for r in rows}
    assert ("Staffan de Mistura", ARTICLE) in about
    assert ("Staffan de Mistura and UN Security Council", EARLIER_ARTICLE) in about
    # the name or the other name, exactly; a page at a time, oldest first
    by_name = query("evidence", store, entity="Staffan de Mistura")
    assert [r["sentence"] for r in by_name] == [r["sentence"] for r in rows]
    assert query("evidence", store, entity="mistura") == []
    first = query("evidence", store, limit="1")
    assert [r["sentence"] for r in first] == [rows[0]["sentence"]]
