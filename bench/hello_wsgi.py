"""Bare WSGI hello-world returning JSON: the ceiling bench/api_throughput.py compares the API with.

    gunicorn -c gunicorn.conf.py bench.hello_wsgi:application
"""
import json

_BODY = json.dumps({"hello": "world"}).encode()
_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(_BODY)))]


def application(environ, start_response):
    start_response("200 OK", list(_HEADERS))
    return [_BODY]
