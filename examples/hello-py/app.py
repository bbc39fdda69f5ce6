"""A Switchboard plugin in Python, written against the `switchboard:pbx/plugin` world of `wit/`.

  GET  <route>/        the mount's `greeting` setting
  GET  <route>/ping    an AMI `Ping` (grants.ami = ["Ping"]); a refusal answers 403 in JSON
  POST <route>/hits    counts a hit in the plugin's own database (grants.sqlite = { own = true })

Built with componentize-py (see README.md); the bindings it generates live in `wit_world`.
"""

import json
import time

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import ami, settings, sqlite
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
    response = OutgoingResponse(Fields.from_list([("content-type", content_type.encode())]))
    response.set_status_code(status)
    body = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    with body.write() as stream:
        stream.blocking_write_and_flush(text.encode())
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
        path = (request.path_with_query() or "/").split("?")[0]
        try:
            if path.endswith("/ping"):
                return ping(response_out)
            if path.endswith("/hits") and isinstance(request.method(), Method_Post):
                return hit(response_out)
            answer(response_out, 200, "text/plain", (settings.get("greeting") or "Hello from Python") + "\n")
        except Err as e:
            refused(response_out, e.value)
