// Kiosk screens: the on-screen keyboard types into the search box, and after a while without a
// touch the screen goes back to its start (the next citizen must not see the last one's search).
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds") || "90", 10);
  var homeUrl = body.getAttribute("data-home-url") || "/";
  var timer = null;

  function atHome() {
    return window.location.pathname + window.location.search === homeUrl;
  }
  function resetIdle() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(function () {
      var input = document.getElementById("kiosk-q");
      if (atHome() && (!input || input.value === "")) { resetIdle(); return; }
      window.location.href = homeUrl;
    }, idleSeconds * 1000);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, resetIdle, { passive: true });
  });
  resetIdle();

  document.querySelectorAll(".osk").forEach(function (keyboard) {
    var input = document.getElementById(keyboard.getAttribute("data-target"));
    if (!input) { return; }
    keyboard.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key) { return; }
      var value = key.getAttribute("data-key");
      if (value === "backspace") { input.value = input.value.slice(0, -1); }
      else if (value === "clear") { input.value = ""; }
      else if (value === "space") { if (input.value && !/ $/.test(input.value)) { input.value += " "; } }
      else { input.value += value; }
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
