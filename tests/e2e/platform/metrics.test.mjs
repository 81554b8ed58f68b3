// GET /metrics (Prometheus text exposition format 0.0.4, public): after real chat activity the
// desk, queue, offer, message, supervision, agent, CometD, HTTP and store metrics carry the
// exact values the activity implies; an offer that times out is counted as timed_out.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, CLUSTER_PAIR } from '../lib/server.mjs';
import { api, show } from '../lib/http.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import { startChatServer, chatAgent, acceptedChat, Customer, waitUntil, SERVICE } from '../lib/chat.mjs';
import { supervisor } from '../lib/supervision.mjs';

const j = (x) => JSON.stringify(x);

after(async () => {
  await disconnectAll();
  await cleanupAll();
});

// ---------------------------------------------------------------------------------------------
// A tiny exposition-format parser.

/** Parse `{a="x",b="y"}` (values may contain escaped quotes, backslashes and newlines). */
function parseLabels(s) {
  const labels = {};
  if (!s) return labels;
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
  let m;
  let pos = 0;
  while (pos < s.length && (m = re.exec(s))) {
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    pos = re.lastIndex;
  }
  assert.equal(pos, s.length, `unparsable label set {${s}}`);
  return labels;
}

/**
 * {samples: [{name, labels, value}], types: Map(family → type), lines}. Throws on a sample line
 * that is not `name{labels} value`.
 */
function parseMetrics(text) {
  const samples = [];
  const types = new Map();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const t = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (t) types.set(t[1], t[2]);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
    assert.ok(m, `not a sample line: ${j(line)}`);
    const v = m[3];
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
    assert.ok(!Number.isNaN(value) || v === 'NaN', `bad value in ${j(line)}`);
    samples.push({ name: m[1], labels: parseLabels(m[2] || ''), value, line });
  }
  return { samples, types, text };
}

/** Samples of `name` whose labels include all of `want`. */
function find(p, name, want = {}) {
  return p.samples.filter((s) => s.name === name && Object.entries(want).every(([k, v]) => s.labels[k] === v));
}

/** The one sample of `name` with exactly the labels in `want` matching (fails if 0 or >1). */
function value(p, name, want = {}) {
  const all = find(p, name, want);
  assert.equal(all.length, 1, `exactly one sample ${name}${j(want)}; got ${j(all.map((s) => s.line))}\n` +
    `all ${name}: ${j(find(p, name).map((s) => s.line))}`);
  return all[0].value;
}

/** The value, or undefined if the series is missing (for polling). */
function maybe(p, name, want = {}) {
  const all = find(p, name, want);
  return all.length === 1 ? all[0].value : undefined;
}

async function scrape(srv) {
  const r = await api(srv, 'GET', '/metrics');
  assert.equal(r.status, 200, `GET /metrics: ${show(r)}`);
  const p = parseMetrics(r.text);
  p.res = r;
  return p;
}

/** Scrape until pred(parsed) holds (the metrics are refreshed every 500 ms); returns the last. */
async function scrapeUntil(srv, pred, timeoutMs, what) {
  let last;
  try {
    await waitUntil(async () => {
      last = await scrape(srv);
      return pred(last);
    }, timeoutMs, what);
  } catch (e) {
    throw new Error(`${e.message}\n--- last /metrics ---\n${last?.text}`);
  }
  return last;
}

/** The family a sample belongs to (histogram/summary suffixes stripped when the base is typed). */
function familyOf(p, name) {
  if (p.types.has(name)) return name;
  for (const suf of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suf) && p.types.has(name.slice(0, -suf.length))) return name.slice(0, -suf.length);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

describe('GET /metrics after real activity', { skip: CLUSTER_PAIR && 'the desk figures come from the node holding the desk, not from the node a test talks to' }, () => {
  let srv, a1, a2, sup;
  let c1, c2, supState;
  const CUSTOMER_TEXTS = []; // every customer text, including the one passed at request time

  before(async () => {
    srv = await startChatServer();
    a1 = await chatAgent(srv, 'agent1'); // CometD websocket session (push)
    a2 = await chatAgent(srv, 'agent2');
    await a1.start();
    await a2.start();
    await a2.notReady('later');
    await a1.ready();

    // Chat 1: requested with a first message, accepted by agent1, 2 customer + 1 agent messages.
    c1 = await acceptedChat(srv, a1, { nickname: 'Metric One', text: 'first message at request time' });
    CUSTOMER_TEXTS.push('first message at request time');
    await c1.send('customer message 2');
    CUSTOMER_TEXTS.push('customer message 2');
    await c1.send('customer message 3');
    CUSTOMER_TEXTS.push('customer message 3');
    await a1.opOk(c1.chatId, { operationName: 'SendMessage', text: 'agent message 1' });

    // Chat 2: offered to agent1; agent2 becomes Ready; agent1 rejects, so the chat is offered
    // to agent2 (a rejecting agent who is the only Ready one is offered the chat again, so
    // agent2 must be Ready before the Reject), who accepts it.
    const f1 = a1.mark();
    c2 = await Customer.request(srv, { nickname: 'Metric Two' });
    await a1.waitOffer(c2.chatId, { from: f1 });
    const f2 = a2.mark();
    await a2.ready();
    await a1.opOk(c2.chatId, { operationName: 'Reject' });
    await a2.waitOffer(c2.chatId, { from: f2, timeoutMs: 10_000 });
    await a2.opOk(c2.chatId, { operationName: 'Accept' });
    await a2.waitState(c2.chatId, 'Chatting', { from: f2 });

    // supervisor1 (contact-center session started, chat channel left as it is) coaches agent1.
    sup = await supervisor(srv, 'supervisor1');
    await sup.superviseOk(a1, { operationName: 'Coach', supervisorMonitoringMode: 'NextChat' });
    supState = (await sup.channels()).find((c) => c.channel === 'chat')?.userState?.state;
    assert.ok(supState && supState !== 'Ready', `supervisor1 is not Ready: ${supState}`);

    // Sanity: the logs hold what we think we sent.
    const log1 = await a1.messages(c1.chatId);
    const texts = log1.filter((m) => m.type === 'Text').map((m) => [m.from.type, m.text]);
    assert.deepEqual(texts, [
      ['Customer', 'first message at request time'],
      ['Customer', 'customer message 2'],
      ['Customer', 'customer message 3'],
      ['Agent', 'agent message 1'],
    ], `chat 1 log: ${j(log1)}`);
  });

  let p;
  test('the exposition is text/plain; version=0.0.4 and parses; every family has a # TYPE line', async () => {
    // Wait until the (refreshed every 500 ms) CometD gauge shows agent1's websocket session.
    p = await scrapeUntil(srv, (x) => (maybe(x, 'parley_bayeux_sessions', { endpoint: 'gws', transport: 'websocket' }) ?? 0) >= 1,
      5000, 'parley_bayeux_sessions{endpoint="gws",transport="websocket"} >= 1');
    const ct = p.res.headers.get('content-type') || '';
    assert.match(ct, /^text\/plain\s*;\s*version=0\.0\.4(\s*;.*)?$/i, `content-type: ${ct}`);
    const untyped = [...new Set(p.samples.map((s) => s.name).filter((n) => !familyOf(p, n)))];
    assert.deepEqual(untyped, [], `samples without a # TYPE line for their family: ${j(untyped)}`);
    for (const [fam, t] of p.types) {
      assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(t), `# TYPE ${fam} ${t}`);
    }
    // /metrics is public: no credentials were sent.
  });

  test('each family is one group: its # TYPE line first, then all of its samples together', () => {
    // Exposition format 0.0.4: "All lines for a given metric must be provided as one single
    // group, with the optional HELP and TYPE lines first."
    const seen = new Set(); // families whose group has ended
    let current = null;
    const problems = [];
    for (const line of p.text.split('\n')) {
      if (line.trim() === '') continue;
      let fam;
      const t = /^# (?:TYPE|HELP) (\S+)/.exec(line);
      if (t) fam = t[1];
      else if (line.startsWith('#')) continue;
      else fam = familyOf(p, /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)[0]);
      if (fam !== current) {
        if (current) seen.add(current);
        if (seen.has(fam)) problems.push(`${fam} again after other families: ${line}`);
        else if (!t) problems.push(`a sample of ${fam} before its # TYPE line: ${line}`);
        current = fam;
      }
    }
    assert.deepEqual(problems, [], 'families split into several groups');
  });

  test('chats: 2 active (all four state labels present), 2 created', () => {
    for (const state of ['queued', 'offered', 'active', 'ended']) {
      assert.equal(find(p, 'parley_chats', { state }).length, 1, `parley_chats{state="${state}"} present: ${j(find(p, 'parley_chats').map((s) => s.line))}`);
    }
    assert.equal(value(p, 'parley_chats', { state: 'active' }), 2);
    assert.equal(value(p, 'parley_chats', { state: 'queued' }), 0);
    assert.equal(value(p, 'parley_chats', { state: 'offered' }), 0);
    assert.equal(value(p, 'parley_chats', { state: 'ended' }), 0);
    assert.equal(value(p, 'parley_chats_created_total'), 2);
    assert.equal(p.types.get('parley_chats'), 'gauge');
    assert.equal(p.types.get('parley_chats_created_total'), 'counter');
  });

  test('routing offers: made >= 3, accepted 2, rejected 1', () => {
    const k = { kind: 'routing' };
    assert.ok(value(p, 'parley_offers_total', { ...k, outcome: 'made' }) >= 3,
      `made >= 3: ${j(find(p, 'parley_offers_total').map((s) => s.line))}`);
    assert.equal(value(p, 'parley_offers_total', { ...k, outcome: 'accepted' }), 2);
    assert.equal(value(p, 'parley_offers_total', { ...k, outcome: 'rejected' }), 1);
    assert.equal(value(p, 'parley_offers_total', { ...k, outcome: 'timed_out' }), 0);
    assert.equal(p.types.get('parley_offers_total'), 'counter');
  });

  test('chat messages by sender: every customer text (with the one at request time), 1 agent', () => {
    assert.equal(value(p, 'parley_chat_messages_total', { sender: 'customer' }), CUSTOMER_TEXTS.length,
      `customer messages: ${j(CUSTOMER_TEXTS)}`);
    assert.equal(value(p, 'parley_chat_messages_total', { sender: 'agent' }), 1);
    assert.equal(value(p, 'parley_chat_messages_total', { sender: 'supervisor' }), 0);
  });

  test('queue: empty now; the wait histogram counted both accepts, cumulative buckets', () => {
    assert.equal(value(p, 'parley_queue_length', { queue: SERVICE }), 0);
    assert.equal(p.types.get('parley_queue_wait_seconds'), 'histogram');
    const svc = { service: SERVICE };
    const count = value(p, 'parley_queue_wait_seconds_count', svc);
    assert.equal(count, 2);
    const sum = value(p, 'parley_queue_wait_seconds_sum', svc);
    assert.ok(sum >= 0 && Number.isFinite(sum), `sum: ${sum}`);
    const buckets = find(p, 'parley_queue_wait_seconds_bucket', svc)
      .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), v: s.value, line: s.line }));
    assert.ok(buckets.length >= 2, `buckets: ${j(buckets.map((b) => b.line))}`);
    for (const b of buckets) assert.ok(!Number.isNaN(b.le), `le label: ${b.line}`);
    const les = buckets.map((b) => b.le);
    assert.deepEqual(les, [...les].sort((x, y) => x - y), `buckets in increasing le order: ${j(buckets.map((b) => b.line))}`);
    assert.equal(new Set(les).size, les.length, 'no duplicate le');
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i].v >= buckets[i - 1].v, `cumulative: ${buckets[i - 1].line} then ${buckets[i].line}`);
    }
    const inf = buckets.find((b) => b.le === Infinity);
    assert.ok(inf, `a +Inf bucket: ${j(buckets.map((b) => b.line))}`);
    assert.equal(inf.v, count, '+Inf bucket == _count');
  });

  test('supervisions: Coach 1, Monitor 0, BargeIn 0', () => {
    assert.equal(value(p, 'parley_supervisions', { mode: 'Coach' }), 1, j(find(p, 'parley_supervisions').map((s) => s.line)));
    assert.equal(value(p, 'parley_supervisions', { mode: 'Monitor' }), 0);
    assert.equal(value(p, 'parley_supervisions', { mode: 'BargeIn' }), 0);
  });

  test('agents: 2 Ready (agent1, agent2), supervisor1 counted in its own state', () => {
    const lines = j(find(p, 'parley_agents').map((s) => s.line));
    assert.equal(value(p, 'parley_agents', { state: 'Ready' }), 2, lines);
    assert.equal(value(p, 'parley_agents', { state: supState }), 1, `supervisor1 is ${supState}: ${lines}`);
    const total = find(p, 'parley_agents').reduce((a, s) => a + s.value, 0);
    assert.equal(total, 3, `agent1, agent2 and supervisor1 have a contact-center session: ${lines}`);
  });

  test('CometD: a gws websocket session; overflow closes present', () => {
    assert.ok(value(p, 'parley_bayeux_sessions', { endpoint: 'gws', transport: 'websocket' }) >= 1);
    assert.equal(p.types.get('parley_bayeux_sessions'), 'gauge');
    const ov = value(p, 'parley_bayeux_overflow_closes_total', { endpoint: 'gws' });
    assert.equal(ov, 0, 'no session overflowed');
    assert.equal(p.types.get('parley_bayeux_overflow_closes_total'), 'counter');
  });

  test('HTTP requests with status 200 counted; store commits observed', () => {
    const ok = find(p, 'parley_http_requests_total', { status: '200' });
    assert.ok(ok.length >= 1 && ok.some((s) => s.value >= 1), `a status="200" series: ${j(find(p, 'parley_http_requests_total').map((s) => s.line))}`);
    assert.equal(p.types.get('parley_store_commit_seconds'), 'histogram');
    const commits = find(p, 'parley_store_commit_seconds_count');
    assert.ok(commits.length >= 1, 'parley_store_commit_seconds_count present');
    assert.ok(commits.reduce((a, s) => a + s.value, 0) > 0, `commits: ${j(commits.map((s) => s.line))}`);
  });
});

describe('an offer that times out is counted', { skip: CLUSTER_PAIR && 'the desk figures come from the node holding the desk, not from the node a test talks to' }, () => {
  test('--offer-timeout 1: offers_total{kind="routing",outcome="timed_out"} >= 1', async () => {
    const srv = await startChatServer({ flags: ['--offer-timeout', '1'] });
    const a = await chatAgent(srv, 'agent1', { push: false });
    await a.start();
    await a.ready();
    const before = await scrape(srv);
    assert.equal(maybe(before, 'parley_offers_total', { kind: 'routing', outcome: 'timed_out' }) ?? 0, 0, 'none timed out yet');
    await Customer.request(srv, { nickname: 'Ignored' });
    const p = await scrapeUntil(srv,
      (x) => (maybe(x, 'parley_offers_total', { kind: 'routing', outcome: 'timed_out' }) ?? 0) >= 1,
      10_000, 'parley_offers_total{kind="routing",outcome="timed_out"} >= 1');
    assert.ok(value(p, 'parley_offers_total', { kind: 'routing', outcome: 'made' }) >= 1);
    assert.equal(value(p, 'parley_offers_total', { kind: 'routing', outcome: 'accepted' }), 0);
    assert.equal(value(p, 'parley_chats_created_total'), 1);
  });
});
