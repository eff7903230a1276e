"""Photos from a folder, a file:// URL and a real S3-compatible server (moto in server mode, on loopback)."""

from __future__ import annotations

import csv
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import sources
from pipeline.exceptions import ExitCode, InputFileError, MissingDependencyError
from pipeline.rules import Reason
from pipeline.sources import PhotoSource, join_remote, local_path, read_photo
from pipeline.store import connect
from pipeline.verify import run_verify

ROOT = Path(__file__).resolve().parent.parent
BATCH = ROOT / "samples" / "batch"
# two clear photos, an empty file, a tiny non-photo, a photo not on disk, a name outside the batch
IDS = ("S000001", "S000004", "S000022", "S000024", "S000025", "S000026")
LIMIT = 300_000  # sources.MAX_READ_BYTES in these tests: the sample photos are below it, BIG above
BIG = ("S900001", "photos/S900001.jpg")
BUCKET, PREFIX = "meter-photos", "2026-11/batch-a"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [{k: v for k, v in r.items() if k != "crop"} for r in csv.DictReader(f)]  # crops: per run folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """A few rows of the sample batch, and one more whose photo is over the (lowered) size cap."""
    folder = tmp_path_factory.mktemp("batch")
    (folder / "photos").mkdir()
    lines = (BATCH / "submissions.csv").read_bytes().splitlines(keepends=True)  # not all UTF-8: kept as bytes
    keep = [lines[0]] + [line for line in lines[1:] if line.split(b",")[0].decode() in IDS]
    assert len(keep) == len(IDS) + 1
    first = keep[1].split(b",")
    keep.append(b",".join([BIG[0].encode(), first[1], b"1179", BIG[1].encode(), *first[4:]]))
    (folder / "submissions.csv").write_bytes(b"".join(keep))
    for line in keep[1:]:
        photo = line.split(b",")[3].decode()
        if photo.startswith("photos/") and (BATCH / photo).is_file():
            shutil.copy(BATCH / photo, folder / photo)
    (folder / BIG[1]).write_bytes(b"\xff\xd8\xff" + b"\0" * LIMIT)
    shutil.copy(BATCH / "consumers.csv", folder / "consumers.csv")
    return folder


@pytest.fixture(autouse=True)
def small_cap(monkeypatch):
    monkeypatch.setattr(sources, "MAX_READ_BYTES", LIMIT)


def _verify(batch: Path, out: Path, photos: str | Path | None = None, submissions: Path | None = None) -> list[dict]:
    run_verify(submissions or batch / "submissions.csv", batch / "consumers.csv", out / "m.db", out / "r.csv",
               workers=1, photos=photos)
    return _rows(out / "r.csv")


@pytest.fixture(scope="module")
def local_rows(batch, tmp_path_factory) -> list[dict]:
    """Today's default: the photos beside the submissions CSV."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sources, "MAX_READ_BYTES", LIMIT)
        rows = _verify(batch, tmp_path_factory.mktemp("default"))
    by_id = {r["submission_id"]: r for r in rows}
    assert [r["submission_id"] for r in rows] == [*IDS, BIG[0]]
    assert by_id["S000001"]["status"] == by_id["S000004"]["status"] == "valid"
    assert by_id["S000022"]["reasons"] == Reason.PHOTO_EMPTY
    assert by_id["S000025"]["reasons"] == Reason.PHOTO_MISSING
    assert by_id["S000026"]["reasons"] == Reason.PHOTO_PATH_OUTSIDE_BATCH
    assert by_id[BIG[0]]["reasons"] == Reason.PHOTO_TOO_LARGE
    return rows


def test_photos_folder_elsewhere_and_file_urls_give_todays_rows(batch, local_rows, tmp_path, capsys):
    from pipeline.cli import main

    elsewhere = tmp_path / "csv"
    elsewhere.mkdir()
    shutil.copy(batch / "submissions.csv", elsewhere / "submissions.csv")  # no photos beside it
    assert _verify(batch, tmp_path / "a", photos=batch, submissions=elsewhere / "submissions.csv") == local_rows
    out = tmp_path / "b"
    code = main(["verify", (elsewhere / "submissions.csv").as_uri(), "--photos", batch.as_uri(),
                 "--consumers", str(batch / "consumers.csv"), "--db", str(out / "m.db"),
                 "--results", str(out / "r.csv"), "--workers", "1"])
    assert code == 0, capsys.readouterr().err
    assert _rows(out / "r.csv") == local_rows


@pytest.mark.parametrize("name, reason", [
    ("/etc/passwd", Reason.PHOTO_PATH_OUTSIDE_BATCH),
    ("../outside.jpg", Reason.PHOTO_PATH_OUTSIDE_BATCH),
    ("photos/../../outside.jpg", Reason.PHOTO_PATH_OUTSIDE_BATCH),
    ("s3://other-bucket/photos/a.jpg", Reason.PHOTO_PATH_OUTSIDE_BATCH),
    ("file:///etc/passwd", Reason.PHOTO_PATH_OUTSIDE_BATCH),
    ("a\x00b.jpg", Reason.PHOTO_MISSING),
    ("  ", Reason.PHOTO_MISSING),
])
def test_names_that_leave_the_root_are_refused_in_a_folder_and_a_bucket(tmp_path, name, reason):
    assert PhotoSource(folder=tmp_path).resolve(name) == (None, reason)
    assert PhotoSource(url=f"s3://{BUCKET}/{PREFIX}").resolve(name) == (None, reason)


@pytest.mark.parametrize("name", ["C:\\photos\\a.jpg", "\\\\host\\share\\a.jpg", "a.jpg?versionId=1",
                                  "a.jpg#x", "%2e%2e/%2e%2e/a.jpg"])
def test_url_syntax_and_windows_paths_are_refused_in_a_bucket(name):
    assert join_remote("s3://b/p", name) == (None, Reason.PHOTO_PATH_OUTSIDE_BATCH)


def test_bucket_names_are_joined_as_a_folder_would():
    assert join_remote("s3://b/p", "photos/./x/../a.jpg") == ("s3://b/p/photos/a.jpg", None)
    assert join_remote("s3://b/p", "photos//a.jpg") == ("s3://b/p/photos/a.jpg", None)


def test_a_symlink_out_of_the_photos_folder_is_refused(tmp_path):
    (tmp_path / "secret.jpg").write_bytes(b"x")
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    source = PhotoSource.open((tmp_path / "photos").as_uri())
    assert source.resolve("link.jpg") == (None, Reason.PHOTO_PATH_OUTSIDE_BATCH)


def test_file_urls_name_local_paths():
    assert local_path("file:///srv/batch") == local_path("file://localhost/srv/batch") == Path("/srv/batch")
    assert local_path("/srv/batch") == Path("/srv/batch") and local_path("s3://b/p") is None
    with pytest.raises(InputFileError):
        PhotoSource.open("file:///no/such/folder")


def test_s3_without_s3fs_is_a_startup_error_that_says_what_to_install(monkeypatch, capsys, tmp_path):
    import fsspec.registry  # noqa: F401 - the module; the package's attribute of that name is a mapping

    monkeypatch.setitem(sys.modules, "s3fs", None)  # import s3fs fails
    monkeypatch.delitem(sys.modules["fsspec.registry"]._registry, "s3", raising=False)  # not imported yet
    with pytest.raises(MissingDependencyError, match="pip install s3fs") as err:
        PhotoSource.open("s3://bucket/prefix")
    assert err.value.exit_code == ExitCode.MISSING_DEPENDENCY
    from pipeline.cli import main

    code = main(["verify", str(BATCH / "submissions.csv"), "--photos", "s3://bucket/prefix", "--consumers",
                 str(BATCH / "consumers.csv"), "--db", str(tmp_path / "m.db")])
    err = capsys.readouterr().err
    assert code == ExitCode.MISSING_DEPENDENCY and "pip install s3fs" in err and "Traceback" not in err


def test_transient_errors_are_retried_then_the_photo_is_unreachable(monkeypatch):
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem

    class Flaky(MemoryFileSystem):
        protocol = ("flaky",)
        failures = 0

        @classmethod
        def _strip_protocol(cls, path):
            return super()._strip_protocol(path.removeprefix("flaky://"))

        def info(self, path, **kwargs):
            if Flaky.failures > 0:
                Flaky.failures -= 1
                raise ConnectionResetError("connection reset by peer")
            return super().info(path, **kwargs)

    fsspec.register_implementation("flaky", Flaky, clobber=True)
    monkeypatch.setattr(sources, "RETRY_DELAY_S", 0.0)
    fs = Flaky()
    fs.pipe_file("/b/a.jpg", b"\xff\xd8\xffphoto")
    Flaky.failures = sources.RETRIES  # fails twice, then works
    assert read_photo("flaky:///b/a.jpg", "a.jpg") == b"\xff\xd8\xffphoto"
    Flaky.failures = sources.RETRIES + 1
    res = read_photo("flaky:///b/a.jpg", "a.jpg")
    assert res.reasons == [Reason.PHOTO_UNREACHABLE.value] and "connection reset" in res.error
    assert read_photo("flaky:///b/nope.jpg", "nope.jpg").reasons == [Reason.PHOTO_MISSING.value]


# --- a real S3-compatible server ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3(batch) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, the batch's photos uploaded under a prefix (not the missing one)."""
    pytest.importorskip("s3fs")
    import boto3
    import s3fs
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_ROLE_ARN"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")  # botocore honours it: nothing reaches AWS
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("AWS_CONFIG_FILE", "/dev/null")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        s3fs.S3FileSystem.clear_instance_cache()
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        for path in (batch / "photos").iterdir():
            client.upload_file(str(path), BUCKET, f"{PREFIX}/photos/{path.name}")
        try:
            yield f"s3://{BUCKET}/{PREFIX}"
        finally:
            s3fs.S3FileSystem.clear_instance_cache()
            server.stop()


def test_s3_photos_give_the_rows_of_the_local_run(s3, batch, local_rows, tmp_path, capsys):
    from pipeline.cli import main

    out = tmp_path / "s3"
    code = main(["verify", str(batch / "submissions.csv"), "--photos", s3 + "/", "--consumers",
                 str(batch / "consumers.csv"), "--db", str(out / "m.db"), "--results", str(out / "r.csv"),
                 "--workers", "1"])
    assert code == 0, capsys.readouterr().err
    rows = _rows(out / "r.csv")
    assert rows == local_rows
    by_id = {r["submission_id"]: r for r in rows}
    assert by_id["S000025"]["reasons"] == Reason.PHOTO_MISSING  # never uploaded
    assert by_id[BIG[0]]["reasons"] == Reason.PHOTO_TOO_LARGE


def test_an_oversized_object_is_refused_from_its_size_without_reading_it(s3, monkeypatch):
    fs, _ = sources._filesystem(s3)

    def no_read(*args, **kwargs):
        raise AssertionError("the object was read")

    monkeypatch.setattr(fs, "cat_file", no_read)
    res = read_photo(f"{s3}/{BIG[1]}", BIG[1])
    assert res.reasons == [Reason.PHOTO_TOO_LARGE.value] and res.error == f"{LIMIT + 3} bytes"
    assert read_photo(f"{s3}/photos/S000025.jpg", "photos/S000025.jpg").reasons == [Reason.PHOTO_MISSING.value]


def test_a_wrong_bucket_or_prefix_is_one_startup_error(s3):
    for url in (f"s3://no-such-bucket-{BUCKET}/x", f"{s3}-typo", f"{s3}/photos/S000001.jpg"):
        with pytest.raises(InputFileError) as err:
            PhotoSource.open(url)
        assert err.value.exit_code == ExitCode.INPUT_FILE and url in err.value.message


def test_a_store_that_stopped_answering_is_unreachable_with_bounded_waits(monkeypatch):
    """Connections refused: the photo is PHOTO_UNREACHABLE after our retries, with botocore's waits bounded."""
    pytest.importorskip("s3fs")
    import s3fs

    for name, value in {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{_free_port()}", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
                        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        fs, _ = sources._filesystem("s3://meters/2026-11")
        assert fs.config_kwargs["connect_timeout"] == sources.S3_CONNECT_TIMEOUT_S
        assert fs.config_kwargs["retries"]["total_max_attempts"] == 1  # the whole read is retried by us
        got = sources.read_photo("s3://meters/2026-11/a.jpg", "a.jpg")
        assert got.reasons == [Reason.PHOTO_UNREACHABLE.value]
        assert f"tried {sources.RETRIES + 1} times" in got.error
    finally:
        s3fs.S3FileSystem.clear_instance_cache()


def _review_page_photo(root: str, batch: Path, tmp_path: Path) -> None:
    """A batch verified with --photos ROOT shows its photos on the review page, read from ROOT."""
    from web_data import add_account, sign_in

    from pipeline.cli import main
    from pipeline.web import create_app
    from pipeline.web.app import close_connections

    db, alone = tmp_path / "m.db", tmp_path / "csv-only"  # no photo beside the CSV: the page must read the bucket
    alone.mkdir()
    for name in ("submissions.csv", "consumers.csv"):
        shutil.copy(batch / name, alone / name)
    assert main(["verify", str(alone / "submissions.csv"), "--photos", root, "--consumers",
                 str(alone / "consumers.csv"), "--db", str(db), "--workers", "1"]) == 0
    with connect(db) as conn:
        assert conn.execute("SELECT photos_root FROM batches").fetchone()[0] == root
        # a reviewer's item: S000004 (read and valid) put on the queue as a flagged one would be
        conn.execute("UPDATE results SET status = 'flagged', reasons = 'LOW_CONFIDENCE'"
                     " WHERE submission_id = 'S000004'")
        sid, photo = "S000004", "photos/S000004.jpg"
    add_account(db, "asha")
    app = create_app(db, crop_dirs=[tmp_path / "crops"])
    try:
        client = app.test_client()
        sign_in(client, "asha")
        url = f"/media/photo/1/{photo}"
        assert url in client.get(f"/item/{sid}").text
        got = client.get(url)
        assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg"
        assert got.data == (batch / photo).read_bytes()
        assert client.get("/media/photo/1/photos/../submissions.csv").status_code == 404
        assert client.get("/media/photo/1/submissions.csv").status_code == 404  # not an image: never sent
    finally:
        close_connections(app)


def test_the_review_page_shows_photos_from_object_storage(s3, batch, tmp_path):
    _review_page_photo(s3, batch, tmp_path)


def test_the_review_page_shows_photos_from_a_folder_elsewhere(batch, tmp_path):
    _review_page_photo(str(batch), batch, tmp_path)


def test_a_store_that_dies_mid_run_stops_verify_and_the_next_run_tries_those_photos_again(
        s3, batch, local_rows, tmp_path, monkeypatch):
    """Photos unreachable N times in a row: exit PHOTO_STORE_DOWN with the rows so far saved, not a batch
    of flagged rows; the re-run, with the store back, verifies them again and ends as a run that never failed."""
    import os
    from dataclasses import replace

    import s3fs

    from pipeline import verify
    from pipeline.exceptions import PhotoStoreDownError

    monkeypatch.setattr(verify, "DEFAULT_THRESHOLDS", replace(verify.DEFAULT_THRESHOLDS, unreachable_stop_after=2))
    monkeypatch.setattr(sources, "RETRY_DELAY_S", 0.0)
    live = os.environ["AWS_ENDPOINT_URL"]
    out = tmp_path / "run"
    # the store answers the start-up check, then stops answering (its endpoint refuses connections)
    monkeypatch.setattr(sources.PhotoSource, "_check_remote", lambda self: None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    s3fs.S3FileSystem.clear_instance_cache()
    with pytest.raises(PhotoStoreDownError) as err:
        run_verify(batch / "submissions.csv", batch / "consumers.csv", out / "m.db", out / "r.csv", workers=1,
                   photos=s3)
    assert err.value.exit_code == ExitCode.PHOTO_STORE_DOWN and "2 in a row" in err.value.message
    assert not (out / "r.csv").exists()
    with connect(out / "m.db") as conn:
        saved = conn.execute("SELECT COUNT(*) FROM results WHERE reasons LIKE '%PHOTO_UNREACHABLE%'").fetchone()[0]
    assert saved == 2
    monkeypatch.setenv("AWS_ENDPOINT_URL", live)  # the store is back
    s3fs.S3FileSystem.clear_instance_cache()
    summary = run_verify(batch / "submissions.csv", batch / "consumers.csv", out / "m.db", out / "r.csv",
                         workers=1, photos=s3)
    assert summary.retried_unreachable == 2
    assert _rows(out / "r.csv") == local_rows
