"""``opencustoms worker``: push notifications to traders' webhooks, for production.

``make run`` already runs the delivery worker inside the API process; a deployment that turns it
off there (``OPENCUSTOMS_DELIVERY_WORKER=0``) runs this command instead, as many copies as it
likes: their leases keep them from sending a delivery twice at once. It runs until SIGINT or
SIGTERM, finishing the attempts in flight; ``--once`` makes one pass and prints how many
deliveries it attempted.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from typing import Any

import opencustoms.bootstrap as bootstrap
from opencustoms.settings import Settings


def add_parser(subparsers: Any) -> None:
    """Register ``worker`` on the main parser."""
    worker = subparsers.add_parser("worker", help="push notifications to webhooks until "
                                                  "SIGINT/SIGTERM")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    container = bootstrap.build(settings)
    worker = bootstrap.delivery_worker(container)
    try:
        if args.once:
            attempted = worker.run_once()
            worker.close()
            print(json.dumps({"attempted": attempted}) if args.json
                  else f"attempted {attempted} deliveries")
            return 0
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        print("delivery worker running; SIGINT or SIGTERM stops it", flush=True)
        worker.run_forever(stop)
        return 0
    finally:
        container.close()
