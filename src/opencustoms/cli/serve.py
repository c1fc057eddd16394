"""Run the API under uvicorn, one or several worker processes.

With more than one worker, uvicorn (0.54, issue #3149) binds the listening socket with protocol
0; accepted connections inherit it and asyncio then does not set ``TCP_NODELAY`` on them, so
Nagle's algorithm and the client's delayed ACK hold every keep-alive response back by ~40 ms.
Re-wrapping the bound descriptor makes the socket report ``IPPROTO_TCP`` (``socket.socket``
reads family, type and protocol from the descriptor), and the workers then behave like a
single worker does. Measured in ``bench/lodge.py``.
"""

from __future__ import annotations

import contextlib
import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "opencustoms.api.app:create_app"


def tcp_socket(config: uvicorn.Config) -> socket.socket:
    """The listening socket for ``config``, reporting its real protocol."""
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        sock = socket.socket(fileno=sock.detach())
        sock.set_inheritable(True)
    return sock


def run_server(host: str, port: int, workers: int = 1, *, app: str = APP,
               access_log: bool = True, nodelay: bool = True) -> None:
    """Serve ``app`` (an application factory ``module:function``) until interrupted."""
    config = uvicorn.Config(app, factory=True, host=host, port=port, workers=workers,
                            log_level="info", access_log=access_log)
    if workers <= 1:
        uvicorn.Server(config).run()
        return
    sock = tcp_socket(config) if nodelay else config.bind_socket()
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock]).run()
