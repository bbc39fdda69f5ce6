// A Switchboard plugin in JavaScript, written against the `switchboard:pbx/plugin` world of `wit/`.
//
//   GET  <route>/        the mount's `greeting` setting
//   GET  <route>/ping    an AMI `Ping` (grants.ami = ["Ping"]); a refusal answers 403 in JSON
//   POST <route>/hits    counts a hit in the plugin's own database (grants.sqlite = { own = true })
//
// It exports `wasi:http/incoming-handler` itself (ComponentizeJS's fetch event targets an older
// wasi:http than the world, see README.md), writing each answer through `wasi:http/types`.

import { get } from 'switchboard:pbx/settings@0.1.7';
import { send } from 'switchboard:pbx/ami@0.1.7';
import { Connection } from 'switchboard:pbx/sqlite@0.1.7';
import { Fields, OutgoingResponse, OutgoingBody, ResponseOutparam } from 'wasi:http/types@0.2.12';

const encoder = new TextEncoder();

/** Sets the response: `status`, a content type, the whole body. */
function answer(responseOut, status, contentType, text) {
  const headers = Fields.fromList([['content-type', encoder.encode(contentType)]]);
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const stream = body.write();
  stream.blockingWriteAndFlush(encoder.encode(text));
  stream[Symbol.dispose]();
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

function ping(responseOut) {
  const result = send('Ping', []);
  json(responseOut, 200, { response: Object.fromEntries(result.response) });
}

function hit(responseOut) {
  const db = Connection.open('own');
  db.execute('CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)', []);
  db.execute('INSERT INTO hits (at) VALUES (?1)', [{ tag: 'integer', val: BigInt(Date.now()) }]);
  const counted = db.execute('SELECT count(*) FROM hits', []);
  json(responseOut, 200, { hits: Number(counted.rows[0].values[0].val) });
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = (request.pathWithQuery() ?? '/').split('?')[0];
    const method = request.method().tag;
    try {
      if (path.endsWith('/ping')) return ping(responseOut);
      if (path.endsWith('/hits') && method === 'post') return hit(responseOut);
      answer(responseOut, 200, 'text/plain', `${get('greeting') ?? 'Hello from JavaScript'}\n`);
    } catch (e) {
      refused(responseOut, e);
    }
  },
};
