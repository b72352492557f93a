// XCLOUD-HMAC-SHA256 signing (version 1.1, docs/API.md) for Postman and
// newman: paste this as the collection's pre-request script (Collection >
// Scripts > Pre-request) and every request in the collection is signed,
// including its If-Match and Idempotency-Key headers when it sends them. It
// needs the variables serviceId and secret (an environment); request URLs
// start with {{baseUrl}}.
// The collection clients/postman/xcloud.postman_collection.json embeds exactly
// this file (scripts/client-recipes.sh checks that the two are identical).
(function signXCloudRequest() {
  var CryptoJS = require('crypto-js'); // bundled with Postman and newman (the global is deprecated)
  var serviceId = pm.variables.get('serviceId');
  var secret = pm.variables.get('secret');
  if (!serviceId || !secret) {
    throw new Error('XCloud signing: set the serviceId and secret variables (select an environment)');
  }

  // RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - . _ ~ (space is %20).
  function rfc3986(s) {
    return encodeURIComponent(s).replace(/[!'()*]/g, function (c) {
      return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }
  // How the server reads a query name or value: '+' is a space, then %XX.
  function queryDecode(s) {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  }
  function compare(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  var method = pm.request.method.toUpperCase();
  // The URL as it will be sent: {{variables}} resolved, disabled parameters left out.
  var url = pm.variables.replaceIn(pm.request.url.toString());
  var parts = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\/?#]*)?([^?#]*)(?:\?([^#]*))?/.exec(url);
  var path = decodeURIComponent(parts[1] || '/'); // the signed path is percent-decoded

  var canonicalQuery = (parts[2] || '').split('&').filter(function (piece) {
    return piece !== '';
  }).map(function (piece) {
    var eq = piece.indexOf('=');
    var name = eq < 0 ? piece : piece.slice(0, eq);
    var value = eq < 0 ? '' : piece.slice(eq + 1);
    return [rfc3986(queryDecode(name)), rfc3986(queryDecode(value))];
  }).sort(function (a, b) {
    return compare(a[0], b[0]) || compare(a[1], b[1]); // by name, then value
  }).map(function (pair) {
    return pair[0] + '=' + pair[1];
  }).join('&');

  var contentMD5 = '';
  if (method === 'POST' || method === 'PUT') { // the md5=True endpoints
    var body = '';
    if (pm.request.body && pm.request.body.mode === 'raw') {
      body = pm.variables.replaceIn(pm.request.body.raw || '');
      // Send exactly the bytes that are hashed: the resolved text replaces the
      // template, so {{$guid}}-style variables cannot differ at send time.
      pm.request.body.update(body);
    }
    contentMD5 = CryptoJS.MD5(body).toString(CryptoJS.enc.Base64); // MD5 of the UTF-8 bytes
    pm.request.headers.upsert({ key: 'Content-MD5', value: contentMD5 });
    pm.request.headers.upsert({ key: 'Content-Type', value: 'application/json' });
  }

  // Version 1.1: If-Match and Idempotency-Key, when the request carries them,
  // sign as one more line each, in this order: the name in lower case, ':',
  // the value trimmed (a header sent twice counts as its values joined by ',').
  // The resolved value replaces the template, so what is signed is what is sent.
  var signedLines = [];
  ['If-Match', 'Idempotency-Key'].forEach(function (name) {
    var lower = name.toLowerCase();
    var sent = function (h) { return !h.disabled && String(h.key).toLowerCase() === lower; };
    var values = pm.request.headers.filter(sent).map(function (h) {
      return pm.variables.replaceIn(String(h.value === undefined || h.value === null ? '' : h.value));
    });
    if (values.length === 0) {
      return;
    }
    var value = values.join(',');
    pm.request.headers.remove(sent);
    pm.request.headers.add({ key: name, value: value });
    signedLines.push(lower + ':' + value.trim());
  });

  var timestamp = String(Math.floor(Date.now() / 1000));
  var stringToSign = [
    'XCLOUD-HMAC-SHA256',
    timestamp,
    serviceId,
    method,
    path,
    canonicalQuery,
    contentMD5
  ].concat(signedLines).join('\n');
  var signature = CryptoJS.HmacSHA256(stringToSign, secret).toString(CryptoJS.enc.Hex);

  pm.request.headers.upsert({ key: 'X-XCloud-Service-Id', value: serviceId });
  pm.request.headers.upsert({ key: 'X-XCloud-Timestamp', value: timestamp });
  pm.request.headers.upsert({ key: 'X-XCloud-Signature', value: signature });
  // For debugging (on 401 INVALID_SIGNATURE, compare it with the body's
  // stringToSign), and for requests that deliberately re-sign it wrongly.
  pm.variables.set('xcloudStringToSign', stringToSign);
})();
