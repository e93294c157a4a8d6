// Staff appointment pages: a form marked data-autosubmit reloads the page as soon as one of its
// choices changes (its "Xem"/"Chọn" button stays, for keyboards and pages without script).
(function () {
  "use strict";

  var forms = document.querySelectorAll("form[data-autosubmit]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target && (target.tagName === "SELECT" || target.type === "date")) {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
  });
})();
