"""SQL takes DuckDB's own ``$name`` parameters: no placeholder rewriting, no regex over SQL text."""

from __future__ import annotations

from datetime import date

import duckdb

from importers.long_sql import used_params
from store.queries import Filters, rollup_sql


def test_the_rollup_statement_is_named_parameters_only_and_every_one_is_given() -> None:
    filters = Filters(start=date(2026, 11, 1), end=date(2026, 11, 2), services=("lambda",), accounts=("a", "b"))
    sql, params = rollup_sql(filters, 3600, ["invocations", "duration_ms_avg"])
    (statement,) = duckdb.extract_statements(sql)
    assert "?" not in sql
    assert set(statement.named_parameters) == set(params)
    assert params["f_service"] == ["lambda"] and params["f_account"] == ["a", "b"]


def test_a_filter_value_is_data_not_sql() -> None:
    sql, params = rollup_sql(Filters(regions=("x') OR TRUE --",)), 60, ["invocations"])
    assert "OR TRUE" not in sql and params["f_region"] == ["x') OR TRUE --"]


def test_used_params_reads_the_statement_as_duckdb_does() -> None:
    sql = "SELECT $a + 1 AS x, '$b is text' AS y -- $c is a comment"
    assert used_params(sql, {"a": 1, "b": 2, "c": 3}) == {"a": 1}
    with duckdb.connect() as con:
        assert con.execute(sql, used_params(sql, {"a": 1, "b": 2, "c": 3})).fetchall() == [(2, "$b is text")]
