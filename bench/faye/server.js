// Faye 1.4 as the comparison point of bench/fanout.sh: a Bayeux server on /faye (websocket
// and long-polling, connects held up to 25 s like Parley's) plus a publish endpoint over HTTP
// so that both servers get their publish requests the same way:
//   POST /publish?user=<k>&reason=<stamp>  ->  server-side publish of {reason} to /u/<k>,
//   answered once Faye has accepted the publication.
// Usage: node bench/faye/server.js PORT
'use strict';
const http = require('http');
const faye = require('faye');

const port = Number(process.argv[2]);
if (!port) {
  console.error('usage: node server.js PORT');
  process.exit(2);
}

const bayeux = new faye.NodeAdapter({ mount: '/faye', timeout: 25 });
const client = bayeux.getClient();

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const answer = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (url.pathname === '/healthz') return answer(200, '{"status":"ok"}');
  if (req.method !== 'POST' || url.pathname !== '/publish') return answer(404, '{"statusCode":404}');
  req.resume();
  req.on('end', () => {
    const user = url.searchParams.get('user');
    const reason = url.searchParams.get('reason') || '';
    client.publish('/u/' + user, { reason }).then(
      () => answer(200, '{"statusCode":0}'),
      (error) => answer(500, JSON.stringify({ statusCode: 1, statusMessage: String(error && error.message) })));
  });
});

bayeux.attach(server);
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
