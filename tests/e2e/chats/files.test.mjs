// Customer file transfer: limits notice, upload within the limits, refused uploads (too large,
// refused type, too many files: 103), download returns the exact bytes, delete → FileDeleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll } from '../lib/server.mjs';
import { disconnectAll } from '../lib/bayeux.mjs';
import {
  startChatServer, chatAgent, acceptedChat, expectCustomerError, assertDense, show,
} from '../lib/chat.mjs';

const j = (x) => JSON.stringify(x);
let srv, a1, cust;
const MiB = 1024 * 1024;
const uploaded = {}; // name → {id, bytes}

before(async () => {
  srv = await startChatServer();
  a1 = await chatAgent(srv, 'agent1');
  await a1.start();
  await a1.ready();
  cust = await acceptedChat(srv, a1, { nickname: 'Filer' });
});
after(async () => {
  await disconnectAll();
  await cleanupAll();
});

async function limits() {
  const b = await cust.fileLimits();
  const n = b.messages.filter((m) => m.type === 'Notice' && m.text === 'file-client-cfg-get');
  assert.equal(n.length, 1, `one file-client-cfg-get Notice: ${j(b)}`);
  assert.deepEqual(b.userData, n[0].userData, 'the limits are copied into the top-level userData');
  return n[0].userData;
}

test('file/limits: a Notice file-client-cfg-get with the default limits, for the customer only', async () => {
  const u = await limits();
  for (const k of ['upload-max-files', 'upload-max-file-size', 'upload-max-total-size', 'upload-file-types',
    'used-upload-max-files', 'used-upload-max-total-size', 'download-attempts', 'used-download-attempts']) {
    assert.ok(k in u, `${k} in ${j(u)}`);
  }
  assert.equal(Number(u['upload-max-file-size']), 2 * MiB);
  assert.equal(Number(u['upload-max-total-size']), 5 * MiB);
  assert.equal(Number(u['upload-max-files']), 3);
  assert.equal(Number(u['used-upload-max-files']), 0);
  assert.equal(Number(u['used-upload-max-total-size']), 0);
  const log = await a1.messages(cust.chatId);
  assert.ok(!log.some((m) => m.type === 'Notice'), `the limits notice is for the customer only: ${j(log)}`);
  assertDense(log, 'agent log');
});

test('upload within the limits → FileUploaded to both sides; download returns the same bytes and type', async () => {
  const text = Buffer.from('Invoice 17\nTotal: 42 EUR\n');
  const bin = Buffer.alloc(4096);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 7 + 3) & 0xff; // every byte value, incl. 0 and CR/LF
  bin.write('\x89PNG\r\n\x1a\n', 0, 'latin1');
  for (const [name, bytes, type, desc] of [['invoice.txt', text, 'text/plain', 'my invoice'], ['photo.png', bin, 'image/png', undefined]]) {
    const from = a1.mark();
    const b = await cust.upload(name, bytes, type, desc);
    const fileId = b.userData?.['file-id'];
    assert.ok(typeof fileId === 'string' && fileId.length > 0, `the answer's top-level userData["file-id"]: ${j(b)}`);
    uploaded[name] = { id: fileId, bytes, type };
    const mine = [...cust.seen.values()].find((m) => m.type === 'FileUploaded' && m.userData?.['file-id'] === fileId);
    assert.ok(mine, `the customer sees FileUploaded: ${j(b)}`);
    assert.equal(mine.userData['file-name'], name, j(mine));
    assert.equal(Number(mine.userData['file-size']), bytes.length, j(mine));
    const ev = await a1.waitMessage(cust.chatId, (m) => m.type === 'FileUploaded', `FileUploaded ${name}`, { from });
    assert.equal(ev.userData?.['file-id'], fileId, j(ev));
    assert.equal(ev.userData['file-name'], name);
    assert.equal(Number(ev.userData['file-size']), bytes.length);
    assert.ok(String(ev.userData['file-type']).length > 0, `file-type: ${j(ev)}`);
    assert.equal(ev.from.type, 'Customer');

    const d = await cust.download(fileId);
    assert.equal(d.status, 200, `download ${name}: HTTP ${d.status} ${d.text.slice(0, 200)}`);
    assert.ok(d.body.equals(bytes), `download ${name} returns the uploaded bytes (${d.body.length} vs ${bytes.length})`);
    assert.match(d.headers.get('content-type') || '', new RegExp(`^${type}`), `content type of ${name}`);
  }
  const u = await limits();
  assert.equal(Number(u['used-upload-max-files']), 2, j(u));
  assert.equal(Number(u['used-upload-max-total-size']), text.length + bin.length, j(u));
});

test('refused uploads: too large → 103, refused type → 103, a 4th file → 103; nothing is appended', async () => {
  const before = (await a1.messages(cust.chatId)).length;
  const tooBig = await cust.uploadRaw('big.txt', Buffer.alloc(2 * MiB + 1, 0x61), 'text/plain');
  expectCustomerError(tooBig, 400, 103, 'a file over 2 MiB');
  const exe = await cust.uploadRaw('tool.exe', Buffer.from('MZ\x90\x00'), 'application/x-msdownload');
  expectCustomerError(exe, 400, 103, 'a refused file type');
  // Exactly the per-file limit is accepted (the third file).
  const max = Buffer.alloc(2 * MiB, 0x62);
  const b = await cust.upload('max.txt', max, 'text/plain');
  uploaded['max.txt'] = { id: b.userData?.['file-id'], bytes: max };
  const d = await cust.download(uploaded['max.txt'].id);
  assert.equal(d.status, 200);
  assert.ok(d.body.equals(max), 'the 2 MiB file comes back whole');
  const fourth = await cust.uploadRaw('four.txt', Buffer.from('4'), 'text/plain');
  expectCustomerError(fourth, 400, 103, 'a 4th file (limit 3 per chat)');
  const wrong = await (async () => {
    const saved = cust.secureKey;
    cust.secureKey = 'AAAAAAAAAAAAAAAA';
    try { return await cust.uploadRaw('x.txt', Buffer.from('x'), 'text/plain'); } finally { cust.secureKey = saved; }
  })();
  expectCustomerError(wrong, 404, 104, 'upload with a wrong secureKey');
  const log = await a1.messages(cust.chatId);
  assert.equal(log.length, before + 1, `only the accepted upload was appended: ${j(log.slice(before))}`);
  const dl = await cust.download(uploaded['invoice.txt'].id, { ...cust.cred, secureKey: 'AAAAAAAAAAAAAAAA' });
  assert.equal(dl.status, 404, `download with a wrong secureKey: HTTP ${dl.status}`);
  assert.equal(dl.json?.errors?.[0]?.code, 104, dl.text);
});

test('delete → FileDeleted to both sides; the file cannot be downloaded any more', async () => {
  const { id } = uploaded['invoice.txt'];
  const from = a1.mark();
  const b = await cust.deleteFile(id);
  const del = [...cust.seen.values()].find((m) => m.type === 'FileDeleted');
  assert.equal(del?.userData?.['file-id'], id, `the customer sees FileDeleted: ${j(b)}`);
  const ev = await a1.waitMessage(cust.chatId, (m) => m.type === 'FileDeleted', 'FileDeleted', { from });
  assert.equal(ev.userData?.['file-id'], id, j(ev));
  assert.equal(ev.userData['file-name'], 'invoice.txt');
  const d = await cust.download(id);
  assert.ok(d.status >= 400, `a deleted file is gone: HTTP ${d.status} ${d.text.slice(0, 100)}`);
  const other = await cust.download(uploaded['photo.png'].id);
  assert.ok(other.body.equals(uploaded['photo.png'].bytes), 'the other files stay');
  const t = await cust.transcript();
  assertDense(t, 'customer transcript');
  assert.deepEqual(t.filter((m) => m.type.startsWith('File')).map((m) => [m.type, m.userData?.['file-name']]),
    [['FileUploaded', 'invoice.txt'], ['FileUploaded', 'photo.png'], ['FileUploaded', 'max.txt'], ['FileDeleted', 'invoice.txt']], show({ status: 200, text: j(t) }));
});
