"""A gunicorn sync worker that waits for connections in epoll with EPOLLEXCLUSIVE.

gunicorn's own sync worker waits in select(): every idle worker wakes for every new connection,
all of them race to accept() it, and all but one go back to sleep (each having paid a heartbeat,
a failed accept and a getppid on the way). With EPOLLEXCLUSIVE the kernel wakes one idle worker
per connection, always the first in the listening socket's queue that is waiting: so while that
worker is free it takes every connection, with its caches warm from the last one, and the next
worker is woken only when it is busy. The same choice unicorn made for its prefork workers.
Measured on 2 cores (docs/benchmarks.md): +20-25 % requests/s and -20 % CPU per request at one
connection, for a hello-world and the API alike; no change once every worker is busy.

Nothing else changes: one request at a time per process, accept() before each wait (so a worker
that finishes drains the backlog first), the same heartbeat and signals. Where epoll or
EPOLLEXCLUSIVE (Linux 4.5+) is missing, the worker is gunicorn's sync worker as it is.

Used by gunicorn.conf.py (`worker_class`) for sync workers; only the API container imports it.
"""
from __future__ import annotations

import errno
import os
import select
from typing import Any, Dict, List, Optional

from gunicorn.workers.sync import StopWaiting, SyncWorker

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
