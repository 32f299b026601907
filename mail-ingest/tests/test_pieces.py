"""The pieces on their own: signing, CRLF, dot-stuffing, MIME walk, LMTP client."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from pathlib import Path

import pytest

from homehost.mail_ingest.adapters.lmtp import DotStuffer, LmtpConnection, lmtp_address
from homehost.mail_ingest.envelope import envelope_problems
from homehost.mail_ingest.mime import blocked_names, walk
from homehost.mail_ingest.settings import DEFAULT_BLOCKED_EXTENSIONS
from homehost.mail_ingest.signing import (
    Envelope,
    SignatureError,
    decode_envelope,
    sign,
    signed_headers,
    verify,
)
from homehost.mail_ingest.spool import CrlfNormaliser
from homehost.mail_ingest.store import address_forms

from .conftest import CASES, crlf, free_port, shared_input

SECRET = b"unit-test-secret-0123456789"


def lowered(headers: dict[str, str]) -> dict[str, str]:
    """Header names as the endpoint sees them."""
    return {name.lower(): value for name, value in headers.items()}


def test_signature_covers_time_envelope_and_digest() -> None:
    envelope = Envelope(sender="a@example.test", recipients=("b@example.test",))
    headers = signed_headers(SECRET, body=b"x", envelope=envelope, now=1_000_000)

    verify(
        SECRET,
        headers=lowered(headers),
        method="POST",
        path="/v1/inbound",
        window_seconds=300,
        now=1_000_100,
    )
    failures = []
    for change in (
        {"X-Homehost-Body-Sha256": "0" * 64},
        {"X-Homehost-Timestamp": "1000001"},
        {"X-Homehost-Signature": "v1=" + "0" * 64},
    ):
        with pytest.raises(SignatureError) as raised:
            verify(
                SECRET,
                headers=lowered({**headers, **change}),
                method="POST",
                path="/v1/inbound",
                window_seconds=300,
                now=1_000_100,
            )
        failures.append(raised.value.reason)
    with pytest.raises(SignatureError) as stale:
        verify(
            SECRET,
            headers=lowered(headers),
            method="POST",
            path="/v1/inbound",
            window_seconds=300,
            now=1_000_301,
        )

    assert failures == ["the signature does not match"] * 3
    assert stale.value.reason == "the timestamp is outside the allowed window"


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        # Superscripts pass `str.isdigit` and make `int` raise.
        ("²³", "the timestamp is not a Unix time in ASCII digits"),
        # Arabic-Indic digits pass `str.isdigit` and `int` reads them.
        ("\u0661" + "\u0660" * 6, "the timestamp is not a Unix time in ASCII digits"),
        ("-1000000", "the timestamp is not a Unix time in ASCII digits"),
        ("1000000.5", "the timestamp is not a Unix time in ASCII digits"),
        (" 1000000", "the timestamp is not a Unix time in ASCII digits"),
        # Too large for a float: the window's arithmetic would overflow.
        ("9" * 400, "the timestamp is longer than 12 digits"),
        ("0" * 6 + "1000000", "the timestamp is longer than 12 digits"),
        ("9" * 12, "the timestamp is outside the allowed window"),
    ],
)
def test_a_timestamp_that_is_not_ascii_digits_is_refused_by_name(
    timestamp: str, reason: str
) -> None:
    # Signed over the odd timestamp, so the timestamp is all that is wrong.
    headers = {
        "x-homehost-timestamp": timestamp,
        "x-homehost-signature": sign(SECRET, timestamp=timestamp),
    }

    with pytest.raises(SignatureError) as raised:
        verify(
            SECRET,
            headers=headers,
            method="POST",
            path="/v1/inbound",
            window_seconds=300,
            now=1_000_000,
        )

    assert raised.value.reason == reason


def envelope_header(data: object) -> str:
    """The envelope header's value for any JSON, well formed or not."""
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_the_envelope_header_is_checked_for_shape_only() -> None:
    empty = decode_envelope(envelope_header({"from": "", "to": [""]}))
    nobody = decode_envelope(envelope_header({"from": "a@x.test", "to": []}))
    failures = []
    for value in (
        envelope_header({"from": "a@x.test", "to": ["b@x.test", 7]}),
        envelope_header({"from": "a@x.test", "to": "b@x.test"}),
        envelope_header(["a@x.test"]),
        envelope_header({"from": "a@x.test", "to": [["b@x.test"]]}),
        envelope_header({"from": 5, "to": ["b@x.test"]}),
        envelope_header({"to": ["b@x.test"]}),
        # Nested past the JSON parser's recursion limit.
        base64.urlsafe_b64encode(b"[" * 5000).decode(),
        "not base64 at all",
    ):
        with pytest.raises(SignatureError) as raised:
            decode_envelope(value)
        failures.append((raised.value.field, raised.value.reason))

    assert empty == Envelope(sender="", recipients=("",))
    assert nobody == Envelope(sender="a@x.test", recipients=())
    assert failures == [
        ("envelope.to[1]", "is not text"),
        ("envelope.to", "is missing or not a list"),
        ("envelope", "the envelope header is not a JSON object"),
        ("envelope.to[0]", "is not text"),
        ("envelope.from", "is missing or not text"),
        ("envelope.from", "is missing or not text"),
        ("envelope", "the envelope header is not base64url JSON"),
        ("envelope", "the envelope header is not base64url JSON"),
    ]


@pytest.mark.parametrize(
    ("sender", "recipients", "problems"),
    [
        # The null sender of bounces.
        ("", ("b@x.test",), []),
        ("a@x.test", (), [("envelope.to", "needs at least one recipient")]),
        ("a@x.test", ("",), [("envelope.to[0]", "is empty")]),
        (
            "a@x.test",
            ("b@x.test", "", "c@x.test", ""),
            [("envelope.to[1]", "is empty"), ("envelope.to[3]", "is empty")],
        ),
        ("a@example.net SIZE=1", ("b@x.test",), [("envelope.from", "holds a space")]),
        ("a b@example.net", ("b@x.test",), [("envelope.from", "holds a space")]),
        ("a@x.test", ("b@x.test", " b@x.test"), [("envelope.to[1]", "holds a space")]),
        ("a@x.test", ("b@x.test\u00a0",), [("envelope.to[0]", "holds a space")]),
        # A quote left open, or closed before the space, quotes nothing.
        ('"a b@example.net', ("b@x.test",), [("envelope.from", "holds a space")]),
        ('"a" b"@example.net', ("b@x.test",), [("envelope.from", "holds a space")]),
        ('"a b\\"@example.net', ("b@x.test",), [("envelope.from", "holds a space")]),
        ('"a b"@example .net', ("b@x.test",), [("envelope.from", "holds a space")]),
        # A quote outside a whole quoted local part: Dovecot would refuse it
        # at MAIL, after the sender heard yes.
        (
            '"a\\"@example.net',
            ("b@x.test",),
            [("envelope.from", "holds a quote outside a quoted local part")],
        ),
        (
            "a@x.test",
            ('a"b@x.test',),
            [("envelope.to[0]", "holds a quote outside a quoted local part")],
        ),
        # RFC 5321 4.1.2: a quoted local part may hold spaces and quoted pairs.
        ('"a b"@example.net', ('" b@c "@x.test',), []),
        ('"a\\" b"@example.net', ("b@x.test",), []),
    ],
)
def test_envelope_refusals_name_the_exact_field(
    sender: str, recipients: tuple[str, ...], problems: list[tuple[str, str]]
) -> None:
    found = envelope_problems(Envelope(sender=sender, recipients=recipients))

    assert [(p["field"], p["message"]) for p in found] == problems


@pytest.mark.parametrize("size", [1, 2, 3, 7, 4096])
def test_crlf_normalised_once_across_any_chunking(size: int) -> None:
    raw = b"A: b\nC: d\r\n\r\nline\n.dot\r\nlone\rcr\n\n.\r\nend"
    normaliser = CrlfNormaliser()

    out = (
        b"".join(normaliser.feed(raw[i : i + size]) for i in range(0, len(raw), size))
        + normaliser.finish()
    )

    assert out == b"A: b\r\nC: d\r\n\r\nline\r\n.dot\r\nlone\rcr\r\n\r\n.\r\nend\r\n"
    assert out == crlf(raw)


@pytest.mark.parametrize("size", [1, 2, 5, 4096])
def test_dots_at_line_start_are_doubled_across_any_chunking(size: int) -> None:
    data = b".first\r\nmid.dle\r\n..two\r\n.\r\nMAIL FROM:<x>\r\n"
    stuffer = DotStuffer()

    out = b"".join(stuffer.feed(data[i : i + size]) for i in range(0, len(data), size))

    assert out == b"..first\r\nmid.dle\r\n...two\r\n..\r\nMAIL FROM:<x>\r\n"


def test_addresses_on_the_lmtp_wire() -> None:
    assert lmtp_address("jörg@bücher.example.test", smtputf8=False) is None
    assert (
        lmtp_address("joerg@bücher.example.test", smtputf8=False)
        == "joerg@xn--bcher-kva.example.test"
    )
    assert lmtp_address("δοκιμή@example.test", smtputf8=True) == "δοκιμή@example.test"
    assert lmtp_address("", smtputf8=False) == ""


def test_c12_names_are_joined_and_the_exe_is_found(tmp_path: Path) -> None:
    path = shared_input("cases", "inputs", "C12.eml")
    expected = json.loads((CASES / "C12.json").read_text())

    report = walk(path, max_depth=50, max_parts=1000)

    for name in expected["expected_filenames"]:
        assert name in report.attachment_names
    assert blocked_names(report.attachment_names, DEFAULT_BLOCKED_EXTENSIONS) == [
        "Scan übersicht.pdf.exe"
    ]


def test_c06_c07_headers_never_crash_the_walk() -> None:
    c06 = walk(shared_input("cases", "inputs", "C06.eml"), max_depth=50, max_parts=1000)
    c07 = walk(shared_input("cases", "inputs", "C07.eml"), max_depth=50, max_parts=1000)

    assert c06.limit is None
    assert c06.parts == 2
    assert c07.subject == "C07 envelope vs header recipients"


@pytest.fixture
async def fake_lmtp(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The C08 fake LMTP server: no SMTPUTF8, full@ over quota."""
    script = shared_input("cases", "inputs", "C08_fake_lmtp.py")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        "--port",
        str(port),
        "--no-smtputf8",
        "--quota-full",
        "full@example.test",
        "--tempfail",
        "later@example.test",
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
    )
    from tests import mail_servers

    await mail_servers.wait_for_port(port)
    try:
        yield port, tmp_path / "lmtp_out"
    finally:
        process.terminate()
        await process.wait()


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelined", "in-turn"])
async def test_c08_c03_c01_against_the_fake_lmtp_server(
    fake_lmtp: tuple[int, Path], tmp_path: Path, pipelining: bool
) -> None:
    port, out = fake_lmtp
    c08 = tmp_path / "c08.eml"
    c08.write_bytes(crlf(shared_input("cases", "inputs", "C08.eml").read_bytes()))
    c01 = tmp_path / "c01.eml"
    c01.write_bytes(crlf((CASES / "C01.eml").read_bytes()))
    connection = await LmtpConnection.open("127.0.0.1", port, timeout=10, name="test")
    piped = "PIPELINING" in connection.capabilities
    if not pipelining:
        # The server offers PIPELINING; not using it must work as well.
        connection.capabilities.discard("PIPELINING")

    first = await connection.deliver(
        sender="sender@example.test",
        recipients=[
            "a@example.test",
            "full@example.test",
            "later@example.test",
            "c@example.test",
        ],
        header_block=b"X-Test: 1\r\n",
        path=c08,
    )
    second = await connection.deliver(
        sender="jörg@bücher.example.test",
        recipients=["ascii.user@example.test", "δοκιμή@example.test"],
        header_block=b"",
        path=c01,
    )
    await connection.close()

    assert "SMTPUTF8" not in connection.capabilities
    assert piped is True
    assert {r: (reply.code, reply.kind) for r, reply in first.items()} == {
        "a@example.test": (250, "delivered"),
        "full@example.test": (552, "permanent"),
        "later@example.test": (451, "temporary"),
        "c@example.test": (250, "delivered"),
    }
    assert {r: (reply.code, reply.kind) for r, reply in second.items()} == {
        "ascii.user@example.test": (250, "delivered"),
        "δοκιμή@example.test": (553, "permanent"),
    }
    (stored,) = (out / "ascii.user@example.test").iterdir()
    assert stored.read_bytes() == c01.read_bytes()
    assert sorted(p.name for p in out.iterdir()) == [
        "a@example.test",
        "ascii.user@example.test",
        "c@example.test",
    ]


def test_an_address_is_searched_in_both_forms_of_its_domain() -> None:
    assert address_forms("Hans@Bücher.Example") == [
        "hans@bücher.example",
        "hans@xn--bcher-kva.example",
    ]
    assert address_forms("hans@xn--bcher-kva.example") == [
        "hans@xn--bcher-kva.example",
        "hans@bücher.example",
    ]
    assert address_forms("BOB@example.test") == ["bob@example.test"]
    assert address_forms("no-domain") == ["no-domain"]
