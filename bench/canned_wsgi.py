"""A WSGI app that answers every request with one recorded answer: bench/instructions.py uses it
to measure what gunicorn itself spends on the API's answer (its status, headers and body), with
none of the API's code.

    LAUNCHBAY_CANNED_ANSWER=answer.json gunicorn -c gunicorn.conf.py bench.canned_wsgi:application

answer.json: {"status": "200 OK", "headers": [[name, value], ...], "body": "..."}.
"""
import json
import os

with open(os.environ["LAUNCHBAY_CANNED_ANSWER"], encoding="utf-8") as f:
    _ANSWER = json.load(f)
_STATUS = _ANSWER["status"]
_HEADERS = [(name, value) for name, value in _ANSWER["headers"]]
_BODY = _ANSWER["body"].encode("utf-8")


def application(environ, start_response):
    start_response(_STATUS, list(_HEADERS))
    return [_BODY]
