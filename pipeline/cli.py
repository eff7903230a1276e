"""Command line: ``meter-verify verify`` for the batch, ``meter-verify read`` for one photo.

Errors print one line (no traceback unless ``-v``) and exit with a documented
code (pipeline.exceptions.ExitCode, docs/exit-codes.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from pipeline import __version__
from pipeline.exceptions import ExitCode, InputFileError, MeterVerifyError

log = logging.getLogger("meter_verify")


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="meter-verify", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"meter-verify {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="show details and tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("verify", help="verify a batch of submissions")
    v.add_argument("submissions", type=Path, help="submissions CSV (photo paths relative to its folder)")
    v.add_argument("--consumers", type=Path, required=True, help="consumer master CSV")
    v.add_argument("--db", type=Path, default=Path("meterverify.db"), help="database (default: %(default)s)")
    v.add_argument("--results", type=Path, help="write one result row per input row to this CSV")
    v.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: number of cores, %(default)s)")
    v.add_argument("--crops", type=Path, help="folder for display crops (default: crops/ beside the db)")
    v.add_argument("--no-tesseract", action="store_true", help="do not use Tesseract as a second opinion")

    r = sub.add_parser("read", help="read one or more meter photos and print what was found")
    r.add_argument("photos", type=Path, nargs="+")
    r.add_argument("--json", action="store_true", help="one JSON object per photo")
    r.add_argument("--crops", type=Path, help="save the rectified display crops here")
    r.add_argument("--no-tesseract", action="store_true")
    return p


def _cmd_verify(args: argparse.Namespace) -> int:
    from pipeline.verify import print_summary, run_verify

    if args.workers < 1:
        raise MeterVerifyError("--workers must be at least 1", exit_code=ExitCode.BAD_ARGS)
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm
        bar = tqdm(unit="photo", file=sys.stderr, desc="verifying")
    try:
        summary = run_verify(args.submissions, args.consumers, args.db, args.results, workers=args.workers,
                             crop_dir=args.crops, progress=bar.update if bar else None,
                             use_tesseract=not args.no_tesseract)
    finally:
        if bar is not None:
            bar.close()
    print_summary(summary)
    if args.results:
        print(f"results: {args.results}")
    return ExitCode.OK


def _cmd_read(args: argparse.Namespace) -> int:
    from pipeline import recognize, tesseract
    from pipeline.context import PhotoContext
    from pipeline.photo import process_photo

    if not args.no_tesseract:
        tesseract.probe()
    recognize.verify_artifact()
    ctx = PhotoContext(crop_dir=str(args.crops) if args.crops else None, use_tesseract=not args.no_tesseract)
    for path in args.photos:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror}") from exc
        res = process_photo(data, ctx, path.name)
        if args.json:
            out = {"photo": str(path), "reading": res.reading, "confidence": round(res.confidence, 4),
                   "clear": res.clear, "reasons": res.reasons, "kind": res.kind, "register": res.register,
                   "digit_confidences": [round(c, 4) for c in res.digit_confidences], "crop": res.crop,
                   "timings_ms": {k: round(v * 1000, 1) for k, v in res.timings.items()}}
            print(json.dumps(out, ensure_ascii=False))
        else:
            reasons = ";".join(res.reasons) or "-"
            print(f"{path}\treading={res.reading or '-'}\tconfidence={res.confidence:.3f}\t"
                  f"clear={'true' if res.clear else 'false'}\treasons={reasons}")
        if args.verbose and res.error:
            log.debug("%s: %s", path, res.error)
    return ExitCode.OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``meter-verify`` console script."""
    args = _build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="meter-verify: %(message)s", stream=sys.stderr)
    handlers = {"verify": _cmd_verify, "read": _cmd_read}
    try:
        return int(handlers[args.command](args))
    except MeterVerifyError as exc:
        if args.verbose:
            log.exception("error")
        print(f"meter-verify: error: {exc.message}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("meter-verify: interrupted; run the same command again to resume", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - last resort: one line unless -v
        if args.verbose:
            log.exception("unexpected error")
        print(f"meter-verify: unexpected error: {type(exc).__name__}: {exc} (run with -v for details)",
              file=sys.stderr)
        return int(ExitCode.OTHER_ERROR)
