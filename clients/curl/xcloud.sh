#!/usr/bin/env bash
# Calling the XCloud customers API with curl and openssl, signed with
# XCLOUD-HMAC-SHA256, version 1.1 (docs/API.md, "Authentication"): the seven
# lines of 1.0, plus an "if-match:" and an "idempotency-key:" line when the
# request carries those headers.
#
#   XCLOUD_ENDPOINT=http://127.0.0.1:3000 XCLOUD_SERVICE_ID=demo \
#   XCLOUD_SERVICE_SECRET=demo-secret bash clients/curl/xcloud.sh
#
# Runs register with an Idempotency-Key and its replay, a conditional update,
# a deliberately mis-signed update (If-Match sent but not signed: 401
# INVALID_SIGNATURE, the server's stringToSign shown next to ours), a key
# regeneration, get, list (every page) and exists, printing each step; exits
# non-zero on any unexpected status or field. scripts/client-recipes.sh runs it
# against a local API. No jq: fields are checked with grep.
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

# trim STRING: without surrounding spaces and tabs.
trim() {
  local s=$1
  s=${s#"${s%%[![:blank:]]*}"}
  printf '%s' "${s%"${s##*[![:blank:]]}"}"
}

# json_string NAME: sets JSON_VALUE to the string field NAME of the response
# body, unescaped (enough JSON for the error body's stringToSign: \n, \", \\,
# \/, \uXXXX). A variable, not output: $(...) would strip trailing newlines,
# and a string to sign may end with an empty line.
JSON_VALUE=
json_string() {
  local raw out= c i hex
  raw=$(grep -oE "\"$1\":\"([^\"\\\\]|\\\\.)*\"" "$WORK/body" | head -n1) || return 1
  raw=${raw#\"$1\":\"}
  raw=${raw%\"}
  for ((i = 0; i < ${#raw}; i++)); do
    c=${raw:i:1}
    if [[ $c != '\' ]]; then out+=$c; continue; fi
    i=$((i + 1)) c=${raw:i:1}
    case $c in
      n) out+=$'\n' ;; t) out+=$'\t' ;; r) out+=$'\r' ;; b) out+=$'\b' ;; f) out+=$'\f' ;;
      u) # Go escapes <, > and & as \u003c, \u003e and \u0026
        hex=${raw:i+1:4} i=$((i + 4))
        if [[ $hex == 00[0-7]? ]]; then printf -v c "\\x${hex:2}"; else printf -v c "\\u$hex"; fi
        out+=$c ;;
      *) out+=$c ;;
    esac
  done
  JSON_VALUE=$out
}

# explain_invalid_signature: after a 401 INVALID_SIGNATURE, print our string
# to sign ($STS) next to the server's (stringToSign in the body), line by line,
# the lines that differ marked with '!'.
explain_invalid_signature() {
  local theirs i x y n
  json_string stringToSign || { echo "(no stringToSign in the 401 body)" >&2; return 0; }
  theirs=$JSON_VALUE
  SERVER_STS=$theirs
  local -a a=() b=()
  while IFS= read -r x; do a+=("$x"); done <<<"$STS"
  while IFS= read -r y; do b+=("$y"); done <<<"$theirs"
  n=$(( ${#a[@]} > ${#b[@]} ? ${#a[@]} : ${#b[@]} ))
  printf '401 INVALID_SIGNATURE; compare the strings to sign:\n  %-40s | %s\n' "our string to sign" "the server's stringToSign" >&2
  for ((i = 0; i < n; i++)); do
    # Shown as <line>, so that an empty line is visible; (no line) when absent.
    x='(no line)' y='(no line)'
    ((i < ${#a[@]})) && x="<${a[i]}>"
    ((i < ${#b[@]})) && y="<${b[i]}>"
    printf '%s %-40s | %s\n' "$([[ $x == "$y" ]] && echo ' ' || echo '!')" "$x" "$y" >&2
  done
  if [[ $STS == "$theirs" ]]; then echo "  (every line matches: check the service id and the secret)" >&2; fi
}

# xcloud VERB PATH [BODY]: a signed request. Query pairs come from the QUERY
# array (raw name=value), extra headers from EXTRA (curl -H values): If-Match
# and Idempotency-Key among them are signed (1.1), unless UNSIGNED_EXTRA=1, a
# deliberate mistake for the demonstration below. Sets STATUS and STS (the
# string signed); the response is in $WORK/headers and $WORK/body.
QUERY=() EXTRA=() STATUS= STS= UNSIGNED_EXTRA= SERVER_STS=

# signed_header_lines: sets SIGNED_LINES to the lines that EXTRA's If-Match and
# Idempotency-Key add to the string to sign (1.1), each after a '\n', in that
# order: name lower case, value trimmed (a header given twice counts as its
# values joined by ','); empty without them.
SIGNED_LINES=
signed_header_lines() {
  local h name value if_match= idem= has_if_match= has_idem=
  for h in ${EXTRA[@]+"${EXTRA[@]}"}; do
    name=$(trim "${h%%:*}") value=$(trim "${h#*:}")
    case $(printf '%s' "$name" | tr '[:upper:]' '[:lower:]') in
      if-match) if_match+=${has_if_match:+,}$value has_if_match=1 ;;
      idempotency-key) idem+=${has_idem:+,}$value has_idem=1 ;;
    esac
  done
  SIGNED_LINES=
  if [[ -n $has_if_match ]]; then SIGNED_LINES+=$'\n'"if-match:$if_match"; fi
  if [[ -n $has_idem ]]; then SIGNED_LINES+=$'\n'"idempotency-key:$idem"; fi
}

xcloud() {
  local verb=$1 path=$2 body=${3-} ts md5= qs sts url h
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
  # If-Match and Idempotency-Key, when sent, are signed.
  signed_header_lines
  [[ -n $UNSIGNED_EXTRA ]] || sts+=$SIGNED_LINES
  STS=$sts
  args+=(-H "X-XCloud-Service-Id: $XCLOUD_SERVICE_ID" -H "X-XCloud-Timestamp: $ts" -H "X-XCloud-Signature: $(sign "$sts")")
  for h in ${EXTRA[@]+"${EXTRA[@]}"}; do args+=(-H "$h"); done
  STATUS=$(curl "${args[@]}" "$url")
  QUERY=() EXTRA=() UNSIGNED_EXTRA=
  if [[ $STATUS == 401 ]] && grep -qF '"error":"INVALID_SIGNATURE"' "$WORK/body"; then
    explain_invalid_signature
  fi
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
  # 1.1: If-Match and Idempotency-Key lines (values trimmed).
  printf '%s' '{"status":"INACTIVE"}' >"$WORK/ka"
  EXTRA=('If-Match: "1"')
  signed_header_lines
  printf -v sts 'XCLOUD-HMAC-SHA256\n1700000000\nbilling-svc\nPUT\n/xcloud/v1/customers/FST-12345678-acme\n\n%s%s' "$(content_md5 "$WORK/ka")" "$SIGNED_LINES"
  got=$(sign "$sts")
  [[ $got == 1fd5924535e8826273cdd637dfdb325a43e97860aa6ae217d4772b759a4c9cd7 ]] || fail "known-answer PUT If-Match signature: $got"
  EXTRA=('Idempotency-Key:  7d9f6c1e-register-acme ')
  signed_header_lines
  got=$(sign "XCLOUD-HMAC-SHA256"$'\n1700000000\nbilling-svc\nPOST\n/xcloud/v1/customers\n\nZUvzoa+2mv8OxUcsjUi/0A=='"$SIGNED_LINES")
  [[ $got == 5bfcb587ad9586f7bf7f1d12ed289f0fda742b48ba71282a21e7e1252f2f8566 ]] || fail "known-answer POST Idempotency-Key signature: $got"
  EXTRA=()
  XCLOUD_SERVICE_SECRET=$secret
  echo "self-test: known-answer signatures match"
}
self_test

ms=$(date +%s%3N)
[[ $ms =~ ^[0-9]{13}$ ]] || ms="$(date +%s)000" # date without %N (BSD/macOS)
suffix=$(openssl rand -hex 4)
CID="FST-$ms-curl$suffix"

# 1. register with an Idempotency-Key (a random UUID): a POST that may safely be retried
hex=$(openssl rand -hex 16)
IDEM=${hex:0:8}-${hex:8:4}-4${hex:13:3}-$(printf '%x' $((0x${hex:16:1} & 3 | 8)))${hex:17:3}-${hex:20:12}
BODY="{\"customerId\":\"$CID\",\"customerName\":\"Dewatering Solutions Inc\",\"contactInfo\":{\"email\":\"contact@dewatering-solutions.com\",\"address\":{\"city\":\"Springfield\",\"state\":\"IL\"}},\"businessInfo\":{\"timezone\":\"America/Chicago\"},\"status\":\"ACTIVE\"}"
EXTRA=("Idempotency-Key: $IDEM")
xcloud POST /xcloud/v1/customers "$BODY"
expect 201 "register_customer"
has "\"customerId\":\"$CID\""; has '"status":"ACTIVE"'; has '"apiKeys":{"primary":"'; has '"maxDevices":'
[[ $(header Location) == */xcloud/v1/customers/$CID ]] || fail "register: Location"
header Idempotent-Replayed >/dev/null && fail "register: a first POST is not a replay"
ETAG=$(header ETag) || fail "register: no ETag"
CREATED=$(grep -o '"createdAt":"[^"]*"' "$WORK/body") || fail "register: no createdAt"
KEYS1=$(grep -o '"apiKeys":{[^}]*}' "$WORK/body") || fail "register: no apiKeys"
echo "register_customer $CID (Idempotency-Key $IDEM) -> $STATUS, ETag $ETAG"

# 1b. the same POST again (same key, same bytes), as a retry after a lost answer
# would send it: 201, Idempotent-Replayed: true, the same customer, new keys
# (the first answer's keys stop working).
EXTRA=("Idempotency-Key: $IDEM")
xcloud POST /xcloud/v1/customers "$BODY"
expect 201 "register_customer (retry)"
[[ $(header Idempotent-Replayed || true) == true ]] || fail "retry: want Idempotent-Replayed: true"
has "\"customerId\":\"$CID\""; has "$CREATED"; has '"apiKeys":{"primary":"xck_'; has '"secondary":"xck_'
KEYS2=$(grep -o '"apiKeys":{[^}]*}' "$WORK/body") || fail "retry: no apiKeys"
PRIMARY1=$(grep -o '"primary":"[^"]*"' <<<"$KEYS1") SECONDARY1=$(grep -o '"secondary":"[^"]*"' <<<"$KEYS1")
grep -qF -e "$PRIMARY1" -e "$SECONDARY1" <<<"$KEYS2" && fail "retry: the apiKeys are not new"
SECONDARY2=$(grep -o '"secondary":"[^"]*"' <<<"$KEYS2")
echo "register_customer $CID again, same Idempotency-Key -> $STATUS, Idempotent-Replayed: $(header Idempotent-Replayed), new apiKeys"

# 2. update (merge) with If-Match, signed
EXTRA=("If-Match: $ETAG")
xcloud PUT "/xcloud/v1/customers/$CID" '{"description":"Municipal water management services","contactInfo":{"address":{"city":"Chicago"}},"settings":{"reportingEnabled":false}}'
expect 200 "update_customer"
has '"changes":["description","contactInfo.address.city","settings.reportingEnabled"]'
has "\"customerId\":\"$CID\""; has '"updatedAt":"'
ETAG=$(header ETag) || fail "update: no ETag"
echo "update_customer $CID (If-Match signed) -> $STATUS, $(grep -o '"changes":\[[^]]*\]' "$WORK/body")"

# 2b. a deliberate mistake: If-Match sent but left out of the string to sign,
# as a 1.0 signer would. 401 INVALID_SIGNATURE, nothing written; the body's
# stringToSign is the server's string, printed next to ours above, and it has
# the one line we left out.
echo "update_customer $CID with an unsigned If-Match (deliberately wrong):"
EXTRA=("If-Match: $ETAG") UNSIGNED_EXTRA=1
xcloud PUT "/xcloud/v1/customers/$CID" '{"customerName":"Never Written Inc"}'
expect 401 "update_customer (If-Match not signed)"
has '"error":"INVALID_SIGNATURE"'
[[ $SERVER_STS == "$STS"$'\n'"if-match:$ETAG" ]] || fail "the server's stringToSign is not ours plus the if-match line"
echo "update_customer $CID with an unsigned If-Match -> $STATUS INVALID_SIGNATURE; the server signed our lines plus 'if-match:$ETAG'"

# 3. regenerate the secondary key; the primary keeps working
xcloud POST "/xcloud/v1/customers/$CID/apiKeys" '{"key":"secondary"}'
expect 200 "regenerate_api_key"
has "\"customerId\":\"$CID\""; has '"apiKeys":{"secondary":"xck_'; has '"regeneratedAt":"'
grep -qF '"primary"' "$WORK/body" && fail "regenerate: the answer shows the primary key"
grep -qF "$SECONDARY2" "$WORK/body" && fail "regenerate: the secondary key is not new"
echo "regenerate_api_key $CID secondary -> $STATUS, $(grep -o '"regeneratedAt":"[^"]*"' "$WORK/body")"

# 4. get: the accepted update, not the refused one; the ETag unchanged since it
xcloud GET "/xcloud/v1/customers/$CID"
expect 200 "get_customer"
has '"city":"Chicago"'; has '"state":"IL"'; has '"reportingEnabled":false'; has '"email":"contact@dewatering-solutions.com"'
has '"customerName":"Dewatering Solutions Inc"'
grep -q '"apiKeys"' "$WORK/body" && fail "get returned apiKeys"
[[ $(header ETag || true) == "$ETAG" ]] || fail "get: ETag $(header ETag || true), want $ETAG (the key regeneration does not move it)"
echo "get_customer $CID -> $STATUS, ETag $(header ETag)"

# 5. list every page: follow nextToken until absent (pages may be short or empty)
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

# 6. exists: present, then present + missing
xcloud HEAD "/xcloud/v1/customers/$CID"
expect 200 "customers_exist (present)"
[[ $(header Content-Length || echo 0) == 0 ]] || fail "HEAD announced a body"
MISSING="FST-$ms-curlMissing$suffix"
xcloud HEAD "/xcloud/v1/customers/$CID,$MISSING"
expect 404 "customers_exist (one missing)"
[[ $(header X-XCloud-Missing-Ids) == "$MISSING" ]] || fail "exists: X-XCloud-Missing-Ids is '$(header X-XCloud-Missing-Ids || true)'"
echo "customers_exist $CID -> 200; $CID,$MISSING -> 404, X-XCloud-Missing-Ids: $(header X-XCloud-Missing-Ids)"
echo "curl recipe: OK"
