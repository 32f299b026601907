"""Self-service for mailbox users: change your own mail password.

Outside the admin login: the caller proves who they are with the
mailbox's address and current password, which the mailbox service checks
against the running Dovecot. Failures answer the same "invalid
credentials" and count in a throttle of their own (the `mailbox` realm),
under the key `mailbox:<address>` and the client's address: guessing
mailbox passwords never blocks an admin's login.
"""

from __future__ import annotations

import html
import json
import secrets
from importlib.resources import files
from string import Template
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from homehost.gateway import login, throttle
from homehost.gateway.api.mail_accounts import UNAVAILABLE
from homehost.gateway.api.responses import errors
from homehost.gateway.deps import ClientAddress, GatewayStateDep
from homehost.gateway.mail_schemas import OwnPasswordChange, OwnPasswordChanged
from homehost.mailbox.schemas import PasswordSet
from homehost.shared.errors import Unauthorized

router = APIRouter(tags=["self-service"])

Language = Literal["en", "ja"]

# Every text of the page, in each language it speaks.
TEXTS: dict[Language, dict[str, str]] = {
    "en": {
        "title": "Change your mail password",
        "intro": (
            "Enter your email address and current password, then choose a "
            "new password. Your mail apps will ask for the new one."
        ),
        "address": "Email address",
        "current_password": "Current password",
        "new_password": "New password",
        "repeat_password": "New password, again",
        "submit": "Change password",
        "mismatch": "The two new passwords differ.",
        "changed": "Your password has been changed. Use the new one from now on.",
        "invalid_credentials": "The email address or the password is wrong.",
        "too_many_attempts": "Too many failed attempts. Try again later.",
        "invalid_request": "The new password was not accepted:",
        "unavailable": "The mail service does not answer. Try again later.",
    },
    "ja": {
        "title": "メールのパスワード変更",
        "intro": (
            "メールアドレスと現在のパスワードを入力し、新しいパスワードを"
            "決めてください。メールアプリでは新しいパスワードを使います。"
        ),
        "address": "メールアドレス",
        "current_password": "現在のパスワード",
        "new_password": "新しいパスワード",
        # Japanese text takes full-width brackets and colons.
        "repeat_password": "新しいパスワード（確認）",  # noqa: RUF001
        "submit": "パスワードを変更",
        "mismatch": "新しいパスワードが一致しません。",
        "changed": "パスワードを変更しました。今後は新しいパスワードを使ってください。",
        "invalid_credentials": "メールアドレスまたはパスワードが違います。",
        "too_many_attempts": "失敗が続いたため一時的に停止しています。しばらくしてから再度お試しください。",
        "invalid_request": "新しいパスワードは受け付けられませんでした：",  # noqa: RUF001
        "unavailable": "メールサービスが応答しません。しばらくしてから再度お試しください。",
    },
}
LANGUAGES: tuple[Language, ...] = ("en", "ja")
PAGE = Template(
    files("homehost.gateway").joinpath("self_service_password.html").read_text("utf-8")
)


def page_language(accept_language: str) -> Language:
    """The page's language: the first of the caller's preferences it speaks."""
    # parse_accept_header orders the tags by preference; a region (ja-JP)
    # counts as its language.
    for tag, quality in parse_accept_header(accept_language, LanguageAccept):
        primary = tag.split("-")[0].lower()
        for language in LANGUAGES:
            if quality > 0 and primary == language:
                return language
    return "en"


@router.post(
    "/api/self-service/password",
    name="self_service.password_change",
    response_model=OwnPasswordChanged,
    responses={**errors(429), **UNAVAILABLE},
)
async def change_own_password(
    body: OwnPasswordChange,
    request: Request,
    state: GatewayStateDep,
    address: ClientAddress,
) -> OwnPasswordChanged:
    """Change a mailbox's password, proven with its current password.

    Needs no admin login. Any wrong address or password answers 401
    `invalid_credentials`; repeated failures lock the mailbox's address and
    the client's address out for a while (429), as admin logins are.
    """
    # Counted in the `mailbox` realm, apart from the admin logins: guessing
    # here never blocks an admin.
    account = f"mailbox:{body.address.lower()}"
    request.state.audit_target = account[:255]
    await throttle.ensure_login_allowed(
        state.pool, username=account, address=address, realm="mailbox"
    )

    payload = {
        "address": body.address,
        "current_password": body.current_password.get_secret_value(),
        "new_password": body.new_password.get_secret_value(),
    }
    try:
        changed = await state.bus.request(
            "api.mailbox.mailboxes.change_own_password",
            payload,
            PasswordSet,
            timeout=state.settings.mail_request_timeout,
        )
    except Unauthorized:
        raise await login.record_failed_attempt(
            state.pool,
            state.settings,
            state.audit,
            username=account,
            address=address,
            realm="mailbox",
        ) from None

    await throttle.clear_account(state.pool, username=account, realm="mailbox")
    request.state.audit_actor = f"mailbox:{changed.address}"
    return OwnPasswordChanged(address=changed.address)


@router.get(
    "/self-service/password",
    name="self_service.page",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def password_page(request: Request) -> HTMLResponse:
    """The page where a mailbox user changes their password, in their language."""
    language = page_language(request.headers.get("accept-language", ""))
    texts = TEXTS[language]
    nonce = secrets.token_urlsafe(16)
    values: dict[str, Any] = {name: html.escape(text) for name, text in texts.items()}
    # The script reads its texts from JSON; `<` is escaped so that no text
    # can end the script element.
    values["texts_json"] = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
    values["language"] = language
    values["nonce"] = nonce
    return HTMLResponse(
        PAGE.substitute(values),
        headers={
            "Content-Language": language,
            "Vary": "Accept-Language",
            "Cache-Control": "no-store",
            "Content-Security-Policy": (
                f"default-src 'none'; script-src 'nonce-{nonce}'; "
                f"style-src 'nonce-{nonce}'; connect-src 'self'; "
                "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
