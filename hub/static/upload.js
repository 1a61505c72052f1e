// Uploads each chosen or dropped file as the raw request body, with a progress bar.
// Without JavaScript the form posts normally. On a draft's page the drop zone's controls
// belong to the draft's form (data-form): attaching posts that form, with what was typed.
(function () {
  "use strict";
  const zone = document.querySelector(".dropzone");
  if (!zone || !window.XMLHttpRequest) return;
  const form = zone.dataset.form ? document.getElementById(zone.dataset.form) : zone;
  const attachUrl = zone.dataset.attachUrl;
  const input = zone.querySelector("input[type=file]");
  const list = zone.querySelector(".upload-progress");
  const token = form.querySelector("input[name=csrf_token]").value;
  const url = zone.dataset.uploadUrl;

  function upload(file) {
    return new Promise(function (resolve) {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", "Upload of " + file.name);
      const status = document.createElement("span");
      status.className = "small";
      item.append(label, bar, status);
      list.append(item);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url + "?filename=" + encodeURIComponent(file.name));
      xhr.setRequestHeader("X-CSRFToken", token);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
      };
      xhr.onload = function () {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status === 201) { bar.value = 100; status.textContent = " uploaded"; item.className = "ok"; }
        else { status.textContent = " " + (body.error || ("failed (" + xhr.status + ")")); item.className = "failed"; }
        resolve(xhr.status === 201 ? body.id : null);
      };
      xhr.onerror = function () { status.textContent = " the connection failed; try again"; item.className = "failed"; resolve(null); };
      xhr.send(file);
    });
  }

  async function uploadAll(fileList) {
    let ok = true;
    const ids = [];
    for (const file of Array.from(fileList)) {
      const id = await upload(file);
      if (id) ids.push(id); else ok = false;
    }
    if (attachUrl && ids.length) {
      // Attach the uploaded files (and any ticked ones) to the draft with its own form, so
      // that what was typed is saved too.
      input.value = "";
      ids.forEach(function (id) {
        const hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "file_id"; hidden.value = id;
        form.append(hidden);
      });
      form.action = attachUrl;
      form.enctype = "multipart/form-data";
      HTMLFormElement.prototype.submit.call(form);
      return;
    }
    if (ok) window.location.reload();
  }

  form.addEventListener("submit", function (e) {
    // On a draft's page only the Attach button uploads; "Save draft" saves as usual.
    if (attachUrl && (!e.submitter || e.submitter.getAttribute("formaction") !== attachUrl)) return;
    if (!input.files.length) return;
    e.preventDefault();
    uploadAll(input.files);
  });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (e) { if (e.dataTransfer.files.length) uploadAll(e.dataTransfer.files); });
})();
