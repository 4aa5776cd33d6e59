"""The estate assessment as one self-contained HTML file: ``report --format html`` and the pages' download.

The same content as the markdown report (the window, the totals, one row per resource with its verdict)
plus the cost chart, every number the analysis's, formatted by ``charts.format``. Self-contained: plotly.js
is inlined from the installed plotly package and the page's Content-Security-Policy allows no network
request at all (no CDN, no fonts, no images), so the file opens offline and reveals nothing to any host.
Every string from the data is HTML-escaped; the figures' JSON has ``<``, ``>`` and ``&`` written as
``\\u003c``-style escapes, so a resource named ``</script>`` cannot end the script that draws the chart.
"""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

import plotly
import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from analysis.billed import BilledView
from analysis.types import EstateAssessment
from charts import billing_report
from charts.costs import savings_figure, summary_frame
from charts.format import count, money
from common.services import service_label

LIBRARY_START = '<script id="plotly-library">'
LIBRARY_END = "</script><!-- end of plotly.js -->"
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 75rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: #555; padding: 4px 0; }
"""
TABLE_COLUMNS = (
    "Resource",
    "Service",
    "Region",
    "Requests/month",
    "Today $/month",
    "Best option",
    "Saving $/month",
    "Verdict",
)
NUMERIC = {"Requests/month", "Today $/month", "Saving $/month"}


@cache
def plotly_library() -> str:
    """The installed plotly.js, read once (it is the package's own file, never fetched)."""
    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text("utf-8")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def script_json(fig: go.Figure) -> str:
    """A figure as JSON that is safe inside ``<script>``: markup characters as JSON unicode escapes; keys
    sorted, since a template's key order depends on how plotly loaded it."""
    text = json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder, sort_keys=True, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _summary(estate: EstateAssessment) -> list[str]:
    t = estate.totals
    items = [
        f"Modelled cost today: <strong>{esc(money(t.today_usd))}/month</strong> over {t.priced} of "
        f"{t.resources} resources",
        f"With every recommendation applied: <strong>{esc(money(t.recommended_usd))}/month</strong> "
        f"(saving {esc(money(t.saving_usd))}/month, {t.to_review} to review)",
    ]
    if t.unconfirmed_usd:
        items.append(
            f"{esc(money(t.unconfirmed_usd))}/month ({(t.unconfirmed_share or 0):.0%} of today) rests on prices "
            "we could not confirm (marked ⚠)"
        )
    if t.incomplete:
        items.append(f"{t.incomplete} resource(s) miss a priced part (a GPU without a confirmed price)")
    items.extend(esc(note) for note in (*estate.what_if, *t.notes))
    return items


def _rows(estate: EstateAssessment) -> list[list[str]]:
    out = []
    for row in estate.rows:
        mark = " ⚠" if row.current.unconfirmed or row.current.incomplete else ""
        best = row.best
        out.append(
            [
                esc(row.name),
                esc(service_label(row.service)),
                esc(row.region),
                esc(count(row.requests_per_month)),
                esc(money(row.current.monthly_usd)) + mark,
                esc(best.label) if best else "—",
                esc(money(best.saving_usd, signed=True)) if best else "—",
                esc(row.verdict.text),
            ]
        )
    return out


def _table(estate: EstateAssessment) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in TABLE_COLUMNS)
    body = []
    for cells in _rows(estate):
        tds = "".join(
            f'<td class="num">{v}</td>' if c in NUMERIC else f"<td>{v}</td>"
            for c, v in zip(TABLE_COLUMNS, cells, strict=True)
        )
        body.append(f"<tr>{tds}</tr>")
    return (
        "<table>\n<caption>Monthly figures per resource (730-hour months, effective prices)</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"
    )


def figures(estate: EstateAssessment) -> list[go.Figure]:
    """The report's charts: the same figure the Costs page draws first."""
    summary = summary_frame(estate)
    if not summary["current_usd"].notna().any():
        return []
    fig = savings_figure(summary)
    # plotly's default template is process-wide and Streamlit replaces it with its own once a page draws a
    # chart: name the template, so the file is the same whoever built it (the CLI, a page, a test).
    fig.update_layout(template="plotly")
    return [fig]


def to_html(estate: EstateAssessment, *, billed: BilledView | None) -> str:
    """The whole document; deterministic for the same assessment (golden-testable with the library cut out)."""
    charts = []
    for i, fig in enumerate(figures(estate)):
        div = f"chart-{i + 1}"
        charts.append(
            f'<div id="{div}" class="chart"></div>\n<script>(function () {{ var f = {script_json(fig)}; '
            f'Plotly.newPlot("{div}", f.data, f.layout, {{displaylogo: false, responsive: true}}); }})();</script>'
        )
    summary = "\n".join(f"<li>{item}</li>" for item in _summary(estate))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Breakeven report</title>\n"
        f"<style>{STYLE}</style>\n"
        f"{LIBRARY_START}{plotly_library()}{LIBRARY_END}\n"
        "</head>\n<body>\n<h1>Breakeven report</h1>\n"
        f"<p>Window: {esc(estate.window_start)} → {esc(estate.window_end)} (UTC). "
        "Monthly figures are 730-hour months.</p>\n"
        f"<ul>\n{summary}\n</ul>\n"
        + "\n".join(charts)
        + "\n"
        + _table(estate)
        + "\n"
        + billing_report.html_section(billed, {r.resource_id: r.name for r in estate.rows}, esc)
        + "\n"
        "<p><small>Every modelled number comes from the replay engine and the price sheets named in "
        "<code>python -m breakeven prices</code>; ⚠ marks a cost resting on a price we could not confirm."
        "</small></p>\n</body>\n</html>\n"
    )
