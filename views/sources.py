"""Data sources: is collection working? Recent collector runs, what each collected or missed, and watermarks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import streamlit as st

from charts import sources as shape
from charts.text import md
from common.timeutil import utc_now
from views.common import cached_runs, cached_watermarks, db_version

path = Path(st.session_state["db_path"])
version = db_version(path)
now = utc_now()

st.title("Data sources")
st.caption(
    "Collector runs recorded in this database (newest first), what each one collected or missed, and how far "
    "each account, region and service has been collected. Times in UTC."
)

runs = cached_runs(str(path), version, 50)
collector_runs = runs[runs["kind"] == "collect"] if not runs.empty else runs
if collector_runs.empty:
    st.info(
        "No collector has written to this database yet. Schedule one with cron:\n\n"
        "```bash\ncp collectors.example.toml collectors.toml   # name your accounts, regions, services\n"
        "python -m breakeven run --config collectors.toml --dry-run   # API calls and cost first\n"
        "python -m breakeven run --config collectors.toml\n```\n"
        "or upload exported metrics files. See docs/collectors.md for the crontab line and the IAM policy.",
        icon=":material/cloud_download:",
    )
else:
    last = collector_runs.iloc[0]
    recent = collector_runs[collector_runs["started_at"] >= now - timedelta(days=7)]
    cols = st.columns(4)
    cols[0].metric(
        "Last collector run",
        shape.STATUS_MARK.get(last["status"], last["status"]),
        help=f"started {last['started_at']:%Y-%m-%d %H:%M} UTC",
    )
    cols[1].metric("Hours since", shape.hours_since(last["started_at"], now))
    cols[2].metric("Runs in 7 days (not ok)", f"{len(recent)} ({int((recent['status'] != 'ok').sum())})")
    cols[3].metric("API cost, listed runs", shape.api_cost(collector_runs))

table = shape.runs_frame(runs)
if not table.empty:
    st.subheader("Runs")
    st.dataframe(
        table.drop(columns=["run_id"]),
        hide_index=True,
        width="stretch",
        column_config={
            "started_at": st.column_config.DatetimeColumn("Started", format="YYYY-MM-DD HH:mm"),
            "kind": "Kind",
            "status": "Status",
            "seconds": st.column_config.NumberColumn("Seconds", format="%.1f"),
            "rows_written": st.column_config.NumberColumn("Rows written", format="localized"),
            "api_calls": st.column_config.NumberColumn("API calls", format="localized"),
            "cost_usd": st.column_config.NumberColumn("Est. API cost", format="$%.4f"),
            "errors": st.column_config.TextColumn("Errors", width="large"),
        },
    )
    for row in runs.head(10).to_dict("records"):
        scopes = shape.scopes_frame(row.get("detail"))
        if scopes.empty:
            continue
        with st.expander(
            f"{row['started_at']:%Y-%m-%d %H:%M} · {md(row['kind'])} · "
            f"{md(shape.STATUS_MARK.get(row['status'], row['status']))}"
        ):
            st.dataframe(scopes, hide_index=True, width="stretch")

marks = cached_watermarks(str(path), version)
if marks:
    st.subheader("How far each scope has been collected")
    frame = shape.watermarks_frame(marks, now)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "collected_until": st.column_config.DatetimeColumn("Collected until", format="YYYY-MM-DD HH:mm"),
            "updated_at": st.column_config.DatetimeColumn("Updated", format="YYYY-MM-DD HH:mm"),
            "lag_h": st.column_config.NumberColumn("Behind now (h)", format="%.1f"),
        },
    )
    st.caption(
        "Each run re-reads a lag window before these marks (late CloudWatch and Cloud Monitoring data), so "
        "a few hours behind is normal; a mark that stops moving means its scope keeps failing: see the run "
        "details above."
    )
