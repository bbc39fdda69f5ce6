// Builds `hello-js.wasm` from `app.js` against the WIT directory given (default: a `wit/` beside
// this file, as `switchboard new --lang js` writes one, else the repository's `wit/`):
// `node build.mjs [WIT-DIR] [OUT]`. Calls ComponentizeJS as a library; `jco componentize` fails here
// with "failed to get path metadata (os error 44)".
import { componentize } from '@bytecodealliance/componentize-js';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const wit = process.argv[2] ?? (existsSync(`${here}wit`) ? `${here}wit` : `${here}../../wit`);
const out = process.argv[3] ?? `${here}hello-js.wasm`;
const { component } = await componentize({ sourcePath: `${here}app.js`, witPath: wit, worldName: 'plugin' });
await writeFile(out, component);
console.log(`${out}: ${component.length} bytes`);
