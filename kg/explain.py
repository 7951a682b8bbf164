"""Explaining: what was read from each sentence of an article, and from which words."""

from __future__ import annotations

from kg.articles import Article
from kg.mentions import EventMention, Mentions, extract
from kg.resolve import ArticleFacts, resolve


def explain(article: Article) -> str:
    mentions = extract(article)
    facts = resolve(mentions)
    lines = [f"article {article.id} ({article.date.isoformat()})"]
    if article.dateline_place or article.dateline_agency:
        lines.append(f"  dateline: place={article.dateline_place} agency={article.dateline_agency}")
    for sent in mentions.sentences:
        lines.append(f"\n[{sent.index}] {sent.text}")
        lines += _sentence_lines(mentions, sent.index)
    lines.append("\nresolved")
    lines += _facts_lines(facts)
    return "\n".join(lines)


def _sentence_lines(m: Mentions, index: int) -> list[str]:
    out = []
    for p in m.persons:
        if p.sentence == index:
            facts = ", ".join(
                f"{k}={v!r}" for k, v in (("title", p.title), ("affiliation", p.affiliation)) if v
            )
            subject = " (subject)" if p.subject else ""
            out.append(f"    person  {m.text[p.start : p.end]!r} → {p.name}{subject} {facts}")
    for d in m.descriptions:
        if d.sentence == index:
            out.append(f"    describes  {m.text[d.start : d.end]!r} title={d.title!r}")
    for o in m.orgs:
        if o.sentence == index:
            out.append(f"    org     {o.surface!r} → {o.name} ({o.kind})")
    for pl in m.places:
        if pl.sentence == index:
            out.append(f"    place   {pl.name}")
    for e in m.events:
        if e.sentence == index:
            out.append(_event_line(e))
    return out


def _event_line(e: EventMention) -> str:
    groups = " | ".join(" + ".join(f"{r.text!r}<{r.kind}>" for r in g) for g in e.groups)
    date = f"{e.date.text!r}={e.date.value.literal()}" if e.date else "no date"
    extra = f" number={e.number} process={e.process!r} order={e.order}" if e.kind == "round" else ""
    return (
        f"    {e.kind:<7} trigger {e.trigger!r}: {groups or '-'}; {date} ({e.date_role}); "
        f"place={e.place} status={e.status}{extra}"
    )


def _facts_lines(facts: ArticleFacts) -> list[str]:
    out = []
    for p in facts.persons.values():
        out.append(f"  diplomat {p.name}: titles={p.titles} affiliations={p.affiliations}")
    for o in facts.orgs.values():
        out.append(f"  organisation {o.name} aliases={sorted(o.aliases)}")
    for ev in facts.meetings + facts.rounds:
        when = "–".join(v.literal() for v in (ev.start, ev.end) if v) or "undated"
        who = ", ".join(n for _, n in ev.participants)
        extra = f" {ev.process!r} #{ev.number}" if ev.kind == "round" else ""
        out.append(f"  {ev.kind}{extra}: {who} {when} at {ev.place} ({ev.status})")
    return out
