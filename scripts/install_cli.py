"""Write the `launchbay` console script into a virtualenv: `python scripts/install_cli.py .venv`.

Launchbay is not a package, so there is no entry point to install; this writes the small shim
pip would have written, with the repository on sys.path. Idempotent: the file is rewritten only
when its content would change."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shim(python: Path, root: Path) -> str:
    return (f"#!{python}\n"
            "# Written by scripts/install_cli.py: the launchbay CLI (cli/main.py) from this checkout.\n"
            "import sys\n"
            f"sys.path.insert(0, {str(root)!r})\n"
            "from cli.main import run\n"
            "run()\n")


def install(venv: Path, root: Path = ROOT) -> tuple[Path, bool]:
    """-> (script path, whether it was (re)written)."""
    venv = venv.absolute()  # not resolve(): a symlinked venv keeps the path it is used by
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    if not python.exists():
        raise SystemExit(f"{venv} is not a virtualenv (no {python})")
    script = bindir / "launchbay"
    text = shim(python, root)
    if script.exists() and script.read_text() == text:
        return script, False
    tmp = script.with_name(".launchbay.tmp")
    tmp.write_text(text)
    tmp.chmod(0o755)
    tmp.replace(script)
    return script, True


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python scripts/install_cli.py VENV")
    path, written = install(Path(sys.argv[1]))
    print(f"{path}: {'written' if written else 'up to date'}")
