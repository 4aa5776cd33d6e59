"""Reads of the billed charges, for reconciliation and the pages. Every value from a caller is a parameter.

Charges are matched to resources again at read time (``store.billing.resolution_sql``), so a bill imported
before the resources' metrics is attributed as soon as they exist, and a resource taken out (the demo
removed) leaves its charges as unmatched spend instead of pointing at nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from store.billing import FAMILY_SERVICES, USAGE_CATEGORIES, resolution_sql
from store.db import run_read

_IDENTITIES = (
    "SELECT DISTINCT match_family, match_account, match_region, match_name FROM billing_charges "
    "WHERE match_name IS NOT NULL"
)


def _matched(where: str) -> str:
    """``billing_charges`` with the live ``resource_id`` (NULL: unmatched), restricted by ``where``."""
    return f"""
        SELECT b.* EXCLUDE (resource_id), m.resource_id
        FROM billing_charges b
        LEFT JOIN ({resolution_sql(_IDENTITIES)}) m
          ON m.match_family = b.match_family AND m.match_account = b.match_account
         AND m.match_region = b.match_region AND m.match_name = b.match_name
        WHERE {where}
    """  # noqa: S608 - fixed SQL; the caller's values are parameters


def _scope(
    start: date,
    end: date,
    providers: tuple[str, ...],
    accounts: tuple[str, ...],
    services: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
) -> tuple[str, list[Any]]:
    """The days and the sidebar's filters as a condition on the charges. A service filter keeps the charges of
    those services' families (matched or not: unmatched Lambda spend is Lambda's); a region filter keeps the
    charges billed in those regions; either leaves out the charges of other services and account-level ones."""
    clauses, params = ["b.day BETWEEN ? AND ?"], [start, end]
    if providers:
        clauses.append("list_contains(?::VARCHAR[], b.provider)")
        params.append(list(providers))
    if accounts:
        clauses.append("list_contains(?::VARCHAR[], b.account)")
        params.append(list(accounts))
    if services:
        families = sorted({f for f, members in FAMILY_SERVICES.items() if set(members) & set(services)})
        clauses.append("list_contains(?::VARCHAR[], b.match_family)")
        params.append(families)
    if regions:
        clauses.append("list_contains(?::VARCHAR[], b.region)")
        params.append(list(regions))
    return " AND ".join(clauses), params


def billed_lines(
    path: Path,
    start: date,
    end: date,
    providers: tuple[str, ...] = (),
    accounts: tuple[str, ...] = (),
    services: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Charges of the days ``start``..``end`` (inclusive, UTC), summed per resource (or unmatched identity),
    charge category, usage type and unit; ``days`` counts the days each line was billed on."""
    where, params = _scope(start, end, providers, accounts, services, regions)
    sql = f"""
        SELECT resource_id, provider, account, region, service_name, match_family, match_name,
               charge_category, usage_type, usage_unit,
               sum(usage_quantity) AS usage_quantity, sum(billed_cost) AS billed_cost,
               sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost,
               sum(contracted_cost) AS contracted_cost, count(DISTINCT day) AS days,
               min(day) AS first_day, max(day) AS last_day
        FROM ({_matched(where)})
        GROUP BY ALL
        ORDER BY provider, account, service_name, resource_id NULLS LAST, charge_category, usage_type
    """  # noqa: S608
    return run_read(path, lambda con: con.execute(sql, params).df())


def billed_daily(
    path: Path, start: date, end: date, providers: tuple[str, ...] = (), accounts: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Billed and effective cost per resource (or unmatched service) per day, for charts of spend over time."""
    where, params = _scope(start, end, providers, accounts)
    sql = f"""
        SELECT day, resource_id, provider, account, service_name,
               sum(billed_cost) AS billed_cost, sum(coalesce(effective_cost, billed_cost)) AS effective_cost
        FROM ({_matched(where)})
        GROUP BY ALL ORDER BY day, provider, account, service_name, resource_id NULLS LAST
    """  # noqa: S608
    return run_read(path, lambda con: con.execute(sql, params).df())


def _coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """
        SELECT b.provider, b.account, b.billing_period,
               min(b.day) FILTER (WHERE b.charge_category IN ('usage', 'commitment_usage')) AS first_day,
               max(b.day) FILTER (WHERE b.charge_category IN ('usage', 'commitment_usage')) AS last_day,
               sum(b.billed_cost) AS billed_cost,
               string_agg(DISTINCT u.file_name, ', ' ORDER BY u.file_name) AS files,
               string_agg(DISTINCT u.format, ', ' ORDER BY u.format) AS formats
        FROM billing_charges b LEFT JOIN uploads u USING (upload_id)
        GROUP BY ALL ORDER BY b.provider, b.account, b.billing_period
        """
    ).df()


def billing_coverage(path: Path) -> pd.DataFrame:
    """Per provider, account and billing period: the days usage was billed on, the total, the files."""
    return run_read(path, _coverage)


def has_billing(path: Path) -> bool:
    return bool(run_read(path, lambda con: con.execute("SELECT count(*) FROM billing_charges").fetchall()[0][0]))


def usage_days(path: Path, start: date, end: date) -> dict[tuple[str, str], tuple[date, date, int]]:
    """Per (provider, account): the first and last day of ``start``..``end`` with billed usage, and how many
    days had any — whether a bill covers a window, whatever the sidebar's service or region filter."""
    sql = """
        SELECT provider, account, min(day), max(day), count(DISTINCT day) FROM billing_charges
        WHERE day BETWEEN ? AND ? AND list_contains(?::VARCHAR[], charge_category)
        GROUP BY ALL
    """
    rows = run_read(path, lambda con: con.execute(sql, [start, end, list(USAGE_CATEGORIES)]).fetchall())
    return {(str(p), str(a)): (lo, hi, int(n)) for p, a, lo, hi, n in rows}
