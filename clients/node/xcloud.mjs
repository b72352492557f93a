#!/usr/bin/env node
// Calling the XCloud customers API from Node 20, built-ins only (fetch, node:crypto).
//
// The endpoint table mirrors the Python one (clients/python/xcloud.py):
// md5: true endpoints (the POSTs and PUT) carry Content-MD5. Every request is
// signed with XCLOUD-HMAC-SHA256, version 1.1 (docs/API.md, "Authentication"):
// the seven lines of 1.0, plus an "if-match:" and an "idempotency-key:" line
// when the request carries those headers. On 401 INVALID_SIGNATURE the client
// prints the server's stringToSign next to its own (docs/CLIENTS.md, "When you
// get INVALID_SIGNATURE").
//
// Run as a script it is a recipe that exercises every endpoint: an idempotent
// registration and its replay, a conditional update, a key regeneration, a
// read, every page of a listing and an existence check:
//
//   XCLOUD_ENDPOINT=http://127.0.0.1:3000 XCLOUD_SERVICE_ID=demo \
//   XCLOUD_SERVICE_SECRET=demo-secret node clients/node/xcloud.mjs
//
// It exits non-zero on any unexpected status or field; scripts/client-recipes.sh
// runs it against a local API.

import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ENDPOINTS = {
  register_customer: { path: '/xcloud/v1/customers', verb: 'POST', md5: true },
  update_customer: { path: '/xcloud/v1/customers/{customerId}', verb: 'PUT', md5: true },
  get_customer: { path: '/xcloud/v1/customers/{customerId}', verb: 'GET', md5: false },
  list_customers: { path: '/xcloud/v1/customers', verb: 'GET', md5: false },
  customers_exist: { path: '/xcloud/v1/customers/{customerIds}', verb: 'HEAD', md5: false },
  regenerate_api_key: { path: '/xcloud/v1/customers/{customerId}/apiKeys', verb: 'POST', md5: true },
};

const ALGORITHM = 'XCLOUD-HMAC-SHA256';

// RFC 3986: encodeURIComponent leaves !'()* alone; they are reserved, so encode them too.
export function rfc3986(s) {
  return encodeURIComponent(String(s)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// Plain code-unit comparison: encoded strings are ASCII, so this is byte order.
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

export function canonicalQuery(pairs) {
  return pairs
    .map(([n, v]) => [rfc3986(n), rfc3986(v)])
    .sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]))
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

export function contentMD5(bytes) {
  return createHash('md5').update(bytes).digest('base64');
}

// The seven lines of 1.0; then, when the request carries If-Match or
// Idempotency-Key (not undefined/null), one more line for each, in that order:
// the lower-case name, ':', the value trimmed.
export function stringToSign(timestamp, serviceId, verb, path, pairs, md5, ifMatch, idempotencyKey) {
  const lines = [ALGORITHM, String(timestamp), serviceId, verb.toUpperCase(), path, canonicalQuery(pairs), md5 || ''];
  if (ifMatch != null) lines.push('if-match:' + String(ifMatch).trim());
  if (idempotencyKey != null) lines.push('idempotency-key:' + String(idempotencyKey).trim());
  return lines.join('\n');
}

export function signString(secret, sts) {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(sts, 'utf8').digest('hex');
}

export function sign(secret, timestamp, serviceId, verb, path, pairs = [], md5 = '', ifMatch, idempotencyKey) {
  return signString(secret, stringToSign(timestamp, serviceId, verb, path, pairs, md5, ifMatch, idempotencyKey));
}

// The value a header signs with (names case-insensitive; an array is its
// values joined with ','), or undefined when the request does not carry it.
export function signedHeader(headers, name) {
  const hit = Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase());
  if (!hit) return undefined;
  return Array.isArray(hit[1]) ? hit[1].join(',') : String(hit[1]);
}

// Both strings to sign, line by line, the lines that differ marked with '!'.
export function compareStringsToSign(ours, theirs) {
  const a = ours.split('\n');
  const b = theirs.split('\n');
  const out = ['  ' + 'our string to sign'.padEnd(40) + ' | ' + "the server's stringToSign"];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = i < a.length ? JSON.stringify(a[i]) : '(no line)';
    const y = i < b.length ? JSON.stringify(b[i]) : '(no line)';
    out.push((x === y ? '  ' : '! ') + x.padEnd(40) + ' | ' + y);
  }
  if (ours === theirs) out.push('  (every line matches: check the service id and the secret)');
  return out.join('\n');
}

export class Client {
  constructor(endpoint, serviceId, secret, { explainInvalidSignature = true } = {}) {
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.serviceId = serviceId;
    this.secret = secret;
    // On 401 INVALID_SIGNATURE, print the server's stringToSign next to ours.
    this.explainInvalidSignature = explainInvalidSignature;
  }

  // pathParams fill {placeholders} (an array is joined with commas); query is an
  // object or an array of [name, value]; body an object (sent as JSON) or the
  // exact string/Buffer to send; headers are extra headers, and If-Match and
  // Idempotency-Key among them are signed. (resign, for demonstrations only,
  // replaces the string to sign.)
  async call(name, pathParams = {}, query = [], body = undefined, headers = {}, resign = undefined) {
    const ep = ENDPOINTS[name];
    const rawPath = ep.path.replace(/\{(\w+)\}/g, (_, k) => {
      const v = pathParams[k];
      if (v === undefined) throw new Error(`${name}: missing path parameter ${k}`);
      return (Array.isArray(v) ? v : [v]).map(rfc3986).join(',');
    });
    const signedPath = decodeURIComponent(rawPath); // the string to sign holds the decoded path
    const pairs = (Array.isArray(query) ? query : Object.entries(query)).map(([n, v]) => [String(n), String(v)]);
    const qs = canonicalQuery(pairs); // on the wire too: %20, never '+'
    const url = this.endpoint + rawPath + (qs ? '?' + qs : '');

    const h = {};
    let data;
    let md5 = '';
    if (ep.md5) {
      data = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body ?? {}), 'utf8');
      md5 = contentMD5(data); // of exactly the bytes sent
      h['Content-MD5'] = md5;
      h['Content-Type'] = 'application/json';
    }
    const extra = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
    );
    Object.assign(h, extra);
    const timestamp = String(Math.floor(Date.now() / 1000));
    // The 1.1 lines: If-Match and Idempotency-Key, when sent, are signed.
    let sts = stringToSign(timestamp, this.serviceId, ep.verb, signedPath, pairs, md5,
      signedHeader(extra, 'If-Match'), signedHeader(extra, 'Idempotency-Key'));
    if (resign) sts = resign(sts);
    h['X-XCloud-Service-Id'] = this.serviceId;
    h['X-XCloud-Timestamp'] = timestamp;
    h['X-XCloud-Signature'] = signString(this.secret, sts);

    const res = await fetch(url, { method: ep.verb, headers: h, body: data });
    const text = await res.text();
    let json = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        /* not JSON */
      }
    }
    if (this.explainInvalidSignature && res.status === 401 && json?.error === 'INVALID_SIGNATURE' && typeof json.stringToSign === 'string') {
      console.error(`${ep.verb} ${rawPath}: 401 INVALID_SIGNATURE; compare the strings to sign:\n` + compareStringsToSign(sts, json.stringToSign));
    }
    return { status: res.status, headers: res.headers, text, json, stringToSign: sts };
  }
}

// ---------------------------------------------------------------------------
// The recipe.

function check(cond, what, res) {
  if (!cond) {
    console.error(`FAIL: ${what}` + (res ? ` (got ${res.status ?? ''} ${res.text ?? JSON.stringify(res)})` : ''));
    process.exit(1);
  }
}

function expect(res, status, what) {
  check(res.status === status, `${what}: want HTTP ${status}, got ${res.status}`, res);
  check(res.headers.get('x-request-id'), `${what}: X-Request-Id header`, res);
}

function selfTest() {
  const body = Buffer.from('{"customerId":"FST-12345678-acme"}');
  check(contentMD5(body) === 'ZUvzoa+2mv8OxUcsjUi/0A==', 'known-answer Content-MD5');
  check(
    sign('test-secret', '1700000000', 'billing-svc', 'POST', '/xcloud/v1/customers', [], contentMD5(body)) ===
      'd74619514f56097a5e8b4ffe1e23daa5f4af7c62d688a359dc3978b5fd5ca2d7',
    'known-answer POST signature',
  );
  check(
    sign('test-secret', '1700000000', 'billing-svc', 'GET', '/xcloud/v1/customers', [['status', 'ACTIVE'], ['limit', '10']]) ===
      'a480b7de096fa2f5146ce662c8d1ddfc56ce8e379d5e7baa05047a4645781ecd',
    'known-answer GET signature',
  );
  check(canonicalQuery([['b', 'x y'], ['a', '2'], ['a', "1+(')"]]) === 'a=1%2B%28%27%29&a=2&b=x%20y', 'canonical query');
  // 1.1: If-Match and Idempotency-Key lines (values trimmed).
  const put = Buffer.from('{"status":"INACTIVE"}');
  check(
    sign('test-secret', '1700000000', 'billing-svc', 'PUT', '/xcloud/v1/customers/FST-12345678-acme', [], contentMD5(put), '"1"') ===
      '1fd5924535e8826273cdd637dfdb325a43e97860aa6ae217d4772b759a4c9cd7',
    'known-answer PUT If-Match signature',
  );
  check(
    sign('test-secret', '1700000000', 'billing-svc', 'POST', '/xcloud/v1/customers', [], contentMD5(body), undefined, ' 7d9f6c1e-register-acme ') ===
      '5bfcb587ad9586f7bf7f1d12ed289f0fda742b48ba71282a21e7e1252f2f8566',
    'known-answer POST Idempotency-Key signature',
  );
  console.log('self-test: known-answer signatures match');
}

async function main() {
  const { XCLOUD_ENDPOINT: endpoint, XCLOUD_SERVICE_ID: serviceId, XCLOUD_SERVICE_SECRET: secret } = process.env;
  if (!endpoint || !serviceId || !secret) {
    console.error('set XCLOUD_ENDPOINT, XCLOUD_SERVICE_ID and XCLOUD_SERVICE_SECRET');
    process.exit(2);
  }
  selfTest();
  const api = new Client(endpoint, serviceId, secret);
  const suffix = randomBytes(6).toString('hex');
  const cid = `FST-${Date.now()}-node${suffix}`;

  // 1. register with an Idempotency-Key: a POST that may safely be retried
  const body = Buffer.from(JSON.stringify({
    customerId: cid,
    customerName: 'Dewatering Solutions Inc',
    contactInfo: { email: 'contact@dewatering-solutions.com', phone: '+1-555-0123' },
    settings: { dataRetentionDays: 365, alertFrequency: 'immediate', reportingEnabled: true },
    location: { latitude: 39.7817, longitude: -89.6501 },
    status: 'ACTIVE',
  }), 'utf8'); // the same bytes for every retry
  const idem = { 'Idempotency-Key': randomUUID() };
  let r = await api.call('register_customer', {}, [], body, idem);
  expect(r, 201, 'register_customer');
  check(r.json.customerId === cid && r.json.status === 'ACTIVE', 'register: customerId/status', r);
  check(r.json.apiKeys?.primary && r.json.apiKeys?.secondary, 'register: apiKeys', r);
  check(r.json.limits?.maxDevices > 0 && r.json.limits?.maxUsers > 0 && r.json.limits?.maxDataPoints > 0, 'register: limits', r);
  check((r.headers.get('location') || '').endsWith('/xcloud/v1/customers/' + cid), 'register: Location', r);
  check(r.headers.get('idempotent-replayed') === null, 'register: a first POST is not a replay', r);
  let etag = r.headers.get('etag');
  check(etag, 'register: ETag', r);
  const etagAtRegister = etag;
  const first = r.json;
  console.log(`register_customer ${cid} (Idempotency-Key ${idem['Idempotency-Key']}) -> ${r.status}, createdAt ${first.createdAt}, ETag ${etag}`);

  // 1b. the same POST again (same key, same bytes), as a retry after a lost
  // answer would send it: 201, marked as a replay, the same customer, new keys
  // (the first answer's keys stop working).
  r = await api.call('register_customer', {}, [], body, idem);
  expect(r, 201, 'register_customer (retry)');
  check(r.headers.get('idempotent-replayed') === 'true', 'retry: Idempotent-Replayed: true', r);
  check(r.json.customerId === cid && r.json.createdAt === first.createdAt, 'retry: the same customerId and createdAt', r);
  const keys = r.json.apiKeys;
  check(
    keys?.primary?.startsWith('xck_') && keys?.secondary?.startsWith('xck_') &&
      keys.primary !== first.apiKeys.primary && keys.secondary !== first.apiKeys.secondary,
    'retry: new apiKeys',
    r,
  );
  console.log(`register_customer ${cid} again, same Idempotency-Key -> ${r.status}, Idempotent-Replayed: ${r.headers.get('idempotent-replayed')}, new apiKeys`);

  // 2. update (merge) with If-Match (signed: 1.1)
  r = await api.call('update_customer', { customerId: cid }, [], {
    customerName: 'Updated Dewatering Solutions Inc',
    settings: { alertFrequency: 'hourly' },
    status: 'INACTIVE',
  }, { 'If-Match': etag });
  expect(r, 200, 'update_customer');
  check(JSON.stringify(r.json.changes) === JSON.stringify(['customerName', 'settings.alertFrequency', 'status']), 'update: changes', r);
  check(r.json.status === 'INACTIVE' && r.json.updatedAt, 'update: status/updatedAt', r);
  etag = r.headers.get('etag');
  check(etag, 'update: ETag', r);
  console.log(`update_customer ${cid} (If-Match signed) -> ${r.status}, changes ${JSON.stringify(r.json.changes)}`);

  // 2b. the same If-Match again is stale now: 412, nothing written
  r = await api.call('update_customer', { customerId: cid }, [], { customerName: 'Stale Write Inc' }, { 'If-Match': etagAtRegister });
  expect(r, 412, 'update_customer (stale If-Match)');
  check(r.json.error === 'PRECONDITION_FAILED', 'stale If-Match: PRECONDITION_FAILED', r);
  console.log(`update_customer ${cid} with the stale If-Match ${etagAtRegister} -> ${r.status} ${r.json.error}`);

  // 2c. regenerate the secondary key; the primary keeps working
  r = await api.call('regenerate_api_key', { customerId: cid }, [], { key: 'secondary' });
  expect(r, 200, 'regenerate_api_key');
  check(r.json.customerId === cid && JSON.stringify(Object.keys(r.json.apiKeys)) === '["secondary"]', 'regenerate: only the secondary key', r);
  check(r.json.apiKeys.secondary.startsWith('xck_') && r.json.apiKeys.secondary !== keys.secondary, 'regenerate: a new xck_ key', r);
  check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(r.json.regeneratedAt), 'regenerate: regeneratedAt', r);
  console.log(`regenerate_api_key ${cid} secondary -> ${r.status}, regeneratedAt ${r.json.regeneratedAt}`);

  // 3. get
  r = await api.call('get_customer', { customerId: cid });
  expect(r, 200, 'get_customer');
  const c = r.json;
  check(
    c.customerId === cid && c.customerName === 'Updated Dewatering Solutions Inc' && c.status === 'INACTIVE' &&
      c.settings.alertFrequency === 'hourly' && c.settings.dataRetentionDays === 365 && c.location.latitude === 39.7817,
    'get: merged fields',
    r,
  );
  check(!('apiKeys' in c) && c.createdAt && c.updatedAt && c.limits, 'get: shape', r);
  check(r.headers.get('etag') === etag, 'get: ETag unchanged by the 412 and the key regeneration', r);
  console.log(`get_customer ${cid} -> ${r.status}, name "${c.customerName}", status ${c.status}`);

  // 4. list: follow nextToken until absent; pages may be short or empty
  const seen = [];
  let pages = 0;
  let token;
  do {
    const q = [['limit', '3'], ['status', 'INACTIVE']];
    if (token) q.push(['nextToken', token]);
    r = await api.call('list_customers', {}, q);
    expect(r, 200, `list_customers page ${pages + 1}`);
    pages++;
    for (const x of r.json.customers) {
      check(x.status === 'INACTIVE', 'list: status filter', r);
      seen.push(x.customerId);
    }
    token = r.json.nextToken;
    check(pages < 10000, 'list: too many pages');
  } while (token);
  check(seen.filter((x) => x === cid).length === 1, `list: ${cid} seen exactly once`);
  check(new Set(seen).size === seen.length, 'list: no customer twice');
  console.log(`list_customers status=INACTIVE limit=3 -> ${pages} pages, ${seen.length} customers, ours included`);

  // 5. exists
  r = await api.call('customers_exist', { customerIds: [cid] });
  expect(r, 200, 'customers_exist (present)');
  check(r.text === '', 'HEAD has no body', r);
  const missing = `FST-${Date.now()}-nodeMissing${suffix}`;
  r = await api.call('customers_exist', { customerIds: [cid, missing] });
  expect(r, 404, 'customers_exist (one missing)');
  check(r.headers.get('x-xcloud-missing-ids') === missing, 'exists: X-XCloud-Missing-Ids', r);
  console.log(`customers_exist ${cid} -> 200; ${cid},${missing} -> 404, X-XCloud-Missing-Ids: ${r.headers.get('x-xcloud-missing-ids')}`);
  console.log('node recipe: OK');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error('FAIL:', err);
    process.exit(1);
  });
}
