// Queue screens. On the counter screen: keyboard shortcuts (a button with data-shortcut="n f1"
// is pressed by N or F1), ignored while typing in a field. On the kiosk: a ticket page with
// data-autoprint prints itself once. Everywhere: a form is sent once (a double tap or a key
// held down must not call two numbers or issue two tickets).
(function () {
  "use strict";

  var sending = false;
  document.addEventListener("submit", function (event) {
    if (sending) { event.preventDefault(); return; }
    sending = true;
  });
  // Back/forward cache: a page shown again may send again.
  window.addEventListener("pageshow", function () { sending = false; });

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return !!target.closest("input, select, textarea, [contenteditable=''], [contenteditable=true]");
  }

  if (document.querySelector("[data-counter-screen]")) {
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) { return; }
      if (typing(event.target)) { return; }
      var key = (event.key || "").toLowerCase();
      if (!/^([a-z0-9]|f1)$/.test(key)) { return; }
      var buttons = document.querySelectorAll("[data-shortcut]");
      for (var i = 0; i < buttons.length; i++) {
        var keys = buttons[i].getAttribute("data-shortcut").split(" ");
        if (keys.indexOf(key) === -1) { continue; }
        if (key === "f1") { event.preventDefault(); } // not the browser's help
        if (!buttons[i].matches(":disabled")) {
          event.preventDefault();
          buttons[i].click();
        }
        return;
      }
    });
  }

  var slip = document.querySelector("[data-autoprint]");
  if (slip) {
    var key = "motcua.printed." + slip.getAttribute("data-autoprint");
    var printed = false;
    try { printed = window.sessionStorage.getItem(key) === "1"; } catch (e) { /* private mode */ }
    if (!printed) {
      window.addEventListener("load", function () {
        try { window.sessionStorage.setItem(key, "1"); } catch (e) { /* private mode */ }
        window.print();
      });
    }
  }
})();
