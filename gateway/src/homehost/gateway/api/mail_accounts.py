"""`/api/mail`: mail accounts (domains, mailboxes, aliases, DKIM, DNS plan).

Thin routes over the mailbox service's `api.mailbox.*`: each one checks
the caller's scope, asks the service over the bus and returns its typed
answer. The service's errors keep their codes (422 naming the field, 404,
409, 503 when it or Dovecot is away).
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, Path, Query, Request, status
from pydantic import BaseModel, SecretStr

from homehost.gateway.api.responses import errors, unavailable
from homehost.gateway.deps import GatewayState, GatewayStateDep, Reader, RequireScope
from homehost.gateway.mail_schemas import (
    AliasChange,
    ClientSetup,
    DkimRotation,
    DomainChange,
    MailboxChange,
    MailboxDeletion,
    MailServerSetting,
    PasswordReset,
)
from homehost.gateway.middleware import note_audit
from homehost.gateway.principal import Principal
from homehost.mailbox.schemas import (
    AliasCreate,
    AliasDeleted,
    AliasList,
    AliasPublic,
    DkimKeys,
    DomainCreate,
    DomainDeleted,
    DomainList,
    DomainPublic,
    MailboxCreate,
    MailboxCreated,
    MailboxDeleted,
    MailboxPage,
    MailboxPublic,
    MailboxUsage,
    MailDnsPlan,
    PasswordSet,
)
from homehost.shared.errors import InvalidRequest

router = APIRouter(prefix="/api/mail", tags=["mail"])

ReplyT = TypeVar("ReplyT", bound=BaseModel)

MailWriter = Annotated[Principal, Depends(RequireScope("write:mail"))]
DomainName = Annotated[str, Path(min_length=1, max_length=253)]
Address = Annotated[str, Path(min_length=1, max_length=320)]

# The mailbox service answers every route, so every route may find it away.
UNAVAILABLE = unavailable(
    "The mailbox service, or the Dovecot it uses, is not answering.",
    "The mailbox service did not answer.",
)


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {**errors(*statuses), **UNAVAILABLE}


def _payload(model: BaseModel | None = None, **fields: Any) -> dict[str, Any]:
    """The request as the bus carries it, passwords included in clear.

    pydantic writes a `SecretStr` as asterisks; the mailbox service needs
    the password itself, and the bus is the only place it goes.
    """
    values = model.model_dump(exclude_unset=True) if model is not None else {}
    values.update(fields)
    return {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in values.items()
    }


async def _ask(
    state: GatewayState, operation: str, payload: dict[str, Any], reply: type[ReplyT]
) -> ReplyT:
    return await state.bus.request(
        f"api.mailbox.{operation}",
        payload,
        reply,
        timeout=state.settings.mail_request_timeout,
    )


# Domains.


@router.get(
    "/domains",
    name="mail.domains_list",
    response_model=DomainList,
    responses=_responses(),
)
async def list_domains(_: Reader, state: GatewayStateDep) -> DomainList:
    """Return every hosted mail domain with its mailbox and alias counts."""
    return await _ask(state, "domains.list", {}, DomainList)


@router.post(
    "/domains",
    name="mail.domains_create",
    response_model=DomainPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_responses(409),
)
async def create_domain(
    body: DomainCreate, _: MailWriter, request: Request, state: GatewayStateDep
) -> DomainPublic:
    """Host mail for a domain; it gets its first DKIM key at once."""
    note_audit(request, f"mail_domain:{body.name}")
    return await _ask(state, "domains.create", _payload(body), DomainPublic)


@router.patch(
    "/domains/{name}",
    name="mail.domains_update",
    response_model=DomainPublic,
    responses=_responses(404),
)
async def update_domain(
    name: DomainName,
    body: DomainChange,
    _: MailWriter,
    request: Request,
    state: GatewayStateDep,
) -> DomainPublic:
    """Change a domain's active flag, default quota or catch-all address."""
    note_audit(request, f"mail_domain:{name}", **body.model_dump(exclude_unset=True))
    return await _ask(state, "domains.update", _payload(body, name=name), DomainPublic)


@router.delete(
    "/domains/{name}",
    name="mail.domains_delete",
    response_model=DomainDeleted,
    responses=_responses(404, 409),
)
async def delete_domain(
    name: DomainName, _: MailWriter, request: Request, state: GatewayStateDep
) -> DomainDeleted:
    """Stop hosting a domain; refused (409) while it has mailboxes."""
    note_audit(request, f"mail_domain:{name}")
    return await _ask(state, "domains.delete", {"name": name}, DomainDeleted)


@router.get(
    "/domains/{name}/dns-plan",
    name="mail.domains_dns_plan",
    response_model=MailDnsPlan,
    responses=_responses(404),
)
async def read_dns_plan(
    name: DomainName, _: Reader, state: GatewayStateDep
) -> MailDnsPlan:
    """Return the MX, SPF, DKIM and DMARC records the domain needs."""
    return await _ask(state, "dns_plan", {"name": name}, MailDnsPlan)


@router.get(
    "/domains/{name}/dkim",
    name="mail.dkim_list",
    response_model=DkimKeys,
    responses=_responses(404),
)
async def list_dkim_keys(
    name: DomainName, _: Reader, state: GatewayStateDep
) -> DkimKeys:
    """Return the domain's published DKIM keys, active and retiring."""
    return await _ask(state, "dkim.list", {"name": name}, DkimKeys)


@router.post(
    "/domains/{name}/dkim/rotate",
    name="mail.dkim_rotate",
    response_model=DkimKeys,
    responses=_responses(404),
)
async def rotate_dkim_key(
    name: DomainName,
    _: MailWriter,
    request: Request,
    state: GatewayStateDep,
    body: Annotated[DkimRotation | None, Body()] = None,
) -> DkimKeys:
    """Make a new DKIM key active; the old one stays published for the grace."""
    rotation = body or DkimRotation()
    note_audit(request, f"mail_domain:{name}", grace_days=rotation.grace_days)
    return await _ask(state, "dkim.rotate", _payload(rotation, domain=name), DkimKeys)


# Mailboxes.


@router.get(
    "/mailboxes",
    name="mail.mailboxes_list",
    response_model=MailboxPage,
    responses=_responses(404),
)
async def list_mailboxes(
    _: Reader,
    state: GatewayStateDep,
    domain: Annotated[
        str | None, Query(max_length=253, description="Only this domain's.")
    ] = None,
    search: Annotated[
        str, Query(max_length=320, description="Part of an address or name.")
    ] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MailboxPage:
    """Return one page of mailboxes, optionally of one domain and matching a search."""
    query = {"search": search, "page": page, "page_size": page_size}
    if domain:
        query["domain"] = domain
    return await _ask(state, "mailboxes.list", query, MailboxPage)


@router.post(
    "/mailboxes",
    name="mail.mailboxes_create",
    response_model=MailboxCreated,
    status_code=status.HTTP_201_CREATED,
    responses=_responses(409),
)
async def create_mailbox(
    body: MailboxCreate, _: MailWriter, request: Request, state: GatewayStateDep
) -> MailboxCreated:
    """Create a mailbox with a typed (strength-checked) or generated password.

    A generated password is in the answer, once; it is never shown again.
    """
    note_audit(
        request,
        f"mailbox:{body.address}",
        quota_bytes=body.quota_bytes,
        enabled=body.enabled,
        generated_password=body.password is None,
    )
    return await _ask(state, "mailboxes.create", _payload(body), MailboxCreated)


@router.get(
    "/mailboxes/{address}",
    name="mail.mailboxes_get",
    response_model=MailboxPublic,
    responses=_responses(404),
)
async def read_mailbox(
    address: Address, _: Reader, state: GatewayStateDep
) -> MailboxPublic:
    """Return one mailbox (never its password hash)."""
    return await _ask(state, "mailboxes.get", {"address": address}, MailboxPublic)


@router.patch(
    "/mailboxes/{address}",
    name="mail.mailboxes_update",
    response_model=MailboxPublic,
    responses=_responses(404),
)
async def update_mailbox(
    address: Address,
    body: MailboxChange,
    _: MailWriter,
    request: Request,
    state: GatewayStateDep,
) -> MailboxPublic:
    """Change a mailbox's display name, quota or whether it may log in."""
    note_audit(request, f"mailbox:{address}", **body.model_dump(exclude_unset=True))
    return await _ask(
        state, "mailboxes.update", _payload(body, address=address), MailboxPublic
    )


@router.post(
    "/mailboxes/{address}/password",
    name="mail.mailboxes_reset_password",
    response_model=PasswordSet,
    responses=_responses(404),
)
async def reset_password(
    address: Address,
    body: PasswordReset,
    _: MailWriter,
    request: Request,
    state: GatewayStateDep,
) -> PasswordSet:
    """Give a mailbox a new password, typed or generated; the old one stops working."""
    note_audit(request, f"mailbox:{address}", generated_password=body.password is None)
    return await _ask(
        state, "mailboxes.set_password", _payload(body, address=address), PasswordSet
    )


@router.delete(
    "/mailboxes/{address}",
    name="mail.mailboxes_delete",
    response_model=MailboxDeleted,
    responses=_responses(404, 409),
)
async def delete_mailbox(
    address: Address,
    body: MailboxDeletion,
    _: MailWriter,
    request: Request,
    state: GatewayStateDep,
) -> MailboxDeleted:
    """Delete a mailbox once its address is typed again; its mail is archived."""
    note_audit(request, f"mailbox:{address}")
    if body.confirm_address.lower() != address.strip().lower():
        reason = "must repeat the address of the mailbox to delete"
        raise InvalidRequest(
            f"confirm_address: {reason}",
            details={"errors": [{"field": "confirm_address", "message": reason}]},
        )
    return await _ask(state, "mailboxes.delete", {"address": address}, MailboxDeleted)


@router.get(
    "/mailboxes/{address}/usage",
    name="mail.mailboxes_usage",
    response_model=MailboxUsage,
    responses=_responses(404),
)
async def read_usage(
    address: Address, _: Reader, state: GatewayStateDep
) -> MailboxUsage:
    """Return how much of its quota a mailbox uses, as Dovecot counts it."""
    return await _ask(state, "usage", {"address": address}, MailboxUsage)


# Aliases.


@router.get(
    "/aliases",
    name="mail.aliases_list",
    response_model=AliasList,
    responses=_responses(404),
)
async def list_aliases(
    _: Reader,
    state: GatewayStateDep,
    domain: Annotated[
        str | None, Query(max_length=253, description="Only this domain's.")
    ] = None,
) -> AliasList:
    """Return every alias, or one domain's."""
    return await _ask(
        state, "aliases.list", {"domain": domain} if domain else {}, AliasList
    )


@router.post(
    "/aliases",
    name="mail.aliases_create",
    response_model=AliasPublic,
    status_code=status.HTTP_201_CREATED,
    responses=_responses(409),
)
async def create_alias(
    body: AliasCreate, _: MailWriter, request: Request, state: GatewayStateDep
) -> AliasPublic:
    """Forward an address of a hosted domain to one or more addresses."""
    note_audit(request, f"mail_alias:{body.source}", destinations=body.destinations)
    return await _ask(state, "aliases.create", _payload(body), AliasPublic)


@router.put(
    "/aliases/{source}",
    name="mail.aliases_update",
    response_model=AliasPublic,
    responses=_responses(404),
)
async def update_alias(
    source: Address,
    body: AliasChange,
    _: MailWriter,
    request: Request,
    state: GatewayStateDep,
) -> AliasPublic:
    """Replace an alias's destinations."""
    note_audit(request, f"mail_alias:{source}", destinations=body.destinations)
    return await _ask(
        state, "aliases.update", _payload(body, source=source), AliasPublic
    )


@router.delete(
    "/aliases/{source}",
    name="mail.aliases_delete",
    response_model=AliasDeleted,
    responses=_responses(404, 409),
)
async def delete_alias(
    source: Address, _: MailWriter, request: Request, state: GatewayStateDep
) -> AliasDeleted:
    """Remove an alias; refused (409) while another alias or a catch-all uses it."""
    note_audit(request, f"mail_alias:{source}")
    return await _ask(state, "aliases.delete", {"source": source}, AliasDeleted)


# The client setup card.


@router.get(
    "/client-setup",
    name="mail.client_setup",
    response_model=ClientSetup,
    responses=_responses(404),
)
async def read_client_setup(
    _: Reader,
    state: GatewayStateDep,
    address: Annotated[
        str | None,
        Query(max_length=320, description="Fill the card in for this mailbox."),
    ] = None,
) -> ClientSetup:
    """Return the servers, ports and security a mail client is set up with."""
    mailbox = None
    if address:
        mailbox = await _ask(
            state, "mailboxes.get", {"address": address}, MailboxPublic
        )
    return client_setup(state, address=mailbox.address if mailbox else None)


def client_setup(state: GatewayState, *, address: str | None) -> ClientSetup:
    """The client setup card, from the gateway's settings."""
    settings = state.settings
    host = settings.tailscale_hostname
    incoming_security = "starttls" if settings.mail_incoming_tls else "none"
    notes = [
        "Connect over Tailscale: these servers are not reachable from the internet.",
        "The user name is the full email address; the password is the mailbox's.",
    ]
    if not settings.mail_incoming_tls:
        notes.append("IMAP and POP3 run without TLS: the Tailscale link encrypts them.")
    notes.append(
        f"Sending uses STARTTLS on port {settings.mail_submission_port} "
        f"or SSL/TLS on port {settings.mail_smtps_port}."
    )
    return ClientSetup(
        email_address=address,
        username=address or "your full email address",
        incoming=[
            MailServerSetting(
                protocol="imap",
                host=host,
                port=settings.mail_imap_port,
                security=incoming_security,
            ),
            MailServerSetting(
                protocol="pop3",
                host=host,
                port=settings.mail_pop3_port,
                security=incoming_security,
            ),
        ],
        outgoing=[
            MailServerSetting(
                protocol="smtp",
                host=host,
                port=settings.mail_submission_port,
                security="starttls",
            ),
            MailServerSetting(
                protocol="smtp",
                host=host,
                port=settings.mail_smtps_port,
                security="ssl",
            ),
        ],
        notes=notes,
    )
