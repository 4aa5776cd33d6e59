"""Suite-wide pytest options. pytest only reads options from top-level conftest files."""


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files instead of comparing")
