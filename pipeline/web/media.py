"""Photos and crops, served only from the batch folders and the crop folders.

A photo URL names a batch and a path inside that batch's photo root: the folder or
URL that ``verify --photos`` read it from, else the folder of its submissions CSV.
A root in object storage (``s3://...``) is read through pipeline.sources, with the
same lexical checks on the path and the same size cap as verify's. A crop URL names a path inside a crop folder (``crops/``
beside the database, or ``--crops``). The server refuses, with a plain 404, a
path that is absolute, holds ``..`` or an empty segment (``%2e%2e`` arrives
decoded as ``..``), resolves (following symlinks) outside its root, is not a
regular file or is not an image: nothing else in those folders (the CSVs with
mobile numbers) is ever sent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline import sources
from pipeline.store.backends import Connection

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".gif": "image/gif", ".bmp": "image/bmp"}


def contained(root: Path, rel: str) -> Path | None:
    """The image file ``rel`` names inside ``root``, or None for anything unsafe or absent."""
    if not rel or "\\" in rel or "\x00" in rel or len(rel) > 1000:
        return None
    parts = rel.split("/")
    if PurePosixPath(rel).is_absolute() or any(p in ("", ".", "..") for p in parts):
        return None
    try:
        base = root.resolve(strict=True)
        target = (base / Path(*parts)).resolve(strict=True)  # follows symlinks
    except (OSError, RuntimeError, ValueError):
        return None
    if base not in target.parents or not target.is_file() or target.suffix.lower() not in IMAGE_TYPES:
        return None
    return target


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


@dataclass
class MediaRoots:
    """Where photos and crops may come from: each batch's folder, and the crop folders."""

    data_dir: Path  # the database's folder (the working folder for a server): crops/ there by default
    crop_dirs: list[Path] = field(default_factory=list)
    _batches: dict[int, Path | str] = field(default_factory=dict)  # a folder, or a URL root
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.crop_dirs = [Path(d).resolve() for d in (self.crop_dirs or [self.data_dir / "crops"])]

    def load_batches(self, conn: Connection) -> None:
        """Find the photo root of every batch: where verify read its photos, else its submissions CSV's folder."""
        found: dict[int, Path | str] = {}
        for batch_id, csv_path, photos_root in conn.execute(
                "SELECT batch_id, submissions_csv, photos_root FROM batches"):
            root: Path | str | None
            if photos_root and sources.local_path(photos_root) is None:
                root = str(photos_root).rstrip("/")  # object storage: read through fsspec
            elif photos_root:
                folder = sources.local_path(photos_root)
                root = folder.resolve() if folder is not None and folder.is_dir() else None
            else:
                root = self._batch_root(conn, int(batch_id), Path(csv_path or ".").parent)
            if root is not None:
                found[int(batch_id)] = root
        with self._lock:
            self._batches = found

    @staticmethod
    def _batch_root(conn: Connection, batch_id: int, folder: Path) -> Path | None:
        """The batch folder; a relative CSV path (relative to where verify ran) is found from a stored photo."""
        if folder.is_absolute():
            return folder.resolve()
        row = conn.execute("SELECT photo, photo_path FROM submissions WHERE batch_id = ? AND photo_path <> ''"
                           " AND photo NOT LIKE '%..%' LIMIT 1", (batch_id,)).fetchone()
        if row:
            rel, full = PurePosixPath(row[0]).parts, Path(row[1]).parts
            if rel and full[-len(rel):] == rel:
                return Path(*full[:-len(rel)]).resolve()
        return folder.resolve() if folder.is_dir() else None

    def batch_root(self, conn: Connection, batch_id: int) -> Path | str | None:
        if batch_id not in self._batches:
            self.load_batches(conn)  # a batch verified since the app started
        return self._batches.get(batch_id)

    def photo_ref(self, conn: Connection, batch_id: int | None, photo: str,
                  photo_path: str) -> tuple[int, str] | None:
        """(batch id, path inside its folder) of a submission's photo, for its URL; None when unknown."""
        if batch_id is None:
            return None
        root = self.batch_root(conn, batch_id)
        if root is None:
            return None
        if isinstance(root, str):  # a URL root: the stored photo_path is the object's URL
            if photo_path.startswith(root + "/"):
                return batch_id, photo_path[len(root) + 1:]
            return (batch_id, PurePosixPath(photo).as_posix()) if photo else None
        if photo_path:
            rel = _relative(Path(photo_path), root)
            if rel:
                return batch_id, rel
        return (batch_id, PurePosixPath(photo).as_posix()) if photo and not Path(photo).is_absolute() else None

    def crop_ref(self, crop: str) -> str | None:
        """The path of a crop inside the first crop folder holding it, for its URL; None when unknown."""
        if not crop:
            return None
        path = Path(crop)
        for root in self.crop_dirs:
            if path.is_absolute():
                rel = _relative(path, root)
            else:
                rel = _relative((Path.cwd() / path).resolve(), root) or path.name
            if rel and contained(root, rel):
                return rel
        return None

    def crop_file(self, rel: str) -> Path | None:
        for root in self.crop_dirs:
            found = contained(root, rel)
            if found:
                return found
        return None

    def remote_photo(self, root: str, rel: str) -> tuple[bytes, str] | None:
        """(bytes, MIME type) of image ``rel`` under URL ``root``; None for an unsafe path or an unreadable object."""
        if not rel or "\x00" in rel or len(rel) > 1000 or any(p in ("", ".", "..") for p in rel.split("/")):
            return None
        kind = IMAGE_TYPES.get(PurePosixPath(rel).suffix.lower())
        url, refused = sources.join_remote(root, rel)
        if kind is None or url is None or refused is not None:
            return None
        data = sources.read_photo(url, rel)
        return (data, kind) if isinstance(data, bytes) else None
