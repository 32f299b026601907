"""The mail directory's rules: domains, mailboxes, aliases, DKIM, DNS plan.

Every change checks all of its input before it writes anything, so a
refused request leaves the directory as it was; each change that did
happen is published as an event carrying addresses only.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
import re
import secrets
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from homehost.mailbox import __version__
from homehost.mailbox.adapters.directory import (
    AliasRow,
    DomainRow,
    DuplicateKey,
    MailboxRow,
    MailDirectory,
    utc_now,
)
from homehost.mailbox.adapters.dkim import DkimKeyStore
from homehost.mailbox.adapters.doveadm import Doveadm
from homehost.mailbox.errors import (
    AlreadyExists,
    FieldError,
    InUse,
    Missing,
    WrongCredentials,
)
from homehost.mailbox.passwords import (
    PasswordHashing,
    check_password,
    generate_password,
)
from homehost.mailbox.schemas import (
    AliasCreate,
    AliasDeleted,
    AliasList,
    AliasPublic,
    AliasUpdate,
    DkimKeyPublic,
    DkimKeys,
    DnsRecord,
    DomainCreate,
    DomainDeleted,
    DomainList,
    DomainPublic,
    DomainUpdate,
    MailboxChangeOwnPassword,
    MailboxCreate,
    MailboxCreated,
    MailboxDeleted,
    MailboxListRequest,
    MailboxPage,
    MailboxPublic,
    MailboxSetPassword,
    MailboxUpdate,
    MailboxUsage,
    MailDnsPlan,
    PasswordSet,
    Resolution,
    ResolutionOutcome,
)
from homehost.mailbox.settings import MailboxSettings
from homehost.shared.bus.events import Event
from homehost.shared.events import mail as events
from homehost.shared.runtime import ServiceContext, ServiceDefinition

logger = logging.getLogger(__name__)

# Local parts become directory names (<mail_root>/<domain>/<local part>),
# so they are held to characters that are safe there and in every client.
# Dovecot's recipient_delimiter: "name+tag@" is "name@" with a tag.
SUBADDRESS_DELIMITER = "+"
_LOCAL_PART = re.compile(r"^[a-z0-9](?:[a-z0-9._+-]{0,62}[a-z0-9])?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Bidirectional embeddings, overrides and isolates: they make a name read
# differently from what it holds (a "From:" that seems to be someone else).
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")

# Cloudflare Email Routing's MX hosts; all three are equivalent.
CLOUDFLARE_MX = (
    ("route1.mx.cloudflare.net", 10),
    ("route2.mx.cloudflare.net", 20),
    ("route3.mx.cloudflare.net", 30),
)
SPF_VALUE = "v=spf1 include:_spf.mx.cloudflare.net include:sendgrid.net ~all"


@dataclass
class Mail:
    """What the mail directory's rules work with."""

    settings: MailboxSettings
    directory: MailDirectory
    doveadm: Doveadm
    hashing: PasswordHashing
    dkim: DkimKeyStore
    publish: Callable[[Event], Awaitable[int]]


# Checking input.


def _validate(value: str, *, field: str, allow_test: bool) -> tuple[str, str]:
    try:
        checked = validate_email(
            value,
            check_deliverability=False,
            allow_smtputf8=False,
            test_environment=allow_test,
        )
    except EmailNotValidError as exc:
        raise FieldError(field, str(exc)) from exc
    return checked.local_part.lower(), checked.ascii_domain.lower()


def normalise_address(value: str, *, field: str, allow_test: bool) -> str:
    """Return the address in lower case, refusing an invalid one."""
    local_part, domain = _validate(value, field=field, allow_test=allow_test)
    if not _LOCAL_PART.match(local_part):
        raise FieldError(
            field,
            "the part before @ may hold only a-z, 0-9, '.', '_', '+' and '-', "
            "and must start and end with a letter or digit",
        )
    return f"{local_part}@{domain}"


# email_validator speaks of the part after an address's @-sign; a domain
# field is told about its domain name instead.
_DOMAIN_WORDING = (
    ("The email address is too long after the @-sign", "The domain name is too long"),
    (
        "The email address contains invalid characters after the @-sign",
        "The domain name contains invalid characters",
    ),
    ("The part after the @-sign", "The domain name"),
    ("After the @-sign, periods", "In a domain name, periods"),
    (" immediately after the @-sign or after a period", " at the start of a label"),
    ("in brackets after the @-sign", "in brackets"),
    ("An email address", "A domain name"),
    ("The email address", "The domain name"),
)


def _domain_reason(value: str, reason: str) -> str:
    if "special-use or reserved name" in reason:
        return f"{value} is a reserved name"
    if "It should have a period" in reason:
        return f"{value} is not a full domain name: it needs a dot, as in example.com"
    if "not within a valid top-level domain" in reason:
        return f"{value} does not end in a valid top-level domain"
    for generic, specific in _DOMAIN_WORDING:
        reason = reason.replace(generic, specific)
    if "@-sign" in reason or "email address" in reason:
        return "the domain name is not valid"
    return reason


def normalise_domain(value: str, *, field: str, allow_test: bool) -> str:
    """Return the domain in lower-case ASCII (IDNA), refusing an invalid one."""
    if "@" in value:
        raise FieldError(field, "a domain name has no @")
    try:
        return _validate(f"postmaster@{value}", field=field, allow_test=allow_test)[1]
    except FieldError as exc:
        reason = exc.details["errors"][0]["message"]
        raise FieldError(field, _domain_reason(value, reason)) from exc


def _check_quota(mail: Mail, quota: int, *, field: str) -> int:
    low, high = mail.settings.min_quota_bytes, mail.settings.max_quota_bytes
    if quota < low or quota > high:
        raise FieldError(field, f"must be between {low} and {high} bytes")
    return quota


def _check_display_name(value: str, *, field: str) -> str:
    if _CONTROL.search(value):
        raise FieldError(field, "must not contain control characters or newlines")
    if _BIDI_CONTROL.search(value):
        raise FieldError(
            field,
            "must not contain bidirectional control characters "
            "(U+202A-U+202E, U+2066-U+2069)",
        )
    return value


async def _hosted_domain(mail: Mail, domain: str, *, field: str) -> DomainRow:
    row = await mail.directory.find_domain(domain)
    if row is None:
        raise FieldError(field, f"domain {domain} is not hosted here")
    return row


async def _address_taken(mail: Mail, address: str, *, field: str) -> None:
    if await mail.directory.find_mailbox(address) is not None:
        raise AlreadyExists(field, address, "mailbox")
    if await mail.directory.find_alias(address) is not None:
        raise AlreadyExists(field, address, "alias")


async def _address_exists(mail: Mail, address: str) -> bool:
    return (
        await mail.directory.find_mailbox(address) is not None
        or await mail.directory.find_alias(address) is not None
    )


def _scheme_of(password_hash: str) -> str:
    if password_hash.startswith("{") and "}" in password_hash:
        return password_hash[1 : password_hash.index("}")]
    return ""


# Domains.


def _domain_public(row: DomainRow) -> DomainPublic:
    return DomainPublic(
        name=row.name,
        active=row.active,
        default_quota_bytes=row.default_quota_bytes,
        catch_all=row.catch_all,
        mailbox_count=row.mailbox_count,
        alias_count=row.alias_count,
        created_at=row.created_at,
    )


async def list_domains(*, mail: Mail) -> DomainList:
    """Every hosted domain."""
    rows = await mail.directory.list_domains()
    return DomainList(domains=[_domain_public(row) for row in rows])


async def _find_domain(mail: Mail, name: str, *, field: str = "name") -> DomainRow:
    domain = normalise_domain(
        name, field=field, allow_test=mail.settings.allow_test_domains
    )
    row = await mail.directory.find_domain(domain)
    if row is None:
        raise Missing(f"domain {domain} is not hosted here", details={field: domain})
    return row


async def _check_catch_all(mail: Mail, value: str) -> str:
    address = normalise_address(
        value, field="catch_all", allow_test=mail.settings.allow_test_domains
    )
    if not await _address_exists(mail, address):
        raise FieldError("catch_all", "no mailbox or alias has this address")
    return address


async def create_domain(*, mail: Mail, new: DomainCreate) -> DomainPublic:
    """Host a domain and give it its first DKIM key."""
    allow_test = mail.settings.allow_test_domains
    domain = normalise_domain(new.name, field="name", allow_test=allow_test)
    quota = _check_quota(
        mail,
        mail.settings.default_quota_bytes
        if new.default_quota_bytes is None
        else new.default_quota_bytes,
        field="default_quota_bytes",
    )
    catch_all = None
    if new.catch_all:
        catch_all = await _check_catch_all(mail, new.catch_all)
    if await mail.directory.find_domain(domain) is not None:
        raise AlreadyExists("name", domain, "domain")

    try:
        domain_id = await mail.directory.insert_domain(
            name=domain,
            active=new.active,
            default_quota_bytes=quota,
            catch_all=catch_all,
        )
    except DuplicateKey as exc:
        raise AlreadyExists("name", domain, "domain") from exc
    await _add_dkim_key(mail, domain=domain, domain_id=domain_id, grace=timedelta(0))
    logger.info("now hosting mail for %s", domain)

    await mail.publish(events.MailDomainCreated(domain=domain))
    row = await mail.directory.find_domain(domain)
    assert row is not None  # noqa: S101 - just inserted.
    return _domain_public(row)


async def update_domain(*, mail: Mail, change: DomainUpdate) -> DomainPublic:
    """Change a domain's active flag, default quota or catch-all address."""
    row = await _find_domain(mail, change.name)
    quota = row.default_quota_bytes
    if change.default_quota_bytes is not None:
        quota = _check_quota(
            mail, change.default_quota_bytes, field="default_quota_bytes"
        )
    catch_all = row.catch_all
    if change.catch_all is not None:
        catch_all = (
            await _check_catch_all(mail, change.catch_all) if change.catch_all else None
        )
    active = row.active if change.active is None else change.active

    await mail.directory.update_domain(
        domain_id=row.id, active=active, default_quota_bytes=quota, catch_all=catch_all
    )
    updated = await mail.directory.find_domain(row.name)
    assert updated is not None  # noqa: S101 - it exists, we hold its id.
    return _domain_public(updated)


async def delete_domain(*, mail: Mail, ref_name: str) -> DomainDeleted:
    """Stop hosting a domain; refused while it has mailboxes."""
    row = await _find_domain(mail, ref_name)
    refusal = InUse(
        f"domain {row.name} still has mailboxes; delete them first",
        details={"name": row.name},
    )
    if row.mailbox_count:
        raise refusal

    if not await mail.directory.delete_domain(domain_id=row.id):
        raise refusal
    await asyncio.to_thread(mail.dkim.remove_domain, domain=row.name)
    logger.info("no longer hosting mail for %s", row.name)

    await mail.publish(events.MailDomainDeleted(domain=row.name))
    return DomainDeleted(name=row.name)


# Mailboxes.


def _mailbox_public(row: MailboxRow) -> MailboxPublic:
    return MailboxPublic(
        address=row.address,
        local_part=row.local_part,
        domain=row.domain,
        display_name=row.display_name,
        quota_bytes=row.quota_bytes,
        enabled=row.enabled,
        password_scheme=_scheme_of(row.password_hash),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _find_mailbox(mail: Mail, address: str) -> MailboxRow:
    normalised = normalise_address(
        address, field="address", allow_test=mail.settings.allow_test_domains
    )
    row = await mail.directory.find_mailbox(normalised)
    if row is None:
        raise Missing(f"no mailbox {normalised}", details={"address": normalised})
    return row


async def get_mailbox(*, mail: Mail, address: str) -> MailboxPublic:
    """One mailbox."""
    return _mailbox_public(await _find_mailbox(mail, address))


async def list_mailboxes(*, mail: Mail, query: MailboxListRequest) -> MailboxPage:
    """One page of mailboxes, optionally of one domain, matching a search."""
    domain_id = None
    if query.domain:
        domain_id = (await _find_domain(mail, query.domain, field="domain")).id
    rows, total = await mail.directory.list_mailboxes(
        domain_id=domain_id,
        search=query.search,
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    return MailboxPage(
        mailboxes=[_mailbox_public(row) for row in rows],
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


async def _new_password_hash(
    mail: Mail,
    *,
    password: str | None,
    scheme: str | None,
    related: list[str],
    field: str = "password",
) -> tuple[str, str | None]:
    """Return (hash, generated password or None), refusing weak input."""
    chosen = await mail.hashing.check_scheme(scheme, field="password_scheme")
    generated = None
    if password is None:
        generated = password = generate_password()
    else:
        check_password(
            password,
            field=field,
            related=related,
            min_score=mail.settings.min_password_score,
        )
    return await mail.hashing.hash(password, scheme=chosen), generated


async def create_mailbox(*, mail: Mail, new: MailboxCreate) -> MailboxCreated:
    """Create a mailbox with a typed (checked) or generated password."""
    address = normalise_address(
        new.address, field="address", allow_test=mail.settings.allow_test_domains
    )
    local_part, domain = address.split("@")
    if SUBADDRESS_DELIMITER in local_part:
        # Dovecot splits every login and recipient at "+": such a mailbox
        # could never log in, and its mail would go astray.
        base = local_part.split(SUBADDRESS_DELIMITER)[0] or "name"
        raise FieldError(
            "address",
            f"a mailbox's name may not hold '+': mail to {base}+anything@{domain} "
            f"reaches the mailbox {base}@{domain}",
        )
    domain_row = await _hosted_domain(mail, domain, field="address")
    await _address_taken(mail, address, field="address")
    quota = _check_quota(
        mail,
        domain_row.default_quota_bytes if new.quota_bytes is None else new.quota_bytes,
        field="quota_bytes",
    )
    display_name = _check_display_name(new.display_name, field="display_name")
    password_hash, generated = await _new_password_hash(
        mail,
        password=new.password.get_secret_value() if new.password is not None else None,
        scheme=new.password_scheme,
        related=[local_part, domain, *display_name.split()],
    )

    try:
        await mail.directory.insert_mailbox(
            address=address,
            local_part=local_part,
            domain_id=domain_row.id,
            display_name=display_name,
            password_hash=password_hash,
            quota_bytes=quota,
            enabled=new.enabled,
        )
    except DuplicateKey as exc:
        raise AlreadyExists("address", address, "mailbox") from exc
    logger.info("created mailbox %s", address)

    await mail.publish(events.MailboxCreated(address=address, domain=domain))
    row = await _find_mailbox(mail, address)
    return MailboxCreated(mailbox=_mailbox_public(row), generated_password=generated)


async def update_mailbox(*, mail: Mail, change: MailboxUpdate) -> MailboxPublic:
    """Change a mailbox's display name, quota or enabled flag."""
    row = await _find_mailbox(mail, change.address)
    changed = []
    display_name, quota, enabled = row.display_name, row.quota_bytes, row.enabled
    if change.display_name is not None and change.display_name != display_name:
        display_name = _check_display_name(change.display_name, field="display_name")
        changed.append("display_name")
    if change.quota_bytes is not None and change.quota_bytes != quota:
        quota = _check_quota(mail, change.quota_bytes, field="quota_bytes")
        changed.append("quota_bytes")
    if change.enabled is not None and change.enabled != enabled:
        enabled = change.enabled
        changed.append("enabled")
    if not changed:
        return _mailbox_public(row)

    await mail.directory.update_mailbox(
        address=row.address,
        display_name=display_name,
        quota_bytes=quota,
        enabled=enabled,
    )
    logger.info("changed %s of mailbox %s", ", ".join(changed), row.address)

    await mail.publish(
        events.MailboxUpdated(address=row.address, domain=row.domain, changed=changed)
    )
    return _mailbox_public(await _find_mailbox(mail, row.address))


async def set_password(*, mail: Mail, change: MailboxSetPassword) -> PasswordSet:
    """Give a mailbox a new password; the old one stops working at once."""
    row = await _find_mailbox(mail, change.address)
    password_hash, generated = await _new_password_hash(
        mail,
        password=change.password.get_secret_value()
        if change.password is not None
        else None,
        scheme=change.password_scheme,
        related=[row.local_part, row.domain, *row.display_name.split()],
    )

    await _store_password(mail, row, password_hash)
    return PasswordSet(
        address=row.address,
        password_scheme=_scheme_of(password_hash),
        generated_password=generated,
    )


async def change_own_password(
    *, mail: Mail, change: MailboxChangeOwnPassword
) -> PasswordSet:
    """A mailbox user's own password change, proven to Dovecot with the old one.

    Every way the proof can fail (no such address, wrong password, disabled
    mailbox) answers the same `WrongCredentials`, so the answer tells
    nobody which addresses exist.
    """
    current = change.current_password.get_secret_value()
    try:
        address = normalise_address(
            change.address, field="address", allow_test=mail.settings.allow_test_domains
        )
    except FieldError:
        raise WrongCredentials() from None
    # A control character could end the line doveadm reads the password from.
    if not current or _CONTROL.search(current):
        raise WrongCredentials()
    if not await mail.doveadm.authenticate(user=address, password=current):
        raise WrongCredentials()
    row = await _find_mailbox(mail, address)
    new = change.new_password.get_secret_value()
    if new == current:
        raise FieldError("new_password", "must differ from the current password")
    password_hash, _ = await _new_password_hash(
        mail,
        password=new,
        scheme=None,
        related=[row.local_part, row.domain, *row.display_name.split()],
        field="new_password",
    )

    await _store_password(mail, row, password_hash)
    return PasswordSet(
        address=row.address,
        password_scheme=_scheme_of(password_hash),
        generated_password=None,
    )


async def _store_password(mail: Mail, row: MailboxRow, password_hash: str) -> None:
    await mail.directory.set_password_hash(
        address=row.address, password_hash=password_hash
    )
    logger.info("set a new password for mailbox %s", row.address)

    await mail.publish(
        events.MailboxUpdated(
            address=row.address, domain=row.domain, changed=["password"]
        )
    )


def maildir_of(mail: Mail, *, domain: str, local_part: str) -> Path:
    """Where Dovecot keeps a mailbox (its home, as the SQL userdb says)."""
    return mail.settings.mail_root / domain / local_part


async def delete_mailbox(*, mail: Mail, address: str) -> MailboxDeleted:
    """Delete a mailbox; its maildir is moved to the archive, never removed."""
    row = await _find_mailbox(mail, address)
    reaching = await mail.directory.aliases_reaching(row.address)
    if reaching:
        raise InUse(
            f"aliases {', '.join(reaching)} forward to {row.address}; "
            "change them first",
            details={"address": row.address, "aliases": reaching},
        )
    domain_row = await mail.directory.find_domain(row.domain)
    if domain_row is not None and domain_row.catch_all == row.address:
        raise InUse(
            f"{row.address} is the catch-all of {row.domain}; change it first",
            details={"address": row.address},
        )

    home = maildir_of(mail, domain=row.domain, local_part=row.local_part)
    stamp = utc_now().strftime("%Y%m%dT%H%M%S%fZ")
    archive = mail.settings.archive_dir / row.domain / f"{row.local_part}.{stamp}"
    archived_to = None
    # The row goes first (inside a transaction), so Dovecot stops delivering;
    # a failed move rolls the row back and the mailbox stays as it was.
    async with mail.directory.deleting_mailbox(mailbox_id=row.id):
        if home.exists():
            archive.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(shutil.move, home, archive)
            archived_to = str(archive)
    logger.info("deleted mailbox %s; maildir archived to %s", row.address, archived_to)

    await mail.publish(
        events.MailboxDeleted(
            address=row.address, domain=row.domain, archived=archived_to is not None
        )
    )
    return MailboxDeleted(address=row.address, archived_to=archived_to)


async def mailbox_usage(*, mail: Mail, address: str) -> MailboxUsage:
    """How much of its quota a mailbox uses, as Dovecot's quota plugin counts."""
    row = await _find_mailbox(mail, address)
    usage = await mail.doveadm.quota(user=row.address)
    return MailboxUsage(
        address=row.address,
        used_bytes=usage.used_bytes,
        quota_bytes=row.quota_bytes,
        messages=usage.messages,
        percent=round(100 * usage.used_bytes / row.quota_bytes, 1),
    )


# Aliases.


def _alias_public(row: AliasRow) -> AliasPublic:
    return AliasPublic(
        source=row.source,
        domain=row.domain,
        destinations=list(row.destinations),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def list_aliases(*, mail: Mail, domain: str | None) -> AliasList:
    """Every alias, or a domain's."""
    domain_id = (
        (await _find_domain(mail, domain, field="domain")).id if domain else None
    )
    rows = await mail.directory.list_aliases(domain_id=domain_id)
    return AliasList(aliases=[_alias_public(row) for row in rows])


async def _find_alias(mail: Mail, source: str) -> AliasRow:
    normalised = normalise_address(
        source, field="source", allow_test=mail.settings.allow_test_domains
    )
    row = await mail.directory.find_alias(normalised)
    if row is None:
        raise Missing(f"no alias {normalised}", details={"source": normalised})
    return row


async def _check_destinations(
    mail: Mail, source: str, destinations: list[str]
) -> list[str]:
    """Normalise destinations, each an existing address; refuse loops."""
    allow_test = mail.settings.allow_test_domains
    checked: list[str] = []
    for index, value in enumerate(destinations):
        field = f"destinations.{index}"
        address = normalise_address(value, field=field, allow_test=allow_test)
        if address == source:
            raise FieldError(field, "an alias cannot forward to itself")
        if not await _address_exists(mail, address):
            # TODO(#4): forwarding to outside addresses needs the outbound
            # relay and SRS; until then destinations are hosted addresses.
            raise FieldError(field, "no mailbox or alias has this address")
        if address not in checked:
            checked.append(address)

    edges = await mail.directory.all_alias_edges()
    edges[source] = tuple(checked)
    loop = _find_loop(edges, source)
    if loop:
        raise FieldError("destinations", f"would make a loop: {' -> '.join(loop)}")
    return checked


def _find_loop(edges: dict[str, tuple[str, ...]], start: str) -> list[str]:
    """A path from `start` back to itself through aliases, or []."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in edges.get(node, ()):
            if target == start:
                return [*path, start]
            if target not in seen and target in edges:
                seen.add(target)
                stack.append((target, [*path, target]))
    return []


async def create_alias(*, mail: Mail, new: AliasCreate) -> AliasPublic:
    """Forward a hosted address to one or more mailboxes or aliases."""
    source = normalise_address(
        new.source, field="source", allow_test=mail.settings.allow_test_domains
    )
    domain_row = await _hosted_domain(mail, source.split("@")[1], field="source")
    await _address_taken(mail, source, field="source")
    destinations = await _check_destinations(mail, source, new.destinations)

    try:
        await mail.directory.insert_alias(
            source=source, domain_id=domain_row.id, destinations=destinations
        )
    except DuplicateKey as exc:
        raise AlreadyExists("source", source, "alias") from exc
    logger.info("created alias %s", source)

    await mail.publish(
        events.AliasChanged(
            source=source,
            domain=domain_row.name,
            change="created",
            destinations=destinations,
        )
    )
    return _alias_public(await _find_alias(mail, source))


async def update_alias(*, mail: Mail, change: AliasUpdate) -> AliasPublic:
    """Replace an alias's destinations."""
    row = await _find_alias(mail, change.source)
    destinations = await _check_destinations(mail, row.source, change.destinations)

    await mail.directory.replace_alias_destinations(
        alias_id=row.id, destinations=destinations
    )
    logger.info("changed alias %s", row.source)

    await mail.publish(
        events.AliasChanged(
            source=row.source,
            domain=row.domain,
            change="updated",
            destinations=destinations,
        )
    )
    return _alias_public(await _find_alias(mail, row.source))


async def delete_alias(*, mail: Mail, source: str) -> AliasDeleted:
    """Remove an alias; refused while other aliases or a catch-all use it."""
    row = await _find_alias(mail, source)
    reaching = await mail.directory.aliases_reaching(row.source)
    if reaching:
        raise InUse(
            f"aliases {', '.join(reaching)} forward to {row.source}; change them first",
            details={"source": row.source, "aliases": reaching},
        )
    domain_row = await mail.directory.find_domain(row.domain)
    if domain_row is not None and domain_row.catch_all == row.source:
        raise InUse(
            f"{row.source} is the catch-all of {row.domain}; change it first",
            details={"source": row.source},
        )

    await mail.directory.delete_alias(alias_id=row.id)
    logger.info("deleted alias %s", row.source)

    await mail.publish(
        events.AliasChanged(
            source=row.source, domain=row.domain, change="deleted", destinations=[]
        )
    )
    return AliasDeleted(source=row.source)


# Resolution.


async def _mailboxes_reached(mail: Mail, address: str, seen: set[str]) -> list[str]:
    if address in seen:
        return []
    seen.add(address)
    mailbox = await mail.directory.find_mailbox(address)
    if mailbox is not None:
        return [mailbox.address] if mailbox.enabled else []
    alias = await mail.directory.find_alias(address)
    if alias is None:
        return []
    reached: list[str] = []
    for destination in alias.destinations:
        for found in await _mailboxes_reached(mail, destination, seen):
            if found not in reached:
                reached.append(found)
    return reached


async def resolve(*, mail: Mail, recipient: str) -> Resolution:
    """The mailboxes mail to `recipient` reaches: direct, alias or catch-all."""
    try:
        address = normalise_address(
            recipient, field="recipient", allow_test=mail.settings.allow_test_domains
        )
    except FieldError:
        return Resolution(recipient=recipient, outcome="unknown", mailboxes=[])
    domain = await mail.directory.find_domain(address.split("@")[1])
    if domain is None or not domain.active:
        return Resolution(recipient=address, outcome="unknown", mailboxes=[])

    local_part, domain_name = address.split("@")
    # "name+tag@" reaches what "name@" reaches, unless "name+tag@" is an
    # alias of its own.
    candidates = [address]
    if SUBADDRESS_DELIMITER in local_part:
        base = local_part.split(SUBADDRESS_DELIMITER)[0]
        if base:
            candidates.append(f"{base}@{domain_name}")
    reached: list[str] = []
    outcome: ResolutionOutcome = "unknown"
    for candidate in candidates:
        mailbox = await mail.directory.find_mailbox(candidate)
        if mailbox is not None:
            reached = [mailbox.address] if mailbox.enabled else []
            outcome = "mailbox"
            break
        if await mail.directory.find_alias(candidate) is not None:
            reached = await _mailboxes_reached(mail, candidate, set())
            outcome = "alias"
            break
    else:
        if domain.catch_all:
            reached = await _mailboxes_reached(mail, domain.catch_all, set())
            outcome = "catch_all"
    if not reached:
        return Resolution(recipient=address, outcome="unknown", mailboxes=[])
    return Resolution(recipient=address, outcome=outcome, mailboxes=reached)


# DKIM and the DNS plan.


def _new_selector() -> str:
    return f"hh{utc_now():%Y%m%d}{secrets.token_hex(2)}"


async def _add_dkim_key(
    mail: Mail, *, domain: str, domain_id: int, grace: timedelta
) -> str:
    selector = _new_selector()
    pair = await asyncio.to_thread(mail.dkim.create, domain=domain, selector=selector)
    try:
        await mail.directory.add_active_dkim_key(
            domain_id=domain_id,
            selector=selector,
            public_value=pair.public_value,
            retire_previous_after=utc_now() + grace,
        )
    except BaseException:
        mail.dkim.remove(domain=domain, selector=selector)
        raise
    return selector


async def _published_keys(mail: Mail, domain: DomainRow) -> list[DkimKeyPublic]:
    now = utc_now()
    return [
        DkimKeyPublic(
            selector=key.selector,
            state="active" if key.state == "active" else "retiring",
            public_value=key.public_value,
            created_at=key.created_at,
            retire_after=key.retire_after,
        )
        for key in await mail.directory.dkim_keys(domain_id=domain.id)
        if key.state == "active" or (key.retire_after and key.retire_after > now)
    ]


async def dkim_keys(*, mail: Mail, domain: str) -> DkimKeys:
    """A domain's published DKIM keys (active and still-retiring)."""
    row = await _find_domain(mail, domain)
    return DkimKeys(domain=row.name, keys=await _published_keys(mail, row))


async def rotate_dkim(*, mail: Mail, domain: str, grace_days: int | None) -> DkimKeys:
    """Make a new active DKIM key; the old one stays published for the grace."""
    row = await _find_domain(mail, domain)
    grace = timedelta(days=grace_days or mail.settings.dkim_grace_days)
    now = utc_now()
    for key in await mail.directory.dkim_keys(domain_id=row.id):
        if key.state == "retiring" and key.retire_after and key.retire_after <= now:
            await mail.directory.delete_dkim_key(key_id=key.id)
            mail.dkim.remove(domain=row.name, selector=key.selector)

    selector = await _add_dkim_key(mail, domain=row.name, domain_id=row.id, grace=grace)
    keys = await _published_keys(mail, row)
    logger.info("rotated the DKIM key of %s to %s", row.name, selector)

    await mail.publish(
        events.MailDkimRotated(
            domain=row.name,
            selector=selector,
            retiring_selectors=[k.selector for k in keys if k.state == "retiring"],
        )
    )
    return DkimKeys(domain=row.name, keys=keys)


async def dns_plan(*, mail: Mail, domain: str) -> MailDnsPlan:
    """The MX, SPF, DKIM and DMARC records the domain needs at Cloudflare."""
    row = await _find_domain(mail, domain)
    report = mail.settings.dmarc_report_address or f"dmarc@{row.name}"
    records = [
        DnsRecord(
            type="MX", name=row.name, content=host, priority=priority, purpose="mx"
        )
        for host, priority in CLOUDFLARE_MX
    ]
    records.append(
        DnsRecord(type="TXT", name=row.name, content=SPF_VALUE, purpose="spf")
    )
    records.extend(
        DnsRecord(
            type="TXT",
            name=f"{key.selector}._domainkey.{row.name}",
            content=key.public_value,
            purpose="dkim",
        )
        for key in await _published_keys(mail, row)
    )
    records.append(
        DnsRecord(
            type="TXT",
            name=f"_dmarc.{row.name}",
            content=f"v=DMARC1; p=quarantine; rua=mailto:{report}",
            purpose="dmarc",
        )
    )
    return MailDnsPlan(domain=row.name, records=records)


# The service as the runtime starts it.


async def setup(context: ServiceContext) -> None:
    """Wire the mail directory to the bus: adapters, rules, endpoints."""
    # The handlers call the functions above, so they are imported once this
    # module is complete.
    from homehost.mailbox.handlers import register_endpoints

    settings = context.settings
    if not isinstance(settings, MailboxSettings):
        raise TypeError("the mailbox service needs MailboxSettings")
    if context.pool is None:
        raise RuntimeError("the mailbox service needs its database")
    doveadm = Doveadm(program=settings.doveadm_path, config=settings.dovecot_config)
    mail = Mail(
        settings=settings,
        directory=MailDirectory(context.pool),
        doveadm=doveadm,
        hashing=PasswordHashing(doveadm, default_scheme=settings.password_scheme),
        dkim=DkimKeyStore(settings.dkim_keys_dir),
        publish=context.publish,
    )
    await register_endpoints(context.service, mail)


definition = ServiceDefinition(
    name="mailbox",
    version=__version__,
    description="Mail domains, mailboxes, aliases, quotas and DKIM keys.",
    settings_class=MailboxSettings,
    setup=setup,
    migrations=importlib.resources.files("homehost.mailbox") / "migrations",
)
