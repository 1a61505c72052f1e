// The header's menu is a <details> disclosure: it works without this script. With it, Escape
// closes the open menu (focus back on its summary) and a click elsewhere closes it, as a
// person expects of a menu.
(function () {
  "use strict";
  function openMenus() {
    return document.querySelectorAll(".nav-menu details[open]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
