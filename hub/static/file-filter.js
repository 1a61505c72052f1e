// Filters the draft page's list of the school's files as the teacher types. Without
// JavaScript the "Find" button saves the draft and asks the hub for the matching files;
// Enter in the box does the same here, so that files beyond the listed ones are found too.
(function () {
  "use strict";
  const box = document.querySelector("[data-file-filter]");
  if (!box) return;
  const input = box.querySelector("input[type=search]");
  const find = box.querySelector("button[value=find-files]");
  const count = box.querySelector("[aria-live]");
  const items = Array.from(box.querySelectorAll("li[data-name]"));
  const counting = count ? count.dataset.matching : null;
  if (!input || !items.length) return;

  function filter() {
    const text = input.value.trim().toLowerCase();
    let shown = 0;
    items.forEach(function (item) {
      item.hidden = text !== "" && !item.dataset.name.includes(text);
      if (!item.hidden) shown += 1;
    });
    if (count && counting) {
      count.textContent = counting.replace("{shown}", shown).replace("{listed}", items.length);
    }
  }

  input.addEventListener("input", filter);
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();
    if (find) find.click();
  });
})();
