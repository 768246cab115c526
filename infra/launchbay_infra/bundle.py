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
  the wheels' install manifests, SBOMs and tags (`RECORD`, `*.cyclonedx.json`, `WHEEL`: read by pip
  and scanners, never at run time; licenses, `entry_points.txt` and `top_level.txt` stay). METADATA
  keeps its headers (name, version, requirements: what importlib.metadata reads) and loses its
  body, the project's long description;
- C sources and headers beside compiled extensions, `py.typed` markers, `__main__.py` entry points,
  and the CLIs, IPython hooks and test cases of dotenv, requests, PyJWT and annotated-types;
- what only an option the API never sets imports: pymongo's client-side encryption (with
  auto_encryption_opts) and PyOpenSSL context (PyOpenSSL is absent: pymongo falls back to ssl in
  a try), redis' OCSP stapling (ssl_validate_ocsp), token auth and HTTP client, urllib3's HTTP/2;
- what only the worker or async code imports: kombu's event loop (kombu.asynchronous), pools,
  pidbox, mixins, clocks and old APIs (chalicelib/queue.py publishes with Connection, Exchange,
  Queue and Producer); opensearch-py's async DSL helpers and connections;
- dnspython's DNS over QUIC (aioquic is absent) and the record types a TXT or SRV answer cannot
  hold (kept: A, AAAA, SRV, TXT, CNAME, DNAME, NS, SOA, PTR, MX, OPT, TSIG; any other type parses
  as GenericRdata, not an error); dateutil's rrule, easter and Windows zones;
- pydantic's deprecated V1 methods, experimental API, colour and URL/e-mail types (chalicelib's
  models use none; the V1 methods warn when called); cryptography's KDFs, one-time passwords,
  key wrap, CMAC, HPKE, AEAD, PKCS#7/#12 and declarative ASN.1 (Fernet needs HMAC, AES-CBC and
  padding; PyJWT its asymmetric key types and x509, all kept); idna's UTS 46 table and codec (only
  non-ASCII host names need them: custom domains match HOSTNAME in catalog/models.py, ASCII, and
  the MongoDB and OpenSearch hosts are the operator's settings).
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
    r"|_trio_backend|asyncresolver)\.py$)"
    # C sources and headers beside compiled extensions (bson, pymongo): only their built .so load
    r"|\.[ch]$"
    # type checkers' marker, `python -m` entry points, pip's wheel tags: never read when the API runs
    r"|(^|/)py\.typed$|(^|/)__main__\.py$|\.dist-info/(WHEEL|zip-safe)$"
    # pymongo's client-side encryption (only with auto_encryption_opts; pymongocrypt is absent) and its
    # PyOpenSSL/OCSP context (imported in a try: PyOpenSSL is absent, so stdlib ssl is used either way)
    r"|^pymongo/((synchronous|asynchronous)/)?(encryption|_kms_connect)\.py$"
    r"|^pymongo/(_kms_connect_shared|encryption_options|encryption_shared|daemon|ocsp_support|ocsp_cache"
    r"|pyopenssl_context)\.py$"
    # kombu's event loop (the worker's), pools and old APIs: chalicelib/queue.py publishes with Connection,
    # Exchange, Queue and a Producer only
    r"|^kombu/(asynchronous/|(clocks|compat|matcher|mixins|pidbox|pools|simple)\.py$)"
    # opensearch-py's async DSL helpers and connections (aiohttp is absent) and its test helpers; the
    # _async.helpers.actions that its sync helpers import stays
    r"|^opensearchpy/(_async/(helpers/(?!__init__\.py$|actions\.py$)|_extra_imports\.py$|compat\.py$)"
    r"|connection/(async_connections|http_async|pooling)\.py$|helpers/test\.py$)"
    # redis' OCSP stapling (only with ssl_validate_ocsp; needs the absent PyOpenSSL), token auth, HTTP client
    r"|^redis/((asyncio/)?http/|auth/(idp|token_manager)\.py$|(background|data_structure|ocsp)\.py$)"
    # dnspython: DNS over QUIC (needs the absent aioquic) and the record types a TXT or SRV answer does
    # not hold (an unknown type parses as GenericRdata: dns/rdata.py get_rdata_class)
    r"|^dns/quic/_(asyncio|common|sync|trio)\.py$"
    r"|^dns/rdtypes/(CH/|(ANY|IN)/(?!__init__\.py$|(A|AAAA|CNAME|DNAME|MX|NS|OPT|PTR|SOA|SRV|TSIG|TXT)\.py$)"
    r"|(base64base|dnskeybase|dsbase|euibase|rrsigbase|tlsabase)\.py$)"
    # dateutil's recurrence rules (tzical only), Easter dates, Windows zones and zone tarball rebuilder
    r"|^dateutil/(rrule|easter|tzwin|tz/win|zoneinfo/rebuild)\.py$"
    # pydantic's V1-compatible methods, experimental API, URL/e-mail/colour types: chalicelib uses none
    r"|^pydantic/(deprecated/|experimental/|(color|networks)\.py$)"
    # cryptography's KDFs, one-time passwords, key wrap, CMAC, HPKE, AEAD, PKCS#7/#12, declarative ASN.1:
    # Fernet needs HMAC, AES-CBC and padding, PyJWT its asymmetric keys and x509 (all kept)
    r"|^cryptography/hazmat/(asn1/|primitives/(kdf/|twofactor/|(cmac|hpke|keywrap|poly1305)\.py$"
    r"|ciphers/aead\.py$|serialization/pkcs(7|12)\.py$))"
    # idna's UTS 46 table and codec: only non-ASCII host names use them (custom domains are ASCII:
    # HOSTNAME in catalog/models.py)
    r"|^idna/(uts46data|codec|compat)\.py$"
    # CLIs, IPython hooks, test cases, the C YAML loader (its _yaml is left out), urllib3's opt-in HTTP/2
    r"|^(dotenv/(cli|ipython)|requests/help|jwt/help|annotated_types/test_cases|yaml/cyaml"
    r"|urllib3/http2/connection)\.py$")


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
