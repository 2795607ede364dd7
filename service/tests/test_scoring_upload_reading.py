"""Reading an upload: size limits enforced while reading, gzip recognised by its magic bytes, zip bombs stopped."""

from __future__ import annotations

import gzip
import io
import zlib

import pytest

from scoring.problems import CsvProblem
from scoring.upload_reading import READ_SLICE, SizeLimits, read_at_most, read_upload

CSV = b"id,prediction\na,cat\nb,dog\n"


class CountingStream:
    """A non-seekable stream (like an HTTP body) that answers in small pieces and counts what it handed out."""

    def __init__(self, data: bytes, piece: int = 7) -> None:
        self.data = data
        self.piece = piece
        self.handed_out = 0
        self.largest_request = 0

    def read(self, size: int, /) -> bytes:
        self.largest_request = max(self.largest_request, size)
        chunk = self.data[self.handed_out : self.handed_out + min(size, self.piece)]
        self.handed_out += len(chunk)
        return chunk


def limits(max_bytes: int = 1000, max_decompressed_bytes: int = 1000) -> SizeLimits:
    return SizeLimits(max_bytes=max_bytes, max_decompressed_bytes=max_decompressed_bytes)


def test_plain_csv_is_returned_as_is():
    assert read_upload(io.BytesIO(CSV), limits()) == CSV


def test_gzip_is_recognised_by_its_magic_bytes_not_its_name():
    assert read_upload(io.BytesIO(gzip.compress(CSV)), limits()) == CSV


def test_a_stream_answering_in_pieces_is_read_whole():
    stream = CountingStream(CSV)
    assert read_upload(stream, limits()) == CSV


def test_a_file_at_the_limit_passes_and_one_byte_more_does_not():
    assert read_upload(io.BytesIO(CSV), limits(max_bytes=len(CSV))) == CSV
    with pytest.raises(CsvProblem) as problem:
        read_upload(io.BytesIO(CSV + b"x"), limits(max_bytes=len(CSV)))
    assert (problem.value.line, problem.value.reason) == (1, f"the file is larger than the limit of {len(CSV)} bytes")


def test_never_more_than_the_limit_plus_one_byte_is_read():
    stream = CountingStream(b"x" * 10_000, piece=4096)
    with pytest.raises(CsvProblem):
        read_upload(stream, limits(max_bytes=100))
    assert stream.handed_out == 101


def test_a_huge_limit_is_not_allocated_up_front_for_a_stream_of_unknown_length():
    stream = CountingStream(CSV, piece=1 << 30)
    assert read_at_most(stream, 1 << 40) == CSV
    assert stream.largest_request == READ_SLICE


def test_a_seekable_stream_is_read_from_its_position_in_one_read():
    source = io.BytesIO(b"skip" + CSV)
    source.seek(4)
    assert read_at_most(source, 1 << 40) == CSV


def test_the_compressed_size_is_limited_too():
    packed = gzip.compress(CSV)
    with pytest.raises(CsvProblem, match=f"larger than the limit of {len(packed) - 1} bytes$"):
        read_upload(io.BytesIO(packed), limits(max_bytes=len(packed) - 1))


def test_a_zip_bomb_stops_at_the_decompressed_limit_without_decompressing_it_all():
    bomb = gzip.compress(b"0" * (64 << 20), compresslevel=9)  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 100_000
    produced = []
    real = zlib.decompressobj

    def spying_decompressobj(*args, **kwargs):
        decompressor = real(*args, **kwargs)

        class Spy:
            eof = property(lambda self: decompressor.eof)
            unconsumed_tail = property(lambda self: decompressor.unconsumed_tail)
            unused_data = property(lambda self: decompressor.unused_data)

            def decompress(self, data, max_length=0):
                output = decompressor.decompress(data, max_length)
                produced.append(len(output))
                return output

        return Spy()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zlib, "decompressobj", spying_decompressobj)
        with pytest.raises(CsvProblem) as problem:
            read_upload(io.BytesIO(bomb), limits(max_bytes=1 << 20, max_decompressed_bytes=1 << 20))
    assert (problem.value.line, problem.value.reason) == (
        1,
        f"the file is larger than the limit of {1 << 20} bytes once decompressed",
    )
    assert sum(produced) == (1 << 20) + 1


def test_concatenated_gzip_members_are_all_read():
    data = gzip.compress(CSV[:10]) + gzip.compress(CSV[10:])
    assert read_upload(io.BytesIO(data), limits()) == CSV


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip.compress(CSV)[:-6], "the gzip-compressed file is truncated"),
        (gzip.compress(CSV) + b"junk", "the gzip-compressed file has trailing data that is not gzip"),
        (b"\x1f\x8b" + b"\x00" * 30, "the file is not valid gzip"),
        (gzip.compress(CSV)[:-8] + b"\x00" * 8, "the file is not valid gzip (Error -3 while decompressing data: "),
    ],
    ids=["truncated", "trailing-junk", "bad-header", "bad-checksum"],
)
def test_broken_gzip_is_a_problem_on_line_1(data, reason):
    with pytest.raises(CsvProblem) as problem:
        read_upload(io.BytesIO(data), limits())
    assert problem.value.line == 1
    assert problem.value.reason.startswith(reason)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, None])
def test_limits_must_be_positive_numbers_of_bytes(value):
    with pytest.raises(ValueError, match="must be a positive number of bytes"):
        SizeLimits(max_bytes=value, max_decompressed_bytes=10)
    with pytest.raises(ValueError, match="max_decompressed_bytes must be a positive number of bytes"):
        SizeLimits(max_bytes=10, max_decompressed_bytes=value)
