"""The bus: NATS requests between services and JetStream events.

`Bus` is one NATS connection with its JetStream context; `BusService`
serves typed requests on `api.<service>.<operation>`; `Event` subclasses
are the typed facts published to the events stream and consumed by
durable `EventConsumer`s.
"""

from homehost.shared.bus.connection import Bus, connect_bus
from homehost.shared.bus.events import (
    EVENT_AREAS,
    Event,
    EventConsumer,
    event_model_for,
    registered_events,
)
from homehost.shared.bus.service import BusService

__all__ = [
    "EVENT_AREAS",
    "Bus",
    "BusService",
    "Event",
    "EventConsumer",
    "connect_bus",
    "event_model_for",
    "registered_events",
]
