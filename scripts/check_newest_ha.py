"""Check that every `homeassistant` name the integration imports exists in the newest release.

HACS users run Home Assistant releases newer than our test pin (2025.4.4). This downloads the
newest `homeassistant` wheel (no dependencies, any Python) and checks each imported module and
name statically, without importing it.

Usage: .venv/bin/python scripts/check_newest_ha.py [--wheel PATH]
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path
import re
import subprocess
import sys
import tempfile
import zipfile

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "workplace"


def imported_names() -> dict[tuple[str, str | None], list[str]]:
    """(module, name) pairs imported from homeassistant, with where they are used."""
    found: dict[tuple[str, str | None], list[str]] = {}
    for path in sorted(INTEGRATION.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] == "homeassistant":
                    for alias in node.names:
                        found.setdefault((node.module, alias.name), []).append(where)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "homeassistant":
                        found.setdefault((alias.name, None), []).append(where)
    return found


def module_source(wheel: zipfile.ZipFile, module: str) -> str | None:
    """The source of a module (or package __init__) inside the wheel."""
    base = module.replace(".", "/")
    for candidate in (f"{base}.py", f"{base}/__init__.py"):
        try:
            return wheel.read(candidate).decode()
        except KeyError:
            continue
    return None


def defines(source: str, name: str) -> bool:
    """Whether a module defines, assigns or re-exports `name` at top level."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # Newer releases use syntax of newer Pythons; fall back to reading the text.
        pattern = rf"^(?:class|def|async def|type)\s+{name}\b|^{name}\s*[:=]|\bimport\b.*\b{name}\b"
        return re.search(pattern, source, re.MULTILINE) is not None
    for node in tree.body:
        targets: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            targets = [node.name]
        elif isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        elif isinstance(node, ast.TypeAlias):
            targets = [node.name.id]
        elif isinstance(node, (ast.ImportFrom, ast.Import)):
            targets = [alias.asname or alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, (ast.If, ast.Try)):
            # names defined under `if TYPE_CHECKING` or try/except still count when re-exported
            targets = [
                alias.asname or alias.name
                for sub in ast.walk(node)
                if isinstance(sub, (ast.ImportFrom, ast.Import))
                for alias in sub.names
            ]
        if name in targets:
            return True
    return False


def main() -> int:
    """Download the newest release (unless given) and report missing names."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel", type=Path)
    args = parser.parse_args()
    wheel_path: Path = args.wheel
    if wheel_path is None:
        target = Path(tempfile.mkdtemp(prefix="newest-ha-"))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--ignore-requires-python",
                "homeassistant",
                "-d",
                str(target),
            ],
            check=True,
        )
        wheel_path = next(target.glob("homeassistant-*.whl"))
    print(f"Checking against {wheel_path.name}")
    missing = []
    with zipfile.ZipFile(wheel_path) as wheel:
        for (module, name), places in sorted(
            imported_names().items(), key=lambda i: (i[0][0], i[0][1] or "")
        ):
            source = module_source(wheel, module)
            submodule = module_source(wheel, f"{module}.{name}") if name else None
            if source is None:
                missing.append(f"module {module} ({places[0]})")
            elif name and not defines(source, name) and submodule is None:
                missing.append(f"{module}.{name} ({places[0]})")
    for line in missing:
        print(f"MISSING {line}")
    print(f"{len(imported_names())} imported names checked, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
