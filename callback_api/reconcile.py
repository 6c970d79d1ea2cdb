"""Settle stories whose job ended unheard: `python -m callback_api.reconcile [--loop --interval S]`.

The command line of the reconciler (`services/reconciler.py`), for a scheduler (cron, Cloud
Scheduler + Cloud Run jobs) where the API does not run it itself. One pass exits 0, or 1 if any
story could not be handled; `--loop` runs a pass every `--interval` seconds (at most 300) until
SIGTERM or SIGINT, and exits 0. It does not take the API's lease: a pass beside the API's is
safe, only wasted work (set `RECONCILE_IN_API=false` when scheduling this instead).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from callback_api.core.config import RECONCILE_MAX_INTERVAL_S, Settings
from callback_api.core.logging import configure_logging
from callback_api.services.reconciler import logged_pass, opened


def _interval(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds <= RECONCILE_MAX_INTERVAL_S:
        raise argparse.ArgumentTypeError(
            f"must be above 0 and at most {RECONCILE_MAX_INTERVAL_S:.0f} s"
        )
    return seconds


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Settle stories whose job ended unheard.")
    parser.add_argument("--loop", action="store_true", help="run a pass every --interval s")
    parser.add_argument(
        "--interval", type=_interval, default=60.0, help="seconds between passes (at most 300)"
    )
    return parser.parse_args(argv)


async def run(settings: Settings, *, loop: bool = False, interval: float = 60.0) -> int:
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    failed_passes = 0
    async with opened(settings) as reconciler:
        while not stop.is_set():
            failed_passes += not await logged_pass(reconciler)
            if not loop:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
    return 1 if failed_passes and not loop else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    return asyncio.run(run(settings, loop=args.loop, interval=args.interval))


if __name__ == "__main__":
    sys.exit(main())
