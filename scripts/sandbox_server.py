#!/usr/bin/env python3
"""The AWS sandbox `make run` starts: moto's server, made to come back the same after a restart.

    .venv/bin/python scripts/sandbox_server.py -H 127.0.0.1 -p 5055

moto keeps its state in memory; scripts/dev.py records the requests that changed it and replays
them into the next server. The ids moto makes (vpc-…, subnet-…, security groups, load balancer
and target group ARNs) are random and later requests name them, so a replay that drew other ids
left the network, the load balancer and the ECS service behind (health: "the ECS service no
longer exists"). Here the replay draws the same ones:
  * moto's generator (mock_random, which makes every such id) starts from the same seed;
  * AWS requests are handled one at a time, so the recording's order is the order they drew in
    (moto's own /moto-api/ calls are not: the replay is one, and sends the requests it replays);
  * request ids, which every answer draws, even a read's, come from another generator, so the
    reads the replay leaves out took nothing from the seeded sequence.
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from typing import Any, Iterable, Optional

SEED = 20261127


def _request_id(headerdict: Optional[dict] = None) -> str:
    req_id = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(52))
    if isinstance(headerdict, dict):
        headerdict.update({"x-amzn-requestid": req_id})
    return req_id


class OneAtATime:
    """AWS requests in turn; /moto-api/ (the replay, the dashboard) beside them."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/moto-api/"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))   # the whole answer, while it is our turn


def replayable() -> None:
    """Seed moto's id generator and take request ids off it (see the module's doc)."""
    import moto.core.responses
    import moto.utilities.aws_headers
    from moto.moto_api._internal import mock_random

    moto.utilities.aws_headers.gen_amzn_requestid_long = _request_id
    moto.core.responses.gen_amzn_requestid_long = _request_id   # imported there by name
    mock_random.seed(SEED)


def main(argv: Optional[list[str]] = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-H", "--host", default="127.0.0.1")
    p.add_argument("-p", "--port", type=int, default=5055)
    args = p.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))   # as moto's own server: the URLs it makes name it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    replayable()
    run_simple(args.host, args.port, OneAtATime(DomainDispatcherApplication(create_backend_app)), threaded=True,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
