"""A Switchboard plugin in Python, written against the `switchboard:pbx/plugin` world of `wit/`.

  GET  <route>/        the mount's `greeting` setting
  GET  <route>/ping    an AMI `Ping` (grants.ami = ["Ping"]); a refusal answers 403 in JSON
  POST <route>/hits    counts a hit in the plugin's own database (grants.sqlite = { own = true })
  POST <route>/call    `{"from": "1001", "to": "1002"}` (JSON or form): rings phone `from`, then
                       dials `to` — an AMI `Originate` (grants.ami = ["Originate"]), 202 when queued

Built with componentize-py (see README.md); the bindings it generates live in `wit_world`.
"""

import json
import re
import time
from urllib.parse import parse_qsl

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import ami, settings, sqlite, streams
from wit_world.imports.wasi_http_types import (
    Fields,
    IncomingRequest,
    Method_Post,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)


def answer(response_out: ResponseOutparam, status: int, content_type: str, text: str) -> None:
    """Sets the response: `status`, a content type, the whole body."""
    data = text.encode()
    # No Content-Length: the host ends the response only once `handle` has returned and the instance
    # is back on its idle list, so a client's next request finds it there rather than starting one.
    response = OutgoingResponse(Fields.from_list([("content-type", content_type.encode())]))
    response.set_status_code(status)
    body = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    client_left = False
    with body.write() as stream:
        try:
            stream.blocking_write_and_flush(data)
        except Err as e:
            if not isinstance(e.value, streams.StreamError_Closed):
                raise
            client_left = True
    if client_left:
        # The client left before reading the answer: nobody is left to tell, and an exception
        # escaping `handle` would crash the instance. The body is released unfinished (what it is)
        # rather than finished as if complete.
        body.__exit__(None, None, None)
        return
    OutgoingBody.finish(body, None)


def as_json(response_out: ResponseOutparam, status: int, value) -> None:
    answer(response_out, status, "application/json", json.dumps(value))


# The host's error variants, named as the host's JSON error codes.
DENIED = (ami.Error_Denied, sqlite.Error_AccessDenied, sqlite.Error_NoSuchDatabase)
CODES = {ami.Error_Denied: "denied", sqlite.Error_AccessDenied: "access-denied", sqlite.Error_NoSuchDatabase: "no-such-database"}


def refused(response_out: ResponseOutparam, error) -> None:
    status = 403 if isinstance(error, DENIED) else 502
    code = CODES.get(type(error), type(error).__name__.split("_")[-1].lower())
    as_json(response_out, status, {"error": {"code": code, "message": str(getattr(error, "value", ""))}})


class Refusal(Exception):
    """A refusal of the request itself, answered as `{"error":{"code","message"}}` with `status`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# The largest request body read; a click-to-call request is a few dozen bytes.
MAX_BODY = 64 * 1024


def body_text(request: IncomingRequest) -> str:
    """The request's body as text, at most `MAX_BODY` bytes (a longer one is refused, not cut)."""
    data = b""
    # `with` releases the body and its stream at once, so the host may keep this instance.
    with request.consume() as body, body.stream() as stream:
        while True:
            try:
                data += stream.blocking_read(MAX_BODY)
            except Err as e:
                # The end of the body is the stream's `closed` error; anything else is a real failure.
                if isinstance(e.value, streams.StreamError_Closed):
                    break
                raise
            if len(data) > MAX_BODY:
                raise Refusal(413, "payload_too_large", f"the body is over {MAX_BODY} bytes")
    return data.decode("utf-8", errors="replace")


def header(request: IncomingRequest, name: str):
    """The first value of request header `name`, if any."""
    values = request.headers().get(name)
    return values[0].decode("latin-1") if values else None


# Digits, `*` and `#` only (`re.fullmatch`: `$` would let a trailing newline through).
NUMBER = re.compile(r"[0-9*#]{1,32}")


def number(value, field: str) -> str:
    """Phone numbers and extensions only: digits, `*`, `#`, a leading `+`, at most 32 — as the Rust
    click-to-call. Anything else could smuggle a second channel or option into the dial string."""
    text = value if isinstance(value, str) else ""
    digits = text[1:] if text.startswith("+") else text
    if not NUMBER.fullmatch(digits):
        raise Refusal(422, "unprocessable_entity", f"`{field}` must be a phone number or extension")
    return text


def call(request: IncomingRequest, response_out: ResponseOutparam) -> None:
    """`POST /call`: validates both numbers before any AMI action, then an `Originate`, as the Rust plugin."""
    text = body_text(request)
    if (header(request, "content-type") or "").startswith("application/json"):
        try:
            fields = json.loads(text)
        except ValueError as e:
            raise Refusal(400, "bad_request", f"the body is not JSON: {e}")
    else:
        fields = dict(parse_qsl(text))
    if not isinstance(fields, dict):
        fields = {}
    source, to = number(fields.get("from"), "from"), number(fields.get("to"), "to")
    context = settings.get("context") or "from-internal"
    ami.send(
        "Originate",
        [
            ("Channel", f"PJSIP/{source}"),
            ("Exten", to),
            ("Context", context),
            ("Priority", "1"),
            ("CallerID", f'"Click to call" <{to}>'),
            ("Async", "true"),
        ],
    )
    as_json(response_out, 202, {"status": "queued", "from": source, "to": to})


def ping(response_out: ResponseOutparam) -> None:
    result = ami.send("Ping", [])
    as_json(response_out, 200, {"response": dict(result.response)})


def hit(response_out: ResponseOutparam) -> None:
    db = sqlite.Connection.open("own")
    db.execute("CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)", [])
    db.execute("INSERT INTO hits (at) VALUES (?1)", [sqlite.Value_Integer(int(time.time() * 1000))])
    counted = db.execute("SELECT count(*) FROM hits", [])
    as_json(response_out, 200, {"hits": counted.rows[0].values[0].value})


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        # `with` releases the request when the answer is done rather than when the garbage
        # collector gets to it, so the host may keep this instance for the next request.
        with request:
            serve(request, response_out)


def serve(request: IncomingRequest, response_out: ResponseOutparam) -> None:
    """Answers one request by its path; refusals and host errors become JSON errors."""
    path = (request.path_with_query() or "/").split("?")[0]
    try:
        if path.endswith("/ping"):
            return ping(response_out)
        if path.endswith("/hits") and isinstance(request.method(), Method_Post):
            return hit(response_out)
        if path.endswith("/call") and isinstance(request.method(), Method_Post):
            return call(request, response_out)
        answer(response_out, 200, "text/plain", (settings.get("greeting") or "Hello from Python") + "\n")
    except Refusal as e:
        as_json(response_out, e.status, {"error": {"code": e.code, "message": e.message}})
    except Err as e:
        refused(response_out, e.value)
