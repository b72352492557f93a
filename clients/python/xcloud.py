#!/usr/bin/env python3
"""Calling the XCloud customers API from Python, standard library only.

Each endpoint is {"path", "verb", "md5"}, and md5=True endpoints (the POSTs and
PUT) carry Content-MD5. Every request is signed with XCLOUD-HMAC-SHA256, version
1.1 (docs/API.md, "Authentication"): the seven lines of 1.0, plus an
"if-match:" and an "idempotency-key:" line when the request carries those
headers. When the API answers 401 INVALID_SIGNATURE, the client prints the
server's stringToSign next to its own (docs/CLIENTS.md, "When you get
INVALID_SIGNATURE").

Run as a script it is a recipe that exercises every endpoint: an idempotent
registration and its replay, a conditional update, a key regeneration, a read,
every page of a listing and an existence check:

    XCLOUD_ENDPOINT=http://127.0.0.1:3000 XCLOUD_SERVICE_ID=demo \
    XCLOUD_SERVICE_SECRET=demo-secret python3 clients/python/xcloud.py

It exits non-zero on any unexpected status or field. scripts/client-recipes.sh
runs it against a local API, so this file cannot silently rot.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import string
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ENDPOINTS = {
    "register_customer": {"path": "/xcloud/v1/customers", "verb": "POST", "md5": True},
    "update_customer": {"path": "/xcloud/v1/customers/{customerId}", "verb": "PUT", "md5": True},
    "get_customer": {"path": "/xcloud/v1/customers/{customerId}", "verb": "GET", "md5": False},
    "list_customers": {"path": "/xcloud/v1/customers", "verb": "GET", "md5": False},
    "customers_exist": {"path": "/xcloud/v1/customers/{customerIds}", "verb": "HEAD", "md5": False},
    "regenerate_api_key": {"path": "/xcloud/v1/customers/{customerId}/apiKeys", "verb": "POST", "md5": True},
}

# Headers that are signed when the request carries them, in line order.
SIGNED_HEADERS = ("If-Match", "Idempotency-Key")

ALGORITHM = "XCLOUD-HMAC-SHA256"


def rfc3986(s):
    """Percent-encode everything but RFC 3986 unreserved characters (space is %20)."""
    return urllib.parse.quote(str(s), safe="-._~")


def canonical_query(pairs):
    """name=value pairs, both RFC 3986 encoded, sorted by name then value, joined with &."""
    encoded = sorted((rfc3986(n), rfc3986(v)) for n, v in pairs)
    return "&".join(n + "=" + v for n, v in encoded)


def content_md5(body):
    """Base64 (with padding) of the MD5 of the exact body bytes."""
    return base64.b64encode(hashlib.md5(body).digest()).decode("ascii")


def string_to_sign(timestamp, service_id, verb, path, pairs, md5_value, if_match=None, idempotency_key=None):
    """The seven lines of 1.0 joined with \\n, no trailing newline; then, when the
    request carries If-Match or Idempotency-Key (not None), one more line for
    each, in that order: the lower-case name, ':', the value trimmed.

    path is the percent-decoded path; pairs the decoded query parameters."""
    lines = [
        ALGORITHM,
        str(timestamp),
        service_id,
        verb.upper(),
        path,
        canonical_query(pairs),
        md5_value or "",
    ]
    if if_match is not None:
        lines.append("if-match:" + str(if_match).strip())
    if idempotency_key is not None:
        lines.append("idempotency-key:" + str(idempotency_key).strip())
    return "\n".join(lines)


def sign_string(secret, sts):
    """Lowercase hex HMAC-SHA256 of a string to sign, keyed with the secret's UTF-8 bytes."""
    return hmac.new(secret.encode("utf-8"), sts.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(secret, timestamp, service_id, verb, path, pairs=(), md5_value="", if_match=None, idempotency_key=None):
    """The X-XCloud-Signature value for a request."""
    return sign_string(secret, string_to_sign(timestamp, service_id, verb, path, pairs, md5_value,
                                              if_match, idempotency_key))


def signed_header(headers, name):
    """The value a header signs with, or None when the request does not carry it
    (names are case-insensitive; a header sent more than once, or given as a
    list, counts as its values joined with ',')."""
    values = []
    for k, v in headers.items():
        if k.lower() == name.lower():
            values += [str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)]
    return ",".join(values) if values else None


def compare_strings_to_sign(ours, theirs):
    """Both strings to sign, line by line, the lines that differ marked with '!'."""
    a, b = ours.split("\n"), theirs.split("\n")
    out = ["  %-40s | %s" % ("our string to sign", "the server's stringToSign")]
    for i in range(max(len(a), len(b))):
        x = repr(a[i]) if i < len(a) else "(no line)"
        y = repr(b[i]) if i < len(b) else "(no line)"
        out.append("%s %-40s | %s" % ("!" if x != y else " ", x, y))
    if a == b:
        out.append("  (every line matches: check the service id and the secret)")
    return "\n".join(out)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # case-insensitive (http.client.HTTPMessage)
        self.body = body  # bytes
        self.json = None
        self.string_to_sign = None  # what the client signed, for debugging
        if body:
            try:
                self.json = json.loads(body)
            except ValueError:
                pass

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300].decode("utf-8", "replace"))


class Client:
    def __init__(self, endpoint, service_id, secret, timeout=30, explain_invalid_signature=True):
        self.endpoint = endpoint.rstrip("/")
        self.service_id = service_id
        self.secret = secret
        self.timeout = timeout
        # On 401 INVALID_SIGNATURE, print the server's stringToSign next to ours.
        self.explain_invalid_signature = explain_invalid_signature

    def call(self, name, path_params=None, query=None, body=None, headers=None, resign=None):
        """Call ENDPOINTS[name]. path_params fill {placeholders} (a list is joined
        with commas); query is a dict or a list of (name, value) pairs; body is a
        dict (sent as compact JSON) or the exact bytes/str to send; headers are
        extra headers, and If-Match and Idempotency-Key among them are signed.
        (resign, for demonstrations only, replaces the string to sign.)"""
        ep = ENDPOINTS[name]
        verb = ep["verb"]
        params = {}
        for k, v in (path_params or {}).items():
            if isinstance(v, (list, tuple)):
                v = ",".join(v)
            params[k] = urllib.parse.quote(str(v), safe="-._~,")
        raw_path = ep["path"].format(**params)
        signed_path = urllib.parse.unquote(raw_path)  # the string to sign holds the decoded path

        pairs = list(query.items()) if isinstance(query, dict) else list(query or [])
        pairs = [(str(n), str(v)) for n, v in pairs]
        # On the wire the query is already canonical: RFC 3986 (%20, never '+').
        qs = canonical_query(pairs)
        url = self.endpoint + raw_path + ("?" + qs if qs else "")

        data = None
        md5_value = ""
        hdrs = {}
        if ep["md5"]:
            if body is None:
                data = b""
            elif isinstance(body, bytes):
                data = body
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            md5_value = content_md5(data)  # of exactly the bytes that are sent
            hdrs["Content-MD5"] = md5_value
            hdrs["Content-Type"] = "application/json"

        extra = {}
        for k, v in (headers or {}).items():
            extra[k] = ",".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v)
        # The 1.1 lines: If-Match and Idempotency-Key, when sent, are signed.
        if_match, idempotency_key = (signed_header(extra, h) for h in SIGNED_HEADERS)

        timestamp = str(int(time.time()))
        sts = string_to_sign(timestamp, self.service_id, verb, signed_path, pairs, md5_value,
                             if_match, idempotency_key)
        if resign:
            sts = resign(sts)
        hdrs.update(extra)
        hdrs["X-XCloud-Service-Id"] = self.service_id
        hdrs["X-XCloud-Timestamp"] = timestamp
        hdrs["X-XCloud-Signature"] = sign_string(self.secret, sts)

        req = urllib.request.Request(url, data=data, headers=hdrs, method=verb)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                r = Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as err:  # 4xx/5xx still carry the response
            r = Response(err.code, err.headers, err.read())
        r.string_to_sign = sts
        if (self.explain_invalid_signature and r.status == 401 and isinstance(r.json, dict)
                and r.json.get("error") == "INVALID_SIGNATURE" and "stringToSign" in r.json):
            print("%s %s: 401 INVALID_SIGNATURE; compare the strings to sign:\n%s" % (
                verb, raw_path, compare_strings_to_sign(sts, r.json["stringToSign"])), file=sys.stderr)
        return r


# ---------------------------------------------------------------------------
# The recipe.

def check(cond, what, resp=None):
    if not cond:
        print("FAIL: %s%s" % (what, "" if resp is None else " (got %r)" % (resp,)), file=sys.stderr)
        sys.exit(1)


def expect(resp, status, what):
    check(resp.status == status, "%s: want HTTP %d, got %d" % (what, status, resp.status), resp)
    check(resp.headers.get("X-Request-Id"), "%s: X-Request-Id header" % what)


def self_test():
    """Offline known-answer vectors (also in docs/CLIENTS.md and shared/hmacauth's tests)."""
    body = b'{"customerId":"FST-12345678-acme"}'
    check(content_md5(body) == "ZUvzoa+2mv8OxUcsjUi/0A==", "known-answer Content-MD5")
    check(sign("test-secret", "1700000000", "billing-svc", "POST", "/xcloud/v1/customers", [],
               content_md5(body)) ==
          "d74619514f56097a5e8b4ffe1e23daa5f4af7c62d688a359dc3978b5fd5ca2d7", "known-answer POST signature")
    check(sign("test-secret", "1700000000", "billing-svc", "GET", "/xcloud/v1/customers",
               [("status", "ACTIVE"), ("limit", "10")]) ==
          "a480b7de096fa2f5146ce662c8d1ddfc56ce8e379d5e7baa05047a4645781ecd", "known-answer GET signature")
    check(canonical_query([("b", "x y"), ("a", "2"), ("a", "1+")]) == "a=1%2B&a=2&b=x%20y", "canonical query")
    # 1.1: If-Match and Idempotency-Key lines (values trimmed).
    put = b'{"status":"INACTIVE"}'
    check(sign("test-secret", "1700000000", "billing-svc", "PUT", "/xcloud/v1/customers/FST-12345678-acme", [],
               content_md5(put), if_match='"1"') ==
          "1fd5924535e8826273cdd637dfdb325a43e97860aa6ae217d4772b759a4c9cd7", "known-answer PUT If-Match signature")
    check(sign("test-secret", "1700000000", "billing-svc", "POST", "/xcloud/v1/customers", [],
               content_md5(body), idempotency_key=" 7d9f6c1e-register-acme ") ==
          "5bfcb587ad9586f7bf7f1d12ed289f0fda742b48ba71282a21e7e1252f2f8566", "known-answer POST Idempotency-Key signature")
    print("self-test: known-answer signatures match")


def main():
    try:
        endpoint = os.environ["XCLOUD_ENDPOINT"]
        service_id = os.environ["XCLOUD_SERVICE_ID"]
        secret = os.environ["XCLOUD_SERVICE_SECRET"]
    except KeyError as missing:
        print("set %s (and XCLOUD_ENDPOINT, XCLOUD_SERVICE_ID, XCLOUD_SERVICE_SECRET)" % missing, file=sys.stderr)
        return 2
    self_test()
    api = Client(endpoint, service_id, secret)
    suffix = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(8))
    cid = "FST-%d-py%s" % (int(time.time() * 1000), suffix)

    # 1. register with an Idempotency-Key: a POST that may safely be retried
    new = {
        "customerId": cid,
        "customerName": "Dewatering Solutions Inc",
        "description": "Municipal water management services",
        "contactInfo": {"email": "contact@dewatering-solutions.com", "phone": "+1-555-0123"},
        "businessInfo": {"industry": "Water Management", "timezone": "America/Chicago"},
        "settings": {"dataRetentionDays": 365, "alertFrequency": "immediate", "reportingEnabled": True},
        "status": "ACTIVE",
    }
    body = json.dumps(new, separators=(",", ":")).encode("utf-8")  # the same bytes for every retry
    idem = {"Idempotency-Key": str(uuid.uuid4())}
    r = api.call("register_customer", body=body, headers=idem)
    expect(r, 201, "register_customer")
    check(r.json["customerId"] == cid and r.json["status"] == "ACTIVE", "register: customerId/status", r)
    check(r.json["apiKeys"]["primary"] and r.json["apiKeys"]["secondary"], "register: apiKeys", r)
    check(set(r.json["limits"]) >= {"maxDevices", "maxUsers", "maxDataPoints"}, "register: limits", r)
    check(r.headers.get("Location", "").endswith("/xcloud/v1/customers/" + cid), "register: Location", r)
    check(r.headers.get("Idempotent-Replayed") is None, "register: a first POST is not a replay", r)
    etag = r.headers.get("ETag")
    check(etag, "register: ETag")
    first = r.json
    print("register_customer %s (Idempotency-Key %s) -> %d, createdAt %s, ETag %s" % (
        cid, idem["Idempotency-Key"], r.status, first["createdAt"], etag))

    # 1b. the same POST again (same key, same bytes), as a retry after a lost answer
    # would send it: 201 again, marked as a replay, the same customer and new keys
    # (the first answer's keys stop working).
    r = api.call("register_customer", body=body, headers=idem)
    expect(r, 201, "register_customer (retry)")
    check(r.headers.get("Idempotent-Replayed") == "true", "retry: Idempotent-Replayed: true", r)
    check(r.json["customerId"] == cid and r.json["createdAt"] == first["createdAt"]
          and r.json["limits"] == first["limits"], "retry: the same customerId, createdAt and limits", r)
    keys = r.json["apiKeys"]
    check(keys["primary"].startswith("xck_") and keys["secondary"].startswith("xck_")
          and keys["primary"] != first["apiKeys"]["primary"]
          and keys["secondary"] != first["apiKeys"]["secondary"], "retry: new apiKeys", r)
    print("register_customer %s again, same Idempotency-Key -> %d, Idempotent-Replayed: %s, new apiKeys" % (
        cid, r.status, r.headers.get("Idempotent-Replayed")))

    # 1c. the same key with another body is refused and changes nothing
    other = dict(new, customerName="Another Name Inc")
    r = api.call("register_customer", body=other, headers=idem)
    expect(r, 422, "register_customer (same key, another body)")
    check(r.json["error"] == "IDEMPOTENCY_KEY_REUSED", "reused key: IDEMPOTENCY_KEY_REUSED", r)
    print("register_customer, same Idempotency-Key, another body -> %d %s" % (r.status, r.json["error"]))

    # 2. update (merge), guarded by If-Match with the ETag just received (signed: 1.1)
    r = api.call("update_customer", {"customerId": cid},
                 body={"contactInfo": {"email": "ops@dewatering-solutions.com"},
                       "settings": {"dataRetentionDays": 730}},
                 headers={"If-Match": etag})
    expect(r, 200, "update_customer")
    check(r.json["changes"] == ["contactInfo.email", "settings.dataRetentionDays"], "update: changes", r)
    check(r.json["customerId"] == cid and r.json["updatedAt"], "update: customerId/updatedAt", r)
    etag = r.headers.get("ETag")
    check(etag, "update: ETag")
    print("update_customer %s (If-Match signed) -> %d, changes %s" % (cid, r.status, r.json["changes"]))

    # 2b. regenerate the secondary key; the primary keeps working
    r = api.call("regenerate_api_key", {"customerId": cid}, body={"key": "secondary"})
    expect(r, 200, "regenerate_api_key")
    check(r.json["customerId"] == cid and list(r.json["apiKeys"]) == ["secondary"], "regenerate: only the secondary key", r)
    check(r.json["apiKeys"]["secondary"].startswith("xck_")
          and r.json["apiKeys"]["secondary"] != keys["secondary"], "regenerate: a new xck_ key", r)
    check(len(r.json["regeneratedAt"]) == 20 and r.json["regeneratedAt"].endswith("Z"), "regenerate: regeneratedAt", r)
    print("regenerate_api_key %s secondary -> %d, regeneratedAt %s" % (cid, r.status, r.json["regeneratedAt"]))

    # 3. get
    r = api.call("get_customer", {"customerId": cid})
    expect(r, 200, "get_customer")
    c = r.json
    check(c["customerId"] == cid and c["contactInfo"]["email"] == "ops@dewatering-solutions.com"
          and c["contactInfo"]["phone"] == "+1-555-0123" and c["settings"]["dataRetentionDays"] == 730
          and c["settings"]["alertFrequency"] == "immediate", "get: merged fields", r)
    check("apiKeys" not in c and c["createdAt"] and c["updatedAt"] and c["limits"], "get: shape", r)
    check(r.headers.get("ETag") == etag, "get: ETag unchanged by the key regeneration", r.headers.get("ETag"))
    print("get_customer %s -> %d, email %s, dataRetentionDays %d" % (
        cid, r.status, c["contactInfo"]["email"], c["settings"]["dataRetentionDays"]))

    # 4. list: follow nextToken until it is absent; a page may be short or empty
    seen, pages, token = [], 0, None
    while True:
        q = [("limit", "2"), ("status", "ACTIVE")]
        if token:
            q.append(("nextToken", token))
        r = api.call("list_customers", query=q)
        expect(r, 200, "list_customers page %d" % (pages + 1))
        pages += 1
        seen += [x["customerId"] for x in r.json["customers"]]
        check(all(x["status"] == "ACTIVE" for x in r.json["customers"]), "list: status filter", r)
        token = r.json.get("nextToken")
        if not token:
            break
        check(pages < 10000, "list: too many pages")
    check(seen.count(cid) == 1, "list: %s seen exactly once (saw %d)" % (cid, seen.count(cid)))
    check(len(seen) == len(set(seen)), "list: no customer twice")
    print("list_customers status=ACTIVE limit=2 -> %d pages, %d customers, ours included" % (pages, len(seen)))

    # 5. exists: one present, then one present and one missing
    r = api.call("customers_exist", {"customerIds": [cid]})
    expect(r, 200, "customers_exist (present)")
    check(r.body == b"", "HEAD has no body")
    missing = "FST-%d-pyMissing%s" % (int(time.time() * 1000), suffix)
    r = api.call("customers_exist", {"customerIds": [cid, missing]})
    expect(r, 404, "customers_exist (one missing)")
    check(r.headers.get("X-XCloud-Missing-Ids") == missing, "exists: X-XCloud-Missing-Ids", r.headers.items())
    print("customers_exist %s -> 200; %s,%s -> 404, X-XCloud-Missing-Ids: %s" % (
        cid, cid, missing, r.headers.get("X-XCloud-Missing-Ids")))
    print("python recipe: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
