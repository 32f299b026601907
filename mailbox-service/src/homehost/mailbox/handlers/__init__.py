"""Bus endpoints `api.mailbox.*`: parse, call the rules in service.py, reply."""

from __future__ import annotations

from homehost.mailbox import service
from homehost.mailbox.schemas import (
    AliasCreate,
    AliasDeleted,
    AliasList,
    AliasListRequest,
    AliasPublic,
    AliasRef,
    AliasUpdate,
    DkimKeys,
    DkimRotateRequest,
    DomainCreate,
    DomainDeleted,
    DomainList,
    DomainPublic,
    DomainRef,
    DomainUpdate,
    MailboxChangeOwnPassword,
    MailboxCreate,
    MailboxCreated,
    MailboxDeleted,
    MailboxListRequest,
    MailboxPage,
    MailboxPublic,
    MailboxRef,
    MailboxSetPassword,
    MailboxUpdate,
    MailboxUsage,
    MailDnsPlan,
    PasswordSet,
    Resolution,
    ResolveRequest,
)
from homehost.mailbox.service import Mail
from homehost.shared.bus.service import BusService, EmptyRequest


class DomainEndpoints:
    """`api.mailbox.domains.*`."""

    def __init__(self, mail: Mail) -> None:
        self.mail = mail

    async def list(self, _: EmptyRequest) -> DomainList:
        """domains.list"""
        return await service.list_domains(mail=self.mail)

    async def create(self, request: DomainCreate) -> DomainPublic:
        """domains.create"""
        return await service.create_domain(mail=self.mail, new=request)

    async def update(self, request: DomainUpdate) -> DomainPublic:
        """domains.update"""
        return await service.update_domain(mail=self.mail, change=request)

    async def delete(self, request: DomainRef) -> DomainDeleted:
        """domains.delete"""
        return await service.delete_domain(mail=self.mail, ref_name=request.name)

    async def dns_plan(self, request: DomainRef) -> MailDnsPlan:
        """dns_plan"""
        return await service.dns_plan(mail=self.mail, domain=request.name)

    async def dkim_list(self, request: DomainRef) -> DkimKeys:
        """dkim.list"""
        return await service.dkim_keys(mail=self.mail, domain=request.name)

    async def dkim_rotate(self, request: DkimRotateRequest) -> DkimKeys:
        """dkim.rotate"""
        return await service.rotate_dkim(
            mail=self.mail, domain=request.domain, grace_days=request.grace_days
        )


class MailboxEndpoints:
    """`api.mailbox.mailboxes.*`, `usage` and `resolve`."""

    def __init__(self, mail: Mail) -> None:
        self.mail = mail

    async def list(self, request: MailboxListRequest) -> MailboxPage:
        """mailboxes.list"""
        return await service.list_mailboxes(mail=self.mail, query=request)

    async def get(self, request: MailboxRef) -> MailboxPublic:
        """mailboxes.get"""
        return await service.get_mailbox(mail=self.mail, address=request.address)

    async def create(self, request: MailboxCreate) -> MailboxCreated:
        """mailboxes.create"""
        return await service.create_mailbox(mail=self.mail, new=request)

    async def update(self, request: MailboxUpdate) -> MailboxPublic:
        """mailboxes.update"""
        return await service.update_mailbox(mail=self.mail, change=request)

    async def set_password(self, request: MailboxSetPassword) -> PasswordSet:
        """mailboxes.set_password"""
        return await service.set_password(mail=self.mail, change=request)

    async def change_own_password(
        self, request: MailboxChangeOwnPassword
    ) -> PasswordSet:
        """mailboxes.change_own_password"""
        return await service.change_own_password(mail=self.mail, change=request)

    async def delete(self, request: MailboxRef) -> MailboxDeleted:
        """mailboxes.delete"""
        return await service.delete_mailbox(mail=self.mail, address=request.address)

    async def usage(self, request: MailboxRef) -> MailboxUsage:
        """usage"""
        return await service.mailbox_usage(mail=self.mail, address=request.address)

    async def resolve(self, request: ResolveRequest) -> Resolution:
        """resolve"""
        return await service.resolve(mail=self.mail, recipient=request.recipient)


class AliasEndpoints:
    """`api.mailbox.aliases.*`."""

    def __init__(self, mail: Mail) -> None:
        self.mail = mail

    async def list(self, request: AliasListRequest) -> AliasList:
        """aliases.list"""
        return await service.list_aliases(mail=self.mail, domain=request.domain)

    async def create(self, request: AliasCreate) -> AliasPublic:
        """aliases.create"""
        return await service.create_alias(mail=self.mail, new=request)

    async def update(self, request: AliasUpdate) -> AliasPublic:
        """aliases.update"""
        return await service.update_alias(mail=self.mail, change=request)

    async def delete(self, request: AliasRef) -> AliasDeleted:
        """aliases.delete"""
        return await service.delete_alias(mail=self.mail, source=request.source)


async def register_endpoints(bus_service: BusService, mail: Mail) -> None:
    """Serve every `api.mailbox.*` operation."""
    domains = DomainEndpoints(mail)
    mailboxes = MailboxEndpoints(mail)
    aliases = AliasEndpoints(mail)
    add = bus_service.add_endpoint
    await add("domains.list", domains.list, EmptyRequest)
    await add("domains.create", domains.create, DomainCreate)
    await add("domains.update", domains.update, DomainUpdate)
    await add("domains.delete", domains.delete, DomainRef)
    await add("dns_plan", domains.dns_plan, DomainRef)
    await add("dkim.list", domains.dkim_list, DomainRef)
    await add("dkim.rotate", domains.dkim_rotate, DkimRotateRequest)
    await add("mailboxes.list", mailboxes.list, MailboxListRequest)
    await add("mailboxes.get", mailboxes.get, MailboxRef)
    await add("mailboxes.create", mailboxes.create, MailboxCreate)
    await add("mailboxes.update", mailboxes.update, MailboxUpdate)
    await add("mailboxes.set_password", mailboxes.set_password, MailboxSetPassword)
    await add(
        "mailboxes.change_own_password",
        mailboxes.change_own_password,
        MailboxChangeOwnPassword,
    )
    await add("mailboxes.delete", mailboxes.delete, MailboxRef)
    await add("usage", mailboxes.usage, MailboxRef)
    await add("resolve", mailboxes.resolve, ResolveRequest)
    await add("aliases.list", aliases.list, AliasListRequest)
    await add("aliases.create", aliases.create, AliasCreate)
    await add("aliases.update", aliases.update, AliasUpdate)
    await add("aliases.delete", aliases.delete, AliasRef)
