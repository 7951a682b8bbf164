"""The pieces of `kg serve`: query workers, the SPARQL protocol, and the web interface."""
