"""The mail directory's rules over the bus: input checks, aliases, DKIM, DNS."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import BaseModel, ConfigDict

from homehost.mailbox.schemas import (
    AliasList,
    AliasPublic,
    DkimKeys,
    DomainDeleted,
    DomainList,
    DomainPublic,
    MailboxCreated,
    MailboxPage,
    MailDnsPlan,
    Resolution,
)
from homehost.shared.errors import (
    Conflict,
    HomehostError,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
)

from .conftest import MailService

if TYPE_CHECKING:
    from tests.mail_servers import StartService

PASSWORD = "violet-harbour-tram-42"


class AnyReply(BaseModel):
    """Whatever a request that should have failed answered."""

    model_config = ConfigDict(extra="allow")


async def refused(
    service: MailService, operation: str, payload: dict[str, Any]
) -> HomehostError:
    """Send a request that must fail; return its error."""
    try:
        reply = await service.call(operation, payload, AnyReply)
    except HomehostError as exc:
        return exc
    raise AssertionError(f"{operation} {payload} was accepted: {reply}")


def field_errors(error: HomehostError) -> list[dict[str, str]]:
    """The field errors an error carries."""
    return list(error.details["errors"])


@pytest.fixture
async def hosted(mail_service: MailService) -> MailService:
    """The service with example.test hosted and two mailboxes in it."""
    await mail_service.call("domains.create", {"name": "example.test"}, DomainPublic)
    for name in ("alice", "bob"):
        await mail_service.call(
            "mailboxes.create",
            {"address": f"{name}@example.test", "password": PASSWORD},
            MailboxCreated,
        )
    return mail_service


async def test_bad_input_gets_a_field_error_and_writes_nothing(
    hosted: MailService,
) -> None:
    before = await hosted.counts()
    cases: list[tuple[str, dict[str, Any], type[HomehostError], str, str]] = [
        (
            "mailboxes.create",
            {"address": "not an address", "password": PASSWORD},
            InvalidRequest,
            "address",
            "An email address must have an @-sign.",
        ),
        (
            "mailboxes.create",
            {"address": "ALICE@example.test", "password": PASSWORD},
            Conflict,
            "address",
            "mailbox exists",
        ),
        (
            "mailboxes.create",
            {"address": "team+sales@example.test", "password": PASSWORD},
            InvalidRequest,
            "address",
            "a mailbox's name may not hold '+': mail to team+anything@example.test "
            "reaches the mailbox team@example.test",
        ),
        (
            "mailboxes.create",
            {"address": "carol@elsewhere.test", "password": PASSWORD},
            InvalidRequest,
            "address",
            "domain elsewhere.test is not hosted here",
        ),
        (
            "mailboxes.create",
            {"address": "carol@example.test", "password": PASSWORD, "quota_bytes": -1},
            InvalidRequest,
            "quota_bytes",
            "must be between 1000000 and 1000000000000 bytes",
        ),
        (
            "mailboxes.create",
            {
                "address": "carol@example.test",
                "password": PASSWORD,
                "quota_bytes": 10**18,
            },
            InvalidRequest,
            "quota_bytes",
            "must be between 1000000 and 1000000000000 bytes",
        ),
        (
            "mailboxes.create",
            {"address": "carol@example.test", "password": ""},
            InvalidRequest,
            "password",
            "must not be empty",
        ),
        (
            "mailboxes.create",
            {"address": "carol@example.test", "password": "line\nbreak-password"},
            InvalidRequest,
            "password",
            "must not contain control characters or newlines",
        ),
        (
            "mailboxes.create",
            {"address": "../x@example.test", "password": PASSWORD},
            InvalidRequest,
            "address",
            "An email address cannot start with a period.",
        ),
        (
            "mailboxes.create",
            {"address": "a/b@example.test", "password": PASSWORD},
            InvalidRequest,
            "address",
            "the part before @ may hold only a-z, 0-9, '.', '_', '+' and '-', "
            "and must start and end with a letter or digit",
        ),
        (
            "mailboxes.update",
            {"address": "alice@example.test", "quota_bytes": 0},
            InvalidRequest,
            "quota_bytes",
            "must be between 1000000 and 1000000000000 bytes",
        ),
        (
            "aliases.create",
            {"source": "alice@example.test", "destinations": ["bob@example.test"]},
            Conflict,
            "source",
            "mailbox exists",
        ),
        (
            "aliases.create",
            {"source": "team@example.test", "destinations": ["team@example.test"]},
            InvalidRequest,
            "destinations.0",
            "an alias cannot forward to itself",
        ),
        (
            "aliases.create",
            {"source": "team@example.test", "destinations": ["nobody@example.test"]},
            InvalidRequest,
            "destinations.0",
            "no mailbox or alias has this address",
        ),
        (
            "domains.create",
            {"name": "example.test"},
            Conflict,
            "name",
            "domain exists",
        ),
        (
            "domains.create",
            {"name": "bad_domain!"},
            InvalidRequest,
            "name",
            "The domain name contains invalid characters: '!', '_'.",
        ),
    ]
    for operation, payload, error_class, field, message in cases:
        error = await refused(hosted, operation, payload)
        assert type(error) is error_class, (operation, payload, error)
        assert field_errors(error) == [{"field": field, "message": message}], payload

    assert await hosted.counts() == before


async def test_weak_password_is_refused_with_advice(hosted: MailService) -> None:
    error = await refused(
        hosted,
        "mailboxes.create",
        {"address": "carol@example.test", "password": "carol12345"},
    )

    assert type(error) is InvalidRequest
    [problem] = field_errors(error)
    assert problem["field"] == "password"
    assert problem["message"].startswith("too easy to guess (strength ")
    assert (
        await hosted.rows("SELECT address FROM mailboxes WHERE local_part = 'carol'")
        == []
    )


async def test_alias_loops_are_refused(hosted: MailService) -> None:
    await hosted.call(
        "aliases.create",
        {"source": "one@example.test", "destinations": ["alice@example.test"]},
        AliasPublic,
    )
    await hosted.call(
        "aliases.create",
        {"source": "two@example.test", "destinations": ["one@example.test"]},
        AliasPublic,
    )
    before = await hosted.counts()

    error = await refused(
        hosted,
        "aliases.update",
        {"source": "one@example.test", "destinations": ["two@example.test"]},
    )

    assert type(error) is InvalidRequest
    assert field_errors(error) == [
        {
            "field": "destinations",
            "message": "would make a loop: one@example.test -> two@example.test "
            "-> one@example.test",
        }
    ]
    assert await hosted.counts() == before
    one = await hosted.rows(
        "SELECT ad.destination FROM mail_alias_destinations ad"
        " JOIN mail_aliases a ON a.id = ad.alias_id WHERE a.source = %s",
        "one@example.test",
    )
    assert one == [("alice@example.test",)]


async def test_alias_to_two_mailboxes_and_catch_all_resolve(
    hosted: MailService,
) -> None:
    await hosted.call(
        "aliases.create",
        {
            "source": "team@example.test",
            "destinations": ["alice@example.test", "BOB@example.test"],
        },
        AliasPublic,
    )
    await hosted.call(
        "domains.update",
        {"name": "example.test", "catch_all": "team@example.test"},
        DomainPublic,
    )

    async def resolve(recipient: str) -> Resolution:
        return await hosted.call("resolve", {"recipient": recipient}, Resolution)

    assert await resolve("Alice@Example.test") == Resolution(
        recipient="alice@example.test",
        outcome="mailbox",
        mailboxes=["alice@example.test"],
    )
    assert await resolve("team@example.test") == Resolution(
        recipient="team@example.test",
        outcome="alias",
        mailboxes=["alice@example.test", "bob@example.test"],
    )
    assert await resolve("anyone@example.test") == Resolution(
        recipient="anyone@example.test",
        outcome="catch_all",
        mailboxes=["alice@example.test", "bob@example.test"],
    )
    assert await resolve("someone@elsewhere.test") == Resolution(
        recipient="someone@elsewhere.test", outcome="unknown", mailboxes=[]
    )
    aliases = await hosted.call("aliases.list", {"domain": "example.test"}, AliasList)
    assert [(a.source, a.destinations) for a in aliases.aliases] == [
        ("team@example.test", ["alice@example.test", "bob@example.test"])
    ]


async def test_domain_delete_is_refused_while_mailboxes_exist(
    hosted: MailService,
) -> None:
    error = await refused(hosted, "domains.delete", {"name": "example.test"})
    assert type(error) is Conflict
    assert error.message == "domain example.test still has mailboxes; delete them first"
    missing = await refused(hosted, "domains.delete", {"name": "nowhere.test"})
    assert type(missing) is NotFound

    await hosted.call("domains.create", {"name": "empty.test"}, DomainPublic)
    deleted = await hosted.call("domains.delete", {"name": "empty.test"}, DomainDeleted)
    assert deleted == DomainDeleted(name="empty.test")
    listed = await hosted.call("domains.list", {}, DomainList)
    assert [(d.name, d.mailbox_count) for d in listed.domains] == [("example.test", 2)]
    assert not (hosted.settings.dkim_keys_dir / "empty.test").exists()


async def test_mailboxes_list_searches_and_pages(hosted: MailService) -> None:
    for name in ("carol", "dave", "erin"):
        await hosted.call(
            "mailboxes.create",
            {
                "address": f"{name}@example.test",
                "password": PASSWORD,
                "display_name": name.title(),
            },
            MailboxCreated,
        )

    first = await hosted.call(
        "mailboxes.list", {"page": 1, "page_size": 2}, MailboxPage
    )
    third = await hosted.call(
        "mailboxes.list", {"page": 3, "page_size": 2}, MailboxPage
    )
    search = await hosted.call(
        "mailboxes.list", {"domain": "example.test", "search": "Dav"}, MailboxPage
    )

    assert [m.address for m in first.mailboxes] == [
        "alice@example.test",
        "bob@example.test",
    ]
    assert first.total == 5
    assert [m.address for m in third.mailboxes] == ["erin@example.test"]
    assert [m.address for m in search.mailboxes] == ["dave@example.test"]
    assert search.total == 1


async def test_dkim_key_dns_plan_and_rotation(hosted: MailService) -> None:
    plan = await hosted.call("dns_plan", {"name": "example.test"}, MailDnsPlan)
    keys = await hosted.call("dkim.list", {"name": "example.test"}, DkimKeys)
    [key] = keys.keys
    private_file = (
        hosted.settings.dkim_keys_dir / "example.test" / f"{key.selector}.pem"
    )

    assert [(r.type, r.name, r.content, r.priority) for r in plan.records] == [
        ("MX", "example.test", "route1.mx.cloudflare.net", 10),
        ("MX", "example.test", "route2.mx.cloudflare.net", 20),
        ("MX", "example.test", "route3.mx.cloudflare.net", 30),
        (
            "TXT",
            "example.test",
            "v=spf1 include:_spf.mx.cloudflare.net include:sendgrid.net ~all",
            None,
        ),
        ("TXT", f"{key.selector}._domainkey.example.test", key.public_value, None),
        (
            "TXT",
            "_dmarc.example.test",
            "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.test",
            None,
        ),
    ]
    assert all(record.proxied is False for record in plan.records)
    assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(private_file.parent.stat().st_mode) == 0o700
    private_key = serialization.load_pem_private_key(private_file.read_bytes(), None)
    public_der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert (
        key.public_value == "v=DKIM1; k=rsa; p=" + base64.b64encode(public_der).decode()
    )
    assert private_key.key_size == 2048  # type: ignore[union-attr]

    rotated = await hosted.call(
        "dkim.rotate", {"domain": "example.test", "grace_days": 3}, DkimKeys
    )
    new_plan = await hosted.call("dns_plan", {"name": "example.test"}, MailDnsPlan)

    assert [(k.selector, k.state) for k in rotated.keys][1:] == [
        (key.selector, "retiring")
    ]
    assert rotated.keys[0].state == "active"
    assert rotated.keys[0].selector != key.selector
    dkim_names = [r.name for r in new_plan.records if r.purpose == "dkim"]
    assert dkim_names == [
        f"{rotated.keys[0].selector}._domainkey.example.test",
        f"{key.selector}._domainkey.example.test",
    ]
    assert private_file.exists()


async def test_events_carry_facts_and_never_secrets(hosted: MailService) -> None:
    jetstream = hosted.bus.jetstream
    stream = hosted.bus.events_stream
    created = await jetstream.get_last_msg(
        stream, hosted.bus.subject("mailbox.created")
    )
    domain = await jetstream.get_last_msg(
        stream, hosted.bus.subject("mail.domain.created")
    )

    event = json.loads(created.data)
    assert {k: v for k, v in event.items() if k not in ("event_id", "occurred_at")} == {
        "address": "bob@example.test",
        "domain": "example.test",
    }
    assert json.loads(domain.data)["domain"] == "example.test"
    assert PASSWORD.encode() not in created.data
    assert b"ARGON2" not in created.data


def old_doveadm(folder: Path) -> str:
    """A doveadm whose `pw -l` is an older Dovecot's (no BLF-CRYPT, no ARGON2)."""
    fixture = json.loads((CASES / "C32.json").read_text())["doveadm_pw_-l_fixture_old"]
    script = folder / "doveadm-old"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = pw ] && [ "$2" = -l ]; then\n'
        f"  echo '{fixture}'\n"
        "  exit 0\n"
        "fi\n"
        'exec doveadm "$@"\n'
    )
    script.chmod(0o755)
    return str(script)


CASES = Path(__file__).resolve().parents[3] / "shared" / "cases" / "inputs"


async def test_c32_schemes_this_dovecot_cannot_verify_are_refused(
    start_mail_service: Any, scratch: Path
) -> None:
    if not (CASES / "C32.json").exists():
        pytest.skip("../shared/cases is not here")
    cases = json.loads((CASES / "C32.json").read_text())["requests"]
    # The case's passwords are plain phrases; strength is not what it tests.
    old = await start_mail_service(
        doveadm_path=old_doveadm(scratch), min_password_score=0
    )
    await old.call("domains.create", {"name": "example.test"}, DomainPublic)
    before = await old.counts()

    for request in cases[:2]:
        error = await refused(
            old,
            "mailboxes.create",
            {
                "address": request["email"],
                "password": request["password"],
                "password_scheme": request["scheme"],
            },
        )
        assert type(error) is InvalidRequest
        assert field_errors(error) == [
            {
                "field": "password_scheme",
                "message": f"scheme {request['scheme']} is not supported by this "
                "Dovecot (`doveadm pw -l` does not list it)",
            }
        ]
    assert await old.counts() == before

    utf8 = cases[2]
    created = await old.call(
        "mailboxes.create",
        {
            "address": utf8["email"],
            "password": utf8["password"],
            "password_scheme": utf8["scheme"],
        },
        MailboxCreated,
    )
    ((stored,),) = await old.rows(
        "SELECT password_hash FROM mailboxes WHERE address = %s", utf8["email"]
    )
    assert created.mailbox.password_scheme == "SHA512-CRYPT"
    assert stored.startswith("{SHA512-CRYPT}$6$")
    assert verify(stored, utf8["password"]) == f"{stored} (verified)"
    assert verify(stored, "passwort-ü") == ""


async def test_every_accepted_scheme_makes_hashes_dovecot_verifies(
    hosted: MailService,
) -> None:
    for index, scheme in enumerate(("ARGON2ID", "BLF-CRYPT", "SHA512-CRYPT")):
        address = f"scheme{index}@example.test"
        password = f"pässwörd-ü-{scheme}-lantern"
        await hosted.call(
            "mailboxes.create",
            {"address": address, "password": password, "password_scheme": scheme},
            MailboxCreated,
        )
        ((stored,),) = await hosted.rows(
            "SELECT password_hash FROM mailboxes WHERE address = %s", address
        )
        assert stored.startswith("{" + scheme + "}")
        assert verify(stored, password) == f"{stored} (verified)"

    weak = await refused(
        hosted,
        "mailboxes.create",
        {
            "address": "md5@example.test",
            "password": PASSWORD,
            "password_scheme": "MD5-CRYPT",
        },
    )
    assert field_errors(weak) == [
        {
            "field": "password_scheme",
            "message": "scheme MD5-CRYPT is not accepted; use one of ARGON2ID, "
            "BLF-CRYPT, SHA512-CRYPT",
        }
    ]


def verify(stored: str, password: str) -> str:
    """`doveadm pw -t`: its output when the password verifies, else ''."""
    import subprocess

    result = subprocess.run(  # noqa: S603 - fixed program, test arguments.
        ["doveadm", "pw", "-t", stored, "-p", password],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() if result.returncode == 0 else ""


async def test_domain_names_are_refused_in_domain_words(
    start_mail_service: StartService,
) -> None:
    service = await start_mail_service(require_dovecot=False, allow_test_domains=False)
    cases = [
        (
            "domains.create",
            {"name": "example.test"},
            "name",
            "example.test is a reserved name",
        ),
        (
            "domains.create",
            {"name": "printer.local"},
            "name",
            "printer.local is a reserved name",
        ),
        (
            "domains.create",
            {"name": "intranet"},
            "name",
            "intranet is not a full domain name: it needs a dot, as in example.com",
        ),
        (
            "domains.create",
            {"name": "a..example.com"},
            "name",
            "A domain name cannot have two periods in a row.",
        ),
        (
            "mailboxes.list",
            {"domain": "'"},
            "domain",
            'The domain name contains invalid characters: "\'".',
        ),
        (
            "aliases.list",
            {"domain": "bad_domain!"},
            "domain",
            "The domain name contains invalid characters: '!', '_'.",
        ),
    ]
    for operation, payload, field, message in cases:
        error = await refused(service, operation, payload)
        assert type(error) is InvalidRequest, (payload, error)
        assert field_errors(error) == [{"field": field, "message": message}], payload


@pytest.mark.parametrize("character", ["\u202a", "\u202e", "\u2066", "\u2069"])
async def test_display_names_refuse_bidirectional_controls(
    hosted: MailService, character: str
) -> None:
    before = await hosted.counts()
    reason = (
        "must not contain bidirectional control characters "
        "(U+202A-U+202E, U+2066-U+2069)"
    )

    created = await refused(
        hosted,
        "mailboxes.create",
        {
            "address": "carol@example.test",
            "password": PASSWORD,
            "display_name": f"Carol{character}lanimriC",
        },
    )
    updated = await refused(
        hosted,
        "mailboxes.update",
        {"address": "alice@example.test", "display_name": f"{character}Alice"},
    )

    for error in (created, updated):
        assert type(error) is InvalidRequest
        assert field_errors(error) == [{"field": "display_name", "message": reason}]
    assert await hosted.counts() == before


async def test_usage_without_dovecot_answers_without_its_details(
    hosted: MailService, caplog: pytest.LogCaptureFixture
) -> None:
    # `hosted` runs no Dovecot: doveadm finds no socket to ask.
    error = await refused(hosted, "usage", {"address": "alice@example.test"})

    assert type(error) is ServiceUnavailable
    assert error.message == "Dovecot does not answer"
    assert error.details == {}
    assert any(
        record.message.startswith("Dovecot does not answer: doveadm quota get failed")
        for record in caplog.records
    )


async def test_a_tag_after_plus_reaches_the_mailbox_or_alias_before_it(
    hosted: MailService,
) -> None:
    await hosted.call(
        "aliases.create",
        {"source": "team@example.test", "destinations": ["bob@example.test"]},
        AliasPublic,
    )
    await hosted.call(
        "aliases.create",
        {"source": "alice+vip@example.test", "destinations": ["bob@example.test"]},
        AliasPublic,
    )

    async def resolve(recipient: str) -> Resolution:
        return await hosted.call("resolve", {"recipient": recipient}, Resolution)

    assert await resolve("Alice+News@example.test") == Resolution(
        recipient="alice+news@example.test",
        outcome="mailbox",
        mailboxes=["alice@example.test"],
    )
    assert await resolve("team+x+y@example.test") == Resolution(
        recipient="team+x+y@example.test",
        outcome="alias",
        mailboxes=["bob@example.test"],
    )
    # An alias of its own wins over the tag.
    assert await resolve("alice+vip@example.test") == Resolution(
        recipient="alice+vip@example.test",
        outcome="alias",
        mailboxes=["bob@example.test"],
    )
    assert await resolve("nobody+tag@example.test") == Resolution(
        recipient="nobody+tag@example.test", outcome="unknown", mailboxes=[]
    )
