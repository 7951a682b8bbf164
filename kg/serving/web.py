"""The web interface: the query editor, canned queries, entity pages and pictures.

Every page is built from SPARQL run through the same worker pool as the endpoint, and every value
taken from the graph is HTML-escaped (article text may contain markup).
"""

from __future__ import annotations

import asyncio
import json
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from kg.namespaces import PREFIXES as _NAMESPACES
from kg.queries import CannedQuery, QueryError, json_term
from kg.serving import negotiation, pictures, sparql_text
from kg.serving.pool import Reply

PREFIXES = {name: str(ns) for name, ns in _NAMESPACES.items()}
DKG = PREFIXES["dkg"]
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# The first path segment of each kind of node in docs/graph-model.md.
KINDS = ("article", "person", "org", "place", "process", "round", "meeting")
_PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
_HTML_ROW_LIMIT = 1000
# A status's name from its IRI (dkg:Held -> "held"), as article graphs need not label it.
_STATUS = 'OPTIONAL { ?e dkg:status ?st BIND(LCASE(REPLACE(STR(?st), "^.*[#/]", "")) AS ?sl) }'

Binding = dict[str, dict[str, str]]


class PageError(Exception):
    """A query behind a page failed; the page shows the worker's status and message."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.body.decode(errors="replace"))
        self.status = reply.status


# --- layout ---------------------------------------------------------------------------------


def html_page(request: Request, title: str, body: str, status: int = 200) -> Response:
    settings = request.app.state.settings
    links = [("/", "Home"), ("/queries", "Canned queries")]
    if not settings.canned_only:
        links.insert(1, ("/query", "Query editor"))
    links += [("/network", "Network"), ("/timeline", "Timeline"), ("/sparql", "Endpoint")]
    nav = " ".join(f'<a href="{href}">{text}</a>' for href, text in links)
    document = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · diplomacy-kg</title>
<link rel="stylesheet" href="/static/kg.css">
</head><body>
<header><a class="brand" href="/">diplomacy-kg</a><nav>{nav}</nav></header>
<main><h1>{escape(title)}</h1>
{body}
</main></body></html>
"""
    return Response(
        document,
        status,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": _CSP, "Vary": "Accept"},
    )


def error_page(request: Request, status: int, message: str) -> Response:
    if negotiation.prefers_html(request.headers.get("accept")):
        return html_page(
            request, f"Error {status}", f'<p class="error">{escape(message)}</p>', status
        )
    return PlainTextResponse(message + "\n", status)


def local_href(request: Request, iri: str) -> str:
    """The page for an IRI: its own path when it is one of ours, else /resource?iri=."""
    base = request.app.state.settings.base_iri
    if iri.startswith(base) and iri[len(base) :].split("/", 1)[0] in KINDS:
        return "/" + quote(iri[len(base) :], safe="/-._~")
    return "/resource?" + urlencode({"iri": iri})


def compact(iri: str) -> str:
    for name, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace) :]}"
    return iri


def _short_iri(request: Request, iri: str) -> str:
    """An IRI as people read it: our own ones relative to the base, others with a prefix."""
    base = request.app.state.settings.base_iri
    return iri[len(base) :] if iri.startswith(base) and len(iri) > len(base) else compact(iri)


def term_html(request: Request, term: dict[str, str] | None, label: str | None = None) -> str:
    if term is None:
        return ""
    value = term["value"]
    if term["type"] == "uri":
        return (
            f'<a href="{escape(local_href(request, value))}">'
            f"{escape(label or _short_iri(request, value))}</a>"
        )
    if term["type"] == "bnode":
        return f"<code>_:{escape(value)}</code>"
    suffix = ""
    if "xml:lang" in term:
        suffix = f' <span class="meta">@{escape(term["xml:lang"])}</span>'
    elif "datatype" in term:
        suffix = f' <span class="meta">{escape(compact(term["datatype"]))}</span>'
    return escape(value) + suffix


# --- results --------------------------------------------------------------------------------


def reply_response(request: Request, reply: Reply, text: str, *, title: str) -> Response:
    """The HTTP response for a worker's reply: the data, a rendered page, or a clear error."""
    if reply.status == 400 and "syntax" in reply.header:
        message = "the SPARQL does not parse: " + sparql_text.point_at(text, reply.header["syntax"])
        return error_page(request, 400, message)
    if reply.status != 200:
        if reply.content_type.startswith("text/plain"):
            return error_page(request, reply.status, reply.body.decode(errors="replace").strip())
        return Response(reply.body, reply.status, media_type=reply.content_type)
    if reply.header.get("content_type", "").startswith("text/html"):
        return html_page(request, title, results_html(request, reply))
    return Response(reply.body, 200, headers={"Vary": "Accept"}, media_type=reply.content_type)


def results_html(request: Request, reply: Reply) -> str:
    """A worker's JSON results (or N-Triples for graphs) as an HTML table."""
    form = reply.header.get("form")
    if form == "boolean":
        return f'<p class="boolean">{json.loads(reply.body)["boolean"]}</p>'
    if form == "graph":
        columns = ["subject", "predicate", "object"]
        rows = [
            {
                c: json_term(t)
                for c, t in zip(columns, (q.subject, q.predicate, q.object), strict=True)
            }
            for q in ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES)
        ]
    else:
        data = json.loads(reply.body)
        columns, rows = data["head"]["vars"], data["results"]["bindings"]
    return table_html(request, columns, rows, truncated=reply.header.get("truncated", False))


def table_html(
    request: Request, columns: list[str], rows: list[Binding], *, truncated: bool = False
) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    shown = rows[:_HTML_ROW_LIMIT]
    body = "".join(
        "<tr>" + "".join(f"<td>{term_html(request, row.get(c))}</td>" for c in columns) + "</tr>"
        for row in shown
    )
    note = f"{len(shown)} row{'s' if len(shown) != 1 else ''}"
    if truncated or len(rows) > len(shown):
        note = (
            f"TRUNCATED: showing the first {len(shown)} rows only; the result has more. "
            "Download it as CSV or JSON, or add LIMIT/OFFSET to page through it."
        )
    css = "truncated" if "TRUNCATED" in note else "count"
    return (
        f'<table class="results"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f'<p class="{css}">{escape(note)}</p>'
    )


async def select(request: Request, query: str) -> list[Binding]:
    """Run a SELECT for a page and return its bindings."""
    settings = request.app.state.settings
    reply = await request.app.state.pool.call(
        {"op": "query", "query": _PROLOGUE + query, "format": "json", "max_rows": settings.max_rows}
    )
    if reply.status != 200:
        raise PageError(reply)
    return json.loads(reply.body)["results"]["bindings"]


def _value(row: Binding, name: str) -> str:
    return row[name]["value"] if name in row else ""


# --- home, editor, canned queries -----------------------------------------------------------


async def home(request: Request) -> Response:
    counts = await select(
        request,
        """SELECT
          (COUNT(DISTINCT ?article) AS ?articles) (COUNT(DISTINCT ?diplomat) AS ?diplomats)
          (COUNT(DISTINCT ?meeting) AS ?meetings) (COUNT(DISTINCT ?round) AS ?rounds)
        WHERE {
          { ?article a dkg:Article } UNION { ?diplomat a dkg:Diplomat }
          UNION { ?meeting a dkg:Meeting } UNION { ?round a dkg:NegotiationRound }
        }""",
    )
    row = counts[0] if counts else {}
    stats = "".join(
        f"<li><strong>{escape(_value(row, key))}</strong> {key}</li>"
        for key in ("articles", "diplomats", "meetings", "rounds")
    )
    body = f"""<p>Diplomats, their meetings and negotiation rounds, as read from the news.</p>
<ul class="stats">{stats}</ul>
<p>Query it with SPARQL at <code>/sparql</code> (any SPARQL 1.1 client), browse the
<a href="/queries">canned queries</a>, or look at the <a href="/network">network</a> and the
<a href="/timeline">timeline</a>.</p>
{_diplomat_list_html(request, await _diplomats(request))}"""
    return html_page(request, "diplomacy-kg", body)


async def _diplomats(request: Request) -> list[Binding]:
    return await select(
        request,
        """SELECT ?d (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?e) AS ?events) WHERE {
          ?d a dkg:Diplomat OPTIONAL { ?d rdfs:label ?l } OPTIONAL { ?e dkg:participant ?d }
        } GROUP BY ?d ORDER BY DESC(?events) ?label LIMIT 200""",
    )


def _diplomat_list_html(request: Request, rows: list[Binding]) -> str:
    if not rows:
        return ""
    items = "".join(
        f"<li>{term_html(request, r['d'], _value(r, 'label') or None)} "
        f'<span class="meta">{escape(_value(r, "events"))} meetings/rounds</span></li>'
        for r in rows
    )
    return f'<h2>Diplomats</h2><ul class="entities">{items}</ul>'


async def query_editor(request: Request) -> Response:
    settings = request.app.state.settings
    if settings.canned_only:
        return error_page(request, 404, "this server answers only its canned queries; see /queries")
    canned = request.app.state.canned
    data = [{"name": q.name, "title": q.title, "query": editor_text(q)} for q in canned.values()]
    config = {"endpoint": "/sparql", "prefixes": PREFIXES, "canned": data}
    items = "".join(
        f'<li><button type="button" class="run-canned" data-name="{escape(q.name)}">'
        f'{escape(q.title)}</button> <span class="meta">{escape(q.description)}</span> '
        f'<a href="/queries/{quote(q.name)}">results page</a></li>'
        for q in canned.values()
    )
    body = f"""<div id="yasgui"></div>
<script type="application/json" id="kg-config">{_json_for_html(config)}</script>
<h2>Canned queries</h2><p>Load one into the editor and run it:</p>
<ul class="canned">{items or "<li>No canned queries are installed.</li>"}</ul>
<link rel="stylesheet" href="/static/yasgui/yasgui.min.css">
<script src="/static/yasgui/yasgui.min.js"></script>
<script src="/static/query.js"></script>"""
    return html_page(request, "Query editor", body)


def editor_text(query: CannedQuery) -> str:
    """A canned query for the editor, its parameters' defaults written in."""
    return query.inline({p.name: p.default for p in query.params if p.default is not None})


def _json_for_html(data: Any) -> str:
    # "</script>" inside the data must not end the element.
    return json.dumps(data).replace("<", "\\u003c")


async def canned_list(request: Request) -> Response:
    canned = request.app.state.canned
    if not negotiation.prefers_html(request.headers.get("accept")):
        listing = [
            {
                "name": q.name,
                "title": q.title,
                "description": q.description,
                "url": f"/queries/{q.name}",
                "params": [
                    {"name": p.name, "default": p.default, "description": p.description}
                    for p in q.params
                ],
            }
            for q in canned.values()
        ]
        return Response(json.dumps(listing, indent=2), media_type="application/json")
    items = "".join(
        f'<li><a href="/queries/{quote(q.name)}">{escape(q.title)}</a>'
        f'<p class="meta">{escape(q.description)}</p>'
        f'<p class="downloads">{_downloads(q.name, {})}</p></li>'
        for q in canned.values()
    )
    body = f'<ul class="canned">{items or "<li>No canned queries are installed.</li>"}</ul>'
    return html_page(request, "Canned queries", body)


def _downloads(name: str, params: dict[str, str]) -> str:
    links = []
    for fmt in ("html", "json", "csv", "tsv"):
        query = urlencode({**params, "format": fmt})
        links.append(f'<a href="/queries/{quote(name)}?{escape(query)}">{fmt.upper()}</a>')
    return " · ".join(links)


async def canned_run(request: Request) -> Response:
    """One canned query at its stable URL; parameters from the URL, format by ?format or Accept."""
    name = request.path_params["name"]
    fmt = request.query_params.get("format")
    for suffix in ("json", "csv", "tsv", "xml", "html"):
        if name.endswith(f".{suffix}"):
            name, fmt = name[: -len(suffix) - 1], suffix
    query = request.app.state.canned.get(name)
    if query is None:
        return error_page(request, 404, f"there is no canned query '{name}'; see /queries")
    given = {k: v for k, v in request.query_params.items() if k != "format"}
    try:
        bindings = query.bindings(given)
    except QueryError as exc:
        return error_page(request, 400, str(exc))
    accept = request.headers.get("accept")
    if fmt is None and negotiation.prefers_html(accept):
        fmt = "html"
    reply = await request.app.state.pool.call(
        {
            "op": "query",
            "query": query.render(bindings),
            "substitutions": query.substitutions(bindings),
            "accept": accept,
            "format": fmt,
            "max_rows": request.app.state.settings.max_rows,
            "truncate": True,
        }
    )
    if reply.status != 200 or not reply.header.get("content_type", "").startswith("text/html"):
        return reply_response(request, reply, query.render(bindings), title=query.title)
    form = "".join(
        f'<label>{escape(p.name)} <input name="{escape(p.name)}" '
        f'value="{escape(bindings[p.name])}" title="{escape(p.description)}"></label> '
        for p in query.params
    )
    form_html = (
        f'<form method="get" class="params">{form}<button type="submit">Run</button></form>'
        if query.params
        else ""
    )
    body = f"""<p>{escape(query.description)}</p>{form_html}
<p class="downloads">Results as {_downloads(query.name, bindings)}</p>
{results_html(request, reply)}
<details><summary>SPARQL</summary><pre>{escape(query.render(bindings))}</pre></details>"""
    return html_page(request, query.title, body)


# --- entities -------------------------------------------------------------------------------


async def entity_by_path(request: Request) -> Response:
    base = request.app.state.settings.base_iri
    return await entity(request, base + request.url.path.lstrip("/"))


async def entity_by_iri(request: Request) -> Response:
    iri = request.query_params.get("iri", "")
    try:
        ox.NamedNode(iri)
    except ValueError:
        return error_page(request, 400, "give an absolute IRI: /resource?iri=https://...")
    return await entity(request, iri)


async def entity(request: Request, iri: str) -> Response:
    """An entity's page: HTML for browsers, RDF (Turtle by default) for everything else."""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return error_page(request, 404, f"'{iri}' is not an IRI this server knows")
    accept = request.headers.get("accept")
    fmt = request.query_params.get("format")
    if fmt != "html" and (fmt or not negotiation.prefers_html(accept)):
        return await _entity_rdf(request, iri, accept, fmt)
    try:
        return await _entity_html(request, iri)
    except PageError as exc:
        return error_page(request, exc.status, str(exc))


async def _entity_rdf(request: Request, iri: str, accept: str | None, fmt: str | None) -> Response:
    settings = request.app.state.settings
    node = f"<{iri}>"
    query = (
        f"CONSTRUCT {{ {node} ?p ?o . ?s ?q {node} }} "
        f"WHERE {{ {{ {node} ?p ?o }} UNION {{ ?s ?q {node} }} }}"
    )
    reply = await request.app.state.pool.call(
        {
            "op": "query",
            "query": query,
            "accept": accept or "text/turtle",
            "format": fmt,
            "max_rows": settings.max_rows,
            "prefixes": PREFIXES,
        }
    )
    if reply.status == 200 and reply.header.get("rows") == 0:
        return PlainTextResponse(f"nothing is known about <{iri}>\n", 404)
    return reply_response(request, reply, query, title=iri)


async def _entity_html(request: Request, iri: str) -> Response:
    node = f"<{iri}>"
    outgoing, events, evidence, incoming, partners, sentences = await asyncio.gather(
        select(
            request,
            f"""SELECT ?p ?o (SAMPLE(?l) AS ?label) WHERE {{
              {node} ?p ?o OPTIONAL {{ ?o rdfs:label ?l }} }} GROUP BY ?p ?o LIMIT 500""",
        ),
        select(
            request,
            f"""SELECT ?e (SAMPLE(?t) AS ?type) (SAMPLE(?l) AS ?label) (MIN(STR(?d)) AS ?start)
                (SAMPLE(?sl) AS ?status) (SAMPLE(?pl) AS ?place) (SAMPLE(?n) AS ?number)
                (SAMPLE(?prl) AS ?process) (GROUP_CONCAT(DISTINCT ?wl; separator=", ") AS ?with)
            WHERE {{
              {{ ?e dkg:participant {node} }} UNION {{ ?e dkg:process {node} }}
              UNION {{ ?e dkg:location {node} }}
              OPTIONAL {{ ?e a ?t FILTER(?t IN (dkg:Meeting, dkg:NegotiationRound)) }}
              OPTIONAL {{ ?e rdfs:label ?l }} OPTIONAL {{ ?e dkg:startDate ?d }}
              {_STATUS}
              OPTIONAL {{ ?e dkg:location/rdfs:label ?pl }}
              OPTIONAL {{ ?e dkg:roundNumber ?n }} OPTIONAL {{ ?e dkg:process/rdfs:label ?prl }}
              OPTIONAL {{ ?e dkg:participant ?w FILTER(?w != {node}) ?w rdfs:label ?wl }}
            }} GROUP BY ?e ORDER BY ?start LIMIT 500""",
        ),
        select(
            request,
            f"""SELECT DISTINCT ?s ?text ?article ?headline ?url ?published ?about ?aboutLabel
            WHERE {{
              {{ {node} dkg:evidence ?s BIND({node} AS ?about) }}
              UNION {{ ?about dkg:participant {node} ; dkg:evidence ?s }}
              ?s dkg:text ?text .
              OPTIONAL {{ ?about rdfs:label ?aboutLabel }}
              OPTIONAL {{ ?s dkg:inArticle ?article
                OPTIONAL {{ ?article schema:headline ?headline }}
                OPTIONAL {{ ?article schema:url ?url }}
                OPTIONAL {{ ?article schema:datePublished ?published }} }}
            }} ORDER BY ?published ?s LIMIT 300""",
        ),
        select(
            request,
            f"""SELECT ?s ?p (SAMPLE(?l) AS ?label) WHERE {{
              ?s ?p {node} FILTER(?p != dkg:participant) OPTIONAL {{ ?s rdfs:label ?l }}
            }} GROUP BY ?s ?p LIMIT 300""",
        ),
        select(
            request,
            f"""SELECT ?other (SAMPLE(?l) AS ?label) (SAMPLE(?t) AS ?type)
                (COUNT(DISTINCT ?e) AS ?n) WHERE {{
              ?e dkg:participant {node}, ?other FILTER(?other != {node})
              OPTIONAL {{ ?other rdfs:label ?l }} OPTIONAL {{ ?other a ?t }}
            }} GROUP BY ?other ORDER BY DESC(?n) LIMIT 40""",
        ),
        select(
            request,
            f"""SELECT ?s ?text ?pos WHERE {{ ?s dkg:inArticle {node} ; dkg:text ?text
              OPTIONAL {{ ?s dkg:position ?pos }} }} ORDER BY ?pos LIMIT 2000""",
        ),
    )
    if not outgoing and not incoming and not events:
        return error_page(request, 404, f"nothing is known about <{iri}>")
    facts: dict[str, list[Binding]] = {}
    for row in outgoing:
        facts.setdefault(row["p"]["value"], []).append(row)
    label = next((_value(r, "o") for r in facts.get(RDFS_LABEL, [])), "") or compact(iri)
    sections = [
        f'<p class="iri"><code>{escape(iri)}</code> · '
        f'<a href="?format=turtle">Turtle</a> · <a href="?format=jsonld">JSON-LD</a></p>',
        _summary_html(request, facts),
    ]
    if events:
        sections.append(_events_html(request, events))
        timeline = _timeline(request, events)
        if timeline:
            sections.append(f'<h2>Timeline</h2><div class="picture">{timeline}</div>')
    if partners:
        nodes = [pictures.Node(iri, label, local_href(request, iri), _kind(facts))] + [
            pictures.Node(
                r["other"]["value"],
                _value(r, "label") or compact(r["other"]["value"]),
                local_href(request, r["other"]["value"]),
                _kind_of_type(_value(r, "type")),
            )
            for r in partners
        ]
        edges = [
            pictures.Edge(iri, r["other"]["value"], int(_value(r, "n") or 1)) for r in partners
        ]
        svg = pictures.network_svg(nodes, edges, center=iri)
        sections.append(f'<h2>Who {escape(label)} met</h2><div class="picture">{svg}</div>')
    if evidence:
        sections.append(_evidence_html(request, evidence))
    if sentences:
        lines = "".join(
            f'<li id="s{escape(_value(r, "pos"))}">{escape(_value(r, "text"))}</li>'
            for r in sentences
        )
        sections.append(f'<h2>Text</h2><ol class="sentences">{lines}</ol>')
    sections.append(_all_facts_html(request, outgoing, incoming))
    return html_page(request, label, "\n".join(sections))


_SUMMARY = (
    ("Type", RDF_TYPE),
    ("Also known as", "http://www.w3.org/2004/02/skos/core#altLabel"),
    ("Title", DKG + "title"),
    ("Affiliation", DKG + "affiliation"),
    ("Date", DKG + "startDate"),
    ("Until", DKG + "endDate"),
    ("Date as written", DKG + "dateText"),
    ("Status", DKG + "status"),
    ("Place", DKG + "location"),
    ("Process", DKG + "process"),
    ("Round", DKG + "roundNumber"),
    ("Participants", DKG + "participant"),
    ("Headline", "https://schema.org/headline"),
    ("Published", "https://schema.org/datePublished"),
    ("Source", DKG + "sourceName"),
    ("Original", "https://schema.org/url"),
)


def _summary_html(request: Request, facts: dict[str, list[Binding]]) -> str:
    rows = []
    for title, predicate in _SUMMARY:
        values = facts.get(predicate)
        if values:
            cells = ", ".join(
                term_html(request, r["o"], _value(r, "label") or None) for r in values
            )
            rows.append(f"<tr><th>{title}</th><td>{cells}</td></tr>")
    return f'<table class="summary">{"".join(rows)}</table>' if rows else ""


def _events_html(request: Request, events: list[Binding]) -> str:
    rows = "".join(
        "<tr>"
        f"<td>{escape(_value(r, 'start'))}</td>"
        f"<td>{'Round' if _value(r, 'type').endswith('NegotiationRound') else 'Meeting'}</td>"
        f"<td>{term_html(request, r['e'], _value(r, 'label') or None)}</td>"
        f"<td>{escape(_value(r, 'with'))}</td>"
        f"<td>{escape(_value(r, 'place'))}</td>"
        f"<td>{escape(_value(r, 'process'))}"
        f"{' #' + escape(_value(r, 'number')) if _value(r, 'number') else ''}</td>"
        f"<td>{escape(_value(r, 'status'))}</td>"
        "</tr>"
        for r in sorted(events, key=lambda r: (_value(r, "start") == "", _value(r, "start")))
    )
    head = "".join(
        f"<th>{name}</th>"
        for name in ("Date", "Kind", "Event", "With", "Place", "Process", "Status")
    )
    return (
        f'<h2>Meetings and rounds</h2><table class="events"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _evidence_html(request: Request, evidence: list[Binding]) -> str:
    items = []
    for r in evidence:
        source = ""
        if "article" in r:
            title = _value(r, "headline") or compact(r["article"]["value"])
            sentence = r["s"]["value"].rsplit("/", 1)[-1]
            href = local_href(request, r["article"]["value"]) + f"#s{quote(sentence)}"
            source = f'<a href="{escape(href)}">{escape(title)}</a>'
            if _value(r, "published"):
                source += f" ({escape(_value(r, 'published'))})"
            # Only web links: an article's url is whatever its file said (javascript:...).
            if _value(r, "url").lower().startswith(("http://", "https://")):
                source += (
                    f' · <a href="{escape(_value(r, "url"))}" rel="nofollow noopener">original</a>'
                )
        about = escape(_value(r, "aboutLabel"))
        items.append(
            f"<li><blockquote>{escape(_value(r, 'text'))}</blockquote>"
            f'<p class="meta">{about + " · " if about else ""}{source}</p></li>'
        )
    return f'<h2>Evidence</h2><ul class="evidence">{"".join(items)}</ul>'


def _all_facts_html(request: Request, outgoing: list[Binding], incoming: list[Binding]) -> str:
    rows = "".join(
        f"<tr><td>{term_html(request, r['p'])}</td>"
        f"<td>{term_html(request, r['o'], _value(r, 'label') or None)}</td></tr>"
        for r in outgoing
    )
    back = "".join(
        f"<tr><td>{term_html(request, r['s'], _value(r, 'label') or None)}</td>"
        f"<td>{term_html(request, r['p'])}</td></tr>"
        for r in incoming
    )
    html = f'<h2>All statements</h2><table class="facts">{rows}</table>'
    if back:
        html += f'<h2>Referenced by</h2><table class="facts">{back}</table>'
    return html


def _kind(facts: dict[str, list[Binding]]) -> str:
    types = [_value(r, "o") for r in facts.get(RDF_TYPE, [])]
    return next((k for k in map(_kind_of_type, types) if k != "other"), "other")


def _kind_of_type(type_iri: str) -> str:
    return {DKG + "Diplomat": "person", DKG + "Organisation": "org"}.get(type_iri, "other")


def _timeline(request: Request, rows: list[Binding]) -> str:
    events = []
    for r in rows:
        when = pictures.parse_when(_value(r, "start"))
        if when is None:
            continue
        is_round = _value(r, "type").endswith("NegotiationRound")
        events.append(
            pictures.Event(
                label=_value(r, "label") or compact(r["e"]["value"]),
                href=local_href(request, r["e"]["value"]),
                when=when,
                lane=(_value(r, "process") or "Rounds") if is_round else "Meetings",
                kind="round" if is_round else "meeting",
            )
        )
    return pictures.timeline_svg(events)


# --- whole-graph pictures -------------------------------------------------------------------


async def network(request: Request) -> Response:
    edges_rows, node_rows = await asyncio.gather(
        select(
            request,
            """SELECT ?a ?b (COUNT(DISTINCT ?e) AS ?n) WHERE {
              ?e dkg:participant ?a, ?b FILTER(STR(?a) < STR(?b))
            } GROUP BY ?a ?b ORDER BY DESC(?n) LIMIT 400""",
        ),
        select(
            request,
            """SELECT ?x (SAMPLE(?l) AS ?label) (SAMPLE(?t) AS ?type)
                (COUNT(DISTINCT ?e) AS ?n) WHERE {
              ?e dkg:participant ?x OPTIONAL { ?x rdfs:label ?l }
              OPTIONAL { ?x a ?t FILTER(?t IN (dkg:Diplomat, dkg:Organisation)) }
            } GROUP BY ?x ORDER BY DESC(?n) LIMIT 60""",
        ),
    )
    nodes = [
        pictures.Node(
            r["x"]["value"],
            _value(r, "label") or compact(r["x"]["value"]),
            local_href(request, r["x"]["value"]),
            _kind_of_type(_value(r, "type")),
        )
        for r in sorted(node_rows, key=lambda r: (_value(r, "type"), _value(r, "label")))
    ]
    edges = [
        pictures.Edge(r["a"]["value"], r["b"]["value"], int(_value(r, "n") or 1))
        for r in edges_rows
    ]
    svg = pictures.network_svg(nodes, edges)
    body = (
        "<p>Diplomats (blue) and organisations (orange) joined by a line when they took part in "
        "the same meeting or round; thicker lines for more meetings. Click a name for its page.</p>"
        f'<div class="picture">{svg or "<p>No meetings in the graph yet.</p>"}</div>'
    )
    return html_page(request, "Who met whom", body)


async def timeline(request: Request) -> Response:
    rows = await select(
        request,
        """SELECT ?e (SAMPLE(?t) AS ?type) (SAMPLE(?l) AS ?label) (MIN(STR(?d)) AS ?start)
            (SAMPLE(?prl) AS ?process) (SAMPLE(?pl) AS ?place) (SAMPLE(?sl) AS ?status)
            (SAMPLE(?n) AS ?number) (GROUP_CONCAT(DISTINCT ?wl; separator=", ") AS ?with) WHERE {
          ?e a ?t FILTER(?t IN (dkg:Meeting, dkg:NegotiationRound))
          OPTIONAL { ?e rdfs:label ?l } OPTIONAL { ?e dkg:startDate ?d }
          OPTIONAL { ?e dkg:process/rdfs:label ?prl } OPTIONAL { ?e dkg:location/rdfs:label ?pl }
          OPTIONAL { ?e dkg:roundNumber ?n } OPTIONAL { ?e dkg:participant/rdfs:label ?wl }
          """
        + _STATUS
        + "} GROUP BY ?e ORDER BY ?start LIMIT 1000",
    )
    svg = _timeline(request, rows)
    body = (
        "<p>Meetings (blue) and negotiation rounds (green) by date, one line per negotiation "
        "process. Hover for the event, click for its page.</p>"
        f'<div class="picture">{svg or "<p>No dated meetings in the graph yet.</p>"}</div>'
        + (_events_html(request, rows) if rows else "")
    )
    return html_page(request, "Timeline", body)
