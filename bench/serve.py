"""Serve ``bench.app:create_bench_app`` the way ``opencustoms serve`` serves the API.

``python bench/serve.py --port P --workers 2`` calls ``uvicorn.run`` with the factory, like
``opencustoms serve`` (``src/opencustoms/cli/main.py``), with the access log off.

``--nodelay`` (the benchmark's default) works around uvicorn issue #3149 (open in uvicorn
0.54): with ``--workers`` > 1 the supervisor binds the listening socket itself with ``proto`` 0,
accepted connections inherit it, and asyncio then does not set ``TCP_NODELAY`` on them. Nagle's
algorithm and the client's delayed ACK then hold back every response on a keep-alive
connection by ~40 ms (the head and the body go out as two writes), whatever the application
does. The workaround re-wraps the bound descriptor so that the socket reports ``IPPROTO_TCP``
(``socket.socket(fileno=…)`` reads family, type and protocol from the descriptor); the worker
processes receive it with the right protocol and asyncio sets ``TCP_NODELAY`` as it does with
one worker.
"""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

import uvicorn
from uvicorn.config import Config

REPO = Path(__file__).resolve().parent.parent
APP = "bench.app:create_bench_app"
_bind_socket = Config.bind_socket


def _bind_tcp_socket(config: Config) -> socket.socket:
    sock = _bind_socket(config)
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.proto == 0:
        sock = socket.socket(fileno=sock.detach())
        sock.set_inheritable(True)
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--app", default=APP,
                        help=f"application factory, module:function (default {APP})")
    parser.add_argument("--nodelay", action=argparse.BooleanOptionalAction, default=True,
                        help="work around uvicorn #3149 (TCP_NODELAY lost with workers > 1)")
    args = parser.parse_args(argv)
    if args.nodelay:
        Config.bind_socket = _bind_tcp_socket  # type: ignore[method-assign, assignment]
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    uvicorn.run(args.app, factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="info", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
