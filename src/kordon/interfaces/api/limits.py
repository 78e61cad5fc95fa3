"""Bounds on every request, checked before any JSON parser or model sees it.

Python's JSON parser recurses once per nesting level (a deep body is a RecursionError), turns
integers of more than 4300 digits into a ValueError, and reads 1e999 as infinity; none of these may
become a 500. Bodies are limited in size, nesting depth and number length here, for every route;
integer fields are limited by their models (ids and versions fit the 32-bit columns).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import Path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kordon.models.declaration import DECLARATION_ID_MAX, DECLARATION_ID_PATTERN

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40
DeclarationIdPath = Annotated[str, Path(pattern=DECLARATION_ID_PATTERN, max_length=DECLARATION_ID_MAX,
                                        description="Declaration id (letters, digits, . _ : -; at most 128 characters)")]
INT_MAX = 2**31 - 1  # ids and versions are 32-bit integer columns


class BadBody(ValueError):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % MAX_NUMBER_CHARS)


def check_json(raw: bytes) -> None:
    """Refuse nesting deeper than MAX_DEPTH and numbers longer than MAX_NUMBER_CHARS (outside strings)."""
    bare = _STRING.sub(b'""', raw)
    depth = 0
    for m in _BRACKET.finditer(bare):
        if m.group() in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise BadBody(422, f"JSON nested deeper than {MAX_DEPTH} levels")
        else:
            depth -= 1
    long = _LONG_NUMBER.search(bare)
    if long:
        raise BadBody(422, f"a number of more than {MAX_NUMBER_CHARS} characters ({long.group()[:20].decode(errors='replace')}…)")


def parse(raw: bytes) -> Any:
    """The JSON value of a request body; BadBody (400/422) for anything malformed or out of bounds."""
    if not raw.strip():
        raise BadBody(400, "empty request body: expected a JSON declaration, a list, or {\"declarations\": [...]}")
    check_json(raw)
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    except UnicodeDecodeError as exc:
        raise BadBody(400, f"request body is not UTF-8: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise BadBody(400, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:
        raise BadBody(422, f"unusable JSON value: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:20]} is too large")
    return value


class BodyLimits:
    """ASGI middleware: size (413), depth and number length (422) of every JSON body, before routing."""

    def __init__(self, app: ASGIApp, max_body: int):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            await _answer(send, 413, f"request body of {int(length)} bytes exceeds the limit of {self.max_body} bytes")
            return
        chunks, size = [], 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body:
                await _answer(send, 413, f"request body exceeds the limit of {self.max_body} bytes")
                return
            chunks.append(body)
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        if b"json" in headers.get(b"content-type", b"") and raw.strip():
            try:
                check_json(raw)
            except BadBody as exc:
                await _answer(send, exc.status, exc.detail)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
