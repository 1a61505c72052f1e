// Finding the original of a translation as one types: the list of materials the teacher may
// see (the hub's search, through the policy) is asked for as JSON and redrawn, each with a
// button that chooses it. Without JavaScript the "Find" button does the same with a page.
(function () {
  "use strict";
  const input = document.querySelector("input[data-originals-url]");
  const list = document.getElementById("original-candidates");
  if (!input || !list || !window.fetch || !window.hubAsker) return;
  const url = input.dataset.originalsUrl;
  let timer = null;
  const ask = window.hubAsker();

  function item(found) {
    const li = document.createElement("li");
    const words = document.createElement("span");
    const title = document.createElement("span");
    title.id = "original-" + found.id;
    title.lang = found.language;
    title.dir = "auto";
    title.textContent = found.title;
    const details = document.createElement("span");
    details.className = "small";
    details.textContent = found.details;
    words.append(title, " ", details);
    const choose = document.createElement("button");
    choose.type = "submit";
    choose.className = "button small";
    choose.setAttribute("form", list.dataset.form);
    choose.setAttribute("formaction", list.dataset.linkUrl);
    choose.formNoValidate = true;
    choose.name = "translation_of";
    choose.value = String(found.id);
    choose.setAttribute("aria-describedby", title.id);
    choose.textContent = list.dataset.choose;
    li.append(words, " ", choose);
    return li;
  }

  function show(originals, words) {
    list.replaceChildren();
    if (!words) return;
    if (!originals.length) {
      const none = document.createElement("li");
      none.textContent = list.dataset.none;
      list.append(none);
      return;
    }
    originals.forEach(function (found) { list.append(item(found)); });
  }

  function find() {
    const words = input.value.trim();
    if (!words) { ask(url, "", null); show([], ""); return; }
    ask(url, words, function (body) { show(body.originals, words); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(find, 250);
  });
  // Enter searches here instead of submitting the draft's form.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timer);
      find();
    }
  });
})();
