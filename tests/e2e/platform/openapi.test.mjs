// The OpenAPI document (docs/openapi.yaml) describes exactly the routes the server registers,
// and the server serves the same document as JSON at GET /api/v2/openapi.json.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BIN, REPO, runCli, startServer, cleanupAll } from '../lib/server.mjs';

const DOC = path.join(REPO, 'docs', 'openapi.yaml');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

after(cleanupAll);

/** "METHOD /path" lines of `parley routes`, with a final `/*` written `/{rest}` as in the document. */
async function serverRoutes() {
  const r = await runCli(['routes']);
  assert.equal(r.code, 0, `${BIN} routes: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const routes = new Set();
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Z]+) (\/\S*)$/.exec(line.trim());
    if (!m) continue;
    const p = m[2].endsWith('/*') ? `${m[2].slice(0, -2)}/{rest}` : m[2];
    routes.add(`${m[1]} ${p}`);
  }
  assert.ok(routes.size > 0, `no "METHOD /path" lines in the output of ${BIN} routes:\n${r.stdout}`);
  return routes;
}

function loadDocument() {
  return YAML.parse(fs.readFileSync(DOC, 'utf8'));
}

/** "METHOD /path" of every operation in an OpenAPI document. */
function documentRoutes(doc) {
  const routes = new Set();
  for (const [p, item] of Object.entries(doc.paths || {})) {
    for (const method of METHODS) {
      if (item && item[method]) routes.add(`${method.toUpperCase()} ${p}`);
    }
  }
  return routes;
}

describe('OpenAPI document', () => {
  test('docs/openapi.yaml is OpenAPI 3.1 and lists exactly the routes the server registers', async () => {
    const doc = loadDocument();
    assert.match(String(doc.openapi), /^3\.1\.\d+$/, 'openapi version');
    const server = await serverRoutes();
    const documented = documentRoutes(doc);
    const missing = [...server].filter((r) => !documented.has(r)).sort();
    const extra = [...documented].filter((r) => !server.has(r)).sort();
    assert.ok(missing.length === 0 && extra.length === 0,
      'docs/openapi.yaml and `parley routes` differ\n' +
      `  registered by the server but not documented (${missing.length}):\n` +
      missing.map((r) => `    ${r}`).join('\n') + '\n' +
      `  documented but not registered by the server (${extra.length}):\n` +
      extra.map((r) => `    ${r}`).join('\n'));
  });

  test('every documented operation has an operationId, a tag and a success response', () => {
    const doc = loadDocument();
    const problems = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const name = `${method.toUpperCase()} ${p}`;
        if (!op.operationId) problems.push(`${name}: no operationId`);
        if (!op.tags?.length) problems.push(`${name}: no tags`);
        if (!Object.keys(op.responses || {}).some((s) => /^2\d\d$/.test(s))) problems.push(`${name}: no 2xx response`);
      }
    }
    assert.deepEqual(problems, []);
  });

  describe('served by the server', () => {
    let srv;
    before(async () => { srv = await startServer(); });

    test('GET /api/v2/openapi.json answers the same paths as docs/openapi.yaml, without authentication', async () => {
      const r = await fetch(`${srv.base}/api/v2/openapi.json`, { signal: AbortSignal.timeout(10_000) });
      const text = await r.text();
      assert.equal(r.status, 200, `GET /api/v2/openapi.json: HTTP ${r.status}\n${text.slice(0, 500)}`);
      assert.match(r.headers.get('content-type') || '', /^application\/json\b/, 'content type');
      let served;
      try {
        served = JSON.parse(text);
      } catch (e) {
        assert.fail(`GET /api/v2/openapi.json is not JSON: ${e.message}\n${text.slice(0, 500)}`);
      }
      assert.match(String(served.openapi), /^3\.1\.\d+$/, 'openapi version of the served document');
      assert.deepEqual(served.paths, loadDocument().paths, 'served paths differ from docs/openapi.yaml');
    });
  });
});
