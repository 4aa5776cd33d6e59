"""The bill in ``report``'s CSV, markdown and HTML (issue 13): what ``charts.report`` adds when a bill was imported.

Every figure is ``analysis.billed``'s (the same ``BilledView`` the Costs page shows), formatted here, never
recomputed. The JSON's ``billed`` objects and ``unmatched_usd`` are ``analysis.billed.report_dict``'s.
In the CSV, each resource row gains the ``billed_*`` columns (empty where no bill covers it) and every
billed service with spend that matches no resource is one more row: no resource id, the billed service
name as its name, the spend in ``billed_window_usd`` and ``skipped_reason`` saying what the row is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from analysis.billed import BilledRow, BilledView
from charts.format import money, percent

BILLED_COLUMNS = ("billed_window_usd", "billed_monthly_usd", "billed_difference_pct", "billed_source")
UNMATCHED_REASON = "unmatched spend: billed charges of this service that match no known resource"


def billed_cells(row: BilledRow | None) -> list[object]:
    """The ``billed_*`` cells of one resource's CSV row (``None`` where no bill covers it)."""
    if row is None:
        return [None] * len(BILLED_COLUMNS)
    data = row.to_dict()
    return [data["window_usd"], data["monthly_usd"], data["difference_pct"], data["source"]]


def unmatched_rows(view: BilledView | None, columns: tuple[str, ...]) -> list[dict[str, object]]:
    """One CSV record per billed service with unmatched spend, keyed by ``columns`` (the others empty)."""
    if view is None:
        return []
    records = []
    for service, usd in sorted(view.unmatched_usd.items()):
        record: dict[str, object] = dict.fromkeys(columns)
        record.update(name=service, billed_window_usd=usd, skipped_reason=UNMATCHED_REASON)
        records.append(record)
    return records


def _pct(value: float | None) -> str:
    return "—" if value is None else percent(value / 100, signed=True, digits=1)


RESOURCE_HEADER = (
    "Resource",
    "Days",
    "Billed",
    "Billed $/month",
    "Modelled",
    "Difference",
    "%",
    "Explained by",
    "Source",
)
TEXT_CELLS = (0, 7, 8)  # the cells holding text from the data (escaped by the caller's renderer)


def _intro(view: BilledView) -> tuple[str, list[str]]:
    """The section's opening sentence and its summary items (plain text, figures formatted)."""
    days = (view.end - view.start).days + 1
    sentence = (
        f"Whole UTC days of the window: {view.start} → {view.end} ({days} days). Each resource is compared over "
        "the days its account's bill covers; billed is the effective (amortised) cost."
    )
    items = [
        f"Billed: {money(view.billed_usd)} against {money(view.modelled_usd)} modelled for the same days",
        f"Spend matching no resource: {money(view.unmatched_total)}; the accounts' own charges (tax, commitment "
        f"fees): {money(view.account_total)}",
    ]
    if view.uncovered:
        items.append(f"{len(view.uncovered)} resource(s) have no bill covering their account in this window")
    return sentence, items


def _resource_cells(view: BilledView, names: Mapping[str, str]) -> list[list[str]]:
    """One row of cells per billed resource, largest difference first; text cells raw (see TEXT_CELLS)."""
    return [
        [
            str(names.get(row.resource_id, row.resource_id)),
            f"{row.start} → {row.end}",
            money(row.window_usd),
            money(row.monthly_usd),
            money(row.modelled_usd),
            money(row.difference_usd, signed=True),
            _pct(row.difference_pct),
            row.explained_by + (f": {row.explanation}" if row.explanation else ""),
            str(row.source),
        ]
        for row in sorted(view.rows, key=lambda r: -abs(r.difference_usd or 0.0))
    ]


NO_BILL = "No imported bill covers this window: every figure above is modelled, none is billed."


def markdown_lines(view: BilledView | None, names: Mapping[str, str], cell: Callable[[object], str]) -> list[str]:
    """The markdown report's bill section: totals, one row per billed resource, unmatched spend per service.

    ``cell`` is ``charts.report.cell`` (text from the data made literal); ``names`` maps resource ids to names.
    """
    if view is None:
        return ["", NO_BILL]
    sentence, items = _intro(view)
    items[0] = f"Billed: **{money(view.billed_usd)}** against {money(view.modelled_usd)} modelled for the same days"
    lines = ["", "## Billed against modelled", "", sentence, ""] + [f"- {item}" for item in items]
    if view.rows:
        lines += ["", "| " + " | ".join(RESOURCE_HEADER) + " |", "|---|---|---:|---:|---:|---:|---:|---|---|"]
        for cells in _resource_cells(view, names):
            shown = [(cell(v) or "—") if i in TEXT_CELLS else v for i, v in enumerate(cells)]
            lines.append("| " + " | ".join(shown) + " |")
    if view.unmatched_usd:
        lines += ["", "| Unmatched spend (service as billed) | Billed |", "|---|---:|"]
        lines += [f"| {cell(service)} | {money(usd)} |" for service, usd in sorted(view.unmatched_usd.items())]
    return lines


def html_section(view: BilledView | None, names: Mapping[str, str], esc: Callable[[object], str]) -> str:
    """The HTML report's bill section, the same content as ``markdown_lines``; ``esc`` escapes HTML."""
    if view is None:
        return f"<p>{esc(NO_BILL)}</p>"
    sentence, items = _intro(view)
    out = ["<h2>Billed against modelled</h2>", f"<p>{esc(sentence)}</p>", "<ul>"]
    out += [f"<li>{esc(item)}</li>" for item in items] + ["</ul>"]
    if view.rows:
        out.append("<table>\n<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in RESOURCE_HEADER) + "</tr></thead>")
        out.append("<tbody>")
        for cells in _resource_cells(view, names):
            out.append("<tr>" + "".join(f"<td>{esc(v) or '—'}</td>" for v in cells) + "</tr>")
        out.append("</tbody>\n</table>")
    if view.unmatched_usd:
        out.append("<table>\n<thead><tr><th>Unmatched spend (service as billed)</th><th>Billed</th></tr></thead>")
        out.append("<tbody>")
        out += [
            f'<tr><td>{esc(service)}</td><td class="num">{esc(money(usd))}</td></tr>'
            for service, usd in sorted(view.unmatched_usd.items())
        ]
        out.append("</tbody>\n</table>")
    return "\n".join(out)
