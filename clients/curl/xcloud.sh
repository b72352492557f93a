#!/usr/bin/env bash
# Calling the XCloud customers API with curl and openssl, signed with
# XCLOUD-HMAC-SHA256 (CONTRACT.md, "Authentication").
#
#   XCLOUD_ENDPOINT=http://127.0.0.1:3000 XCLOUD_SERVICE_ID=demo \
#   XCLOUD_SERVICE_SECRET=demo-secret bash clients/curl/xcloud.sh
#
# Runs register, update, get, list (every page) and exists, printing each step;
# exits non-zero on any unexpected status or field. scripts/client-recipes.sh
# runs it against a local API. No jq: fields are checked with grep.
set -euo pipefail

: "${XCLOUD_ENDPOINT:?set XCLOUD_ENDPOINT, e.g. http://127.0.0.1:3000}"
: "${XCLOUD_SERVICE_ID:?set XCLOUD_SERVICE_ID}"
: "${XCLOUD_SERVICE_SECRET:?set XCLOUD_SERVICE_SECRET}"
ENDPOINT=${XCLOUD_ENDPOINT%/}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# rfc3986 STRING: percent-encode every byte but A-Z a-z 0-9 - . _ ~ (space is %20).
rfc3986() {
  local LC_ALL=C s=$1 out= c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# pct_decode STRING: the percent-decoded form (the signed path is decoded).
pct_decode() { printf '%b' "${1//%/\\x}"; }

# canonical_query NAME=VALUE...: raw (unencoded) pairs -> encoded, sorted by
# name then value (byte order), joined with '&'. Encoded names and values hold
# no '=', so sort can split on it.
canonical_query() {
  local p
  (($#)) || return 0
  for p in "$@"; do
    printf '%s=%s\n' "$(rfc3986 "${p%%=*}")" "$(rfc3986 "${p#*=}")"
  done | LC_ALL=C sort -t= -k1,1 -k2,2 | paste -sd'&' -
}

# content_md5 FILE: base64 of the MD5 of the file's exact bytes.
content_md5() { openssl dgst -md5 -binary <"$1" | base64; }

# sign STRING_TO_SIGN: lowercase hex HMAC-SHA256 with the service secret.
sign() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$XCLOUD_SERVICE_SECRET" | sed 's/^.*= //'; }

# xcloud VERB PATH [BODY]: a signed request. Query pairs come from the QUERY
# array (raw name=value), extra headers from EXTRA (curl -H values).
# Sets STATUS; the response is in $WORK/headers and $WORK/body.
QUERY=() EXTRA=() STATUS=
xcloud() {
  local verb=$1 path=$2 body=${3-} ts md5= qs sts url
  local -a args=(-sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}')
  qs=$(canonical_query ${QUERY[@]+"${QUERY[@]}"})
  url=$ENDPOINT$path${qs:+?$qs}
  if [[ $verb == POST || $verb == PUT ]]; then
    printf '%s' "$body" >"$WORK/request" # the exact bytes sent, and hashed
    md5=$(content_md5 "$WORK/request")
    args+=(-X "$verb" --data-binary "@$WORK/request" -H "Content-Type: application/json" -H "Content-MD5: $md5")
  elif [[ $verb == HEAD ]]; then
    # --head, not -X HEAD: curl would wait for a body that never comes. With
    # --head curl writes the headers where the body would go, so drop them.
    args=(-sS -o /dev/null -D "$WORK/headers" -w '%{http_code}' --head)
    : >"$WORK/body"
  fi
  ts=$(date +%s)
  # printf -v, not $(...): command substitution would strip the newline
  # before an empty Content-MD5 line and break the signature.
  printf -v sts 'XCLOUD-HMAC-SHA256\n%s\n%s\n%s\n%s\n%s\n%s' \
    "$ts" "$XCLOUD_SERVICE_ID" "$verb" "$(pct_decode "$path")" "$qs" "$md5"
  args+=(-H "X-XCloud-Service-Id: $XCLOUD_SERVICE_ID" -H "X-XCloud-Timestamp: $ts" -H "X-XCloud-Signature: $(sign "$sts")")
  for h in ${EXTRA[@]+"${EXTRA[@]}"}; do args+=(-H "$h"); done
  STATUS=$(curl "${args[@]}" "$url")
  QUERY=() EXTRA=()
}

fail() { echo "FAIL: $*" >&2; [[ -s $WORK/body ]] && { echo "body: $(head -c 400 "$WORK/body")" >&2; }; exit 1; }
expect() { [[ $STATUS == "$1" ]] || fail "$2: want HTTP $1, got $STATUS"; header X-Request-Id >/dev/null || fail "$2: no X-Request-Id"; }
# header NAME: a response header's value (case-insensitive name), CR stripped.
header() { grep -i "^$1:" "$WORK/headers" | head -n1 | sed 's/^[^:]*: *//' | tr -d '\r' | grep .; }
# has 'JSON FRAGMENT': the response body (compact JSON) contains it.
has() { grep -qF -- "$1" "$WORK/body" || fail "response lacks $1"; }

# Offline known-answer vectors (docs/CLIENTS.md, shared/hmacauth's tests).
self_test() {
  local secret=$XCLOUD_SERVICE_SECRET got sts
  XCLOUD_SERVICE_SECRET=test-secret
  printf '%s' '{"customerId":"FST-12345678-acme"}' >"$WORK/ka"
  [[ $(content_md5 "$WORK/ka") == 'ZUvzoa+2mv8OxUcsjUi/0A==' ]] || fail "known-answer Content-MD5"
  got=$(sign "$(printf 'XCLOUD-HMAC-SHA256\n1700000000\nbilling-svc\nPOST\n/xcloud/v1/customers\n\nZUvzoa+2mv8OxUcsjUi/0A==')")
  [[ $got == d74619514f56097a5e8b4ffe1e23daa5f4af7c62d688a359dc3978b5fd5ca2d7 ]] || fail "known-answer POST signature: $got"
  printf -v sts 'XCLOUD-HMAC-SHA256\n1700000000\nbilling-svc\nGET\n/xcloud/v1/customers\n%s\n' "$(canonical_query status=ACTIVE limit=10)"
  got=$(sign "$sts")
  [[ $got == a480b7de096fa2f5146ce662c8d1ddfc56ce8e379d5e7baa05047a4645781ecd ]] || fail "known-answer GET signature: $got"
  [[ $(canonical_query 'b=x y' a=2 'a=1+') == 'a=1%2B&a=2&b=x%20y' ]] || fail "canonical query"
  XCLOUD_SERVICE_SECRET=$secret
  echo "self-test: known-answer signatures match"
}
self_test

ms=$(date +%s%3N)
[[ $ms =~ ^[0-9]{13}$ ]] || ms="$(date +%s)000" # date without %N (BSD/macOS)
suffix=$(openssl rand -hex 4)
CID="FST-$ms-curl$suffix"

# 1. register
xcloud POST /xcloud/v1/customers "{\"customerId\":\"$CID\",\"customerName\":\"Dewatering Solutions Inc\",\"contactInfo\":{\"email\":\"contact@dewatering-solutions.com\",\"address\":{\"city\":\"Springfield\",\"state\":\"IL\"}},\"businessInfo\":{\"timezone\":\"America/Chicago\"},\"status\":\"ACTIVE\"}"
expect 201 "register_customer"
has "\"customerId\":\"$CID\""; has '"status":"ACTIVE"'; has '"apiKeys":{"primary":"'; has '"maxDevices":'
[[ $(header Location) == */xcloud/v1/customers/$CID ]] || fail "register: Location"
ETAG=$(header ETag) || fail "register: no ETag"
echo "register_customer $CID -> $STATUS, ETag $ETAG"

# 2. update (merge) with If-Match
EXTRA=("If-Match: $ETAG")
xcloud PUT "/xcloud/v1/customers/$CID" '{"description":"Municipal water management services","contactInfo":{"address":{"city":"Chicago"}},"settings":{"reportingEnabled":false}}'
expect 200 "update_customer"
has '"changes":["description","contactInfo.address.city","settings.reportingEnabled"]'
has "\"customerId\":\"$CID\""; has '"updatedAt":"'
echo "update_customer $CID -> $STATUS, $(grep -o '"changes":\[[^]]*\]' "$WORK/body")"

# 3. get
xcloud GET "/xcloud/v1/customers/$CID"
expect 200 "get_customer"
has '"city":"Chicago"'; has '"state":"IL"'; has '"reportingEnabled":false'; has '"email":"contact@dewatering-solutions.com"'
grep -q '"apiKeys"' "$WORK/body" && fail "get returned apiKeys"
header ETag >/dev/null || fail "get: no ETag"
echo "get_customer $CID -> $STATUS, ETag $(header ETag)"

# 4. list every page: follow nextToken until absent (pages may be short or empty)
pages=0 found=0 token=
while :; do
  QUERY=(limit=2)
  [[ -n $token ]] && QUERY+=("nextToken=$token")
  xcloud GET /xcloud/v1/customers
  pages=$((pages + 1))
  expect 200 "list_customers page $pages"
  grep -qF '"customers":[' "$WORK/body" || fail "list: no customers array"
  grep -qF "\"customerId\":\"$CID\"" "$WORK/body" && found=$((found + 1))
  token=$(grep -o '"nextToken":"[^"]*"' "$WORK/body" | sed 's/^"nextToken":"//; s/"$//') || token=
  [[ -n $token ]] || break
  ((pages < 10000)) || fail "list: too many pages"
done
((found == 1)) || fail "list: $CID seen $found times, want once"
echo "list_customers limit=2 -> $pages pages, ours seen once"

# 5. exists: present, then present + missing
xcloud HEAD "/xcloud/v1/customers/$CID"
expect 200 "customers_exist (present)"
[[ $(header Content-Length || echo 0) == 0 ]] || fail "HEAD announced a body"
MISSING="FST-$ms-curlMissing$suffix"
xcloud HEAD "/xcloud/v1/customers/$CID,$MISSING"
expect 404 "customers_exist (one missing)"
[[ $(header X-XCloud-Missing-Ids) == "$MISSING" ]] || fail "exists: X-XCloud-Missing-Ids is '$(header X-XCloud-Missing-Ids || true)'"
echo "customers_exist $CID -> 200; $CID,$MISSING -> 404, X-XCloud-Missing-Ids: $(header X-XCloud-Missing-Ids)"
echo "curl recipe: OK"
