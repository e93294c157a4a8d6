// The intake page and a dossier's decide form. A USB scanner types the CCCD QR string and
// Enter into whatever field has the focus: the string is read by the server (cccd_parse) and
// fills the applicant's fields, in the scan field or in any other. Enter in a field never
// sends the form (a scan ends with Enter); the decision buttons do, once. In the procedure
// search, ↓ and ↑ move through the results.
(function () {
  "use strict";

  // A CCCD string inside whatever was typed: 12 digits, then the "|" separated fields.
  var CCCD = /\d{12}\|[^|]*\|[^|]+\|/;

  function isTextField(el) {
    return !!el && el.tagName === "INPUT" &&
      !/^(checkbox|radio|file|submit|button|reset|hidden|image|range|color|date|number)$/i.test(el.type);
  }

  // --- Procedure search: arrow keys between the box and the results -------------------------
  var search = document.querySelector("[data-pick-search]");
  if (search) {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") { return; }
      var links = Array.prototype.slice.call(document.querySelectorAll("[data-pick-list] a"));
      if (!links.length) { return; }
      var at = links.indexOf(document.activeElement);
      if (event.target === search) {
        if (event.key === "ArrowDown") { event.preventDefault(); links[0].focus(); }
        return;
      }
      if (at === -1) { return; }
      event.preventDefault();
      if (event.key === "ArrowDown") { (links[at + 1] || links[at]).focus(); }
      else if (at === 0) { search.focus(); }
      else { links[at - 1].focus(); }
    });
  }

  // --- Every intake/decide form: Enter in a field does not send; one submission ------------
  var forms = document.querySelectorAll("form[data-intake-form]");
  Array.prototype.forEach.call(forms, function (form) {
    var sending = false;
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Enter" && target.tagName === "INPUT" && target.type !== "file") {
        event.preventDefault();
      }
    });
    form.addEventListener("submit", function (event) {
      if (sending) { event.preventDefault(); return; }
      sending = true;
    });
    window.addEventListener("pageshow", function () { sending = false; });
  });

  // --- CCCD scan ------------------------------------------------------------------------------
  var form = document.querySelector("form[data-intake-form][data-cccd-url]");
  if (!form) { return; }
  var scan = form.querySelector("[data-cccd-scan]");
  var status = form.querySelector("[data-cccd-status]");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  var busy = false;
  if (!scan || !status || !token) { return; }

  function say(text, ok) {
    status.textContent = "";
    var span = document.createElement("span");
    span.className = ok ? "scan__status--ok" : "errorlist";
    span.textContent = text;
    status.appendChild(span);
    if (ok) { scan.removeAttribute("aria-invalid"); } else { scan.setAttribute("aria-invalid", "true"); }
  }

  function fill(fields) {
    Object.keys(fields).forEach(function (name) {
      var input = form.elements[name];
      if (!input || input.length > 1 && !input.tagName) { return; }
      input.value = fields[name];
      input.classList.remove("filled");
      void input.offsetWidth; // restart the highlight
      input.classList.add("filled");
    });
    if (form.elements.kind) { form.elements.kind.value = "person"; }
  }

  // Read ``text`` (typed into ``field``, which held ``before`` until the scan).
  function read(text, field, before) {
    if (busy) { return; }
    busy = true;
    var body = new URLSearchParams();
    body.append("text", text);
    window.fetch(form.getAttribute("data-cccd-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value, "Accept": "application/json" },
      body: body
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      if (field !== scan) { field.value = before; }
      if (data.ok) {
        fill(data.fields);
        scan.value = "";
        say(form.getAttribute("data-msg-filled"), true);
        var next = form.elements.phone;
        if (next && !next.value) { next.focus(); } else { scan.focus(); }
      } else {
        scan.value = text;
        say(data.message, false);
        scan.focus();
        scan.select();
      }
    }).catch(function () {
      say(form.getAttribute("data-msg-failed"), false);
    }).then(function () {
      busy = false;
    });
  }

  // A scan in ``field``: the whole value in the scan field, the CCCD-looking part elsewhere.
  function handle(field) {
    var value = field.value;
    if (field === scan) {
      if (value.trim()) { read(value.trim(), scan, ""); }
      return;
    }
    var at = value.search(CCCD);
    if (at !== -1) { read(value.slice(at).trim(), field, value.slice(0, at).trim()); }
  }

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && isTextField(event.target)) { handle(event.target); }
  });
  // A scanner set up without the final Enter: read when the field is left.
  form.addEventListener("change", function (event) {
    if (isTextField(event.target) && event.target !== scan) { handle(event.target); }
  });
  // The scan's own button fills without sending the form (chosen files stay chosen).
  var button = form.querySelector("button[name=decision][value=scan]");
  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (scan.value.trim()) { handle(scan); } else { scan.focus(); }
    });
  }
})();
