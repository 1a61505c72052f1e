// Asking the hub for JSON as a person types (original-search.js, topics.js): each asker drops
// its previous question when a new one starts, and a failure (aborted, offline) answers
// nothing, so the page's plain form still does the work. Asking about no words only drops
// the question before.
window.hubAsker = function () {
  "use strict";
  let pending = null;
  return function ask(url, words, then) {
    if (pending) pending.abort();
    pending = null;
    if (!words) return;
    pending = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(words), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: pending.signal,
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) then(body); })
      .catch(function () { /* aborted or offline */ });
  };
};
