// Finding the original of a translation as one types: the list of materials the teacher may
// see (the hub's search, through the policy) is asked for as JSON and redrawn, each with a
// button that chooses it. Without JavaScript the "Find" button does the same with a page.
(function () {
  "use strict";
  const input = document.querySelector("input[data-originals-url]");
  const list = document.getElementById("original-candidates");
  if (!input || !list || !window.fetch) return;
  const url = input.dataset.originalsUrl;
  let timer = null;
  let pending = null;

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
    if (pending) pending.abort();
    if (!words) { show([], ""); return; }
    pending = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(words), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: pending.signal,
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) show(body.originals, words); })
      .catch(function () { /* aborted or offline: the Find button still works */ });
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
