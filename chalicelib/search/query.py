"""The user query language, parsed here once so that both adapters behave alike.

    deploy failed            words: all must match (each also with typos; the last also as a word beginning)
    "connection refused"     phrase: the words next to each other, in this order
    kube*                    prefix: words that begin with "kube" (at least 2 characters)
    error OR timeout         either (OR binds tighter than the implicit AND: `a b OR c` = a AND (b OR c))
    -canceled  NOT canceled  exclude
    ( ... )                  grouping
    type:log status:failed image:nginx*    filters on a whitelist of fields

Punctuation inside a word splits it into a phrase (`api-gateway`, `svc_123`), the way the
index tokenizer splits text. Anything else that cannot be understood raises SearchSyntaxError
with a message meant for the user; this module never raises anything else for a query string.
The adapters turn the tree into tantivy queries or OpenSearch DSL; none of them ever sees the
raw string, so there is no engine syntax to smuggle an `org_id:` clause through.
"""
from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional, Union

from chalicelib.core.ids import ISO_EXAMPLE, micros_from_iso
from chalicelib.search.port import SearchSyntaxError

# The limits of a search request: the one definition the API and both adapters use.
TYPES = ("service", "deployment", "log", "audit", "alert")
FIELDS = ("type", "status", "image")   # the only fields a user may name
MAX_QUERY_CHARS = 512
DEFAULT_LIMIT = 20
MAX_CLAUSES = 32
MAX_DEPTH = 8
MAX_LIMIT = 100
MAX_OFFSET = 10_000     # deep offsets get slow on the embedded engine (OpenSearch uses search_after)
MIN_PREFIX = 2
MAX_TOKEN_BYTES = 40    # tantivy's default tokenizer drops longer tokens; OpenSearch is told the same

# Same split as tantivy's SimpleTokenizer (runs of alphanumeric characters), lowercased.
_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if len(w.encode()) < MAX_TOKEN_BYTES]


def fuzziness(word: str) -> int:
    """Edits allowed for a word, OpenSearch's `AUTO` (AUTO:3,6): 1-2 characters exact, 3-5 one
    edit, more two; a transposition counts as one edit on both adapters (`wbe` finds `web`)."""
    n = len(word)
    return 0 if n < 3 else 1 if n < 6 else 2


# --- the tree ----------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    word: str
    prefix: bool = False     # also match as a word beginning (the word being typed)


@dataclass(frozen=True)
class Prefix:
    word: str


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    prefix: bool = False     # the last word is a prefix (`api-gate*`)


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


Node = Union[Term, Prefix, Phrase, Field, Not, And, Or]


def is_scored(node: Optional[Node]) -> bool:
    """True when the query has text to rank by (filters and negations alone do not)."""
    if node is None or isinstance(node, (Field, Not)):
        return False
    if isinstance(node, (And, Or)):
        return any(is_scored(c) for c in node.children)
    return True


# --- lexer and parser ----------------------------------------------------------

_SPECIAL = set('()"')


class _Parser:
    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.clauses = 0
        self.too_long: Optional[str] = None   # the first word the index would not hold

    def words(self, text: str) -> list[str]:
        words = tokenize(text)
        if self.too_long is None and len(words) < len(_WORD.findall(text)):
            self.too_long = next(w for w in _WORD.findall(text) if len(w.encode()) >= MAX_TOKEN_BYTES)
        return words

    def fail(self, msg: str) -> SearchSyntaxError:
        return SearchSyntaxError(f"{msg} (at character {self.i + 1})")

    def skip_ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def peek_keyword(self, kw: str) -> bool:
        j = self.i + len(kw)
        return (self.s.startswith(kw, self.i)
                and (j == len(self.s) or self.s[j].isspace() or self.s[j] in '()"'))

    def parse(self) -> Optional[Node]:
        node = self.parse_and(0)
        self.skip_ws()
        if self.i < len(self.s):  # only a stray ')' can stop parse_and early
            raise self.fail("unexpected ')' without a matching '('")
        if node is None and self.too_long is not None:
            # The index drops such words as the query does, so beside other words one is
            # ignored (a pasted log line still matches); alone, it would match everything.
            raise self.too_long_error()
        return node

    def too_long_error(self) -> SearchSyntaxError:
        word = self.too_long or ""
        shown = word if len(word) <= 40 else word[:40] + "…"
        return SearchSyntaxError(f"'{shown}' is too long to search for: words are indexed up to "
                                 f"{MAX_TOKEN_BYTES - 1} bytes (an image digest: filter with image:)")

    def parse_and(self, depth: int) -> Optional[Node]:
        items: list[Node] = []
        while True:
            self.skip_ws()
            if self.i >= len(self.s) or self.s[self.i] == ")":
                break
            if self.peek_keyword("AND"):  # explicit AND is the default anyway
                self.i += 3
                continue
            node = self.parse_or(depth)
            if node is not None:
                items.append(node)
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def parse_or(self, depth: int) -> Optional[Node]:
        if self.peek_keyword("OR"):
            raise self.fail("OR needs a word on each side")
        items = [self.parse_unary(depth)]
        while True:
            save = self.i
            self.skip_ws()
            if not self.peek_keyword("OR"):
                self.i = save
                break
            self.i += 2
            self.skip_ws()
            if self.i >= len(self.s) or self.s[self.i] == ")" or self.peek_keyword("OR"):
                raise self.fail("OR needs a word on each side")
            items.append(self.parse_unary(depth))
        kept = [n for n in items if n is not None]
        if len(kept) != len(items) and len(items) > 1:
            raise self.fail("OR needs a word on each side")
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Or(tuple(kept))

    def parse_unary(self, depth: int) -> Optional[Node]:
        self.skip_ws()
        negate = False
        if self.peek_keyword("NOT"):
            self.i += 3
            self.skip_ws()
            negate = True
        elif self.s.startswith("-", self.i):
            if self.i + 1 >= len(self.s) or self.s[self.i + 1].isspace():
                raise self.fail("'-' must be followed directly by what to exclude")
            self.i += 1
            negate = True
        if negate and (self.i >= len(self.s) or self.s[self.i] == ")"):
            raise self.fail("nothing to exclude after NOT")
        node = self.parse_primary(depth)
        if negate:
            if node is None:
                raise self.fail("nothing to exclude")
            if isinstance(node, Not):
                return node.child
            return Not(node)
        return node

    def count(self) -> None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise SearchSyntaxError(f"query has too many parts (at most {MAX_CLAUSES})")

    def parse_primary(self, depth: int) -> Optional[Node]:
        c = self.s[self.i]
        if c == "(":
            if depth >= MAX_DEPTH:
                raise self.fail(f"parentheses nested too deep (at most {MAX_DEPTH})")
            self.i += 1
            node = self.parse_and(depth + 1)
            self.skip_ws()
            if self.i >= len(self.s):
                raise self.fail("missing ')'")
            self.i += 1
            if node is None:
                raise self.too_long_error() if self.too_long else self.fail("empty parentheses")
            return node
        if c == ")":
            raise self.fail("unexpected ')'")
        if c == '"':
            return self.phrase(self.quoted())
        return self.bare()

    def quoted(self) -> str:
        end = self.s.find('"', self.i + 1)
        if end < 0:
            raise self.fail("missing closing quote")
        text = self.s[self.i + 1:end]
        self.i = end + 1
        return text

    def phrase(self, text: str) -> Optional[Node]:
        words = self.words(text)
        if not words:
            return None
        self.count()
        return Term(words[0]) if len(words) == 1 else Phrase(tuple(words))

    def bare(self) -> Optional[Node]:
        start = self.i
        while self.i < len(self.s) and not self.s[self.i].isspace() and self.s[self.i] not in _SPECIAL:
            if self.s[self.i] == ":":
                return self.field(self.s[start:self.i])
            self.i += 1
        chunk = self.s[start:self.i]
        at_end = self.i >= len(self.s)
        star = chunk.endswith("*")
        if "*" in chunk.rstrip("*") or "?" in chunk or chunk.endswith("**"):
            raise self.fail("a wildcard '*' may only end a word")
        words = self.words(chunk)
        if star:
            if not words or len(words[-1]) < MIN_PREFIX or not _WORD.search(chunk[-2:-1] or " "):
                raise self.fail(f"'*' must follow at least {MIN_PREFIX} letters or digits")
            self.count()
            return Prefix(words[0]) if len(words) == 1 else Phrase(tuple(words), prefix=True)
        if not words:
            return None  # punctuation only: the index ignores it too
        self.count()
        if len(words) == 1:
            return Term(words[0], prefix=at_end)
        return Phrase(tuple(words), prefix=at_end)

    def field(self, name: str) -> Node:
        if name not in FIELDS:
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise self.fail(f"unknown field '{shown}': you can filter by {', '.join(FIELDS)}")
        self.i += 1  # the ':'
        if self.i < len(self.s) and self.s[self.i] == '"':
            value, star = self.quoted(), False
        else:
            start = self.i
            while self.i < len(self.s) and not self.s[self.i].isspace() and self.s[self.i] not in _SPECIAL:
                self.i += 1
            value = self.s[start:self.i]
            star = value.endswith("*")
            if star:
                value = value[:-1]
            if "*" in value:
                raise self.fail("a wildcard '*' may only end a value")
        if not value:
            raise self.fail(f"'{name}:' needs a value")
        if star and len(value) < MIN_PREFIX:
            raise self.fail(f"'*' must follow at least {MIN_PREFIX} characters")
        if name == "type":
            value = value.lower()
            if value not in TYPES or star:
                raise self.fail(f"type must be one of {', '.join(TYPES)}")
        self.count()
        return Field(name, value, prefix=star)


def parse(q: Optional[str]) -> Optional[Node]:
    """Parse a user query; None means "no text query" (match everything the filters allow)."""
    if q is None:
        return None
    if not isinstance(q, str):
        raise SearchSyntaxError("query must be a string")
    if len(q) > MAX_QUERY_CHARS:
        raise SearchSyntaxError(f"query is too long (at most {MAX_QUERY_CHARS} characters)")
    if "\x00" in q:
        raise SearchSyntaxError("query contains a NUL character")
    return _Parser(q.strip()).parse()


# --- the whole request, validated once ---------------------------------------

@dataclass
class Request:
    org_id: str
    node: Optional[Node]
    types: Optional[list[str]] = None
    project_id: Optional[str] = None
    status: Optional[str] = None
    since: Optional[str] = None   # normalised ISO strings (UTC, microseconds, Z)
    until: Optional[str] = None
    since_us: Optional[int] = None
    until_us: Optional[int] = None
    cursor: dict[str, Any] = field(default_factory=dict)
    limit: int = 20

    @property
    def scored(self) -> bool:
        return is_scored(self.node)


def to_micros(ts: str) -> int:
    """ISO-8601 -> microseconds since the epoch (naive times are UTC); core/ids.py reads it."""
    return micros_from_iso(ts)


def parse_time(name: str, value: Optional[str]) -> tuple[Optional[str], Optional[int]]:
    """A user-given time -> (normalised ISO string, microseconds); SearchSyntaxError if not one.
    Any ISO-8601 form is understood: 2026-01-31, 2026-01-31T12:00Z, offsets, fractions."""
    if value in (None, ""):
        return None, None
    try:
        us = to_micros(str(value))
        return from_micros(us), us
    except (ValueError, OverflowError, OSError, TypeError):
        raise SearchSyntaxError(f"{name} must be an ISO-8601 time, like {ISO_EXAMPLE}", field=name) from None


def retention_cutoff(type: str, before: str) -> tuple[str, int]:
    """delete_older_than's arguments, checked once for both adapters -> (ISO string, microseconds)."""
    if type not in TYPES:
        raise SearchSyntaxError(f"unknown type {type!r}", field="type")
    iso, us = parse_time("before", before)
    if iso is None or us is None:  # (both or neither)
        raise SearchSyntaxError("before is required", field="before")
    return iso, us


def from_micros(us: int) -> str:
    when = datetime(1970, 1, 1) + timedelta(microseconds=us)
    return when.isoformat(timespec="microseconds") + "Z"


def prepare(org_id: str, q: Optional[str], *, types: Optional[list[str]] = None,
            project_id: Optional[str] = None, status: Optional[str] = None,
            since: Optional[str] = None, until: Optional[str] = None,
            cursor: Optional[str] = None, limit: int = DEFAULT_LIMIT) -> Request:
    if not org_id or not isinstance(org_id, str):
        raise ValueError("org_id is required")  # a caller bug, not the user's
    if types is not None:
        if isinstance(types, str):
            types = [types]
        bad = [t for t in types if t not in TYPES]
        if bad:
            raise SearchSyntaxError(f"type must be one of {', '.join(TYPES)}", field="type")
        types = sorted(set(types)) or None
    since_iso, since_us = parse_time("since", since)
    until_iso, until_us = parse_time("until", until)
    try:
        limit = max(1, min(MAX_LIMIT, int(limit)))
    except (TypeError, ValueError):
        raise SearchSyntaxError("limit must be a number", field="limit") from None
    return Request(org_id=org_id, node=parse(q), types=types,
                   project_id=str(project_id) if project_id else None, status=str(status) if status else None,
                   since=since_iso, until=until_iso, since_us=since_us, until_us=until_us,
                   cursor=decode_cursor(cursor) if cursor else {}, limit=limit)


def encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_CURSOR_CHARS = 2048


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(value, dict):
            raise ValueError
        return value
    except Exception:  # garbage from a client is a 400, never a 500
        raise SearchSyntaxError("cursor is not valid", field="cursor") from None


# --- highlighting (the embedded engine; OpenSearch highlights itself) ---------

class _Matcher:
    """Decides whether a token matches the query; remembers answers (text repeats words a lot)."""

    def __init__(self, exact: set[str], prefixes: list[str], fuzzy: list[tuple[str, int]]):
        self.exact, self.prefixes, self.fuzzy = frozenset(exact), tuple(prefixes), tuple(fuzzy)
        self.memo: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.exact or self.prefixes)

    def __call__(self, tok: str) -> bool:
        hit = self.memo.get(tok)
        if hit is None:
            hit = (tok in self.exact or any(tok.startswith(p) for p in self.prefixes)
                   or any(abs(len(tok) - len(w)) <= d and _osa_within(tok, w, d) for w, d in self.fuzzy))
            self.memo[tok] = hit
        return hit


def matcher(node: Optional[Node]) -> _Matcher:
    """What to highlight: the words of the positive (not negated) parts of the query."""
    exact: set[str] = set()
    prefixes: list[str] = []
    fuzzy: list[tuple[str, int]] = []

    def walk(n: Optional[Node]) -> None:
        if isinstance(n, Term):
            exact.add(n.word)
            if fuzziness(n.word):
                fuzzy.append((n.word, fuzziness(n.word)))
            if n.prefix:
                prefixes.append(n.word)
        elif isinstance(n, Prefix):
            prefixes.append(n.word)
        elif isinstance(n, Phrase):
            exact.update(n.words)
            if n.prefix:
                prefixes.append(n.words[-1])
        elif isinstance(n, (And, Or)):
            for c in n.children:
                walk(c)

    walk(node)
    return _Matcher(exact, prefixes, fuzzy)


def _osa_within(a: str, b: str, d: int) -> bool:
    """Optimal-string-alignment distance (a transposition costs 1, as in both engines) <= d.
    Highlighting calls this for every word of every shown result: it must be cheap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > d:
        return False
    # strip the common prefix and suffix: what is left holds all the edits
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    a, b = a[i:], b[i:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    if max(len(a), len(b)) <= d or (len(a) == len(b) == 2 and a == b[::-1]):
        return True  # substitutions/insertions of each leftover character, or one transposition
    if d == 1:
        return False  # one edit leaves at most those cases
    inf = d + 1
    prev2: list[int] = []
    prev = [j if j <= d else inf for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        cur = [inf] * (len(b) + 1)
        if i <= d:
            cur[0] = i
        for j in range(max(1, i - d), min(len(b), i + d) + 1):  # only the diagonal band can stay <= d
            cost = a[i - 1] != b[j - 1]
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > d:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= d


def highlight(text: str, match: _Matcher, size: int = 160) -> tuple[str, bool]:
    """HTML-escaped fragment of about `size` characters around the densest matches,
    with <mark>…</mark> around matching words; returns (fragment, matched anything)."""
    text = text or ""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text) if match(m.group().lower())] if match else []
    if not spans:
        frag = text[:size]
        return html.escape(frag) + ("…" if len(text) > size else ""), False
    # window starting at the match that has the most matches within `size` characters
    best, best_n = 0, 0
    for k, (s, _) in enumerate(spans):
        n = sum(1 for s2, e2 in spans[k:] if e2 - s <= size)
        if n > best_n:
            best, best_n = k, n
    start = spans[best][0]
    start = max(0, start - max(0, (size - (spans[best][1] - start)) // 4))  # a little context before
    if start and (ws := text.rfind(" ", 0, start)) >= 0 and start - ws < 20:
        start = ws + 1
    end = min(len(text), start + size)
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else ""), True
