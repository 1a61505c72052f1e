// The grant form shows only the picker that its "With" choice needs (income groups,
// regions or named schools). Without JavaScript every picker shows, and the server reads
// only the one that "With" names.
(function () {
  "use strict";
  document.querySelectorAll("form.grant-form").forEach(function (form) {
    const kind = form.querySelector("select[name=kind]");
    const pickers = form.querySelectorAll("[data-grant-kind]");
    if (!kind || !pickers.length) return;
    function show() {
      pickers.forEach(function (picker) {
        picker.hidden = picker.dataset.grantKind !== kind.value;
      });
    }
    kind.addEventListener("change", show);
    show();
  });
})();
