// A Switchboard plugin in JavaScript, written against the `switchboard:pbx/plugin` world of `wit/`.
//
//   GET  <route>/        the mount's `greeting` setting
//   GET  <route>/ping    an AMI `Ping` (grants.ami = ["Ping"]); a refusal answers 403 in JSON
//   POST <route>/hits    counts a hit in the plugin's own database (grants.sqlite = { own = true })
//   POST <route>/call    `{"from": "1001", "to": "1002"}` (JSON or form): rings phone `from`, then
//                        dials `to` — an AMI `Originate` (grants.ami = ["Originate"]), 202 when queued
//
// It exports `wasi:http/incoming-handler` itself (ComponentizeJS's fetch event targets an older
// wasi:http than the world, see README.md), writing each answer through `wasi:http/types`.

import { get } from 'switchboard:pbx/settings@0.1.7';
import { send } from 'switchboard:pbx/ami@0.1.7';
import { Connection } from 'switchboard:pbx/sqlite@0.1.7';
import { Fields, OutgoingResponse, OutgoingBody, ResponseOutparam } from 'wasi:http/types@0.2.12';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The largest request body read; a click-to-call request is a few dozen bytes. */
const MAX_BODY = 64 * 1024;

/** Sets the response: `status`, a content type, the whole body. */
function answer(responseOut, status, contentType, text) {
  const data = encoder.encode(text);
  // No Content-Length: the host ends the response only once `handle` has returned and the instance
  // is back on its idle list, so a client's next request finds it there rather than starting one.
  const headers = Fields.fromList([['content-type', encoder.encode(contentType)]]);
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const stream = body.write();
  let clientLeft = false;
  try {
    stream.blockingWriteAndFlush(data);
  } catch (e) {
    if (e.payload?.tag !== 'closed') throw e;
    clientLeft = true;
  } finally {
    stream[Symbol.dispose]();
  }
  if (clientLeft) {
    // The client left before reading the answer: nobody is left to tell, and an exception escaping
    // `handle` would crash the instance. The body is released unfinished (what it is) rather than
    // finished as if complete.
    body[Symbol.dispose]();
    return;
  }
  OutgoingBody.finish(body, undefined);
}

function json(responseOut, status, value) {
  answer(responseOut, status, 'application/json', JSON.stringify(value));
}

/** A host error (`{tag, val}` of the interface's `error` variant) as the host's JSON error shape. */
function refused(responseOut, e) {
  const error = e.payload ?? { tag: 'failed', val: String(e) };
  const status = ['denied', 'access-denied', 'no-such-database'].includes(error.tag) ? 403 : 502;
  json(responseOut, status, { error: { code: error.tag, message: String(error.val ?? '') } });
}

/** A refusal of the request itself, answered as `{"error":{"code","message"}}` with `status`. */
class Refusal extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The request's body as text, at most `MAX_BODY` bytes (a longer one is refused, not cut). */
function bodyText(request) {
  const body = request.consume();
  const stream = body.stream();
  const chunks = [];
  let length = 0;
  try {
    for (;;) {
      const chunk = stream.blockingRead(BigInt(MAX_BODY));
      length += chunk.length;
      if (length > MAX_BODY) throw new Refusal(413, 'payload_too_large', `the body is over ${MAX_BODY} bytes`);
      chunks.push(chunk);
    }
  } catch (e) {
    // The end of the body is the stream's `closed` error; anything else is a real failure.
    if (e.payload?.tag !== 'closed') throw e;
  } finally {
    stream[Symbol.dispose]();
    body[Symbol.dispose]();
  }
  const all = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return decoder.decode(all);
}

/** The first value of request header `name`, if any. */
function header(request, name) {
  const headers = request.headers();
  try {
    const values = headers.get(name);
    return values.length > 0 ? decoder.decode(values[0]) : undefined;
  } finally {
    headers[Symbol.dispose]();
  }
}

/**
 * Phone numbers and extensions only: digits, `*`, `#`, a leading `+`, at most 32 — as the Rust
 * click-to-call. Anything else could smuggle a second channel or option into the dial string.
 */
function number(value, field) {
  const text = typeof value === 'string' ? value : '';
  const digits = text.startsWith('+') ? text.slice(1) : text;
  if (digits.length === 0 || digits.length > 32 || !/^[0-9*#]+$/.test(digits)) {
    throw new Refusal(422, 'unprocessable_entity', `\`${field}\` must be a phone number or extension`);
  }
  return text;
}

/** `POST /call`: validates both numbers before any AMI action, then an `Originate`, as the Rust plugin. */
function call(request, responseOut) {
  const text = bodyText(request);
  let fields;
  if ((header(request, 'content-type') ?? '').startsWith('application/json')) {
    try {
      fields = JSON.parse(text);
    } catch (e) {
      throw new Refusal(400, 'bad_request', `the body is not JSON: ${e.message}`);
    }
  } else {
    fields = Object.fromEntries(new URLSearchParams(text));
  }
  const from = number(fields?.from, 'from');
  const to = number(fields?.to, 'to');
  const context = get('context') ?? 'from-internal';
  send('Originate', [
    ['Channel', `PJSIP/${from}`],
    ['Exten', to],
    ['Context', context],
    ['Priority', '1'],
    ['CallerID', `"Click to call" <${to}>`],
    ['Async', 'true'],
  ]);
  json(responseOut, 202, { status: 'queued', from, to });
}

function ping(responseOut) {
  const result = send('Ping', []);
  json(responseOut, 200, { response: Object.fromEntries(result.response) });
}

function hit(responseOut) {
  const db = Connection.open('own');
  try {
    db.execute('CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)', []);
    db.execute('INSERT INTO hits (at) VALUES (?1)', [{ tag: 'integer', val: BigInt(Date.now()) }]);
    const counted = db.execute('SELECT count(*) FROM hits', []);
    json(responseOut, 200, { hits: Number(counted.rows[0].values[0].val) });
  } finally {
    db[Symbol.dispose]();
  }
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = (request.pathWithQuery() ?? '/').split('?')[0];
    const method = request.method().tag;
    try {
      if (path.endsWith('/ping')) return ping(responseOut);
      if (path.endsWith('/hits') && method === 'post') return hit(responseOut);
      if (path.endsWith('/call') && method === 'post') return call(request, responseOut);
      answer(responseOut, 200, 'text/plain', `${get('greeting') ?? 'Hello from JavaScript'}\n`);
    } catch (e) {
      if (e instanceof Refusal) return json(responseOut, e.status, { error: { code: e.code, message: e.message } });
      refused(responseOut, e);
    } finally {
      // Every resource is released before returning, not when the garbage collector finalizes
      // it: the host keeps an instance for the next request (`limits.reuse`) only if it holds no
      // host resource once its request is done.
      request[Symbol.dispose]();
    }
  },
};
