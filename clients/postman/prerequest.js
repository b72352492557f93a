// XCLOUD-HMAC-SHA256 signing for Postman and newman: paste this as the
// collection's pre-request script (Collection > Scripts > Pre-request) and every
// request in the collection is signed. It needs the variables serviceId and
// secret (an environment); request URLs start with {{baseUrl}}.
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

  var timestamp = String(Math.floor(Date.now() / 1000));
  var stringToSign = [
    'XCLOUD-HMAC-SHA256',
    timestamp,
    serviceId,
    method,
    path,
    canonicalQuery,
    contentMD5
  ].join('\n');
  var signature = CryptoJS.HmacSHA256(stringToSign, secret).toString(CryptoJS.enc.Hex);

  pm.request.headers.upsert({ key: 'X-XCloud-Service-Id', value: serviceId });
  pm.request.headers.upsert({ key: 'X-XCloud-Timestamp', value: timestamp });
  pm.request.headers.upsert({ key: 'X-XCloud-Signature', value: signature });
  // For debugging, and for requests that deliberately re-sign with a wrong secret.
  pm.variables.set('xcloudStringToSign', stringToSign);
})();
