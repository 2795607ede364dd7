"""The multipart body and the progress bar: streamed in chunks, laid out like a presigned POST, lengths exact."""

from __future__ import annotations

import io

import pytest

from competition_client.errors import UsageError
from competition_client.multipart import MultipartForm
from competition_client.progress import ProgressBar

from .conftest import Command, Terminal
from .fake_service import Recorded, platform

FIELDS = {"key": "submissions/1/2/x.csv", "policy": "e30=", "x-amz-signature": "abc"}


def body_of(form: MultipartForm, chunk_bytes: int = 1024) -> tuple[list[bytes], list[int]]:
    sent: list[int] = []
    return list(form.chunks(sent.append, chunk_bytes=chunk_bytes)), sent


def test_the_body_is_streamed_a_chunk_at_a_time_and_its_length_is_known_first(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(bytes(range(256)) * 40)  # 10,240 bytes
    form = MultipartForm.for_file(FIELDS, path, "big.csv")
    chunks, sent = body_of(form)
    file_chunks = chunks[1:-1]
    assert [len(chunk) for chunk in file_chunks] == [1024] * 10
    assert sent == [1024 * n for n in range(1, 11)]
    assert sum(len(chunk) for chunk in chunks) == form.content_length
    parts = Recorded("POST", "/", {"content-type": form.content_type}, b"".join(chunks)).form_parts()
    assert parts == [
        *((name, None, value.encode()) for name, value in FIELDS.items()),
        ("file", "big.csv", path.read_bytes()),
    ]


def test_a_file_name_with_quotes_cannot_break_the_form(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"id,prediction\n")
    form = MultipartForm.for_file({}, path, 'a"b\r\nc.csv')
    head = form.head().decode()
    assert 'filename="a%22b%0D%0Ac.csv"' in head
    assert head.count("\r\n\r\n") == 1


def test_a_file_that_changes_while_it_is_sent_is_an_error(tmp_path):
    path = tmp_path / "growing.csv"
    path.write_bytes(b"x" * 100)
    form = MultipartForm.for_file({}, path, "growing.csv")
    path.write_bytes(b"x" * 50)
    with pytest.raises(UsageError, match="shrank while it was uploaded"):
        body_of(form)


def test_an_empty_file_is_a_form_with_an_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    form = MultipartForm.for_file({"key": "k"}, path, "empty.csv")
    chunks, sent = body_of(form)
    assert sent == []
    assert Recorded("POST", "/", {"content-type": form.content_type}, b"".join(chunks)).form_parts()[-1] == (
        "file",
        "empty.csv",
        b"",
    )


def test_progress_on_a_terminal_is_one_bar_redrawn_in_place():
    stream = Terminal()
    bar = ProgressBar("uploading p.csv", 4 * 1024 * 1024, stream)
    for done in (0, 1024 * 1024, 4 * 1024 * 1024):
        bar.update(done)
    bar.finish()
    assert stream.getvalue() == (
        "\ruploading p.csv [------------------------------]   0%  0.0/4.0 MiB"
        "\ruploading p.csv [########----------------------]  25%  1.0/4.0 MiB"
        "\ruploading p.csv [##############################] 100%  4.0/4.0 MiB\n"
    )


def test_progress_elsewhere_is_a_line_a_quarter():
    stream = io.StringIO()
    bar = ProgressBar("up", 100, stream)
    for done in range(0, 101, 5):
        bar.update(done)
    bar.finish()
    assert [line.split()[1] for line in stream.getvalue().splitlines()] == ["0%", "25%", "50%", "75%", "100%"]


def test_submit_shows_the_upload_progress_on_stderr_unless_told_not_to(command: Command, predictions):
    platform(command.fake)
    terminal = Terminal()
    assert command.run("submit", "--competition", "titanic", str(predictions), stderr=terminal).code == 0
    assert "\ruploading predictions.csv [" in terminal.getvalue()
    assert "100%" in terminal.getvalue()
    quiet = command.run("submit", "--competition", "titanic", str(predictions), "--no-progress")
    assert "uploading" not in quiet.stderr
