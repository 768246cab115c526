"""Where the CLI keeps its login: `$XDG_CONFIG_HOME/launchbay/config.json` (or ~/.config/...).

The file holds `{api, token, org, project, env}`. It holds a credential, so it is written
0600 (in a 0700 folder) through a temporary file and a rename: a reader never sees half a
file, and there is no moment where the token sits in a file others can read."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_API = "http://127.0.0.1:8000/v1"
KEYS = ("api", "token", "org", "project", "env")


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "launchbay"


def config_path() -> Path:
    return config_dir() / "config.json"


def load() -> dict[str, Any]:
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # an unreadable file is treated as no login; `login` rewrites it
    return {k: v for k, v in data.items() if k in KEYS and v} if isinstance(data, dict) else {}


def save(values: dict[str, Any]) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    clean = {k: values[k] for k in KEYS if values.get(k)}
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(clean, fh, indent=2)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def api_url(values: dict[str, Any], override: str | None = None) -> str:
    """--api, then $LAUNCHBAY_API, then the saved one, then the local default. An address with no
    path (http://127.0.0.1:8000, as the browser shows it) means its API, under /v1."""
    url = (override or os.environ.get("LAUNCHBAY_API") or values.get("api") or DEFAULT_API).rstrip("/")
    return url + "/v1" if urlsplit(url).path == "" else url
