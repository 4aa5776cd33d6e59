"""Upload: import exported metrics files and billing exports, preview them before anything is written, export.

Reads top to bottom: drop files, set what the files do not say (account, region, Logs Insights options),
map a wide CSV's columns, look at each file's detected format, rows, resources and problems (a bill: what it
bills, what it matches here and what it replaces), then import. Each file is written all or nothing;
nothing is written while any dropped file is refused.
"""

from __future__ import annotations

import io
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from charts.text import md, md_code
from common.metrics import METRICS
from common.services import SERVICES
from common.settings import settings
from importers import FORMATS, ImportOptions, ImportRejected, InputFile, WideMapping, load_mapping
from importers.clashes import KEEP_APART, MERGE_RULE, Place, default_place, find_clashes, merged_into, places_for
from importers.uploads import (
    FORMAT_CHOICES,
    FilePreview,
    guessed_mapping_frame,
    import_previews,
    mapping_from_frame,
    preview_files,
    role_of,
    save_upload,
)
from store import StoreError
from store import queries as q
from store.exports import export_long_csv
from views.boundary import without_server_paths
from views.common import db_version
from views.upload_bills import bill_result_line, show_bill_preview
from views.upload_notes import jump_offer, lone_files

PERIODS = {60: "1 minute", 300: "5 minutes", 3600: "1 hour", 86400: "1 day"}

path = Path(st.session_state["db_path"])
version = db_version(path)


@st.cache_data(ttl=300, show_spinner=False)
def cached_uploads(db: str, stamp: tuple[float, float]) -> pd.DataFrame:
    return q.uploads(Path(db))


def progress_bar(text: str) -> Callable[[float, str], None]:
    """A st.progress bar and its callback (which also works from the store's progress thread); the bar
    goes away when the callback reports completion."""
    bar = st.progress(0.0, text=text)
    ctx = get_script_run_ctx()

    def update(fraction: float, label: str) -> None:
        if get_script_run_ctx() is None and ctx is not None:
            add_script_run_ctx(threading.current_thread(), ctx)
        if fraction >= 1.0:
            bar.empty()
        else:
            bar.progress(min(max(fraction, 0.0), 1.0), text=md(label))  # the label names the file

    return update


def cached_previews(
    files: list[InputFile],
    options: ImportOptions,
    formats: dict[str, str],
    mappings: dict[str, WideMapping],
    places: dict[str, tuple[str, str]] | None = None,
) -> list[FilePreview]:
    """Previews are full checks (a long CSV is read whole): keep the last few (the files as they read, and with
    a merge chosen) until a file or an option changes."""
    key = (
        tuple(str(f.path) for f in files),
        options.fingerprint(),
        str(options.queries),
        tuple(sorted(formats.items())),
        tuple(sorted((name, m.fingerprint()) for name, m in mappings.items())),
        tuple(sorted((places or {}).items())),
    )
    kept = st.session_state.setdefault("upload_previews", {})
    if key not in kept:
        update = progress_bar("Checking the files…")
        previews = preview_files(files, options, formats=formats, mappings=mappings, places=places, progress=update)
        update(1.0, "Checked")
        while len(kept) >= 4:
            kept.pop(next(iter(kept)))
        kept[key] = previews
    return kept[key]


@st.cache_data(ttl=300, show_spinner=False)
def cached_resource_ids(db: str, stamp: tuple[float, float]) -> list[str]:
    """Every stored resource, for telling a file's function without account or region from a stored one."""
    return list(q.inventory(Path(db), q.Filters())["resource_id"])


def saved_files(uploaded: list) -> list[InputFile]:
    """Each dropped file on disk once per session (the importers and DuckDB read files)."""
    folder = st.session_state.setdefault("upload_dir", tempfile.TemporaryDirectory(prefix="breakeven-upload-"))
    cache: dict[str, InputFile] = st.session_state.setdefault("upload_saved", {})
    files = []
    for index, item in enumerate(uploaded):
        key = f"{item.file_id}:{item.name}:{item.size}"
        if key not in cache:
            cache[key] = save_upload(Path(folder.name), len(cache) + index, item.name, item.getvalue())
        files.append(cache[key])
    return files


st.title("Upload")
st.caption(
    "Import metrics exported from CloudWatch, Logs Insights or Cloud Monitoring, or written in Breakeven's "
    "generic CSV, for offline analysis; and billing exports (FOCUS, AWS CUR 2.0, the Google Cloud detailed "
    "export), so the Costs page shows what was billed next to the model. Formats, export commands and limits: "
    "`docs/import.md`."
)
with st.expander("Which files can I drop here?"):
    st.markdown("\n".join(f"- **{name}** — {label}" for name, label in FORMATS.items()))
    st.markdown(
        "Drop a CloudWatch results file together with the queries file you ran, and a wide CSV together with "
        "its mapping file if you have one; both are recognised and used, not imported. Bills of one format "
        "dropped together (the parts of a month) are imported together; a month imported before is replaced."
    )

MAX_MB = settings().upload_max_mb
uploaded = st.file_uploader(
    "Exported metrics files and billing exports",
    type=["csv", "json", "txt", "gz", "parquet", "jsonl", "ndjson"],
    accept_multiple_files=True,
    key="upload_files",
    max_upload_size=int(MAX_MB),
    help=f"At most {MAX_MB:,.0f} MB per file (BREAKEVEN_UPLOAD_MAX_MB).",
)

left, middle, right, far = st.columns(4)
account = left.text_input("Account / project", key="upload_account", help="For files that do not name one.")
region = middle.text_input("Region", key="upload_region", help="For files that do not name one.")
period = right.selectbox("Logs Insights period", list(PERIODS), index=2, format_func=PERIODS.get, key="upload_period")
function = far.text_input("Logs Insights function", key="upload_function", help="When the export has no @log column.")
for problem in ImportOptions(account=account.strip(), region=region.strip()).problems():
    st.error(f"The {md(problem)}: remove it, or nothing can be imported.", icon=":material/block:")

if uploaded:
    files = saved_files(uploaded)
    roles = {f.name: role_of(f) for f in files}
    data_files = [f for f in files if roles[f.name] == "data"]
    queries = next((f for f in files if roles[f.name] == "queries"), None)
    mapping_file = next((f for f in files if roles[f.name] == "mapping"), None)
    options = ImportOptions(
        queries=queries.path if queries else None,
        account=account.strip(),
        region=region.strip(),
        resource=function.strip() or None,
        period_s=int(period),
        max_bytes=int(MAX_MB * 1e6),
    )
    for note in lone_files(files, roles):
        st.warning(note, icon=":material/info:")
    if queries and data_files:
        st.caption(f"Using {md_code(queries.name)} as the GetMetricData queries file.")
    file_mapping = None
    if mapping_file:
        try:
            file_mapping = load_mapping(mapping_file.path)
            st.caption(f"Using {md_code(mapping_file.name)} as the wide-CSV column mapping.")
        except ImportRejected as exc:
            st.error(md(exc.summary()))

    formats: dict[str, str] = {}
    for f in data_files:
        choice = st.session_state.get(f"upload_format_{f.name}", "detect")
        if choice != "detect":
            formats[f.name] = choice
    first = cached_previews(data_files, options, formats, {})
    mappings = {}
    for preview in first:
        if preview.wide_columns and file_mapping is None:
            st.subheader(f"Map the columns of {md(preview.file.name)}")
            st.caption(
                "A console download does not say what its columns are: give each a service, resource and metric, "
                "or tick skip. The unit is read from the header (e.g. `Duration (ms)`) unless you name one."
            )
            default_service = st.selectbox(
                "Service of columns that do not name one",
                ["", *SERVICES],
                format_func=lambda s: SERVICES[s].label if s else "—",
                key=f"upload_service_{preview.file.name}",
            )
            frame = st.session_state.setdefault(
                f"upload_guess_{preview.file.name}",
                guessed_mapping_frame(preview.file, "", options.account, options.region),
            )
            edited = st.data_editor(
                frame,
                key=f"upload_mapping_{preview.file.name}",
                hide_index=True,
                width="stretch",
                disabled=["column"],
                column_config={
                    "column": "Column in the file",
                    "resource": "Resource",
                    "account": "Account / project",
                    "region": "Region",
                    "unit": "Unit (if not in the header)",
                    "skip": st.column_config.CheckboxColumn("Skip"),
                    "service": st.column_config.SelectboxColumn("Service", options=list(SERVICES)),
                    "metric": st.column_config.SelectboxColumn("Metric", options=list(METRICS)),
                },
            )
            try:
                mappings[preview.file.name] = mapping_from_frame(edited, preview.time_column, None, default_service)
            except ImportRejected as exc:
                st.warning("The mapping is not complete yet:\n\n" + "\n".join(f"- {md(line)}" for line in exc.lines()))
        elif preview.wide_columns and file_mapping is not None:
            mappings[preview.file.name] = file_mapping

    base = cached_previews(data_files, options, formats, mappings) if mappings else first
    clashes = find_clashes(base, cached_resource_ids(str(path), version))
    places: dict[str, tuple[str, str]] = {}
    unanswered = []
    if clashes:
        st.subheader("The same function, named without its account or region")
        st.caption(md(MERGE_RULE))
    for preview in base:
        choices = places_for(clashes, preview.file.name)
        if not choices:
            continue
        with st.container(border=True):
            names = ", ".join(
                f"{md_code(c.resource_id)} may be {' or '.join(md_code(rid) for rid in c.candidates)}"
                for c in clashes
                if c.file == preview.file.name
            )
            st.markdown(f"**{md(preview.file.name)}**: {names}.")
            rule = default_place(clashes, preview.file.name)
            options_list: list[Place | str] = [*choices, KEEP_APART]
            picked = st.radio(
                "Import it as",
                options_list,
                index=options_list.index(rule) if rule is not None else None,
                format_func=lambda v: "a separate resource, as the file reads" if v == KEEP_APART else md(v.label),
                key=f"upload_place_{preview.file.name}",
            )
            if picked is None:
                unanswered.append(preview.file.name)
            elif picked != KEEP_APART:
                places[preview.file.name] = (picked.account, picked.region)
                moves = "; ".join(f"{md_code(a)} → {md_code(b)}" for a, b in merged_into(preview, picked))
                st.caption(f"Will be imported as: {moves} (every resource the file names without them).")
    previews = cached_previews(data_files, options, formats, mappings, places) if places else base

    st.subheader("Preview")
    for preview in previews:
        with st.container(border=True):
            head, choose = st.columns([3, 1])
            head.markdown(f"**{md(preview.file.name)}** — {FORMATS.get(preview.format or '', 'format not recognised')}")
            choose.selectbox(
                "Format", FORMAT_CHOICES, key=f"upload_format_{preview.file.name}", label_visibility="collapsed"
            )
            if preview.wide_columns and preview.file.name not in mappings:
                st.info("Complete the column mapping above to check and preview this file.")
                continue
            if preview.rejection is not None:
                st.error(md(preview.rejection.summary()), icon=":material/block:")
                st.code("\n".join(preview.rejection.lines()), language=None, wrap_lines=True)
                continue
            if preview.bill is not None:
                show_bill_preview(preview.bill, path)
                continue
            prepared = preview.prepared
            assert prepared is not None
            a, b, c = st.columns(3)
            a.metric("Rows read", f"{prepared.rows or 0:,}")
            b.metric("Metric rows", f"{prepared.metric_rows:,}")
            c.metric("Resources", f"{len(prepared.resources)}")
            for note in prepared.notes:
                st.caption(md(note))
            st.dataframe(
                pd.DataFrame(
                    [(r.service, r.account, r.region, r.name) for r in prepared.resources],
                    columns=["service", "account", "region", "resource"],
                ),
                hide_index=True,
                width="stretch",
            )
            st.dataframe(prepared.preview(), hide_index=True, width="stretch", height=220)

    ready = bool(previews) and all(p.ok for p in previews) and not unanswered
    if unanswered:
        st.info(f"Choose above what {md(', '.join(unanswered))} names before importing.")
    elif not ready and previews:
        st.info("Nothing is imported while a file is refused: fix it or remove it from the list above.")
    if st.button(f"Import {len(previews)} file(s)", type="primary", disabled=not ready, key="upload_import"):
        update = progress_bar("Importing…")
        try:
            results = import_previews(path, previews, progress=update)
        except ImportRejected as exc:
            st.error(md(exc.summary()))
            st.code("\n".join(exc.lines()), language=None, wrap_lines=True)
        except StoreError as exc:
            st.error(f"The database could not be written: {md(without_server_paths(str(exc), path.parent))}")
        else:
            st.session_state["upload_results"] = [r.as_dict() for r in results]

results = st.session_state.get("upload_results")
if results:
    st.subheader("Imported")
    for result in results:
        if result.get("kind") == "billing":
            st.success(bill_result_line(result), icon=":material/receipt_long:")
            continue
        verb = "was already imported; nothing changed" if result["already_imported"] else "imported"
        st.success(
            f"**{md(result['file'])}** ({md(result['format'])}) {verb}: {result['metric_rows']:,} metric rows — "
            f"{result['inserted']:,} new, {result['updated']:,} updated, {result['unchanged']:,} unchanged; "
            f"{result['resources']} resource(s).",
            icon=":material/check_circle:",
        )
    jump_offer(path, [rid for result in results for rid in result.get("resource_ids", ())])
    groups: dict[tuple[str, str, str], list[str]] = {}
    for result in results:
        for rid in result.get("resource_ids", ()):
            service, acct, reg, name = rid.split(":", 3)
            groups.setdefault((service, acct, reg), []).append(name)
    for (service, acct, reg), names in sorted(groups.items()):
        where = f"{SERVICES[service].label} · {acct or 'no account'} · {reg or 'no region'}"
        label = f"{where}: {', '.join(sorted(set(names)))}"
        if st.button(f"Open in Overview — {md(label)}", key=f"upload_open_{service}_{acct}_{reg}"):
            params = {"service": service, **({"account": acct} if acct else {}), **({"region": reg} if reg else {})}
            span = q.data_span(path, [f"{service}:{acct}:{reg}:{name}" for name in names])
            if span:
                params.update(start=span[0].isoformat(), end=span[1].isoformat())
            st.session_state["_filters_seeded"] = False  # let the shared sidebar take its filters from these params
            st.switch_page("views/overview.py", query_params=params)

st.subheader("Past imports")
try:
    history = cached_uploads(str(path), db_version(path))  # after an import above, a new version
except StoreError as exc:
    history = pd.DataFrame()
    st.error(f"The import history could not be read: {md(without_server_paths(str(exc), path.parent))}")
if history.empty:
    st.caption("No file has been imported into this database yet.")
else:
    history = history.assign(sha256=history["sha256"].str[:12])
    st.dataframe(
        history[["imported_at", "file_name", "format", "rows", "resources", "sha256"]],
        hide_index=True,
        width="stretch",
        column_config={
            "imported_at": st.column_config.DatetimeColumn("Imported (UTC)", format="YYYY-MM-DD HH:mm"),
            "file_name": "File",
            "format": "Format",
            "rows": st.column_config.NumberColumn("Rows", format="%d"),
            "resources": st.column_config.NumberColumn("Resources", format="%d"),
            "sha256": "SHA-256 (start)",
        },
    )

st.subheader("Export")
view = st.session_state.get("filters") or q.Filters()
st.caption(
    "The data the sidebar selects — metrics overlapping its dates and the configuration in effect then, for the "
    "services, accounts and regions chosen — in the generic long CSV (the file `python -m breakeven export` "
    "writes); it imports back into the same data. Cells that a spreadsheet would run as a formula are neutralised."
)


def export_file() -> io.BufferedReader:
    """The export streamed to a temporary file, handed to Streamlit to send (it keeps the bytes once, not the
    buffer and a copy); the file is gone as soon as it is closed."""
    handle = tempfile.TemporaryFile(prefix="breakeven-export-")  # noqa: SIM115 - Streamlit reads and closes it
    export_long_csv(path, handle, view)
    handle.seek(0)
    return handle


st.download_button(
    "Download the metrics in view (CSV)",
    data=export_file,
    file_name="breakeven-metrics.csv",
    mime="text/csv",
    key="upload_export",
    icon=":material/download:",
)
