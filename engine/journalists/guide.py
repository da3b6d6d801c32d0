"""The Neo4j Browser guide, rendered from the kit: ``queries.cypher`` (the questions),
``guide.toml`` (the prose, in Spanish and English) and the graph schema (the data model).

The page is what Neo4j Browser 5 reads with ``:guide <url>`` (and ``:play <url>``): it takes
the ``<title>`` and the ``<slide>`` elements and ignores the rest, so the same page carries a
stylesheet for people who open it in an ordinary web browser. A ``<pre class="runnable">``
fills Browser's editor when clicked.

    python -m engine.journalists.guide          # rewrite browser/guide/{es,en}.html
"""

from __future__ import annotations

import html
import re
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from engine.graph.questions import Question, kit_dir, questions
from engine.graph.schema import schema

__all__ = ["LANGUAGES", "DEFAULT_BASE", "Links", "kit_version", "render_guide", "write_guides", "texts"]

LANGUAGES = ("es", "en")
DEFAULT_BASE = "http://localhost:8000"  # the compose service journalists-kit; a served guide uses its own URL


@dataclass(frozen=True)
class Links:
    """Where the served kit lives: the guide (``{lang}`` in it), the style, the reconciliation service."""

    guide: str
    grass: str
    reconcile: str

    @classmethod
    def under(cls, base: str) -> Links:
        """The links of a server that mounts the kit at ``/browser`` and the service at ``/reconcile``."""
        base = base.rstrip("/")
        return cls(f"{base}/browser/guide/{{lang}}.html", f"{base}/browser/vinculo.grass", f"{base}/reconcile")


@cache
def texts() -> dict[str, Any]:
    return tomllib.loads((kit_dir() / "guide.toml").read_text(encoding="utf-8"))


@cache
def kit_version() -> str:
    text = (kit_dir() / "queries.cypher").read_text(encoding="utf-8")
    found = re.search(r"^// kit-version: (\S+)", text, re.MULTILINE)
    return found.group(1) if found else "?"


def _prose(text: str) -> str:
    """Kit prose: trusted HTML from the repository, with `backticks` as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def _pre(command: str) -> str:
    return f'<pre class="pre-scrollable code runnable">{html.escape(command)}</pre>'


def _slide(title: str, body: list[str], lead: str | None = None) -> str:
    parts = [f"<h3>{title}</h3>"] + ([f'<p class="lead">{lead}</p>'] if lead else []) + body
    inner = "\n        ".join(parts)
    return f"""    <slide class="row-fluid">
      <div class="col-sm-12">
        {inner}
      </div>
    </slide>"""


def _intro(t: dict[str, Any], lang: str, links: Links) -> str:
    steps = "".join(f"<li>{s}</li>" for s in t["start_steps"])
    body = [f"<p>{p}</p>" for p in t["intro"]] + [f"<ol class=\"steps\">{steps}</ol>",
                                                 _pre(f":guide {links.guide.format(lang=lang)}"),
                                                 f'<p class="disclaimer"><strong>{t["disclaimer"]}</strong></p>']
    return _slide(t["start_title"], body, t["intro_lead"])


def _disclaimer(t: dict[str, Any]) -> str:
    return _slide(t["disclaimer_title"], [f"<p>{p}</p>" for p in t["disclaimer_details"]],
                  f'<strong>{t["disclaimer"]}</strong>')


def _model(t: dict[str, Any], lang: str) -> str:
    docs = texts()
    labels = "".join(
        f"<tr><td><code>{label.name}</code></td><td>{label.ftm or ''}</td>"
        f"<td>{docs['labels'][label.name][lang]}</td></tr>"
        for label in schema().labels.values() if not label.operational)
    rels = "".join(
        f"<tr><td><code>{rel.name}</code></td><td>{' | '.join(rel.sources)} → {' | '.join(rel.targets)}</td>"
        f"<td>{docs['relationships'][rel.name][lang]}</td></tr>"
        for rel in schema().relationships.values())
    model = questions()["model"]
    body = [f'<table class="model"><tr><th colspan="3">{t["labels_header"]}</th></tr>{labels}</table>',
            f'<table class="model"><tr><th colspan="3">{t["relationships_header"]}</th></tr>{rels}</table>',
            f"<p>{t['model_run']}</p>", _pre(model.text)]
    return _slide(t["model_title"], body, t["model_lead"])


def _question(t: dict[str, Any], q: Question, lang: str) -> str:
    body = []
    if q.params:
        body.append(f"<p>{t['params_step']}</p>")
        body += [_pre(line) for line in q.param_lines()]
    body += [f"<p>{t['query_step']}</p>", _pre(q.text)]
    if not q.browser_only:
        body.append(f'<p class="note">{t["portable_note"]} <em>{t["disclaimer"]}</em></p>')
    return _slide(q.titles[lang], body, _prose(html.escape(q.about[lang], quote=False)))


def _more(t: dict[str, Any], links: Links) -> str:
    commands = [
        "vinculo export graphml --entity mx-rfc:GFM010122DZ9 --depth 2 --out vecindario.graphml",
        "vinculo export gexf --body ID --out proveedores.gexf",
        "vinculo export ftm --flag ID --out alerta.ftm.json",
        "vinculo export csv --entity ID --out vecindario.zip",
        "vinculo export xlsx --flags --pattern P002 --out alertas.xlsx",
    ]
    plain = '<pre class="pre-scrollable code">{}</pre>'
    body = [f"<p>{t['exports_intro']}</p>", plain.format(html.escape("\n".join(commands))),
            f"<p>{t['reconcile_intro']}</p>", plain.format(html.escape(links.reconcile)),
            f"<p>{t['style_intro']}</p>", _pre(f":style {links.grass}")]
    return _slide(t["more_title"], body, t["more_lead"])


_STYLE = """body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f4f6f8;
color:#2a2c34;margin:0;padding:24px 32px;line-height:1.45}
header.page{display:flex;align-items:baseline;gap:16px;margin-bottom:16px}header.page h1{font-size:22px;margin:0}
header.page a{color:#2870c2}carousel{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:18px}
slide{display:block;background:#fff;border-radius:8px;padding:18px 22px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
slide h3{margin:0 0 8px;font-size:18px;color:#1a5fa8}p.lead{font-size:15px;color:#444}
pre{background:#2a2c34;color:#e8e8e8;border-radius:6px;padding:10px 12px;white-space:pre-wrap;font-size:12px}
pre.runnable{border-left:4px solid #4c8eda}pre.runnable:before{content:"▶ ";color:#8dcc93}
p.disclaimer,p.note em{color:#a50f15}p.note{font-size:12px;color:#555}table.model{border-collapse:collapse;
font-size:12px;margin:6px 0 10px;width:100%}table.model td,table.model th{border-bottom:1px solid #e3e6ea;
padding:3px 6px;text-align:left;vertical-align:top}ol.steps li{margin:4px 0}code{font-size:12px}"""


def render_guide(lang: str, links: Links | None = None) -> str:
    """The guide page in ``lang``, its commands pointing at ``links`` (by default a server on localhost:8000)."""
    links = links or Links.under(DEFAULT_BASE)
    if lang not in LANGUAGES:
        raise ValueError(f"guide languages: {', '.join(LANGUAGES)}")
    t = texts()[lang]
    other = next(x for x in LANGUAGES if x != lang)
    slides = [_intro(t, lang, links), _disclaimer(t), _model(t, lang)]
    slides += [_question(t, q, lang) for q in questions().values() if not q.browser_only]
    slides.append(_more(t, links))
    body = "\n".join(slides)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{html.escape(t["title"])}</title>
<style>{_STYLE}</style>
</head>
<body>
<header class="page"><h1>{html.escape(t["title"])}</h1><a href="{other}.html">{t["other"]}</a>
<span>{t["footer"]} {kit_version()}</span></header>
<article class="guide">
  <carousel class="deck container-fluid">
{body}
  </carousel>
</article>
</body>
</html>
"""


def write_guides(base: str = DEFAULT_BASE) -> list[str]:
    """Rewrite the kit's static guides (served as they are by any web server on ``base``)."""
    folder = kit_dir() / "guide"
    folder.mkdir(exist_ok=True)
    written = []
    for lang in LANGUAGES:
        path = folder / f"{lang}.html"
        path.write_text(render_guide(lang, Links.under(base)), encoding="utf-8")
        written.append(str(path))
    return written


if __name__ == "__main__":
    for name in write_guides(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_BASE):
        print(name)
