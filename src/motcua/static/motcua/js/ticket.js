/* The citizen's ticket page: live over /ws/ticket/<token>/ (polling the API every 10 s while the
   socket is down); "go to counter N" with vibration and a beep when the ticket is called.
   See docs/display.md. */
(function () {
  "use strict";
  var root = document.getElementById("ticket");
  if (!root) return;
  var data = root.dataset;
  var out = { connected: false, alerts: 0, status: data.status };
  window.motcuaTicket = out;
  var FINAL = ["finished", "no_show", "expired", "cancelled"];
  var BACKOFF = [1000, 2000, 5000, 10000];
  var alerted = data.status === "called" ? "called:" + data.counter : "";
  var socket = null, attempt = 0, pollTimer = null, audio = null, stopped = false;

  function $(id) { return document.getElementById(id); }
  function setText(el, value) { value = String(value); if (el.textContent !== value) el.textContent = value; }
  function withCounter(text, counter) { return text.replace("{counter}", counter); }

  function render(s) {
    out.status = s.status;
    root.setAttribute("data-status", s.status);
    var words = data["text" + s.status.charAt(0).toUpperCase() + s.status.slice(1)];
    setText($("ticket-status"), withCounter(words || s.status, s.counter));
    var called = s.status === "called" && s.counter != null;
    showBanner(called ? s.counter : null);
    $("ticket-facts").hidden = s.status !== "waiting";
    if ($("ticket-rate")) $("ticket-rate").hidden = s.status !== "finished";
    setText($("ticket-position"), s.position);
    setText($("ticket-ahead"), s.ahead);
    setText($("ticket-wait"), s.estimated_wait_minutes);
    if (called && alerted !== "called:" + s.counter) alert(s.counter);
    if (!called) alerted = "";
    if (FINAL.indexOf(s.status) >= 0) stop();
  }

  function showBanner(counter) {
    var banner = $("ticket-banner");
    banner.hidden = counter == null;
    if (counter != null) setText(banner, withCounter(data.textGo, counter));
  }

  /* Called (or called again): vibrate, beep, flash the banner. */
  function alert(counter) {
    alerted = "called:" + counter;
    out.alerts += 1;
    var banner = $("ticket-banner");
    banner.classList.remove("is-flash");
    void banner.offsetWidth;
    banner.classList.add("is-flash");
    if (navigator.vibrate) { try { navigator.vibrate([300, 100, 300]); } catch (e) { /* not allowed */ } }
    beep();
  }

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      [0, 0.35].forEach(function (start) {
        var osc = audio.createOscillator(), gain = audio.createGain(), t = audio.currentTime + start;
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.5, t + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.25);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(t); osc.stop(t + 0.3);
      });
    } catch (e) { /* no Web Audio: the banner and vibration remain */ }
  }

  /* Phones allow sound and vibration only after a tap on the page: this button is that tap. */
  $("ticket-sound").addEventListener("click", function () {
    beep();
    if (navigator.vibrate) { try { navigator.vibrate(100); } catch (e) { /* ignore */ } }
    setText(this, data.textSoundOn);
    this.disabled = true;
  });

  function setLink(live) {
    out.connected = live;
    var el = $("ticket-link");
    setText(el, live ? data.textLive : data.textOffline);
    el.classList.toggle("is-offline", !live);
  }

  function poll() {
    fetch(data.apiUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(render)
      .catch(function () { /* next tick */ });
  }

  function startPolling() { if (!pollTimer && !stopped) { poll(); pollTimer = setInterval(poll, 10000); } }
  function stopPolling() { clearInterval(pollTimer); pollTimer = null; }

  function stop() { // the ticket is done: nothing more will change
    stopped = true; stopPolling();
    if (socket) { socket.onclose = null; socket.close(); socket = null; }
    $("ticket-link").hidden = true; $("ticket-sound").hidden = true;
  }

  function connect() {
    if (stopped) return;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + data.wsPath;
    try { socket = new WebSocket(url); } catch (e) { retry(); return; }
    socket.onopen = function () { attempt = 0; setLink(true); stopPolling(); };
    socket.onmessage = function (event) {
      var msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      if (msg.kind === "state") render(msg);
      else if (msg.kind === "call") { showBanner(msg.counter); alert(msg.counter); } // recalls too
    };
    socket.onclose = function (event) {
      socket = null; setLink(false);
      if (event.code === 4404) { stop(); return; }
      startPolling(); retry();
    };
  }

  function retry() {
    setTimeout(connect, BACKOFF[Math.min(attempt, BACKOFF.length - 1)]);
    attempt += 1;
  }

  if (FINAL.indexOf(data.status) >= 0) stop();
  else connect();
})();
