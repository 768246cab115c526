"""A gunicorn sync worker that waits for connections in epoll with EPOLLEXCLUSIVE.

gunicorn's own sync worker waits in select(): every idle worker wakes for every new connection,
all of them race to accept() it, and all but one go back to sleep (each having paid a heartbeat,
a failed accept and a getppid on the way). With EPOLLEXCLUSIVE the kernel wakes one idle worker
per connection, always the first in the listening socket's queue that is waiting: so while that
worker is free it takes every connection, with its caches warm from the last one, and the next
worker is woken only when it is busy. The same choice unicorn made for its prefork workers.
Measured on 2 cores (docs/benchmarks.md): +20-25 % requests/s and -20 % CPU per request at one
connection, for a hello-world and the API alike; no change once every worker is busy.

Its answers are gunicorn's Response checking each distinct header once per worker
(chalicelib/api/gunicorn_response.py): the API's seven constant headers cost gunicorn's checks on
every answer otherwise.

Nothing else changes: one request at a time per process, accept() before each wait (so a worker
that finishes drains the backlog first), the same heartbeat and signals. Where epoll or
EPOLLEXCLUSIVE (Linux 4.5+) is missing, the worker waits in select() as gunicorn's does.

Used by gunicorn.conf.py (`worker_class`) for sync workers; only the API container imports it.
"""
from __future__ import annotations

import errno
import os
import select
import sys
from datetime import datetime
from typing import Any, Dict, List, Optional

from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.workers.sync import StopWaiting, SyncWorker

from chalicelib.api.gunicorn_response import CheckedOnceResponse

EPOLLEXCLUSIVE: int = getattr(select, "EPOLLEXCLUSIVE", 0)


class ExclusiveSyncWorker(SyncWorker):
    """gunicorn's SyncWorker with wait() on an epoll set: listeners exclusive, the signal pipe not."""

    _epoll: Optional[Any] = None
    _by_fd: Dict[int, Any] = {}

    def run(self) -> None:
        # in the worker, after the fork and gunicorn's set-up (its signal pipe): this worker's
        # own epoll set, since one shared with the master or a sibling would share its wake-ups
        self._epoll = self._open_epoll()
        super().run()

    def _open_epoll(self) -> Optional[Any]:
        if not EPOLLEXCLUSIVE or not hasattr(select, "epoll"):
            return None
        ep = select.epoll()
        try:
            ep.register(self.PIPE[0], select.EPOLLIN)
            self._by_fd = {}
            for s in self.sockets:
                ep.register(s.fileno(), select.EPOLLIN | EPOLLEXCLUSIVE)
                self._by_fd[s.fileno()] = s
        except OSError:   # a kernel without EPOLLEXCLUSIVE refuses the flag (EINVAL)
            ep.close()
            return None
        return ep

    def wait(self, timeout: float) -> Optional[List[Any]]:
        ep = self._epoll
        if ep is None:
            return super().wait(timeout)
        try:
            self.notify()
            events = ep.poll(timeout, 1)
        except OSError as e:
            if e.args[0] == errno.EINTR:
                return self.sockets
            if e.args[0] == errno.EBADF:
                if self.nr < 0:
                    return self.sockets
                raise StopWaiting from None
            raise
        ready: List[Any] = []
        for fd, _ in events:
            if fd == self.PIPE[0]:
                try:
                    os.read(self.PIPE[0], 1)
                except BlockingIOError:
                    pass
                ready.append(fd)
            elif fd in self._by_fd:
                ready.append(self._by_fd[fd])
        return ready or None

    def handle_request(self, listener: Any, req: Any, client: Any, addr: Any) -> None:
        # gunicorn 27.0.1's SyncWorker.handle_request, with CheckedOnceResponse for its answers
        environ: Dict[str, Any] = {}
        resp = None
        try:
            self.cfg.pre_request(self, req)
            request_start = datetime.now()
            resp, environ = wsgi.create(req, client, addr, listener.getsockname(), self.cfg,
                                        response_class=CheckedOnceResponse)
            # the sync worker closes every connection (no keep-alive behind a buffering proxy)
            resp.force_close()
            self.nr += 1
            if self.nr >= self.max_requests:
                self.log.info("Autorestarting worker after current request.")
                self.alive = False
            respiter = self.wsgi(environ, resp.start_response)
            try:
                if isinstance(respiter, environ["wsgi.file_wrapper"]):
                    resp.write_file(respiter)
                else:
                    for item in respiter:
                        resp.write(item)
                resp.close()
            finally:
                request_time = datetime.now() - request_start
                self.log.access(resp, req, environ, request_time)
                if hasattr(respiter, "close"):
                    respiter.close()
        except OSError:
            util.reraise(*sys.exc_info())   # to handle()'s own OSError handling
        except (Exception, SystemExit):
            if resp and resp.headers_sent:
                # a timeout's abort is SystemExit: a 500 written after the headers would corrupt the answer
                self.log.exception("Error handling request")
                util.close_graceful(client)
                raise StopIteration() from None
            raise
        finally:
            try:
                self.cfg.post_request(self, req, environ, resp)
            except Exception:
                self.log.exception("Exception in post_request hook")
