// Public dossier pages: copy the dossier code, keep the submission form's choices in step,
// and the kiosk's on-screen keyboard for the lookup (it types into the field last touched).
(function () {
  "use strict";

  // "Copy the code" (the button shows only when the script runs).
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.querySelector(".copy-status");
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent.trim();
      function done() { if (status) { status.textContent = button.getAttribute("data-copied"); } }
      function fallback() {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        try { document.execCommand("copy"); } catch (e) { /* the text stays selected */ }
        done();
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });

  // Date of birth and gender are for a person, not an organisation.
  var kinds = document.querySelectorAll("input[data-kind]");
  function showPerson() {
    var checked = document.querySelector("input[data-kind]:checked");
    var organisation = checked && checked.value === "organisation";
    document.querySelectorAll(".person-only").forEach(function (part) { part.hidden = organisation; });
  }
  kinds.forEach(function (input) { input.addEventListener("change", showPerson); });
  if (kinds.length) { showPerson(); }

  // Changing the case reloads the page: carry the center already chosen below.
  document.querySelectorAll("input[data-sync-from]").forEach(function (hidden) {
    var from = document.getElementById(hidden.getAttribute("data-sync-from"));
    if (!from) { return; }
    hidden.form.addEventListener("submit", function () { hidden.value = from.value; });
  });

  // Kiosk keyboard: the field last touched receives the keys (the code by default); letters,
  // dots and dashes go to the code; the secret takes four digits.
  document.querySelectorAll(".osk[data-targets]").forEach(function (keyboard) {
    var fields = keyboard.getAttribute("data-targets").split(" ").map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);
    if (!fields.length) { return; }
    var active = fields[0];
    function activate(field) {
      active = field;
      fields.forEach(function (f) { f.classList.toggle("is-active", f === field); });
    }
    fields.forEach(function (field) {
      field.addEventListener("focus", function () { activate(field); });
      field.addEventListener("pointerdown", function () { activate(field); });
    });
    keyboard.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key]");
      if (!key) { return; }
      var value = key.getAttribute("data-key");
      var forId = key.getAttribute("data-for");
      var target = active;
      if (forId && target.id !== forId) { target = document.getElementById(forId) || target; activate(target); }
      var limit = parseInt(target.getAttribute("maxlength") || "0", 10);
      if (value === "backspace") { target.value = target.value.slice(0, -1); }
      else if (value === "clear") { target.value = ""; }
      else if (!limit || target.value.length + value.length <= limit) { target.value += value; }
      target.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
