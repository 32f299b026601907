"""SPF and DMARC checks with checkdmarc, offline.

checkdmarc parses the records and counts SPF's DNS lookups by resolving
what each term names. Here it resolves through `ZoneResolver`, which
answers from the records the zone will hold once the plan is applied,
never from the network: the check runs before anything changes, and it
must not depend on what the public DNS says today. A name outside the
zone answers as a leaf (an include costs its one lookup and nothing
more), and the check warns, naming that include, that the lookups nested
in it were not counted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, cast

# checkdmarc ships no type information.
import checkdmarc.dmarc  # type: ignore[import-untyped]
import checkdmarc.spf  # type: ignore[import-untyped]
import checkdmarc.utils  # type: ignore[import-untyped]

import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
from homehost.dns.records import split_txt

logger = logging.getLogger(__name__)

# What an outside name answers: a leaf SPF policy and a documentation address.
_OUTSIDE_TXT = '"v=spf1 ?all"'
_OUTSIDE_ADDRESS = "192.0.2.1"


class ZoneResolver(dns.resolver.Resolver):
    """A resolver that answers from a planned record set and never sends a query.

    Each SPF policy a name outside the zone was asked for is kept in
    `outside_policies`, so the check can say which includes it did not see
    into.

    TODO(#6): an include outside the zone counts as one lookup; its own
    nested lookups are not known offline. Resolving outside names through
    a real resolver, where one is reachable, would count them exactly.
    """

    def __init__(self, *, zone: str, records: Iterable[tuple[str, str, str]]) -> None:
        super().__init__(configure=False)
        self.nameservers = ["192.0.2.53"]
        self.zone = zone
        self.answers: dict[tuple[str, str], list[str]] = {}
        for name, record_type, presentation in records:
            self.answers.setdefault((name, record_type), []).append(presentation)
        self.outside_policies: list[str] = []

    def resolve(
        self,
        qname: str | dns.name.Name,
        rdtype: str | dns.rdatatype.RdataType = "A",
        *args: Any,
        **kwargs: Any,
    ) -> dns.resolver.Answer:
        """Answer from the planned records; outside the zone, answer a leaf."""
        name = str(qname).rstrip(".").lower()
        record_type = (
            rdtype if isinstance(rdtype, str) else dns.rdatatype.to_text(rdtype)
        ).upper()
        inside = name == self.zone or name.endswith(f".{self.zone}")
        values = self.answers.get((name, record_type))
        if not inside:
            if record_type == "TXT" and name not in self.outside_policies:
                self.outside_policies.append(name)
            values = {
                "TXT": [_OUTSIDE_TXT],
                "A": [_OUTSIDE_ADDRESS],
                "MX": [f"10 {name}."],
            }.get(record_type)
        if not values:
            qname_obj = dns.name.from_text(name)
            if inside and not any(key[0] == name for key in self.answers):
                # dnspython's exception classes carry no type information.
                raise dns.resolver.NXDOMAIN(qnames=[qname_obj])  # type: ignore[no-untyped-call]
            raise dns.resolver.NoAnswer()  # type: ignore[no-untyped-call]
        rrset = dns.rrset.from_text_list(f"{name}.", 300, "IN", record_type, values)
        query = dns.message.make_query(name, record_type)
        response = dns.message.make_response(query)
        response.answer.append(rrset)
        # Through the wire and back, so the message indexes its answer the
        # way a received one does (dnspython finds the answer by that index).
        response = dns.message.from_wire(response.to_wire())
        return dns.resolver.Answer(
            dns.name.from_text(name),
            dns.rdatatype.from_text(record_type),
            dns.rdataclass.IN,
            cast(dns.message.QueryMessage, response),
        )


def presentation(record_type: str, content: str, priority: int | None) -> str | None:
    """A record's value in zone-file form, for the resolver; None if not needed."""
    if record_type in ("A", "AAAA"):
        return content
    if record_type == "CNAME":
        return f"{content}."
    if record_type == "MX":
        return f"{priority or 0} {content}."
    if record_type == "TXT":
        return " ".join(_quote(part) for part in split_txt(content))
    return None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_spf(value: str, *, name: str, resolver: ZoneResolver) -> list[str]:
    """Check an SPF policy's syntax and its 10-lookup limit; return warnings.

    An include (or redirect) outside the zone counts as one lookup; a
    warning names each one, since the lookups nested in it were not counted.
    Raises ValueError with checkdmarc's reason when the policy is broken.
    """
    _forget_cached_answers()
    resolver.outside_policies = []
    try:
        result = checkdmarc.spf.parse_spf_record(value, name, resolver=resolver)
    except checkdmarc.spf.SPFError as exc:
        raise ValueError(str(exc)) from exc
    warnings = [str(warning) for warning in result.get("warnings", [])]
    warnings.extend(
        f"SPF of {name}: {outside} is outside {resolver.zone}, so it counts as "
        "one DNS lookup; the lookups nested in it were not counted toward the "
        "limit of 10"
        for outside in resolver.outside_policies
    )
    return warnings


def check_dmarc(value: str, *, name: str, resolver: ZoneResolver) -> list[str]:
    """Check a DMARC policy's tags and values; return warnings.

    Raises ValueError with checkdmarc's reason when the policy is broken.
    """
    _forget_cached_answers()
    domain = name.removeprefix("_dmarc.")
    try:
        result = checkdmarc.dmarc.parse_dmarc_record(value, domain, resolver=resolver)
    except checkdmarc.dmarc.DMARCError as exc:
        raise ValueError(str(exc)) from exc
    return [str(warning) for warning in result.get("warnings", [])]


def _forget_cached_answers() -> None:
    # checkdmarc keeps answers in a module-wide cache keyed by name; answers
    # from another plan's records must not leak into this one.
    checkdmarc.utils.DNS_CACHE.clear()
