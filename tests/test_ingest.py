"""Ingest stage: exact headers, bad rows kept, paths confined to the batch folder."""

import pytest

from pipeline.exceptions import BadCsvError, ExitCode, InputFileError
from pipeline.ingest import parse_timestamp, read_consumers, read_submissions
from pipeline.rules import Reason

HEADER = "submission_id,ivrs,typed_reading,photo,submitted_at,user_type,mobile,email\n"


def write(tmp_path, text, name="submissions.csv", mode="w"):
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def test_missing_column_is_refused_with_names(tmp_path):
    p = write(tmp_path, "submission_id,ivrs,photo\nS1,1,a.jpg\n")
    with pytest.raises(BadCsvError) as err:
        read_submissions(p)
    assert err.value.exit_code == ExitCode.BAD_CSV
    assert "typed_reading" in err.value.message and "submitted_at" in err.value.message


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError):
        read_submissions(tmp_path / "nope.csv")


def test_every_row_kept_with_its_problems(tmp_path):
    rows = (
        "S1,0012345678,123,photos/a.jpg,2026-11-02T10:00:00,registered,9876543210,a@b.in\n"
        "S2,0012345678,123\n"  # missing fields
        "S1,0012345678,123,photos/a.jpg,2026-11-02T10:00:00,registered,,\n"  # duplicate id
        "S3,1,123,../outside.jpg,2026-11-02,guest,,\n"
        "S4,1,123,/etc/passwd,2026-11-02,guest,,\n"
        "S5,1,123,photos/b.jpg,yesterday,guest,,,extra,columns\n"
        "\n"
    )
    subs = read_submissions(write(tmp_path, HEADER + rows))
    assert [s.submission_id for s in subs] == ["S1", "S2", "S1", "S3", "S4", "S5"]
    assert subs[0].row_problems == [] and subs[0].ivrs == "0012345678"
    assert Reason.MISSING_FIELD in subs[1].row_problems
    assert Reason.DUPLICATE_SUBMISSION_ID in subs[2].row_problems
    assert Reason.PHOTO_PATH_OUTSIDE_BATCH in subs[3].row_problems
    assert Reason.PHOTO_PATH_OUTSIDE_BATCH in subs[4].row_problems
    assert Reason.BAD_TIMESTAMP in subs[5].row_problems


def test_symlink_out_of_batch_is_refused(tmp_path):
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"x")
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "link.jpg").symlink_to(outside)
    p = write(batch, HEADER + "S1,1,1,link.jpg,2026-11-02,guest,,\n")
    assert Reason.PHOTO_PATH_OUTSIDE_BATCH in read_submissions(p)[0].row_problems


def test_a_nul_byte_in_the_photo_name_is_a_missing_photo_not_a_crash(tmp_path):
    subs = read_submissions(write(tmp_path, HEADER + "S1,1,100,a\x00b.jpg,2026-11-02,guest,,\n"))
    assert len(subs) == 1 and subs[0].photo_path is None and subs[0].row_problems == [Reason.PHOTO_MISSING]


def test_non_utf8_bytes_do_not_lose_the_row(tmp_path):
    raw = HEADER.encode() + b"S1,1,100,a.jpg,2026-11-02,registered,9876543210,ram\xe9@x.in\n"
    subs = read_submissions(write(tmp_path, raw))
    assert len(subs) == 1 and subs[0].email.startswith("ram") and subs[0].row_problems == []


def test_timestamps_default_to_ist():
    naive, utc = parse_timestamp("2026-11-01T00:30:00"), parse_timestamp("2026-10-31T20:00:00Z")
    assert naive.utcoffset().total_seconds() == 5.5 * 3600
    assert utc.astimezone(naive.tzinfo).day == 1
    assert parse_timestamp("not a date") is None


def test_consumers_keep_leading_zeros(tmp_path):
    p = write(tmp_path, "ivrs,name,previous_reading,previous_reading_date,tariff_category\n"
              "000123,A,100,2026-10-02,domestic\n123,B,5,2026-10-02,domestic\n", name="c.csv")
    consumers = read_consumers(p)
    assert set(consumers) == {"000123", "123"}


def test_typed_readings_are_stored_as_ascii_digits_and_kept_as_sent(tmp_path, db_target):
    from pipeline.store import Store, connect

    rows = ("S1,1,१२३४.५,a.jpg,2026-11-02,guest,,\n"  # Devanagari digits from a Hindi keyboard
            "S2,1,\"1,23,456\",a.jpg,2026-11-02,guest,,\n"  # Indian digit grouping
            "S3,1,١٢٣,a.jpg,2026-11-02,guest,,\n"  # Arabic-Indic digits
            "S4,1,12 34,a.jpg,2026-11-02,guest,,\n"
            "S5,1,१२ab,a.jpg,2026-11-02,guest,,\n")  # no number: digits mapped, the rest kept
    subs = read_submissions(write(tmp_path, HEADER + rows))
    assert [s.typed_reading for s in subs] == ["1234.5", "123456", "123", "1234", "12ab"]
    assert [s.typed_entered for s in subs] == ["१२३४.५", "1,23,456", "١٢٣", "12 34", "१२ab"]
    with Store(db_target) as store:
        store.register(subs, store.start_batch("s.csv", "c.csv", len(subs)))
    got = connect(db_target).execute(
        "SELECT typed_reading, typed_reading_entered FROM submissions ORDER BY submission_id").fetchall()
    assert got[0] == ("1234.5", "१२३४.५") and got[2] == ("123", "١٢٣")
