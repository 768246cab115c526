"""gunicorn's Response, checking each distinct answer header once per worker instead of on every answer.

gunicorn checks every header of every answer: the name against a token pattern, the value
against a pattern, then strips it and lower-cases the name twice to find Content-Length and
hop-by-hop headers: about 5,000 instructions a header. Most of an API's headers are the same
pair on every answer (the security and CORS headers, Content-Type), so each pair that passed
those checks unchanged and is neither Content-Length nor hop-by-hop is remembered, and the next
answer carrying the very same pair appends it as it is: the check's result depends on nothing
but the pair. Everything else (a new pair, Content-Length, hop-by-hop headers, anything that is
not a tuple of two strings) goes through gunicorn's own checks, errors and all.

At most MAX_REMEMBERED pairs are kept per worker, first come first kept: headers whose value
changes on each answer (Location, ETag) fill the rest and are then checked as before, while the
constant ones, sent from the first answer on, stay remembered.
"""
from __future__ import annotations

from typing import Any, Iterable, Set, Tuple

from gunicorn import util
from gunicorn.http.wsgi import Response

MAX_REMEMBERED = 256
_checked: Set[Tuple[str, str]] = set()


class CheckedOnceResponse(Response):
    """gunicorn's Response with process_headers remembering the header pairs it has accepted."""

    def process_headers(self, headers: Iterable[Any]) -> None:
        checked = _checked
        out = self.headers
        for header in headers:
            try:
                if header in checked:   # only ever str pairs gunicorn accepted unchanged
                    out.append(header)
                    continue
            except TypeError:           # unhashable: gunicorn's own error below
                pass
            before = len(out)
            super().process_headers((header,))
            if (len(out) == before + 1 and len(checked) < MAX_REMEMBERED and type(header) is tuple
                    and out[-1] == header and type(header[0]) is str and type(header[1]) is str
                    and header[0].lower() != "content-length" and not util.is_hoppish(header[0])):
                checked.add(header)
