"""Exit codes and the exceptions that carry them.

Exit codes are a stable, documented interface (docs/exit-codes.md): scheduled
jobs branch on them. Add new codes at the end; never renumber.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status of ``meter-verify``."""

    OK = 0
    OTHER_ERROR = 1  # an unexpected error (a bug): run with -v and report it
    BAD_ARGS = 2  # wrong command-line usage (argparse uses 2 as well)
    INPUT_FILE = 3  # an input file is missing or cannot be read
    BAD_CSV = 4  # a CSV lacks required columns or is not a CSV
    MISSING_DEPENDENCY = 5  # an external program (Tesseract) is missing or too old
    DATABASE = 6  # the database cannot be opened or is from a newer version
    MODEL = 7  # a shipped model artifact is missing or does not match its manifest
    INTERRUPTED = 130  # Ctrl-C; a re-run resumes where it stopped
    UNKNOWN_CYCLE = 8  # no submission in the database belongs to the --cycle asked for
    NOTHING_TO_EXPORT = 9  # the cycle has submissions but none qualifies: no file is written
    NOT_REVIEWABLE = 10  # decide: no such submission, or it is not flagged
    DRAW_REFUSED = 11  # draw: already drawn for the cycle (use --redraw --why), or no published list
    DRAW_MISMATCH = 12  # draw verify: the winners do not follow from the list and seed
    SERVE_FAILED = 13  # review: the address cannot be listened on (port in use, no permission)
    UNKNOWN_REVIEWER = 14  # decide: the --reviewer has no active account (meter-verify reviewer add)
    CHECK_UNITS = 15  # decide --correct: the reading would bill negative or implausible units (--units-checked)
    PHOTO_STORE_DOWN = 16  # verify: the photo store stopped delivering photos; what was done is saved


class MeterVerifyError(Exception):
    """Base error: a message for the user and the exit code to leave with.

    The command line prints ``meter-verify: {label}: {message}`` on one line.
    """

    exit_code: ExitCode = ExitCode.OTHER_ERROR
    label: str = "error"

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class InputFileError(MeterVerifyError):
    """An input file is missing or unreadable."""

    exit_code = ExitCode.INPUT_FILE


class BadCsvError(MeterVerifyError):
    """A CSV lacks required columns (the message names them)."""

    exit_code = ExitCode.BAD_CSV


class MissingDependencyError(MeterVerifyError):
    """An external program is missing; the message says how to install it."""

    exit_code = ExitCode.MISSING_DEPENDENCY


class DatabaseError(MeterVerifyError):
    """The database cannot be used."""

    exit_code = ExitCode.DATABASE


class ModelError(MeterVerifyError):
    """A model artifact is missing or corrupt."""

    exit_code = ExitCode.MODEL


class UnknownCycleError(MeterVerifyError):
    """The cycle has no submissions in the database (the message lists the known ones)."""

    exit_code = ExitCode.UNKNOWN_CYCLE


class NothingToExportError(MeterVerifyError):
    """Nothing in the cycle qualifies for the export; no file was written."""

    exit_code = ExitCode.NOTHING_TO_EXPORT


class NotReviewableError(MeterVerifyError):
    """A reviewer decision on a submission that does not exist or is not flagged."""

    exit_code = ExitCode.NOT_REVIEWABLE


class DrawRefusedError(MeterVerifyError):
    """A draw that must not run (a second one without --redraw, or no published list)."""

    exit_code = ExitCode.DRAW_REFUSED


class UnknownReviewerError(MeterVerifyError):
    """A decision names a reviewer without an active account: the audit trail names real people."""

    exit_code = ExitCode.UNKNOWN_REVIEWER


class PhotoStoreDownError(MeterVerifyError):
    """verify: many photos in a row could not be read from the store; the run stopped, a re-run resumes."""

    exit_code = ExitCode.PHOTO_STORE_DOWN


class InterruptedByUser(MeterVerifyError):
    """Ctrl-C: the message says what was saved and how to resume."""

    exit_code = ExitCode.INTERRUPTED
    label = "interrupted"
