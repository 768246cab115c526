"""README's Configuration table says every variable is read in chalicelib/settings.py: each one
that module reads is in the table (by name, or abbreviated `…_SUFFIX` after its family)."""
from __future__ import annotations

import re
from pathlib import Path

from chalicelib.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("## Configuration"):text.index("## Architecture")]


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    table = _section()
    aliases = [f.alias for f in Settings.model_fields.values() if f.alias]
    assert len(aliases) > 30
    missing = [a for a in aliases if f"`{a}`" not in table
               and not any(f"`…{a[i:]}`" in table for i, ch in enumerate(a) if ch == "_")]
    assert missing == []


def test_the_gunicorn_variables_are_named_in_the_table() -> None:
    table = _section()
    conf = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"(LAUNCHBAY_[A-Z_]+)"', conf))
    assert "LAUNCHBAY_WEB_KEEPALIVE" in read
    assert [v for v in sorted(read) if f"`{v}`" not in table] == []
