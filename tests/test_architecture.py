"""The dependency rule of docs/architecture.md, checked on the source: the stages
depend one way (programs → sampling → scoring → followup → reporting →
retention), notifications sits beside programs, mysteryshop/ is infrastructure
that imports no stage (but for the URL and template wiring), and nothing in
the product imports the demo and benchmark data (devdata)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# An app may import the apps before it in this list, never those after it.
LAYERS = [
    "mysteryshop",
    "programs",
    "notifications",
    "sampling",
    "scoring",
    "followup",
    "reporting",
    "retention",
    "api",
    "devdata",
]
# The modules of mysteryshop/ that wire the apps together, and what they may import.
WIRING = {
    "mysteryshop/urls.py": set(LAYERS) - {"devdata"},
    "mysteryshop/context_processors.py": {"programs", "notifications"},
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & set(LAYERS)


def _modules(app: str) -> list[Path]:
    return [p for p in sorted((ROOT / app).rglob("*.py")) if "migrations" not in p.parts]


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_the_apps_below_it(app):
    allowed_by_rank = set(LAYERS[: LAYERS.index(app) + 1])
    wrong = {}
    for path in _modules(app):
        name = path.relative_to(ROOT).as_posix()
        allowed = WIRING.get(name, allowed_by_rank) | {app}
        if app == "mysteryshop" and name not in WIRING:
            allowed = {"mysteryshop"}
        if bad := _imports(path) - allowed:
            wrong[name] = sorted(bad)
    assert wrong == {}, f"imports against the dependency rule: {wrong}"


def test_every_stage_has_the_same_folders():
    """models, services, selectors, forms, views: a module, or a package with one
    module per sub-domain; one urls.py."""
    for app in ["programs", "sampling", "scoring", "followup", "reporting"]:
        for kind in ["models", "services", "selectors", "forms", "views"]:
            module, package = ROOT / app / f"{kind}.py", ROOT / app / kind / "__init__.py"
            assert module.exists() != package.exists(), f"{app}/{kind}: a module or a package"
        assert (ROOT / app / "urls.py").exists()
        assert not list((ROOT / app).glob("urls_*.py")), f"{app}: one urls.py"
