"""Models to bytes and back on the bus, straight through pydantic's core.

`model_dump_json` builds a str that the bus then encodes again, and both
it and `model_validate_json` add a layer of Python per call; on the
request path, where every round trip encodes and decodes twice at each
end, calling the serializer and validator directly is measurably cheaper.
The bytes and the validation are the same.
"""

from __future__ import annotations

from typing import TypeVar, cast

from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)


def encode(model: BaseModel) -> bytes:
    """The model's JSON, as `model_dump_json` writes it, in bytes."""
    return model.__pydantic_serializer__.to_json(model)


def decode(model_class: type[ModelT], data: bytes) -> ModelT:
    """Validate JSON `data` as `model_class`; raises pydantic's ValidationError."""
    return cast(ModelT, model_class.__pydantic_validator__.validate_json(data))
