"""The HTTP endpoints the Email Worker (and admins) call: thin, parse and answer."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from homehost.mail_ingest.envelope import envelope_problems
from homehost.mail_ingest.intake import DigestMismatch, EmptyMessage, Intake, Temporary
from homehost.mail_ingest.schemas import InboundAnswer, MessagePublic
from homehost.mail_ingest.signing import (
    DIGEST_HEADER,
    ENVELOPE_HEADER,
    INBOUND_PATH,
    SignatureError,
    decode_envelope,
    verify,
)
from homehost.mail_ingest.spool import TooLarge

logger = logging.getLogger(__name__)

# The ids mail-ingest gives messages: 32 lower-case hex digits.
MESSAGE_ID = re.compile(r"[0-9a-f]{32}")
# A Content-Length: ASCII digits only, and no more of them than any size.
CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")


def _problem(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"code": code, "message": message})


async def signature_refusal(request: Request) -> Response | None:
    """A 401 for a request without a fresh, valid signature; None when it has one.

    An HMAC over a few headers takes microseconds: async, so FastAPI runs it
    in the loop rather than handing it to a thread.
    """
    intake: Intake = request.app.state.intake
    settings = intake.settings
    try:
        verify(
            settings.worker_secret.get_secret_value().encode(),
            headers={k.lower(): v for k, v in request.headers.items()},
            method=request.method,
            path=request.url.path,
            window_seconds=settings.signature_window_seconds,
        )
    except SignatureError as exc:
        logger.warning("refused an unsigned or badly signed request: %s", exc.reason)
        return _problem(401, "unauthorized", exc.reason)
    return None


Refusal = Annotated[Response | None, Depends(signature_refusal)]


def create_app(intake: Intake) -> FastAPI:
    """The FastAPI app serving POST /v1/inbound and GET /v1/messages/{id}."""
    # No docs and no schema: this port faces the Tunnel, and only signed
    # requests get an answer beyond an error.
    app = FastAPI(
        title="homehost mail-ingest", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.intake = intake

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Unknown paths and methods answer in the same shape as the rest."""
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        return _problem(exc.status_code, code, str(exc.detail))

    settings = intake.settings

    @app.post(
        INBOUND_PATH,
        response_model=InboundAnswer,
        responses={202: {"model": InboundAnswer}, 422: {"model": InboundAnswer}},
    )
    async def inbound(request: Request, refusal: Refusal) -> Response:
        """Take one message as the Email Worker sends it."""
        if refusal is not None:
            return refusal
        length = request.headers.get("content-length")
        if length is not None and (
            CONTENT_LENGTH.fullmatch(length) is None
            or int(length) > settings.max_message_bytes
        ):
            return _too_large(settings.max_message_bytes)
        try:
            envelope = decode_envelope(request.headers.get(ENVELOPE_HEADER, ""))
        except SignatureError as exc:
            # The signature covered this envelope: it is the sender's to fix,
            # not a reason to try again later.
            problem = (
                exc.reason if exc.field == "envelope" else f"{exc.field} {exc.reason}"
            )
            return _invalid(
                f"553 5.1.3 the envelope cannot be taken: {problem}",
                [{"field": exc.field, "message": exc.reason}],
            )
        problems = envelope_problems(envelope)
        if problems:
            # Refused before anything is read or kept; the Worker rejects
            # the message, so its sender learns why.
            return _invalid(
                "553 5.1.3 the envelope cannot be taken: "
                + "; ".join(f"{p['field']} {p['message']}" for p in problems),
                problems,
            )
        signature = request.headers["x-homehost-signature"].removeprefix("v1=")[:64]
        seen = await intake.store.see_signature(signature)
        if seen is not None and (seen.answer is None or intake.taking(signature)):
            # The first request with this signature is still being taken: its
            # final answer, not the 202 kept with its record, is the answer.
            seen = await intake.first_answer(signature)
        if seen is not None:
            # An exact retry gets the first answer again, a refusal too: the
            # Worker may have missed it, and a 401 would make it retry. Its
            # body must still be the one the signature covers.
            digest = request.headers.get(DIGEST_HEADER, "")
            try:
                matches = await _body_digest(request, settings.max_message_bytes)
            except TooLarge:
                return _too_large(settings.max_message_bytes)
            except ClientDisconnect:
                return Response(status_code=400)
            if matches != digest:
                return _problem(
                    401, "unauthorized", "the body does not match its digest"
                )
            if seen.status_code in (200, 202, 422) and seen.answer:
                return Response(
                    seen.answer,
                    status_code=seen.status_code,
                    media_type="application/json",
                )
            return _problem(401, "unauthorized", "this request was already received")

        # From here `take` keeps the answer with the signature, or forgets
        # the signature again when nothing was kept.
        try:
            answer = await intake.take(
                envelope=envelope,
                body=_body(request),
                digest=request.headers.get(DIGEST_HEADER, ""),
                signature=signature,
            )
        except TooLarge:
            return _too_large(settings.max_message_bytes)
        except ClientDisconnect:
            logger.info("the client went away while sending; nothing was kept")
            return Response(status_code=400)
        except DigestMismatch:
            return _problem(401, "unauthorized", "the body does not match its digest")
        except EmptyMessage:
            return _invalid(
                "554 5.6.0 the message is empty",
                [{"field": "body", "message": "is empty"}],
            )
        except Temporary as exc:
            return _problem(503, "unavailable", exc.reason)
        return Response(
            answer.text,
            status_code=answer.status,
            media_type="application/json",
        )

    @app.get("/v1/messages/{message_id}", response_model=MessagePublic)
    async def message_state(message_id: str, refusal: Refusal) -> Response:
        """A message's state (signed like the Worker's requests)."""
        if refusal is not None:
            return refusal
        record = (
            await intake.store.message(message_id)
            if MESSAGE_ID.fullmatch(message_id)
            else None
        )
        if record is None:
            return _problem(404, "not_found", f"no message {message_id}")
        return Response(record.model_dump_json(), media_type="application/json")

    return app


def _invalid(message: str, errors: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "code": "invalid_request",
            "message": message,
            "details": {"errors": errors},
        },
    )


def _too_large(limit: int) -> JSONResponse:
    return _problem(
        413, "too_large", f"552 5.3.4 the message is larger than {limit} bytes"
    )


async def _body_digest(request: Request, limit: int) -> str:
    """The SHA-256 of the body, read to the end; raises `TooLarge` past `limit`."""
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        digest.update(chunk)
    return digest.hexdigest()


async def _body(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        if chunk:
            yield chunk
