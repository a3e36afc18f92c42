#!/usr/bin/env node
// A local S3 (s3rver) or DynamoDB (dynalite) store for tests and benchmarks, behind a front
// that verifies AWS Signature V4 the way AWS does.
//
// Neither stand-in checks signatures: s3rver 3.7.1 accepts any well-formed V4 signature of
// its known access key ("Signature version 4 calculation is unimplemented" in
// lib/middleware/authentication.js), dynalite 4.0.0 only checks the Authorization header's
// form. So every request first goes through this front, which recomputes the signature with
// AWS's own signer (@smithy/signature-v4, the AWS SDK's) from the secret it was given and
// refuses a mismatch with the error the real service sends; a verified request is forwarded
// unchanged to the store, which runs in this process on another port of 127.0.0.1.
//
//   node aws-store.js --kind s3|dynamodb --dir DIR --port PORT --access-key KEY --secret SECRET [--region R]
//
// Test hooks on the front (never part of S3's or DynamoDB's API, so no signature):
//   POST /__sluice/faults {"status":503,"code":"SlowDown","count":2[,"match":"PUT"]}
//        the next `count` signed requests (of that method, if `match`) get that error
//   GET  /__sluice/stats  {"requests":{"PUT":3,...},"refused":{"SignatureDoesNotMatch":1}}
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const { SignatureV4 } = require('@smithy/signature-v4');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['kind', 'dir', 'port', 'access-key', 'secret'])
    if (!out[k]) throw new Error(`--${k} is required`);
  if (out.kind !== 's3' && out.kind !== 'dynamodb') throw new Error('--kind is s3 or dynamodb');
  out.region = out.region || 'us-east-1';
  return out;
}

const args = parseArgs(process.argv.slice(2));
const isS3 = args.kind === 's3';
const service = isS3 ? 's3' : 'dynamodb';

// The hash and HMAC the signer asks for, from Node's crypto.
class Sha256 {
  constructor(secret) {
    this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256');
  }
  update(data) {
    this.h.update(data);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

const signer = new SignatureV4({
  credentials: { accessKeyId: args['access-key'], secretAccessKey: args.secret },
  region: args.region,
  service,
  sha256: Sha256,
  uriEscapePath: !isS3, // S3 signs the path encoded once, every other service twice
  applyChecksum: false,
});

// ---- errors as each service writes them ------------------------------------------------------

function xmlEscape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const stats = { requests: {}, refused: {} };

function refuse(res, status, code, message) {
  stats.refused[code] = (stats.refused[code] || 0) + 1;
  if (isS3) {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
      `<RequestId>sluice-front</RequestId></Error>`;
    res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  } else {
    const body = JSON.stringify({ __type: `com.amazon.coral.service#${code}`, message });
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}

// ---- signature verification ------------------------------------------------------------------

function parseAuthorization(value) {
  const m = /^AWS4-HMAC-SHA256 (.*)$/.exec(value || '');
  if (!m) return null;
  const parts = {};
  for (const piece of m[1].split(',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) return null;
    parts[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  if (!parts.Credential || !parts.SignedHeaders || !parts.Signature) return null;
  const scope = parts.Credential.split('/');
  if (scope.length !== 5) return null;
  return {
    accessKey: scope[0], date: scope[1], region: scope[2], service: scope[3], terminator: scope[4],
    signedHeaders: parts.SignedHeaders.split(';'), signature: parts.Signature,
  };
}

function parseAmzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '');
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

// S3 decodes the request's path and encodes every segment again (RFC 3986) to sign it, so
// a client that encoded differently is refused, as S3 would.
function s3CanonicalPath(rawPath) {
  return rawPath.split('/').map((seg) => {
    let decoded;
    try {
      decoded = decodeURIComponent(seg);
    } catch (e) {
      decoded = seg;
    }
    return encodeURIComponent(decoded).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  }).join('/');
}

function queryObject(search) {
  const query = {};
  for (const [k, v] of new URLSearchParams(search)) {
    if (k in query) query[k] = [].concat(query[k], v);
    else query[k] = v;
  }
  return query;
}

// Resolves to null when the request is properly signed, else to [status, code, message].
async function verify(req, body) {
  const auth = parseAuthorization(req.headers.authorization);
  if (!req.headers.authorization)
    return isS3 ? [403, 'AccessDenied', 'Access Denied']
      : [400, 'MissingAuthenticationTokenException', 'Request is missing Authentication Token'];
  if (!auth)
    return isS3 ? [400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.']
      : [400, 'IncompleteSignatureException', `Authorization header is malformed: ${req.headers.authorization}`];
  if (auth.accessKey !== args['access-key'])
    return isS3 ? [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.']
      : [400, 'UnrecognizedClientException', 'The security token included in the request is invalid.'];
  if (auth.region !== args.region)
    return isS3 ? [400, 'AuthorizationHeaderMalformed',
      `The authorization header is malformed; the region '${auth.region}' is wrong; expecting '${args.region}'`]
      : [400, 'InvalidSignatureException', `Credential should be scoped to a valid region, not '${auth.region}'.`];
  if (auth.service !== service || auth.terminator !== 'aws4_request')
    return [400, isS3 ? 'AuthorizationHeaderMalformed' : 'InvalidSignatureException',
      `Credential should be scoped to correct service: '${service}'.`];
  const when = parseAmzDate(req.headers['x-amz-date']);
  if (!when) return [400, isS3 ? 'AccessDenied' : 'IncompleteSignatureException', 'X-Amz-Date is missing or malformed'];
  if (Math.abs(Date.now() - when.getTime()) > 15 * 60 * 1000)
    return isS3 ? [403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.']
      : [400, 'InvalidSignatureException', `Signature expired: ${req.headers['x-amz-date']} is now earlier than allowed.`];
  if (!auth.signedHeaders.includes('host'))
    return [400, isS3 ? 'AccessDenied' : 'InvalidSignatureException', "'Host' must be a 'SignedHeader' in the AWS Authorization."];
  const bodyHash = crypto.createHash('sha256').update(body).digest('hex');
  if (isS3) {
    const declared = req.headers['x-amz-content-sha256'];
    if (!declared) return [400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'];
    if (declared !== 'UNSIGNED-PAYLOAD' && declared !== bodyHash)
      return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];
  }
  const url = new URL(req.url, 'http://front');
  const headers = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value === undefined)
      return [400, isS3 ? 'AccessDenied' : 'InvalidSignatureException', `Signed header ${name} is missing`];
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signed = await signer.sign({
    method: req.method,
    protocol: 'http:',
    hostname: (req.headers.host || '').split(':')[0],
    path: isS3 ? s3CanonicalPath(url.pathname) : decodeURIComponent(url.pathname),
    query: queryObject(url.search),
    headers,
    body: isS3 ? undefined : body,
  }, { signingDate: when, signableHeaders: new Set(auth.signedHeaders) });
  const expected = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization)[1];
  const expectedHeaders = /SignedHeaders=([^,]+)/.exec(signed.headers.authorization)[1];
  if (expected !== auth.signature || expectedHeaders !== auth.signedHeaders.join(';'))
    return isS3 ? [403, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.']
      : [400, 'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'];
  return null;
}

// ---- the store behind the front ---------------------------------------------------------------

async function startStore() {
  fs.mkdirSync(args.dir, { recursive: true });
  if (isS3) {
    const S3rver = require('s3rver');
    // s3rver knows one access key; teach it ours (the front has checked the signature).
    require('s3rver/lib/models/account').DUMMY_ACCOUNT.createKeyPair(args['access-key'], args.secret);
    const store = new S3rver({ address: '127.0.0.1', port: 0, directory: args.dir, silent: true });
    const { port } = await store.run();
    return port;
  }
  const dynalite = require('dynalite');
  const store = dynalite({ path: args.dir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise((resolve, reject) => {
    store.once('error', reject);
    store.listen(0, '127.0.0.1', resolve);
  });
  return store.address().port;
}

let faults = [];

function takeFault(method) {
  for (let i = 0; i < faults.length; ++i) {
    const f = faults[i];
    if (f.match && f.match !== method) continue;
    if (--f.count <= 0) faults.splice(i, 1);
    return f;
  }
  return null;
}

function hook(req, res, body) {
  if (req.method === 'POST' && req.url === '/__sluice/faults') {
    const f = JSON.parse(body.toString() || '{}');
    faults.push({ status: f.status || 503, code: f.code || 'SlowDown', count: f.count || 1, match: f.match,
      message: f.message || 'Please reduce your request rate.' });
    res.writeHead(204);
    res.end();
    return true;
  }
  if (req.method === 'GET' && req.url === '/__sluice/stats') {
    const text = JSON.stringify(stats);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  }
  return false;
}

async function main() {
  const storePort = await startStore();
  const front = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      if (req.url.startsWith('/__sluice/') && hook(req, res, body)) return;
      stats.requests[req.method] = (stats.requests[req.method] || 0) + 1;
      let problem;
      try {
        problem = await verify(req, body);
      } catch (e) {
        problem = [400, isS3 ? 'InvalidRequest' : 'InvalidSignatureException', `cannot verify the signature: ${e.message}`];
      }
      if (problem) return refuse(res, ...problem);
      const fault = takeFault(req.method);
      if (fault) return refuse(res, fault.status, fault.code, fault.message);
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const upstream = http.request({ host: '127.0.0.1', port: storePort, method: req.method, path: req.url, headers },
        (answer) => {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
        });
      upstream.on('error', (e) => refuse(res, 500, 'InternalError', `store: ${e.message}`));
      upstream.end(body);
    });
  });
  front.keepAliveTimeout = 30000;
  await new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(Number(args.port), '127.0.0.1', resolve);
  });
  console.log(`${args.kind} store on http://127.0.0.1:${args.port} (signature-verifying front; store on port ${storePort})`);
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(`aws-store: ${e.stack || e}`);
  process.exit(1);
});
