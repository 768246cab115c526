"""Gunicorn settings for the Launchbay API.

    gunicorn -c gunicorn.conf.py chalicelib.api.wsgi:application

Process workers (gunicorn's `sync`, waiting in epoll with EPOLLEXCLUSIVE: see
chalicelib/api/gunicorn_worker.py) by default: Chalice keeps the current request on the
shared app object, so the API is served one request per process at a time (the
WSGI adapter also makes that state thread-local, as a second line of defence).
The sync worker closes the connection after each response (no keep-alive): put
a proxy or load balancer in front for client keep-alive. LAUNCHBAY_WEB_THREADS > 1
switches to `gthread` workers (keep-alive, that many requests per process at once),
which the thread-local request makes safe (tests/integration/test_gthread_isolation.py).

Environment (all optional):
  LAUNCHBAY_BIND           address to listen on (default 127.0.0.1:8000; the container sets 0.0.0.0:8000)
  PORT                     if LAUNCHBAY_BIND is unset and PORT is set: bind 0.0.0.0:$PORT
  LAUNCHBAY_WEB_WORKERS    worker processes (else WEB_CONCURRENCY, else 2 x cores + 1, at most 8)
  LAUNCHBAY_WEB_THREADS    threads per worker (default 1: sync workers; more: gthread)
  LAUNCHBAY_WEB_TIMEOUT    seconds a request may take before its worker is restarted (default 30)
  LAUNCHBAY_WEB_KEEPALIVE  keep-alive seconds (ignored by sync workers; default 5)
  LAUNCHBAY_WEB_PRELOAD    1 (default): import the API once in the master, workers fork with it
                           loaded (new code needs a restart: a HUP forks the old code again);
                           0: each worker imports it when it boots
  LAUNCHBAY_ACCESS_LOG     access log file, "-" for stdout (default), "off" for none
  LAUNCHBAY_LOG_LEVEL      gunicorn log level (default info)
"""
import os


def _int(name, default, low=1, high=None):
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise SystemExit("%s must be an integer, got %r" % (name, raw)) from None
    if value < low or (high is not None and value > high):
        raise SystemExit("%s must be between %s and %s, got %d" % (name, low, high, value))
    return value


def default_workers(cores=None):
    """2 x cores + 1, capped at 8 (each sync worker is a full copy of the app)."""
    cores = cores or os.cpu_count() or 1
    return max(2, min(2 * cores + 1, 8))


def _bind():
    bind = os.environ.get("LAUNCHBAY_BIND", "").strip()
    if bind:
        return [b.strip() for b in bind.split(",") if b.strip()]
    port = os.environ.get("PORT", "").strip()
    if port:
        return ["0.0.0.0:%d" % _int("PORT", 8000, 1, 65535)]
    return ["127.0.0.1:8000"]


wsgi_app = "chalicelib.api.wsgi:application"
bind = _bind()
workers = _int("LAUNCHBAY_WEB_WORKERS", _int("WEB_CONCURRENCY", default_workers()), 1, 64)
threads = _int("LAUNCHBAY_WEB_THREADS", 1, 1, 64)
# One request per process at a time, as gunicorn's `sync`, but one idle worker is woken per
# connection (the first waiting in the socket's queue) instead of all of them, and each distinct answer
# header is checked once per worker, not on every answer (chalicelib/api/gunicorn_worker.py);
# `-k sync` on the command line picks gunicorn's own.
worker_class = "gthread" if threads > 1 else "chalicelib.api.gunicorn_worker.ExclusiveSyncWorker"
timeout = _int("LAUNCHBAY_WEB_TIMEOUT", 30, 1, 3600)
graceful_timeout = min(timeout, 30)
keepalive = _int("LAUNCHBAY_WEB_KEEPALIVE", 5, 0, 300)
backlog = 2048
# Recycle workers now and then so a slow leak cannot grow without bound. With preload_app a
# recycled worker is a fork of the master, ready at once; without it, each new worker imports
# the API (~0.35 s of CPU) next to the busy ones, which showed as p99 spikes of 300+ ms under load.
max_requests = 20000
max_requests_jitter = 2000
# gunicorn's C parser (gunicorn_h1c, picohttpparser) when it is installed, else its Python one; the
# same limits and refusals (tests/integration/test_http_parser.py), a fraction of the CPU on each
# request's headers (an API token is ~200 characters). The log says which at start-up.
http_parser = "auto"
# Request limits (the body limit is enforced by the adapter: LAUNCHBAY_MAX_BODY_BYTES).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Heartbeat files in RAM: on a container's overlay filesystem fchmod can stall workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
# Gunicorn >= 25 opens a control socket at a fixed path in $HOME by default; two
# servers on one machine (make run + a bench) would fight over it.
control_socket_disable = True
proc_name = "launchbay-api"
_preload = os.environ.get("LAUNCHBAY_WEB_PRELOAD", "1").strip().lower()
if _preload not in ("0", "1", "true", "false", "yes", "no", "on", "off", ""):
    raise SystemExit("LAUNCHBAY_WEB_PRELOAD must be 1 or 0, got %r" % _preload)
preload_app = _preload not in ("0", "false", "no", "off")

_access = os.environ.get("LAUNCHBAY_ACCESS_LOG", "-").strip()
accesslog = None if _access.lower() in ("off", "none", "0", "false", "") else _access
errorlog = "-"
loglevel = os.environ.get("LAUNCHBAY_LOG_LEVEL", "info").strip().lower() or "info"
# remote address, request line, status, response bytes, duration in ms, request id, user agent
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}i)s "%(a)s"'


def http_parser_in_use(cfg):
    """What gunicorn parses requests with under these settings (its own test, so "auto" tells
    the truth: a missing or too old gunicorn_h1c, or a setting the C parser lacks, means Python)."""
    from gunicorn.http import message

    return "gunicorn_h1c (C)" if message._check_fast_parser(cfg) else "Python"


def when_ready(server):
    """With preload_app: load the API in the master before the first fork, then freeze what
    is loaded out of the garbage collector's reach (gc.freeze: the workers' collections no
    longer walk, and so no longer copy, the pages they share with the master).

    Nothing of the load stays open across the fork: the SQLite store closes its connections
    before any fork (chalicelib/store/sqlite.py), Redis and AWS clients connect on first use.
    A broken import or setting stops the master at start-up."""
    server.log.info("HTTP parser: %s", http_parser_in_use(server.cfg))
    if not server.cfg.preload_app:
        return
    app = server.app.wsgi()
    load = getattr(app, "preload", None) or getattr(app, "load", None)   # preload: every route's module too
    if callable(load):
        load()
    import gc

    gc.collect()
    gc.freeze()


def post_worker_init(worker):
    """Import the API when a worker boots, not on its first request.

    An import error then stops the server at start-up ("Worker failed to boot")
    instead of turning every request into a 500.
    """
    app = worker.wsgi
    load = getattr(app, "load", None)
    if callable(load):
        load()
