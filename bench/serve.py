"""Serve ``bench.app:create_bench_app`` the way ``opencustoms serve`` serves the API.

``python bench/serve.py --port P --workers 2`` serves through
``opencustoms.cli.serve.run_server``, exactly as ``opencustoms serve`` does, with the access
log off. ``--no-nodelay`` measures without the workaround for uvicorn issue #3149 that
``run_server`` applies (see its module docstring).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from opencustoms.cli.serve import run_server

REPO = Path(__file__).resolve().parent.parent
APP = "bench.app:create_bench_app"


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
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    run_server(args.host, args.port, args.workers, app=args.app, access_log=False,
               nodelay=args.nodelay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
