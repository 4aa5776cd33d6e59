"""The estate assessment as a report: JSON (issue 14's schema), CSV (formula-safe) or markdown.

The same content ``python -m breakeven report`` prints and a page's download offers; every number is the
analysis's (``analysis.EstateAssessment``), formatted, never recomputed. Text from the data (resource
names, labels built from instance types) is made inert: CSV cells a spreadsheet would run as formulas
get the export's guard, markdown cells have their punctuation escaped.
"""

from __future__ import annotations

import csv
import io
import json

from analysis.billed import BilledView, report_dict
from analysis.types import EstateAssessment, ResourceRow
from charts import billing_report
from charts.format import count, money
from common.services import service_label
from store.exports import guard_cell

# Characters that can open markup in a GitHub-flavoured table cell: emphasis, code, links and images,
# HTML, the cell separator, headings, strike-through and math. Escaped with a backslash, they are literal.
_MARKUP = set("\\`*_[]<>|#~$!&")


def cell(value: object) -> str:
    """Text from the data as a literal markdown table cell (lighter than ``md``: stays readable raw)."""
    text = " ".join(str(value).split())
    return "".join("\\" + ch if ch in _MARKUP else ch for ch in text)


FORMATS = ("json", "csv", "markdown", "html")
CSV_COLUMNS = (
    "resource_id",
    "name",
    "service",
    "region",
    "account",
    "requests_per_month",
    "current_monthly_usd",
    "current_cold_starts_per_month",
    "current_incomplete",
    "current_unconfirmed",
    "best_label",
    "best_monthly_usd",
    "best_saving_usd",
    "break_even_requests_per_month",
    "verdict_action",
    "verdict_text",
    "skipped_reason",
    *billing_report.BILLED_COLUMNS,
)


def to_json(estate: EstateAssessment, *, billed: BilledView | None) -> str:
    """Issue 14's schema with issue 13's ``billed`` per resource (null where no bill covers it) and ``unmatched_usd``.

    ``billed`` is required (``analysis.billed.billed_view`` of the same database and window, None only when it
    is): with a default, a caller that forgot it printed ``billed: null`` beside an imported bill."""
    return json.dumps(report_dict(estate.to_dict(), billed), indent=2, ensure_ascii=False) + "\n"


def _csv_row(row: ResourceRow, billed: BilledView | None = None) -> list[object]:
    data = row.to_dict()
    best = data["best"] or {}
    values = [
        data["resource_id"],
        data["name"],
        data["service"],
        data["region"],
        data["account"],
        data["requests_per_month"],
        data["current"]["monthly_usd"],
        data["current"]["cold_starts_per_month"],
        data["current"]["incomplete"],
        data["current"]["unconfirmed"],
        best.get("label"),
        best.get("monthly_usd"),
        best.get("saving_usd"),
        data["break_even_requests_per_month"],
        data["verdict"]["action"],
        data["verdict"]["text"],
        data["skipped_reason"],
        *billing_report.billed_cells(billed.row(row.resource_id) if billed else None),
    ]
    return [guard_cell(v) if isinstance(v, str) else ("" if v is None else v) for v in values]


def to_csv(estate: EstateAssessment, *, billed: BilledView | None) -> str:
    """One row per resource, then one per service with unmatched billed spend (``charts.billing_report``);
    text cells formula-safe, numbers left numeric, missing values empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in estate.rows:
        writer.writerow(_csv_row(row, billed))
    for record in billing_report.unmatched_rows(billed, CSV_COLUMNS):
        writer.writerow([guard_cell(v) if isinstance(v, str) else ("" if v is None else v) for v in record.values()])
    return out.getvalue()


def to_markdown(estate: EstateAssessment, *, billed: BilledView | None) -> str:
    """A summary and one table row per resource, for chat, tickets and CI logs."""
    t = estate.totals
    lines = [
        "# Breakeven report",
        "",
        f"Window: {estate.window_start} → {estate.window_end} (UTC). Monthly figures are 730-hour months.",
        "",
        f"- Modelled cost today: **{money(t.today_usd)}/month** over {t.priced} of {t.resources} resources",
        f"- With every recommendation applied: **{money(t.recommended_usd)}/month** "
        f"(saving {money(t.saving_usd)}/month, {t.to_review} to review)",
    ]
    if t.unconfirmed_usd:
        lines.append(
            f"- {money(t.unconfirmed_usd)}/month ({(t.unconfirmed_share or 0):.0%} of today) rests on prices "
            "we could not confirm (marked ⚠)"
        )
    if t.incomplete:
        lines.append(f"- {t.incomplete} resource(s) miss a priced part (a GPU without a confirmed price)")
    for note in (*estate.what_if, *t.notes):
        lines.append(f"- {cell(note)}")
    lines += [
        "",
        "| Resource | Service | Region | Requests/month | Today $/month | Best option | Saving $/month | Verdict |",
        "|---|---|---|---:|---:|---|---:|---|",
    ]
    for row in estate.rows:
        mark = " ⚠" if row.current.unconfirmed or row.current.incomplete else ""
        best = row.best
        lines.append(
            "| "
            + " | ".join(
                [
                    cell(row.name),
                    cell(service_label(row.service)),
                    cell(row.region),
                    count(row.requests_per_month),
                    money(row.current.monthly_usd) + mark,
                    cell(best.label) if best else "—",
                    money(best.saving_usd, signed=True) if best else "—",
                    cell(row.verdict.text),
                ]
            )
            + " |"
        )
    lines += billing_report.markdown_lines(billed, {r.resource_id: r.name for r in estate.rows}, cell)
    return "\n".join(lines) + "\n"


def render(estate: EstateAssessment, fmt: str, *, billed: BilledView | None) -> str:
    """The report in ``fmt``; ``billed`` is the bill beside the model for the same window, required (None: no
    bill was imported, ``analysis.billed.billed_view`` says so), so no caller can leave it out by accident."""
    if fmt == "json":
        return to_json(estate, billed=billed)
    if fmt == "csv":
        return to_csv(estate, billed=billed)
    if fmt == "markdown":
        return to_markdown(estate, billed=billed)
    if fmt == "html":
        from charts.html_report import to_html  # plotly only when a chart is drawn

        return to_html(estate, billed=billed)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
