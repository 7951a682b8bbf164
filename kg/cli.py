"""The `kg` command line: a thin layer over kg.build, kg.store, kg.queries and kg.validate."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kg import __version__
from kg.articles import in_future
from kg.dates import parse_iso
from kg.evaluate import eval_command
from kg.namespaces import DEFAULT_BASE
from kg.queries import (
    QueryError,
    find_canned,
    format_table,
    load_canned,
    parse_canned,
    run_select,
)
from kg.serve import serve_command
from kg.store import EXPORT_FORMATS, GraphStore, StoreError, default_store_path

if TYPE_CHECKING:
    from kg.build import Extract

store_option = click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Graph store directory (default: $KG_STORE or ./kg-store).",
)


def _open(store: Path | None, *, read_only: bool) -> GraphStore:
    try:
        return GraphStore(store or default_store_path(), read_only=read_only)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    parsed = parse_iso(value)
    if parsed is None:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD")
    if in_future(parsed):
        raise click.BadParameter(f"{value} is in the future; give the date the articles appeared")
    return parsed


def _check_base(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    import pyoxigraph as ox

    try:
        ox.NamedNode(value + "article/x")
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an absolute IRI ({exc}); give one like https://example.org/kg/"
        ) from exc
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Read diplomacy news into a knowledge graph and query it with SPARQL.

    \b
    Quick start:
      kg build seeds/            # read articles into ./kg-store
      kg queries                 # list the canned queries
      kg query diplomats         # run one
    """


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@click.option(
    "--date",
    "default_date",
    callback=_parse_date,
    help="Date (YYYY-MM-DD) for articles that give none.",
)
@click.option(
    "--base-iri",
    default=DEFAULT_BASE,
    show_default=True,
    callback=_check_base,
    help="Base IRI of the entities minted.",
)
@click.option("--force", is_flag=True, help="Rebuild articles even when they have not changed.")
@click.option(
    "--keep-invalid",
    is_flag=True,
    help="Store article graphs that break the SHACL shapes (reported all the same).",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Remove from the store the articles not found under PATHS (deleted files).",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Extract on a Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786); "
    "this process stores the graphs.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Extract in this many processes on this machine (one per core); this process "
    "stores the graphs.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary.")
def build(
    paths: tuple[Path, ...],
    store: Path | None,
    default_date: date | None,
    base_iri: str,
    force: bool,
    keep_invalid: bool,
    prune: bool,
    cluster: str | None,
    jobs: int,
    quiet: bool,
) -> None:
    """Read articles (files or directories) into the graph store.

    Text files take header lines (date YYYY-MM-DD, source, url, license, title:); JSON and
    JSON Lines records take "text", "date" and optional "title", "url", "source". Each
    article becomes one named graph, validated against the SHACL shapes; re-building an
    article replaces exactly its graph, and unchanged articles are skipped.

    \b
    Examples:
      kg build seeds/ articles.jsonl --store kg-store
      kg build articles/ --cluster tcp://10.0.0.5:8786
    """
    from kg.build import build as run_build

    gs = _open(store, read_only=False)
    total = [0]

    def progress(result: object) -> None:
        total[0] += 1
        if not quiet and total[0] % 100 == 0:
            click.echo(f"  … {total[0]} articles", err=True)

    try:
        with _extractor(cluster, jobs, gs) as extract:
            report = run_build(
                list(paths),
                gs,
                base=base_iri,
                default_date=default_date,
                force=force,
                keep_invalid=keep_invalid,
                prune=prune,
                progress=progress,
                extract=extract,
            )
    except KeyboardInterrupt:
        gs.close()  # each article graph is written whole: what is stored so far is sound
        click.secho(
            f"interrupted: {total[0]} article(s) done, those built are kept in {gs.path}; "
            "run the same command again to finish",
            fg="red",
            err=True,
        )
        sys.exit(130)
    for error in report.errors:
        click.secho(f"error: {error}", fg="red", err=True)
    for result in report.warned:
        for note in result.article.notes:
            click.secho(f"warning: {result.article.source_file}: {note}", fg="yellow", err=True)
    for result in report.results:
        if result.outcome == "invalid":
            stored = "stored anyway (--keep-invalid)" if keep_invalid else "not stored"
            if result.cached:
                stored = "unchanged since a build found so, not read again"
            click.secho(
                f"invalid: {result.article.source_file}: {len(result.violations)} SHACL "
                f"violation(s), {stored}",
                fg="red",
                err=True,
            )
            for v in result.violations[:10]:
                click.echo(f"  {v.describe()}", err=True)
        elif result.outcome == "failed":
            click.secho(
                f"failed: {result.article.source_file}: could not be read ({result.error}); "
                "nothing stored for it; please report this with the file",
                fg="red",
                err=True,
            )
        elif not quiet and result.outcome == "built":
            click.echo(f"built {result.article.id}: {result.triples} triples")
    if prune and report.errors:
        click.secho(
            "not pruned: some files could not be read, and the graphs of their articles are "
            "kept; fix them (or remove them) and build again with --prune",
            fg="yellow",
            err=True,
        )
    size = len(gs)
    gs.close()
    invalid = report.count("invalid")
    cached = sum(1 for r in report.results if r.outcome == "invalid" and r.cached)
    summary = (
        f"{report.count('built')} built, {report.count('unchanged')} unchanged, "
        f"{invalid} invalid{f' ({cached} unchanged)' if cached else ''}, "
        f"{report.count('failed')} failed, {len(report.errors)} unreadable, "
        f"{len(report.pruned)} pruned, {len(report.warned)} with warnings; "
        f"store {gs.path} now holds {size} quads"
    )
    click.echo(summary, err=not report.ok)
    if not report.ok:
        sys.exit(1)


@contextmanager
def _extractor(address: str | None, jobs: int, gs: GraphStore) -> Iterator[Extract | None]:
    """A Dask cluster's Extract, local processes', or None (extract here); errors in one line."""
    if address is None:
        from kg.build import ProcessExtract

        try:
            yield ProcessExtract(jobs) if jobs > 1 else None
        except BrokenProcessPool as exc:
            gs.close()  # each article graph is written whole: what is stored so far is sound
            raise click.ClickException(
                "an extraction process of --jobs died (killed from outside, or by the system "
                f"when memory ran short); the articles built so far are kept in {gs.path}. Run "
                "the same command again to finish (with fewer --jobs if memory is short)"
            ) from exc
        return
    from kg.cluster import ClusterError, DaskExtract

    try:
        with DaskExtract(address) as extract:
            yield extract
    except ClusterError as exc:
        gs.close()  # what was stored before the cluster failed stays stored
        raise click.ClickException(str(exc)) from exc


@main.command()
@store_option
def validate(store: Path | None) -> None:
    """Validate every article graph in the store against the SHACL shapes.

    Prints each violation with the node, the rule and the article, and exits 1 if any.

    \b
    Example:
      kg validate --store kg-store
    """
    from kg.validate import validate_graph

    gs = _open(store, read_only=True)
    count = checked = 0
    for record in gs.articles():
        checked += 1
        for v in validate_graph(gs.article_graph(record.graph)):
            count += 1
            click.echo(v.describe())
    if count:
        click.secho(f"{count} violation(s) in {checked} article graph(s)", fg="red", err=True)
        sys.exit(1)
    click.echo(f"all {checked} article graph(s) conform to the shapes")


@main.command()
@store_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(EXPORT_FORMATS)),
    default="turtle",
    show_default=True,
    help="turtle and ntriples give the merged graph; "
    "trig, nquads and jsonld keep one graph per article.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
def export(store: Path | None, fmt: str, output: Path | None) -> None:
    """Export the graph for other triple stores.

    \b
    Example:
      kg export --format turtle --output graph.ttl
      kg export --format nquads -o graph.nq
    """
    gs = _open(store, read_only=True)
    data = gs.export(fmt)
    if output:
        tmp = output.with_name(output.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(output)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(data.decode("utf-8"), nl=False)


@main.command()
@store_option
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The server's Graph Store Protocol URL, e.g. http://localhost:7878/store (Oxigraph).",
)
@click.option(
    "--auth",
    "scheme",
    type=click.Choice(["basic", "digest", "bearer"]),
    help="HTTP authentication (default: basic if --user is given, else none).",
)
@click.option(
    "--user",
    metavar="NAME",
    help="User name; the password comes from $KG_PUSH_PASSWORD or a prompt.",
)
@click.option(
    "--changed-only",
    is_flag=True,
    help="Skip graphs unchanged since the last --changed-only push to this endpoint.",
)
@click.option(
    "--retries",
    type=click.IntRange(0),
    default=3,
    show_default=True,
    help="Retries of a request that may pass (timeout, 5xx, 429).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds to wait for each request.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems and the summary.")
def push(
    store: Path | None,
    endpoint: str,
    scheme: str | None,
    user: str | None,
    changed_only: bool,
    retries: int,
    timeout: float,
    quiet: bool,
) -> None:
    """Upload each article's named graph to a server triple store.

    One HTTP PUT per article to URL?graph=IRI (SPARQL 1.1 Graph Store Protocol) replaces that
    graph on the server, so pushing again never duplicates. A bearer token (--auth bearer)
    comes from $KG_PUSH_TOKEN or a prompt.

    \b
    Examples:
      kg push --endpoint http://localhost:7878/store
      kg push --endpoint http://localhost:3030/ds/data --user admin
      kg push --endpoint http://localhost:8890/sparql-graph-crud-auth --user dba --auth digest
    """
    import os

    from kg.push import Credentials, PushError
    from kg.push import push as run_push

    if scheme is None and user:
        scheme = "basic"
    if scheme in ("basic", "digest") and not user:
        raise click.BadParameter(f"{scheme} authentication needs --user NAME", param_hint="--auth")
    if scheme == "bearer" and user:
        raise click.BadParameter("a bearer token has no user; drop --user", param_hint="--user")
    secret = None
    if scheme:
        env = "KG_PUSH_TOKEN" if scheme == "bearer" else "KG_PUSH_PASSWORD"
        secret = os.environ.get(env)
        if secret is None:
            if not sys.stdin.isatty():
                raise click.ClickException(f"set ${env} (no terminal to ask for it on)")
            secret = click.prompt("Token" if scheme == "bearer" else "Password", hide_input=True)

    def progress(done: int, total: int) -> None:
        if not quiet and (done % 100 == 0 or done == total):
            click.echo(f"  … {done}/{total} articles", err=True)

    gs = _open(store, read_only=True)
    try:
        report = run_push(
            gs,
            endpoint,
            credentials=Credentials(scheme, user, secret),
            changed_only=changed_only,
            retries=retries,
            timeout=timeout,
            progress=progress,
        )
    except PushError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        gs.close()
    for graph, error in report.failed:
        click.secho(f"failed: {graph}: {error}", fg="red", err=True)
    click.echo(report.summary(), err=not report.ok)
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("query_or_file")
@store_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A canned query's parameter.",
)
@click.option(
    "--sparql",
    "show_sparql",
    is_flag=True,
    help="Print a canned query with its parameters written in, for other SPARQL endpoints.",
)
def query(
    query_or_file: str, store: Path | None, fmt: str, params: tuple[str, ...], show_sparql: bool
) -> None:
    """Run SPARQL: a canned query's name, a .rq file, or the query text itself.

    The default graph is the union of all article graphs.

    \b
    Examples:
      kg query diplomats
      kg query evidence -p entity="de Mistura" --format csv
      kg query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
      kg query my-query.rq --format json
      kg query who-met-whom -p entity=Lavrov --sparql   # the text, for another endpoint
    """
    import pyoxigraph as ox

    given = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: write NAME=VALUE", param_hint="--param")
        given[name.strip()] = value
    as_file = Path(query_or_file)
    if "{" in query_or_file:
        canned = None
    elif as_file.suffix == ".rq" and as_file.is_file():
        canned = parse_canned(as_file)  # its header's parameters and defaults apply too
    else:
        canned = find_canned(query_or_file)
    try:
        if canned:
            values = canned.bindings(given)
            text, bindings = canned.render(values), canned.substitutions(values)
            title = canned.title
            if show_sparql:
                text = canned.inline(values)
        else:
            path = Path(query_or_file)
            text = (
                path.read_text(encoding="utf-8")
                if path.suffix == ".rq" or path.is_file()
                else query_or_file
            )
            bindings, title = given, None
    except (QueryError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    if "{" not in text:
        names = ", ".join(q.name for q in load_canned())
        raise click.ClickException(
            f"{query_or_file!r} is neither a canned query, a .rq file nor SPARQL; "
            f"canned queries: {names}"
        )
    if show_sparql:
        click.echo(text, nl=not text.endswith("\n"))
        return
    gs = _open(store, read_only=True)
    try:
        result = run_select(gs.query(text, bindings))
    except (SyntaxError, ValueError, OSError) as exc:
        raise click.ClickException(f"the query does not run: {exc}") from exc
    if isinstance(result, bool):
        click.echo("true" if result else "false")
    elif isinstance(result, list):
        click.echo(ox.serialize(result, format=ox.RdfFormat.TURTLE).decode(), nl=False)
    else:
        if title and fmt == "table":
            click.secho(title, bold=True)
        click.echo(format_table(result, fmt), nl=fmt == "table")


@main.command()
def queries() -> None:
    """List the canned queries (queries/*.rq) with their descriptions.

    \b
    Example:
      kg queries
      kg query who-met-whom
    """
    for q in load_canned():
        click.secho(q.name, bold=True, nl=False)
        click.echo(f"  {q.title}")
        if q.description:
            click.echo(f"    {q.description}")
        for p in q.params:
            default = f' (default "{p.default}")' if p.default is not None else ""
            click.echo(f"    -p {p.name}=…  {p.description}{default}")


@main.command()
@store_option
def stats(store: Path | None) -> None:
    """Count what the graph holds: articles, diplomats, organisations, meetings, rounds.

    \b
    Example:
      kg stats --store kg-store
    """
    gs = _open(store, read_only=True)
    counts = gs.query(
        """PREFIX dkg: <https://w3id.org/diplomacy-kg/ontology#>
        SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
          VALUES ?class { dkg:Article dkg:Diplomat dkg:Organisation dkg:Meeting
                          dkg:NegotiationRound dkg:NegotiationProcess dkg:Place dkg:Sentence }
          OPTIONAL { ?s a ?class } } GROUP BY ?class"""
    )
    rows = {row["class"].value.rsplit("#", 1)[-1]: int(row["n"].value) for row in counts}
    for name in (
        "Article",
        "Diplomat",
        "Organisation",
        "Meeting",
        "NegotiationRound",
        "NegotiationProcess",
        "Place",
        "Sentence",
    ):
        click.echo(f"{name:<20}{rows.get(name, 0):>8}")
    click.echo(f"{'quads':<20}{len(gs):>8}")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--date",
    "default_date",
    callback=_parse_date,
    help="Date (YYYY-MM-DD) if the article gives none.",
)
def explain(path: Path, default_date: date | None) -> None:
    """Show, sentence by sentence, what is read from an article and from which words.

    \b
    Example:
      kg explain seeds/tass-2017-11-14-gatilov-de-mistura.txt
    """
    from kg.articles import ArticleError, read_path
    from kg.explain import explain as run_explain

    failed = False
    for item in read_path(path, default_date):
        if isinstance(item, ArticleError):
            click.secho(f"error: {item}", fg="red", err=True)
            failed = True
        else:
            click.echo(run_explain(item))
    if failed:
        sys.exit(1)


main.add_command(serve_command)
main.add_command(eval_command)
