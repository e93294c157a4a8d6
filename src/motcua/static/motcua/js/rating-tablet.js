// The counter's rating tablet. Idle: listen on the counter's websocket for a finished ticket
// (poll the pending URL every few seconds while the socket is down) and open its rating screen.
// Rating: after some seconds without a touch, send the chosen score if there is one, else go
// back to idle. Thanks: back to idle after a few seconds.
(function () {
  "use strict";
  var body = document.body;
  var state = body.getAttribute("data-state");
  var idleUrl = body.getAttribute("data-idle-url");
  var seconds = parseInt(body.getAttribute("data-seconds") || "45", 10);
  var POLL_MS = 4000;

  function openTicket(id) {
    window.location.href = idleUrl + "?ticket=" + encodeURIComponent(id);
  }

  if (state === "thanks") {
    window.setTimeout(function () { window.location.href = idleUrl; }, seconds * 1000);
    return;
  }

  if (state === "rating") {
    var form = document.getElementById("rate-form");
    var timer = null;
    var reset = function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () {
        if (form && form.querySelector("input[name=score]:checked")) { form.submit(); }
        else { window.location.href = idleUrl; }
      }, seconds * 1000);
    };
    // A double tap on "send" sends once (the second would find the ticket rated and show the
    // idle screen instead of the thanks).
    var sent = false;
    if (form) {
      form.addEventListener("submit", function (event) {
        if (sent) { event.preventDefault(); }
        sent = true;
      });
    }
    ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
    return;
  }

  // Idle.
  var status = document.getElementById("tablet-status");
  var socket = null;
  var pollTimer = null;
  var retry = 1000;

  function poll() {
    fetch(body.getAttribute("data-pending-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && data.ticket_id) { openTicket(data.ticket_id); } })
      .catch(function () {});
  }
  function startPolling() {
    if (!pollTimer) { pollTimer = window.setInterval(poll, POLL_MS); }
  }
  function stopPolling() {
    if (pollTimer) { window.clearInterval(pollTimer); pollTimer = null; }
  }
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + body.getAttribute("data-ws-path"));
    } catch (e) { startPolling(); return; }
    socket.onopen = function () {
      retry = 1000;
      stopPolling();
      poll(); // a ticket finished while the socket was connecting
      if (status) { status.textContent = ""; }
    };
    socket.onmessage = function (event) {
      var data = null;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data && data.kind === "finished" && data.ticket_id) { openTicket(data.ticket_id); }
    };
    socket.onclose = function (event) {
      startPolling();
      if (event.code === 4403) { return; } // not (or no longer) this counter's tablet
      window.setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  poll();
  connect();
})();
