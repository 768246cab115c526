"""The Lambda bundle: what `chalice package` builds, then pruned of what the API never
imports (budget: 10 MB zipped, tests/infra/test_bundle.py). Chalice has no exclude option,
so `LeanChalice` rewrites its deployment.zip before CDK hashes it as the function's asset.

What goes, and why it is safe (tests/infra/test_bundle.py imports the pruned bundle with
only what the Lambda runtime brings and answers requests from it):
- bytecode caches, type stubs and packages' own tests: never imported;
- PyYAML's C extension: chalicelib reads YAML with the pure-Python SafeLoader;
- cffi's build-time half (cffi/, pycparser/): argon2's compiled bindings need only _cffi_backend;
- charset_normalizer: only requests uses it, to guess the encoding of a Response.text, and
  nothing sends requests through requests (opensearch-py imports it for its signer but
  chalicelib/search/opensearch.py uses the default urllib3 connection; app.py silences
  requests' warning about it); opensearch-py's async
  client and transport (imported only if they import: aiohttp is absent anyway; its sync
  helpers do import _async.helpers, which stays);
- kombu's transports other than Redis, pydantic.v1, pymongo's gridfs, redis' multidb clients (sync and asyncio),
  urllib3.contrib: imported only by code that asks for them, and none does;
- dateutil's zoneinfo tarball: dateutil.tz reads the system's zone files (Lambda has them);
- packaging, but for packaging.version (kombu's Redis transport compares redis' version with it);
- dnspython's zone files, DNSSEC validation, trio and async resolving and Windows support: pymongo
  (mongodb+srv://) and the domain check (cloud/edge.py) only resolve records, synchronously;
- redis' module command sets (RediSearch, RedisJSON, TimeSeries, Bloom, vector sets: imported
  only inside the methods that use them, and chalicelib calls none), pydantic's mypy plugin, and
  the wheels' install manifests and SBOMs (`RECORD`, `*.cyclonedx.json`: read by pip and
  scanners, never at run time; licenses stay). METADATA keeps its headers (name, version,
  requirements: what importlib.metadata reads) and loses its body, the project's long description.
Shared libraries lose their debug symbols (`strip --strip-unneeded`, as Debian packages do:
cryptography's ships unstripped, 0.5 MB zipped); every kept file is compressed at level 9
(chalice uses zlib's default). Without binutils' `strip` the libraries stay as they are."""
from __future__ import annotations

import os
import re
import shutil
import subprocess  # nosec B404: runs binutils' strip on files we wrote
import tempfile
import zipfile
from pathlib import Path

from chalice.cdk import Chalice

LEFT_OUT = re.compile(
    r"(^|/)__pycache__/|\.py[co]$|\.pyi$"
    r"|^[^/]+/tests?/"
    r"|^yaml/_yaml\.[^/]*\.so$"
    r"|^(cffi|pycparser|charset_normalizer|gridfs)(/|-[^/]*\.dist-info/)"
    r"|^kombu/transport/(?!__init__\.py$|base\.py$|redis\.py$|virtual/)"
    r"|^pydantic/v1/|^opensearchpy/_async/(client/|plugins/|http_aiohttp\.py$|transport\.py$)"
    r"|^redis/(asyncio/)?multidb/|^urllib3/contrib/"
    r"|^redis/commands/(search|json|timeseries|bf|vectorset)/|^pydantic/mypy\.py$"
    r"|\.dist-info/(RECORD|[^/]*\.cyclonedx\.json|sboms?/.*|sbom\.json)$"
    r"|^dateutil/zoneinfo/[^/]*\.tar\.gz$"
    r"|^packaging/(?!__init__\.py$|version\.py$|_structures\.py$)"
    r"|^dns/(dnssecalgs/|(btree|btreezone|dnssec|e164|grange|tsigkeyring|versioned|win32util|zone|zonefile"
    r"|_trio_backend|asyncresolver)\.py$)")


def stripped(data: bytes, strip: str) -> bytes:
    """The shared library without the symbols it does not need to load (its input if strip fails)."""
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "lib.so"
        lib.write_bytes(data)
        done = subprocess.run([strip, "--strip-unneeded", str(lib)], capture_output=True, check=False)  # nosec B603
        return lib.read_bytes() if done.returncode == 0 else data


def prune(path: Path) -> dict[str, int]:
    """Rewrites the zip at `path` without what LEFT_OUT matches; -> sizes before and after, files left out."""
    before = path.stat().st_size
    dropped = 0
    strip = shutil.which("strip")
    fd, tmp = tempfile.mkstemp(suffix=".zip", dir=str(path.parent))
    os.close(fd)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if LEFT_OUT.search(info.filename):
                dropped += 1
                continue
            data = src.read(info)
            if info.filename.endswith(".dist-info/METADATA"):
                data = data.split(b"\n\n", 1)[0] + b"\n"
            if strip and info.filename.endswith(".so") and data[:4] == b"\x7fELF":
                data = stripped(data, strip)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    os.replace(tmp, path)
    return {"before": before, "after": path.stat().st_size, "left_out": dropped, "stripped": int(bool(strip))}


class LeanChalice(Chalice):
    """Chalice's CDK construct, with the package pruned before it becomes an asset."""

    def _package_app(self) -> None:
        super()._package_app()
        self.bundle_sizes = prune(Path(self._sam_package_dir) / "deployment.zip")
