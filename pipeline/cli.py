"""Command line: ``meter-verify verify`` for the batch, ``meter-verify read`` for one photo.

The cycle commands (``decide``, ``export``, ``draw``, ``report``) only parse their
arguments here and call their modules (docs/exports.md); so do ``review`` and
``reviewer`` (``pipeline.web``, docs/review.md).

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
from pipeline.dbpath import db_target, default_db, redact
from pipeline.exceptions import ExitCode, InputFileError, MeterVerifyError

log = logging.getLogger("meter_verify")


def _db_help() -> str:
    return (f"database: a SQLite file, or postgresql://USER@HOST/DB for a team's server "
            f"(default: $METER_VERIFY_DB, else {redact(str(default_db()))})")


def _input_path(text: str) -> Path:
    """An input file as a path or a file:// URL (pipeline.sources.cli_path)."""
    from pipeline.sources import cli_path

    return cli_path(text)


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="meter-verify", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"meter-verify {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="show details and tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("verify", help="verify a batch of submissions")
    v.add_argument("submissions", type=_input_path,
                   help="submissions CSV, a path or a file:// URL (photo paths relative to --photos)")
    v.add_argument("--photos", metavar="FOLDER_OR_URL",
                   help="where the photos are: a folder, file:///path, s3://bucket/prefix (pip install s3fs; "
                        "credentials and AWS_ENDPOINT_URL from the environment) or another fsspec URL "
                        "(default: the submissions CSV's folder)")
    v.add_argument("--consumers", type=Path, required=True, help="consumer master CSV")
    v.add_argument("--db", type=db_target, default=default_db(), help=_db_help())
    v.add_argument("--results", type=Path, help="write one result row per input row to this CSV")
    v.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: number of cores, %(default)s)")
    v.add_argument("--dask", metavar="tcp://SCHEDULER:8786|local:N",
                   help="run the per-photo work on a Dask cluster instead of --workers: a scheduler's address, "
                        "or local:N for N worker processes on this machine (pip install 'meter-verify[dask]')")
    v.add_argument("--photo-timeout", type=float, metavar="SECONDS",
                   help="stop a photo that takes longer (its worker is killed) and reject it as "
                        "PROCESSING_TIMEOUT (default: photo_timeout_s in pipeline/rules.py, 60; 0: no limit)")
    v.add_argument("--crops", type=Path, help="folder for display crops (default: crops/ beside the db)")
    v.add_argument("--reader", choices=("classic", "learned"), default="classic",
                   help="classic: hand-built geometry and digit classifier; learned: text-line detector, "
                        "sequence recognizer and the typed reading scored by likelihood (docs/benchmarks.md)")
    v.add_argument("--tesseract", action="store_true",
                   help="read every display's legend with Tesseract, not only where the digits disagree "
                        "with the typed reading (slower, see docs/benchmarks.md)")

    r = sub.add_parser("read", help="read one or more meter photos and print what was found")
    r.add_argument("photos", type=Path, nargs="+")
    r.add_argument("--kind", choices=("photo", "display", "digit"), default="photo",
                   help="what the images are: whole meter photos (default), display crops, or one digit each")
    r.add_argument("--json", action="store_true", help="one JSON object per photo")
    r.add_argument("--crops", type=Path, help="save the rectified display crops here")
    r.add_argument("--tesseract", action="store_true", help="no effect: the legend is always read here")
    r.add_argument("--reader", choices=("classic", "learned"), default="classic", help="as for verify")
    r.add_argument("--typed", metavar="READING",
                   help="judge the photo against this typed reading (default: as if its own reading was typed)")
    _add_cycle_commands(sub)
    return p


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=db_target, default=default_db(), help=_db_help())


def _cycle_args(p: argparse.ArgumentParser, out_default: str) -> None:
    p.add_argument("--cycle", required=True, help="billing cycle YYYY-MM (IST month of submission)")
    p.add_argument("-o", "--out", type=Path, default=Path(out_default), help="output file (default: %(default)s)")
    _db_arg(p)


def _add_cycle_commands(sub: argparse._SubParsersAction) -> None:
    """decide, export, draw, report: the commands that consume the decisions (docs/exports.md)."""
    d = sub.add_parser("decide", help="record a reviewer's decision on a flagged submission")
    d.add_argument("submission_id")
    act = d.add_mutually_exclusive_group(required=True)
    act.add_argument("--confirm", action="store_true", help="the typed reading is right")
    act.add_argument("--correct", metavar="READING", help="the photo shows this reading: bill it")
    act.add_argument("--reject", metavar="REASON", help="the submission cannot be used, because REASON")
    d.add_argument("--reviewer", required=True, metavar="NAME",
                   help="who decides: an active reviewer account (recorded)")
    d.add_argument("--units-checked", action="store_true",
                   help="with --confirm or --correct: save a reading that would bill negative or implausibly "
                        "many units (billing still holds back negative units)")
    d.add_argument("--note", default="", help="optional note recorded with --confirm or --correct")
    _db_arg(d)

    e = sub.add_parser("export", help="write a cycle's billing feed, draw-eligibility list or notices")
    kinds = e.add_subparsers(dest="kind", required=True)
    b = kinds.add_parser("billing", help="one valid reading per consumer, with units")
    _cycle_args(b, "billing.csv")
    b.add_argument("--route", type=Path, help="also write the master consumers without a valid reading here")
    g = kinds.add_parser("draw-eligibility", help="the lucky-draw list to publish (contacts masked)")
    _cycle_args(g, "eligible.csv")
    g.add_argument("--allow-guests-without-mobile", action="store_true",
                   help="guests enter even without a mobile number (default: they must leave one)")
    g.add_argument("--exclude-past-winners", action="store_true",
                   help="leave out the winners of earlier cycles (default: they enter again)")
    g.add_argument("--public-value-source", default="", metavar="TEXT",
                   help="name a public value that does not exist yet (a lottery result, a randomness beacon "
                        "pulse) to be mixed into the committed seed at the draw (recommended; docs/exports.md)")
    n = kinds.add_parser("notices", help="SMS notices (Hindi and English) for submissions that were not valid")
    _cycle_args(n, "notices.csv")
    n.add_argument("--texts", type=Path, help="notice texts CSV (default: the shipped pipeline/data/notices.csv)")

    w = sub.add_parser("draw", help="draw lucky-draw winners from the published list; `draw verify` re-checks")
    w.add_argument("--cycle", help="billing cycle YYYY-MM")
    w.add_argument("--winners", type=int, help="how many winners")
    w.add_argument("--seed", default="",
                   help="optional: the committed seed (the database holds it; any other seed is refused)")
    w.add_argument("--public-value", default="", metavar="VALUE",
                   help="the public value the commitment named, as published by its source")
    w.add_argument("-o", "--out", type=Path, default=Path("winners.csv"), help="default: %(default)s")
    w.add_argument("--redraw", action="store_true", help="draw again for a cycle already drawn (needs --why)")
    w.add_argument("--why", default="", help="why the cycle is drawn again (recorded)")
    _db_arg(w)
    wsub = w.add_subparsers(dest="draw_command")
    wv = wsub.add_parser("verify", help="check a draw from the published files alone: commitment, list, winners")
    wv.add_argument("--list", type=Path, required=True, dest="list_csv", help="the published eligible.csv")
    wv.add_argument("--commitment", type=Path, required=True, dest="commitment_file",
                    help="the published eligible.csv.commitment")
    wv.add_argument("--winners", type=Path, required=True, dest="winners_csv", help="winners.csv of the draw")
    wv.add_argument("--seed", default="", dest="verify_seed",
                    help="the seed revealed at the draw (default: the one winners.csv records)")
    wv.add_argument("--public-value", default="", dest="verify_public_value", metavar="VALUE",
                    help="the public value the commitment named, as its source published it")

    rp = sub.add_parser("report", help="one self-contained HTML report of a cycle")
    _cycle_args(rp, "report.html")
    _add_review_commands(sub)


def _add_review_commands(sub: argparse._SubParsersAction) -> None:
    """review (the web workbench) and reviewer (its accounts): docs/review.md."""
    rv = sub.add_parser("review", help="serve the reviewer workbench (web page) for the flagged queue")
    _db_arg(rv)
    rv.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default: %(default)s, this machine only)")
    rv.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    rv.add_argument("--crops", type=Path, action="append",
                    help="folder of the display crops (repeatable; default: crops/ beside the db)")
    rv.add_argument("--labels", type=Path, help="page labels CSV (default: the shipped pipeline/web/labels.csv)")
    rv.add_argument("--claim-minutes", type=float, default=15.0,
                    help="how long opening an item keeps it for you (default: %(default)s)")
    rv.add_argument("--idle-minutes", type=float, default=60.0,
                    help="sign-in ends after this long without a request (default: %(default)s)")
    rv.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure (when served over HTTPS)")

    ra = sub.add_parser("reviewer", help="reviewer accounts of the workbench")
    kinds = ra.add_subparsers(dest="reviewer_command", required=True)
    add = kinds.add_parser("add", help="create an account, or set a new password (read from the terminal)")
    add.add_argument("name")
    add.add_argument("--role", choices=("reviewer", "supervisor"), default="reviewer")
    _db_arg(add)
    ls = kinds.add_parser("list", help="list the accounts")
    _db_arg(ls)

    dbp = sub.add_parser("db", help="the database itself: copy it (SQLite to PostgreSQL, or a backup)")
    kinds = dbp.add_subparsers(dest="db_command", required=True)
    cp = kinds.add_parser("copy", help="copy every row into a new, empty database (both brought to this "
                                       "version's schema first)")
    cp.add_argument("source", type=db_target, help="the database to copy: a SQLite file or a postgresql:// URL")
    cp.add_argument("destination", type=db_target, help="an empty database: a new SQLite file or a "
                                                        "postgresql:// URL of an empty database")


def _cmd_db(args: argparse.Namespace) -> int:
    from pipeline.store.copy import copy_store

    summary = copy_store(args.source, args.destination)
    print(f"copied {summary.total} rows from {summary.source} to {summary.destination}")
    for table, n in summary.rows.items():
        if n:
            print(f"  {table:<22} {n:>9}")
    return ExitCode.OK


def _cmd_decide(args: argparse.Namespace) -> int:
    from pipeline.cycles import ReviewAction, open_db
    from pipeline.reviews import ReviewRequest, decide, describe

    if args.confirm:
        req = ReviewRequest(args.submission_id, ReviewAction.CONFIRM, args.reviewer, reason=args.note,
                            units_checked=args.units_checked)
    elif args.correct is not None:
        req = ReviewRequest(args.submission_id, ReviewAction.CORRECT, args.reviewer, args.correct, args.note,
                            units_checked=args.units_checked)
    else:
        req = ReviewRequest(args.submission_id, ReviewAction.REJECT, args.reviewer, reason=args.reject)
    from pipeline.reviews import UnitsNeedCheckError

    with open_db(args.db) as store:
        try:
            print(describe(decide(req, store.conn)))
        except UnitsNeedCheckError as exc:
            raise UnitsNeedCheckError(f"not saved: {exc.message}. Check the photo and the consumer's previous "
                                      "reading; to save it anyway add --units-checked", exc.units) from None
    return ExitCode.OK


def _cmd_export(args: argparse.Namespace) -> int:
    from pipeline.cycles import open_db, parse_cycle

    cycle = parse_cycle(args.cycle)
    with open_db(args.db) as store:
        if args.kind == "billing":
            from pipeline.billing import export_billing, summary_lines
            feed, sha = export_billing(store.conn, cycle, args.out, args.route)
            lines = summary_lines(feed, sha)
        elif args.kind == "draw-eligibility":
            from pipeline.draw import DrawRules, export_eligibility
            rules = DrawRules(guests_need_mobile=not args.allow_guests_without_mobile,
                              exclude_past_winners=args.exclude_past_winners)
            lines = export_eligibility(store.conn, cycle, args.out, rules,
                                       public_value_source=args.public_value_source).lines()
        else:
            from pipeline.notices import export_notices
            lines = export_notices(store.conn, cycle, args.out, args.texts).lines()
    print("\n".join(lines))
    print(f"written: {args.out}")
    return ExitCode.OK


def _cmd_draw(args: argparse.Namespace) -> int:
    from pipeline import draw

    if args.draw_command == "verify":
        check = draw.verify_files(args.list_csv, args.commitment_file, args.winners_csv, args.verify_seed,
                                  args.verify_public_value)
        print("\n".join(check.lines()))
        return ExitCode.OK if check.ok else ExitCode.DRAW_MISMATCH
    from pipeline.cycles import open_db, parse_cycle

    missing = [f"--{n}" for n in ("cycle", "winners") if getattr(args, n) in (None, "")]
    if missing:
        raise MeterVerifyError(f"draw needs {' and '.join(missing)}", exit_code=ExitCode.BAD_ARGS)
    cycle = parse_cycle(args.cycle)
    with open_db(args.db) as store:
        result = draw.run_draw(store.conn, cycle, args.winners, args.out, seed=args.seed,
                               public_value=args.public_value, redraw=args.redraw, why=args.why)
    print("\n".join(result.lines()))
    print(f"written: {args.out}")
    return ExitCode.OK


def _cmd_report(args: argparse.Namespace) -> int:
    from pipeline.cycles import open_db, parse_cycle
    from pipeline.report import write_report

    cycle = parse_cycle(args.cycle)
    with open_db(args.db) as store:
        write_report(store.conn, cycle, args.out)
    print(f"written: {args.out}")
    return ExitCode.OK


def _cmd_review(args: argparse.Namespace) -> int:
    from pipeline.cycles import open_db
    from pipeline.web import create_app, serve

    open_db(args.db).close()  # a missing database is an error, never silently created
    if not 0 < args.port < 65536:
        raise MeterVerifyError("--port must be 1-65535", exit_code=ExitCode.BAD_ARGS)
    app = create_app(args.db, crop_dirs=args.crops, labels_path=args.labels, claim_minutes=args.claim_minutes,
                     idle_minutes=args.idle_minutes, secure_cookies=args.secure_cookies)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"meter-verify: warning: listening on {args.host}: reachable from other machines; "
              "put HTTPS in front (docs/review.md)", file=sys.stderr)
    try:
        serve(app, args.host, args.port,
              ready=lambda url: print(f"reviewer workbench on {url} (Ctrl-C to stop)", flush=True))
    except OSError as exc:
        raise MeterVerifyError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}",
                               exit_code=ExitCode.SERVE_FAILED) from exc
    except KeyboardInterrupt:
        print("reviewer workbench stopped", file=sys.stderr)
    return ExitCode.OK


def _cmd_reviewer(args: argparse.Namespace) -> int:
    from pipeline.cycles import open_db
    from pipeline.web import auth

    with open_db(args.db) as store:
        if args.reviewer_command == "list":
            for a in auth.list_reviewers(store.conn):
                print(f"{a.name}\t{a.role}\t{'active' if a.active else 'disabled'}")
            return ExitCode.OK
        account, created = auth.add_reviewer(store.conn, args.name, auth.read_password(), args.role)
    print(f"{'created' if created else 'updated (new password; signed out everywhere)'}: "
          f"{account.name} ({account.role})")
    return ExitCode.OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from pipeline.progress import for_terminal
    from pipeline.verify import print_summary, run_verify

    if args.workers < 1:
        raise MeterVerifyError("--workers must be at least 1", exit_code=ExitCode.BAD_ARGS)
    if args.photo_timeout is not None and not args.photo_timeout >= 0:
        raise MeterVerifyError("--photo-timeout must be 0 (no limit) or more seconds", exit_code=ExitCode.BAD_ARGS)
    bar = for_terminal(sys.stderr, desc="verifying", unit="photo")
    try:
        summary = run_verify(args.submissions, args.consumers, args.db, args.results, workers=args.workers,
                             crop_dir=args.crops, progress=bar, use_tesseract=args.tesseract,
                             reader=args.reader, photos=args.photos, dask=args.dask,
                             photo_timeout_s=args.photo_timeout)
    finally:
        if bar is not None:
            bar.close(interrupted=True)  # no-op when run_verify closed it; wiped when it was cut short
    print_summary(summary)
    if args.results:
        print(f"results: {args.results}")
    return ExitCode.OK


def _cmd_read(args: argparse.Namespace) -> int:
    from pipeline import recognize, tesseract
    from pipeline.context import PhotoContext
    from pipeline.decide import photo_verdict
    from pipeline.photo import process_digit, process_display, process_photo

    if args.kind != "digit":
        tesseract.probe()  # the legend (kWh or another register) is read with Tesseract
    recognize.verify_artifacts()
    # one photo for a person: always read the legend (the register shown)
    ctx = PhotoContext(crop_dir=str(args.crops) if args.crops else None, use_tesseract=True, reader=args.reader)
    for path in args.photos:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror}") from exc
        if args.kind == "digit":
            res = process_digit(data, ctx)
        elif args.kind == "display":
            res = process_display(data, ctx, path.name)
        else:
            res = process_photo(data, ctx, path.name, args.typed)
        verdict = photo_verdict(res, ctx.thresholds, args.typed)  # what verify would decide
        reasons = [r.value for r in verdict.reasons]
        if args.json:
            out = {"photo": str(path), "status": verdict.status.value, "reading": res.reading,
                   "confidence": round(res.confidence, 4), "clear": verdict.clear, "reasons": reasons,
                   "kind": res.kind, "register": res.register,
                   "digit_confidences": [round(c, 4) for c in res.digit_confidences], "crop": res.crop,
                   "timings_ms": {k: round(v * 1000, 1) for k, v in res.timings.items()}}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            print(f"{path}\tstatus={verdict.status.value}\treading={res.reading or '-'}\t"
                  f"confidence={res.confidence:.3f}\tclear={'true' if verdict.clear else 'false'}\t"
                  f"reasons={';'.join(reasons) or '-'}", flush=True)  # one line per photo as it is read
        if args.verbose and res.error:
            log.debug("%s: %s", path, res.error)
    return ExitCode.OK


def _stdout_gone() -> None:
    """The reader of our stdout went away (``| head``): send the rest of the output nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``meter-verify`` console script."""
    args = _build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="meter-verify: %(message)s", stream=sys.stderr)
    if args.verbose:  # our details, not every library's debug chatter
        log.setLevel(logging.DEBUG)
    handlers = {"verify": _cmd_verify, "read": _cmd_read, "decide": _cmd_decide, "export": _cmd_export,
                "draw": _cmd_draw, "report": _cmd_report, "review": _cmd_review, "reviewer": _cmd_reviewer,
                "db": _cmd_db}
    try:
        code = int(handlers[args.command](args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        # `meter-verify read *.jpg | head`: the reader has what it wanted; that is no error
        _stdout_gone()
        return int(ExitCode.OK)
    except MeterVerifyError as exc:
        if args.verbose:
            log.exception("error")
        print(f"meter-verify: {exc.label}: {exc.message}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("meter-verify: interrupted: the command did not finish; run it again (verify resumes where "
              "it stopped)", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - last resort: one line unless -v
        if args.verbose:
            log.exception("unexpected error")
        print(f"meter-verify: unexpected error: {type(exc).__name__}: {exc} (run with -v for details)",
              file=sys.stderr)
        return int(ExitCode.OTHER_ERROR)
