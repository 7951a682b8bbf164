"""diplomacy-kg: read diplomacy news into a queryable RDF knowledge graph."""

__version__ = "0.1.0"
