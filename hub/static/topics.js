// Topics chosen from MeSH as one types: the box under the topics asks the hub for descriptors
// (JSON) and lists them as a listbox (arrow keys, Enter or a click choose one); the chosen
// descriptor's name is added as a line of the topics, which the hub stores as the descriptor.
// Enter without a choice adds what was typed as it is: a free term. Without JavaScript the box
// is a plain field sent with the form (with the topics in use as its datalist), read the same.
(function () {
  "use strict";
  const input = document.querySelector("input[data-suggest-url]");
  const list = document.getElementById("topic-suggestions");
  const status = document.getElementById("topic-status");
  const lines = input && document.getElementById(input.dataset.lines);
  if (!input || !list || !lines || !window.fetch || !window.hubAsker) return;
  const url = input.dataset.suggestUrl;
  let timer = null;
  const ask = window.hubAsker();
  let found = [];
  let active = -1;

  input.removeAttribute("list"); // the listbox replaces the datalist
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  function close() {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    found = [];
    active = -1;
  }

  function mark(index) {
    active = index;
    Array.prototype.forEach.call(list.children, function (li, i) {
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function show(topics) {
    close();
    found = topics;
    if (!topics.length) return;
    topics.forEach(function (topic, i) {
      const li = document.createElement("li");
      li.id = "topic-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.textContent = topic.name;
      const id = document.createElement("span");
      id.className = "small";
      id.textContent = " " + topic.id;
      li.append(name, id);
      // mousedown, not click: the input keeps the focus.
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();
        add(topic.name, false);
      });
      list.append(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function add(name, free) {
    const words = name.trim();
    if (!words) return;
    const have = lines.value.split("\n").map(function (l) { return l.trim().toLowerCase(); });
    if (have.indexOf(words.toLowerCase()) < 0) {
      lines.value = lines.value.replace(/\s*$/, "") + (lines.value.trim() ? "\n" : "") + words;
    }
    const label = free ? words + " " + input.dataset.free : words;
    status.textContent = input.dataset.added.replace("%(topic)s", label);
    input.value = "";
    close();
  }

  function suggest() {
    const words = input.value.trim();
    if (words.length < 2) { ask(url, "", null); close(); return; }
    ask(url, words, function (body) { show(body.topics); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && found.length) {
      event.preventDefault();
      mark((active + 1) % found.length);
    } else if (event.key === "ArrowUp" && found.length) {
      event.preventDefault();
      mark(active <= 0 ? found.length - 1 : active - 1);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault();
      close();
    } else if (event.key === "Enter") {
      // Enter adds a topic here instead of submitting the draft's form.
      event.preventDefault();
      if (active >= 0) add(found[active].name, false);
      else add(input.value, !found.some(function (t) {
        return t.name.toLowerCase() === input.value.trim().toLowerCase();
      }));
    }
  });
  input.addEventListener("blur", close);
})();
