"""The layering in docs/architecture.md, checked on the source: which package may import which.

Read from the import statements (ast), so a late import inside a function counts as much as one at the top.
A package's ``__main__.py`` is an entry point that nothing imports (``python -m pricing`` is an alias of the
one CLI), so it is not part of the package's layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

OURS = {
    "common",
    "store",
    "pricing",
    "analysis",
    "charts",
    "views",
    "collectors",
    "replay",
    "importers",
    "demo",
    "breakeven",
}
# package -> the packages of ours it may import (besides itself)
ALLOWED = {
    "common": set(),
    "pricing": {"common"},
    "replay": {"common"},
    "store": {"common"},
    "demo": {
        "common",
        "store",
        "pricing",
        "importers",
    },  # a writer like any other; its bills priced and imported like a user's
    # the file parsers; the Cloud Monitoring ones share the GCP collector's histogram maths
    "importers": {"common", "store", "collectors"},
}


def imported_packages(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
        if path.relative_to(PROJECT_ROOT / package) == Path("__main__.py"):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in OURS and top != package:
                    found.setdefault(top, set()).add(str(path.relative_to(PROJECT_ROOT)))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_lower_layers_import_only_what_they_may(package: str) -> None:
    if not (PROJECT_ROOT / package).is_dir():
        pytest.skip(f"no {package}/ package yet")
    found = imported_packages(package)
    forbidden = {top: files for top, files in found.items() if top not in ALLOWED[package]}
    assert not forbidden, f"{package} imports {forbidden}"


def test_nothing_imports_the_cli() -> None:
    """``breakeven`` is the top of the graph: a package importing it would make the CLI a dependency."""
    for package in sorted(OURS - {"breakeven"}):
        if (PROJECT_ROOT / package).is_dir():
            assert "breakeven" not in imported_packages(package), package
