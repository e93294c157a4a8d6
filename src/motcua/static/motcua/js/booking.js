// Appointment pages: a form is sent once (a double tap must not book twice or spend the proof
// of work twice), the holder's link can be copied, and on the kiosk's check-in screen the code
// field keeps the focus so that a QR or ID-card scanner always types into it.
(function () {
  "use strict";

  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var proof = form.querySelector("[data-altcha-input]");
      if (event.defaultPrevented || (proof && !proof.value)) { return; }
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      // The clicked button's name/value is sent before the buttons are disabled.
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      var done = function () {
        button.textContent = button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      } else {
        try { if (document.execCommand("copy")) { done(); } } catch (error) { /* selected */ }
      }
    });
  });

  var scan = document.querySelector("[data-scan-input]");
  if (scan) {
    var keep = function () { if (document.activeElement !== scan) { scan.focus(); } };
    // After a key of the on-screen keypad, and whenever a scanner starts typing elsewhere.
    document.querySelectorAll(".osk").forEach(function (keypad) {
      keypad.addEventListener("click", function () { window.setTimeout(keep, 0); });
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target === scan || event.ctrlKey || event.altKey || event.metaKey) { return; }
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) { return; }
      if (event.key.length === 1) {
        scan.focus();
      }
    });
  }
})();
