"""Where a batch's photos are read from: a folder, or a URL (``file://``, ``s3://``, any fsspec protocol).

A :class:`PhotoSource` is rooted at a folder path or a URL. It resolves a
submission's photo name against that root, refusing names that leave it, and
:func:`read_photo` reads the bytes of a resolved photo, or says why there are
none, as a :class:`~pipeline.context.PhotoResult` with the same reason codes the
batch has always used.

- A folder (and a ``file://`` URL, which is the same folder) is read with
  :mod:`pathlib`, exactly as before: the name is resolved with symlinks followed
  and must stay inside the folder.
- Any other URL is read through fsspec, imported only when such a root is used.
  Object stores have no symlinks; the name is checked lexically (no ``..`` above
  the root, no absolute path, no URL syntax) and joined to the root.
  Credentials and the endpoint come from the store's usual environment: for S3
  ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL`` (honoured
  by botocore itself), and fsspec's ``FSSPEC_S3_ANON=true`` for a public bucket.

A resolved photo is a :class:`~pathlib.Path` (a folder) or a URL string: small
and picklable, it travels in :attr:`Submission.photo_path <pipeline.context.Submission>`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from pipeline.context import PhotoResult
from pipeline.exceptions import ExitCode, InputFileError, MeterVerifyError, MissingDependencyError
from pipeline.rules import DEFAULT_THRESHOLDS, Reason

PhotoRef = Path | str  # a local file, or the URL of an object

#: Files above this are refused from their size, before a byte is read (load refuses > max_photo_bytes).
MAX_READ_BYTES = DEFAULT_THRESHOLDS.max_photo_bytes * 4
#: A transient error (network, throttling) is retried this many times, waiting RETRY_DELAY_S, then twice that.
RETRIES = 2
RETRY_DELAY_S = 0.5

#: S3 through botocore: bounded waits, and one attempt per call, since _retrying retries the whole read
#: (botocore's defaults, 60 s to connect and 5 attempts under s3fs's own 5, made a store that stopped
#: answering cost 20 s per photo when it refused connections, minutes when it dropped them).
S3_CONNECT_TIMEOUT_S = 5
S3_READ_TIMEOUT_S = 30
_S3 = {"config_kwargs": {"connect_timeout": S3_CONNECT_TIMEOUT_S, "read_timeout": S3_READ_TIMEOUT_S,
                         "retries": {"mode": "standard", "total_max_attempts": 1}}}
_OPTIONS: dict[str, dict] = {"s3": _S3, "s3a": _S3}

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE = re.compile(r"^[A-Za-z]:")  # C:\photos\a.jpg, from a Windows machine
# what to install for a protocol whose fsspec implementation is a separate package
_PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "abfs": "adlfs", "az": "adlfs"}


def is_url(text: str | Path) -> bool:
    """True for ``scheme://...`` (``file://`` included); False for a plain path."""
    return isinstance(text, str) and bool(_SCHEME.match(text))


def local_path(text: str | Path) -> Path | None:
    """The folder or file a plain path or a ``file://`` URL names; None for any other URL.

    ``file:///srv/batch`` and ``file://localhost/srv/batch`` are ``/srv/batch``; a
    ``file://`` URL naming another host is refused.
    """
    if isinstance(text, Path):
        return text
    if not is_url(text):
        return Path(text)
    parts = urlsplit(text)
    if parts.scheme.lower() != "file":
        return None
    if parts.netloc not in ("", "localhost"):
        raise MeterVerifyError(f"{text}: a file:// URL must name this machine (file:///path)",
                               exit_code=ExitCode.BAD_ARGS)
    return Path(url2pathname(parts.path))


def cli_path(text: str) -> Path:
    """argparse ``type`` for an input file given as a path or a ``file://`` URL (else a usage error)."""
    import argparse

    try:
        path = local_path(text)
    except MeterVerifyError as exc:
        raise argparse.ArgumentTypeError(exc.message) from exc
    if path is None:
        raise argparse.ArgumentTypeError(f"{text}: give a file path or a file:// URL")
    return path


def resolve_local(root: Path, photo: str) -> tuple[Path | None, Reason | None]:
    """Resolve ``photo`` against the folder ``root``; refuse anything that leaves it (symlinks followed)."""
    photo = (photo or "").strip()
    if not photo:
        return None, Reason.PHOTO_MISSING
    root = root.resolve()
    candidate = Path(photo)
    if candidate.is_absolute() or is_url(photo):
        return None, Reason.PHOTO_PATH_OUTSIDE_BATCH
    try:
        resolved = (root / candidate).resolve()  # follows symlinks
    except (ValueError, OSError, RuntimeError):  # a NUL byte in the name, a symlink loop: no file to read
        return None, Reason.PHOTO_MISSING
    if resolved != root and root not in resolved.parents:
        return None, Reason.PHOTO_PATH_OUTSIDE_BATCH
    return resolved, None


def join_remote(root: str, photo: str) -> tuple[str | None, Reason | None]:
    """``photo`` joined to the URL ``root``, checked lexically: object stores have no symlinks.

    Refused as outside the batch: an absolute path, a drive letter, a URL, URL
    syntax (``?``, ``#``, ``%``: a query, a fragment or an escaped ``..``) and a
    ``..`` that climbs above the root; ``.`` and empty segments are dropped, as a
    folder would. A NUL byte is a missing photo, as in a folder.
    """
    photo = (photo or "").strip()
    if not photo or "\x00" in photo:
        return None, Reason.PHOTO_MISSING
    if photo.startswith(("/", "\\")) or _DRIVE.match(photo) or is_url(photo) or any(c in photo for c in "?#%"):
        return None, Reason.PHOTO_PATH_OUTSIDE_BATCH
    parts: list[str] = []
    for part in photo.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None, Reason.PHOTO_PATH_OUTSIDE_BATCH
            parts.pop()
        else:
            parts.append(part)
    return "/".join([root, *parts]), None


def _fsspec():  # noqa: ANN202 - the module, imported only for a URL root
    try:
        import fsspec
    except ImportError as exc:  # it is in install_requires; a broken install
        raise MissingDependencyError("reading photos from a URL needs fsspec: pip install fsspec") from exc
    return fsspec


def _filesystem(url: str):  # noqa: ANN202 - (fsspec.AbstractFileSystem, path inside it)
    """The file system of ``url`` (fsspec caches one per protocol and options) and the path inside it."""
    protocol = url.split("://", 1)[0].lower()
    return _fsspec().core.url_to_fs(url, **_OPTIONS.get(protocol, {}))


@dataclass(frozen=True)
class PhotoSource:
    """Photos rooted at a local folder (``folder``) or at a URL (``url``, no trailing slash)."""

    folder: Path | None = None
    url: str | None = None

    @classmethod
    def open(cls, root: str | Path, *, check: bool = True) -> PhotoSource:
        """The source for a ``--photos`` value; start-up errors are raised here, not per photo.

        A URL whose protocol needs a package that is not installed (``s3://``
        without s3fs) is a :class:`MissingDependencyError` saying what to
        install; with ``check``, a folder that does not exist, or a bucket or
        prefix that cannot be listed, is an :class:`InputFileError`.
        """
        folder = local_path(root)
        if folder is not None:
            if check and not folder.is_dir():
                raise InputFileError(f"photos folder not found: {folder}")
            return cls(folder=folder)
        url = str(root).rstrip("/")
        protocol = url.split("://", 1)[0].lower()
        fsspec = _fsspec()
        try:
            fsspec.get_filesystem_class(protocol)
        except ImportError as exc:
            package = _PACKAGES.get(protocol, f"the fsspec implementation of {protocol}://")
            raise MissingDependencyError(f"--photos {url} needs {package}: pip install {package}"
                                         + (" (or pip install 'meter-verify[s3]')" if package == "s3fs" else "")
                                         ) from exc
        except ValueError as exc:
            raise MeterVerifyError(f"--photos {url}: unknown protocol {protocol}:// ({exc})",
                                   exit_code=ExitCode.BAD_ARGS) from exc
        source = cls(url=url)
        if check:
            source._check_remote()
        return source

    def _check_remote(self) -> None:
        """List the root once: a wrong bucket, key or endpoint is one clear error, not a row per photo."""
        assert self.url is not None
        try:
            fs, path = _filesystem(self.url)
            info = _retrying(lambda: fs.info(path))
        except FileNotFoundError as exc:
            raise InputFileError(f"photos not found: {self.url} (no such bucket or folder)") from exc
        except PermissionError as exc:
            raise InputFileError(f"access denied to {self.url}: check the credentials (AWS_ACCESS_KEY_ID, "
                                 "AWS_PROFILE...); for a public bucket set FSSPEC_S3_ANON=true") from exc
        except Exception as exc:  # noqa: BLE001 - a network or configuration error of the store
            raise InputFileError(f"cannot reach the photos at {self.url}: {type(exc).__name__}: {exc}") from exc
        if info.get("type") == "file":
            raise InputFileError(f"--photos {self.url} is a file, not a folder or prefix")

    def resolve(self, photo: str) -> tuple[PhotoRef | None, Reason | None]:
        """The photo ``photo`` (a name as typed in the CSV) inside this root, or the reason it is refused."""
        if self.folder is not None:
            return resolve_local(self.folder, photo)
        assert self.url is not None
        return join_remote(self.url, photo)


def _transient(exc: BaseException) -> bool:
    """A failure worth another try: not a missing object, not a refusal."""
    return not isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError,
                                ValueError, TypeError))


def _retrying(call):  # noqa: ANN001, ANN202 - call() with RETRIES retries on a transient error
    for attempt in range(RETRIES + 1):
        try:
            return call()
        except Exception as exc:
            if attempt == RETRIES or not _transient(exc):
                raise
            time.sleep(RETRY_DELAY_S * 2 ** attempt)
    raise AssertionError("unreachable")


def read_photo(ref: PhotoRef, name: str) -> bytes | PhotoResult:
    """The bytes of the photo at ``ref`` (named ``name`` in the CSV), or a PhotoResult saying why there are none.

    The size is checked before reading: above :data:`MAX_READ_BYTES` is PHOTO_TOO_LARGE.
    """
    if isinstance(ref, Path):
        return _read_local(ref, name)
    return _read_remote(ref, name)


def _read_local(path: Path, name: str) -> bytes | PhotoResult:
    try:
        size = path.stat().st_size
        if not path.is_file():
            return PhotoResult(reasons=[Reason.PHOTO_MISSING.value], error=f"{name} is not a file")
        if size > MAX_READ_BYTES:  # do not even read absurd files
            return PhotoResult(reasons=[Reason.PHOTO_TOO_LARGE.value], error=f"{size} bytes")
        return path.read_bytes()
    except FileNotFoundError:
        return PhotoResult(reasons=[Reason.PHOTO_MISSING.value], error=f"{name} not found")
    except OSError as exc:
        return PhotoResult(reasons=[Reason.PHOTO_MISSING.value], error=f"{name}: {exc.strerror}")


def _read_remote(url: str, name: str) -> bytes | PhotoResult:
    limit = MAX_READ_BYTES

    def fetch() -> bytes | PhotoResult:
        fs, path = _filesystem(url)
        info = fs.info(path)
        if info.get("type") != "file":
            return PhotoResult(reasons=[Reason.PHOTO_MISSING.value], error=f"{name} is not a file")
        size = info.get("size")
        if size is not None and size > limit:  # do not even read absurd objects
            return PhotoResult(reasons=[Reason.PHOTO_TOO_LARGE.value], error=f"{size} bytes")
        if size is not None:  # one GET (a byte range would fail on an empty object: 416 on S3)
            data = fs.cat_file(path)
        else:  # no size listed: read no more than one byte over the cap
            with fs.open(path, "rb") as f:
                data = f.read(limit + 1)
        if len(data) > limit:  # an object that grew since it was listed
            return PhotoResult(reasons=[Reason.PHOTO_TOO_LARGE.value], error=f"over {limit} bytes")
        return bytes(data)

    try:
        return _retrying(fetch)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return PhotoResult(reasons=[Reason.PHOTO_MISSING.value], error=f"{name} not found at {url}")
    except PermissionError as exc:
        return PhotoResult(reasons=[Reason.PHOTO_UNREACHABLE.value], error=f"{name}: access denied ({exc})")
    except Exception as exc:  # noqa: BLE001 - network and store errors: this photo, not the batch
        return PhotoResult(reasons=[Reason.PHOTO_UNREACHABLE.value],
                           error=f"{name}: {type(exc).__name__}: {exc} (tried {RETRIES + 1} times)")
