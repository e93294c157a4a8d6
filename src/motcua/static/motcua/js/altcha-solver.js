// The booking form's proof of work (ALTCHA v1): fetch a challenge from the server, find the
// number whose SHA-256 with the salt gives it, put the answer in the form's hidden "altcha"
// field and enable the submit button. A phone needs a fraction of a second; a bot making
// thousands of bookings pays for each. No third-party code and no request to anyone else.
(function () {
  "use strict";
  var REFRESH_MS = 8 * 60 * 1000; // challenges expire after 10 minutes
  var BATCH = 400;

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }

  // SHA-256 in plain JavaScript, for pages served over plain HTTP on a local network, where
  // browsers hide crypto.subtle.
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  function sha256Plain(text) {
    var bytes = new TextEncoder().encode(text);
    var length = bytes.length, padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(bytes);
    padded[length] = 0x80;
    var bits = length * 8, view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(padded.length - 4, bits >>> 0);
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    for (var offset = 0; offset < padded.length; offset += 64) {
      for (var t = 0; t < 64; t++) {
        if (t < 16) { w[t] = view.getUint32(offset + t * 4); continue; }
        var a = w[t - 15], b = w[t - 2];
        var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var v = h.slice();
      for (t = 0; t < 64; t++) {
        var e = v[4], x = v[0];
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var ch = (e & v[5]) ^ (~e & v[6]);
        var t1 = (v[7] + S1 + ch + K[t] + w[t]) | 0;
        var S0 = ((x >>> 2) | (x << 30)) ^ ((x >>> 13) | (x << 19)) ^ ((x >>> 22) | (x << 10));
        var maj = (x & v[1]) ^ (x & v[2]) ^ (v[1] & v[2]);
        v = [(t1 + S0 + maj) | 0, x, v[1], v[2], (v[3] + t1) | 0, e, v[5], v[6]];
      }
      for (t = 0; t < 8; t++) { h[t] = (h[t] + v[t]) | 0; }
    }
    return h.map(function (n) { return ("0000000" + (n >>> 0).toString(16)).slice(-8); }).join("");
  }

  var subtle = window.crypto && window.crypto.subtle;
  function digest(algorithm, text) {
    if (subtle) {
      return subtle.digest(algorithm, new TextEncoder().encode(text)).then(hex);
    }
    return Promise.resolve(sha256Plain(text));
  }

  // Try numbers in batches (parallel digests are much faster than one at a time).
  function solve(challenge) {
    var algorithm = subtle ? challenge.algorithm : "SHA-256";
    var max = challenge.maxNumber || 1000000;
    function batch(start) {
      if (start > max) { return Promise.reject(new Error("no solution")); }
      var tries = [];
      for (var n = start; n < start + BATCH && n <= max; n++) {
        tries.push(digest(algorithm, challenge.salt + n));
      }
      return Promise.all(tries).then(function (hashes) {
        var found = hashes.indexOf(challenge.challenge);
        return found >= 0 ? start + found : batch(start + BATCH);
      });
    }
    return batch(0);
  }

  function setUp(form) {
    var input = form.querySelector("[data-altcha-input]");
    var status = form.querySelector("[data-altcha-status]");
    var buttons = form.querySelectorAll("[data-altcha-submit]");
    if (!input || !status) { return; }
    var solvingText = status.textContent;
    var timer = null;

    function enable(on) {
      buttons.forEach(function (button) { button.disabled = !on; });
    }
    function show(text, state) {
      status.textContent = text;
      status.setAttribute("data-state", state);
    }
    function failed() {
      input.value = "";
      enable(false);
      show(status.getAttribute("data-text-failed"), "failed");
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "button button--secondary altcha-retry";
      retry.textContent = status.getAttribute("data-text-retry");
      retry.addEventListener("click", run);
      status.appendChild(document.createTextNode(" "));
      status.appendChild(retry);
    }
    function run() {
      if (timer) { window.clearTimeout(timer); }
      input.value = "";
      enable(false);
      show(solvingText, "solving");
      fetch(status.getAttribute("data-challenge-url"), {
        credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store"
      })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (challenge) {
          return solve(challenge).then(function (number) {
            input.value = window.btoa(JSON.stringify({
              algorithm: challenge.algorithm,
              challenge: challenge.challenge,
              number: number,
              salt: challenge.salt,
              signature: challenge.signature
            }));
            show(status.getAttribute("data-text-solved"), "solved");
            enable(true);
            // A form left open for long gets a fresh challenge before this one expires.
            timer = window.setTimeout(run, REFRESH_MS);
          });
        })
        .catch(failed);
    }
    form.addEventListener("submit", function (event) {
      if (!input.value) { event.preventDefault(); }
      else if (timer) { window.clearTimeout(timer); }
    });
    run();
  }

  document.querySelectorAll("[data-altcha-form]").forEach(setUp);
})();
