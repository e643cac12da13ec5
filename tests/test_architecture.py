"""The layout's rules, read from the source: every import of every module of bot/, including those inside
functions and under TYPE_CHECKING, since a late import is still a dependency.

- Packages depend one way, down `LAYERS`: a package imports only itself and those before it.
- The core packages never import rasa, rasa_sdk or sanic (nor bot.serving or bot.channels, by the order).
- bot.knowledge imports nothing of ours.
- No module imports another that imports it back, directly or around a longer circle.
- Nothing of bot/ imports actions/ (the thin Rasa SDK actions sit on top).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"
LAYERS = ("knowledge", "ops", "storage", "understanding", "guidance", "letters", "cases", "training", "serving",
          "channels")
CORE = ("knowledge", "understanding", "guidance", "letters", "cases", "training")
RASA = ("rasa", "rasa_sdk", "sanic")
TOP = ("bot", "bot.cli", "bot.__main__")  # the package's own docstring and the console script: above every layer


def _module_name(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(BOT.rglob("*.py")) if "migrations" not in p.parts}


def _resolve(name: str) -> str:
    """The module of ours that `name` (a dotted import target) is or lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports(module: str) -> set[str]:
    """Every dotted name `module` imports: 'rasa.core.agent', 'bot.cases.store', ..."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from bot.x import module`
    return found


def ours(module: str) -> set[str]:
    return {_resolve(n) for n in imports(module) if n.split(".")[0] == "bot"} - {"", module}


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_of_bot_is_in_a_package_of_the_layout():
    loose = [m for m in MODULES if m not in TOP and layer(m) is None]
    assert loose == [], f"modules outside the capability packages: {loose}"


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m)])
def test_a_package_imports_only_itself_and_those_below_it(module):
    mine = LAYERS.index(layer(module))
    against = sorted(other for other in ours(module)
                     if other in TOP or (layer(other) is not None and LAYERS.index(layer(other)) > mine))
    assert against == [], f"{module} imports against the direction of the layers: {against}"


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m) in CORE])
def test_the_core_never_imports_rasa_or_sanic(module):
    found = sorted(n for n in imports(module) if n.split(".")[0] in RASA)
    assert found == [], f"{module} (core) imports {found}"


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m) == "knowledge"])
def test_knowledge_imports_nothing_of_ours(module):
    assert {o for o in ours(module) if layer(o) != "knowledge"} == set()


def test_nothing_of_bot_imports_the_actions():
    found = sorted(m for m in MODULES if any(n.split(".")[0] == "actions" for n in imports(m)))
    assert found == []


def test_no_module_imports_in_a_circle():
    graph = {m: ours(m) for m in MODULES}
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(graph[module]):
            if state.get(other) == 1:
                circles.append(path[path.index(other):] + [other])
            elif other not in state:
                visit(other, path + [other])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert circles == [], "imports in a circle: " + "; ".join(" -> ".join(c) for c in circles)


def test_the_checks_see_real_imports():
    """The rules above would pass on a reader that found nothing: make sure it finds what is there."""
    assert "bot.cases.store" in ours("bot.cases.service")
    assert any(n.startswith("rasa") for n in imports("bot.serving.nlu_components"))
    assert "bot.serving.rasa_model" in ours("bot.cli")  # an import inside a function counts
