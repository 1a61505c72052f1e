// Search facets apply as soon as a box is ticked or unticked: the search form is submitted
// (a GET, so the address says what is chosen). Without JavaScript the "Apply filters" button
// does it, so the button is hidden only here. After the new page loads, the box that was
// changed gets the focus back, so a keyboard user stays where they were.
(function () {
  "use strict";
  const form = document.getElementById("search-form");
  const facets = form && form.querySelector(".facets");
  if (!facets) return;
  const KEY = "hub.search.facetFocus";

  const hint = facets.querySelector(".facet-hint");
  const apply = facets.querySelector(".facet-apply");
  if (hint) hint.hidden = false;
  if (apply) apply.hidden = true;

  facets.addEventListener("change", function (event) {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
    try { sessionStorage.setItem(KEY, JSON.stringify([box.name, box.value])); } catch (e) { /* private mode */ }
    facets.setAttribute("aria-busy", "true");
    form.requestSubmit ? form.requestSubmit() : form.submit();
  });

  let remembered = null;
  try {
    remembered = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
  } catch (e) { /* nothing remembered */ }
  if (Array.isArray(remembered)) {
    const again = Array.from(facets.querySelectorAll("input[type=checkbox]")).find(function (b) {
      return b.name === remembered[0] && b.value === remembered[1];
    });
    if (again) {
      const folded = again.closest("details");
      if (folded) folded.open = true;
      again.focus();
    }
  }
})();
