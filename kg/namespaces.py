"""The namespaces the graph uses."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

DKG = Namespace("https://w3id.org/diplomacy-kg/ontology#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
DEFAULT_BASE = "https://w3id.org/diplomacy-kg/id/"

PREFIXES = {
    "dkg": DKG,
    "rdf": RDF,
    "rdfs": RDFS,
    "skos": SKOS,
    "xsd": XSD,
    "prov": PROV,
    "schema": SCHEMA,
    "foaf": FOAF,
    "org": ORG,
    "dcterms": DCTERMS,
}
