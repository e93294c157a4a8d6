/* The TV display: live calls over a websocket (polling when it is down), one voice at a time.
   Messages: {"kind": "state", calls, recent, waiting, notice, now} and {"kind": "call", display,
   counter, service, sentence, audio_url, ticket_id, recall, at}. See docs/display.md. */
(function () {
  "use strict";
  var body = document.body, data = body.dataset;
  var out = { played: [], connected: false, mode: "ws" };
  window.motcuaDisplay = out;
  var repeat = Math.max(1, parseInt(data.repeat, 10) || 1);
  var english = data.english === "1";
  var recentMax = parseInt(data.recentMax, 10) || 6;
  var FRESH_MS = 120000; // a call found by polling is announced only if this recent
  var BACKOFF = [1000, 2000, 5000, 10000];
  var seen = {}, offset = 0, unlocked = false, started = false;
  var socket = null, attempt = 0, pollTimer = null, resyncTimer = null;

  function $(id) { return document.getElementById(id); }
  function key(c) { return c.ticket_id + ":" + c.recall + ":" + Date.parse(c.at); } // "at" comes in +07:00 or UTC
  function setText(el, value) { value = String(value); if (el && el.textContent !== value) el.textContent = value; }
  function counterLabel(n) { return data.textCounter + " " + n; }

  /* --- Rendering ------------------------------------------------------------------------- */
  function tile(counter) {
    var el = document.querySelector('.tile[data-counter="' + counter + '"]');
    if (el) return el;
    el = $("tile-template").content.firstElementChild.cloneNode(true);
    el.setAttribute("data-counter", counter);
    setText(el.querySelector(".tile__label"), counterLabel(counter));
    var board = $("board"), after = null;
    board.querySelectorAll(".tile").forEach(function (t) {
      if (!after && +t.getAttribute("data-counter") > counter) after = t;
    });
    var empty = board.querySelector(".tv-empty");
    if (empty) empty.remove();
    board.insertBefore(el, after);
    return el;
  }

  function showTile(el, call) {
    setText(el.querySelector(".tile__number"), call ? call.display : "—");
    setText(el.querySelector(".tile__service"), call ? call.service : "");
    el.classList.toggle("tile--idle", !call);
    if (!call) el.classList.remove("is-called");
  }

  function showNow(call) {
    setText($("now-number"), call ? call.display : "—");
    setText($("now-counter"), call ? call.counter : "—");
  }

  function recentItem(call) {
    var li = document.createElement("li"), a = document.createElement("span"), b = document.createElement("span");
    a.className = "tv-recent__number"; a.textContent = call.display;
    b.className = "tv-recent__counter"; b.textContent = counterLabel(call.counter);
    li.appendChild(a); li.appendChild(b); li.setAttribute("data-ticket", call.ticket_id);
    return li;
  }

  function render(state) {
    if (state.now) offset = Date.parse(state.now) - Date.now();
    var byCounter = {};
    (state.calls || []).forEach(function (c) { byCounter[c.counter] = c; tile(c.counter); });
    document.querySelectorAll("#board .tile").forEach(function (el) {
      showTile(el, byCounter[el.getAttribute("data-counter")]);
    });
    var list = $("recent");
    list.replaceChildren.apply(list, (state.recent || []).slice(0, recentMax).map(recentItem));
    fit(list);
    showNow((state.recent || [])[0]);
    var waiting = state.waiting || {}, rows = $("waiting");
    Object.keys(waiting).forEach(function (name) {
      if (!rows.querySelector('li[data-service="' + CSS.escape(name) + '"]')) {
        var li = document.createElement("li"), a = document.createElement("span"), b = document.createElement("span");
        li.setAttribute("data-service", name);
        a.className = "tv-waiting__name"; a.textContent = name; b.className = "tv-waiting__count";
        li.appendChild(a); li.appendChild(b); rows.appendChild(li);
      }
    });
    rows.querySelectorAll("li").forEach(function (li) {
      setText(li.querySelector(".tv-waiting__count"), waiting[li.getAttribute("data-service")] || 0);
    });
    setText($("notice"), state.notice || "");
  }

  /* Only whole rows: a row that does not fit in the panel is hidden, not cut in half. */
  function fit(list) {
    var rows = Array.prototype.slice.call(list.children);
    rows.forEach(function (li) { li.hidden = false; });
    rows.forEach(function (li) { li.hidden = li.offsetTop + li.offsetHeight > list.clientHeight; });
  }

  function flash(el) {
    if (!el) return;
    el.classList.remove("is-flash");
    void el.offsetWidth; // restart the animation
    el.classList.add("is-flash", "is-called");
    clearTimeout(el.flashTimer); // ends with the animation (4 s), also when motion is reduced
    el.flashTimer = setTimeout(function () { el.classList.remove("is-flash"); }, 4100);
  }

  /* A new call (from the socket, or found in a state): show it at once, then say it. */
  function announce(call, fromState) {
    seen[key(call)] = true;
    if (!fromState) {
      showTile(tile(call.counter), call);
      showNow(call);
      var list = $("recent"), old = list.querySelector('li[data-ticket="' + call.ticket_id + '"]');
      if (old) old.remove();
      list.insertBefore(recentItem(call), list.firstChild);
      while (list.children.length > recentMax) list.lastChild.remove();
      fit(list);
    }
    document.querySelectorAll(".tile.is-called").forEach(function (el) { el.classList.remove("is-called"); });
    flash(tile(call.counter)); flash($("now"));
    say(call);
  }

  function onState(state) {
    var first = !started;
    started = true;
    render(state);
    var now = Date.now() + offset;
    (state.recent || []).slice().reverse().forEach(function (c) {
      if (seen[key(c)]) return;
      seen[key(c)] = true;
      if (!first && now - Date.parse(c.at) < FRESH_MS) announce(c, true);
    });
  }

  function onMessage(msg) {
    if (msg.kind === "state") onState(msg);
    else if (msg.kind === "call" && !seen[key(msg)]) announce(msg, false);
  }

  /* --- Voice: strictly one item after another; the browser's voice only if the file fails. -- */
  var queue = [], busy = false;

  function say(call) {
    if (!unlocked) return; // nobody has enabled sound yet: do not pile up calls
    for (var i = 0; i < repeat; i++) {
      queue.push({ url: call.audio_url, text: call.sentence, lang: "vi-VN" });
      if (english && call.audio_url_en) queue.push({ url: call.audio_url_en, text: call.sentence_en, lang: "en-US" });
    }
    pump();
  }

  function pump() {
    if (busy || !queue.length) return;
    busy = true;
    var item = queue.shift();
    function done() { busy = false; pump(); }
    playFile(item).then(function (ok) { return ok || speak(item); }).then(done, done);
  }

  function playFile(item) {
    return new Promise(function (resolve) {
      var audio = new Audio(), settled = false;
      var timer = setTimeout(function () { audio.pause(); end(false); }, 20000);
      function end(ok) { if (!settled) { settled = true; clearTimeout(timer); resolve(ok); } }
      audio.addEventListener("ended", function () { end(true); });
      audio.addEventListener("error", function () { end(false); });
      audio.src = item.url;
      out.played.push(item.url);
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () { end(false); });
    });
  }

  function speak(item) {
    return new Promise(function (resolve) {
      var synth = window.speechSynthesis;
      if (!synth || !window.SpeechSynthesisUtterance) { resolve(); return; }
      var utterance = new SpeechSynthesisUtterance(item.text), timer = setTimeout(resolve, 15000);
      utterance.lang = item.lang; utterance.rate = 0.9;
      var voice = synth.getVoices().filter(function (v) { return v.lang.replace("_", "-").indexOf(item.lang.slice(0, 2)) === 0; })[0];
      if (voice) utterance.voice = voice;
      utterance.onend = utterance.onerror = function () { clearTimeout(timer); resolve(); };
      out.played.push(item.text);
      synth.speak(utterance);
    });
  }

  /* Browsers refuse sound before a click on the page: one click on this overlay enables it. */
  function setUpSound() {
    var overlay = $("unlock");
    try {
      var probe = new (window.AudioContext || window.webkitAudioContext)();
      unlocked = probe.state === "running"; // autoplay allowed (kiosk flag or site setting)
      probe.close();
    } catch (e) { unlocked = false; }
    if (unlocked) return;
    overlay.hidden = false;
    $("unlock-button").addEventListener("click", function () {
      unlocked = true; overlay.hidden = true;
    });
    $("unlock-button").focus();
  }

  /* --- Connection: websocket with back-off; polling while it is down. --------------------- */
  function setLink(live) {
    out.connected = live;
    var el = $("link");
    setText(el, live ? data.textLive : data.textOffline);
    el.classList.toggle("is-offline", !live);
  }

  function poll() {
    fetch(data.apiUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(onState)
      .catch(function () { /* try again on the next tick */ });
  }

  function startPolling() {
    if (pollTimer) return;
    poll();
    pollTimer = setInterval(poll, 5000);
  }

  function stopPolling() { clearInterval(pollTimer); pollTimer = null; }

  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + data.wsPath;
    try { socket = new WebSocket(url); } catch (e) { retry(); return; }
    socket.onopen = function () {
      attempt = 0; setLink(true); stopPolling();
      clearInterval(resyncTimer);
      // A resync every 10 s also covers changes made by another process without Redis (the
      // in-memory channel layer does not cross processes: e.g. simulate_queue in the demo).
      resyncTimer = setInterval(function () { socket.send('{"type":"state"}'); }, 10000);
    };
    socket.onmessage = function (event) {
      try { onMessage(JSON.parse(event.data)); } catch (e) { /* a bad message is skipped */ }
    };
    socket.onclose = function () { clearInterval(resyncTimer); socket = null; setLink(false); startPolling(); retry(); };
  }

  function retry() {
    setTimeout(connect, BACKOFF[Math.min(attempt, BACKOFF.length - 1)]);
    attempt += 1;
  }

  /* --- Clock in the center's time zone, on the server's time. ----------------------------- */
  var timeFormat = new Intl.DateTimeFormat("vi-VN", { timeZone: data.tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  var dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || "vi", { timeZone: data.tz, weekday: "long", day: "2-digit", month: "2-digit", year: "numeric" });
  function tick() {
    var now = new Date(Date.now() + offset);
    setText($("clock-time"), timeFormat.format(now));
    setText($("clock-date"), dateFormat.format(now));
  }

  onState(JSON.parse($("display-state").textContent));
  tick(); setInterval(tick, 1000);
  window.addEventListener("resize", function () { fit($("recent")); });
  setUpSound();
  if (data.nows === "1") { out.mode = "poll"; setLink(false); startPolling(); } else connect();
})();
