// Printed, the list of recommendations with the same gain is shown (question numbers by theme).
(function () {
  "use strict";
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details[data-print-open]"), function (details) {
      details.open = true;
    });
  });
})();
