"""Command line: ``python -m thamvan.matching solve INSTANCE.json``.

Prints the result as JSON on stdout. A malformed instance exits with code 2
and a message on stderr naming the offending entry; an infeasible batch is a
valid result (status "infeasible") and exits with 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from thamvan.matching.instance import Instance, InstanceError, load_instance

EXIT_INVALID = 2


def _read(path: str) -> Instance:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InstanceError(f"cannot read {path}: {exc.strerror or exc}") from None
    return load_instance(raw)


def _emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
    sys.stdout.write("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m thamvan.matching",
        description="Assign expert panels to consultation requests.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    solve_cmd = sub.add_parser("solve", help="assign panels for a whole batch")
    solve_cmd.add_argument("instance", help="instance JSON file, or - for stdin")
    solve_cmd.add_argument(
        "--method",
        choices=("auto", "exact", "heuristic"),
        default="auto",
        help="force the exact model or the flow-and-repair heuristic (default: by size)",
    )
    rec_cmd = sub.add_parser("recommend", help="rank the experts for one request")
    rec_cmd.add_argument("instance", help="instance JSON file, or - for stdin")
    rec_cmd.add_argument("--request", required=True, help="id of the request")
    rec_cmd.add_argument("--limit", type=int, default=None, help="keep the N best experts")
    args = parser.parse_args(argv)

    try:
        instance = _read(args.instance)
        if args.command == "solve":
            from thamvan.matching.solver import SolverOptions, solve

            _emit(solve(instance, SolverOptions(method=args.method)).to_dict())
        else:
            from thamvan.matching.recommend import recommend

            if args.request not in instance.request_index:
                raise InstanceError(f"--request: unknown request {args.request!r}")
            _emit(recommend(instance, args.request, limit=args.limit).to_dict())
    except InstanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        # The reader went away (e.g. piped into `head`); that is not an error here.
        sys.stderr.close()
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
