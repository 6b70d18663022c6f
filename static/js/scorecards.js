// Scorecard pages: the MS form (F-31) and the draft editor. A file, not inline
// script, because of the strict CSP.
(() => {
  // A "not met" answer reveals the nonconformity and correct-solution fields
  // (TLK-5.6.1); hidden fields are disabled so they are not submitted.
  const syncLine = (line) => {
    const box = line.querySelector(".ms-nonconformity");
    if (!box) return;
    const chosen = line.querySelector("input[type=radio]:checked");
    const notMet = Boolean(chosen && chosen.hasAttribute("data-not-met"));
    box.classList.toggle("d-none", !notMet);
    box.querySelectorAll("textarea").forEach((field) => {
      field.disabled = !notMet || line.disabled;
      field.required = notMet;
    });
  };

  // The draft editor: only the list of the chosen condition kind is shown
  // (issue #23); without script every list shows and the server uses the
  // one of the chosen kind.
  const syncCondition = (form) => {
    const kind = form.querySelector("select.sc-condition-kind");
    if (!kind) return;
    form.querySelectorAll(".sc-condition").forEach((box) => {
      box.hidden = box.dataset.condition !== kind.value;
    });
  };

  // A parameter with an answer condition ("if 2.1 is met", issue #23) shows
  // only while the parameter it watches is shown and has that answer. The
  // server decides the same on save and submit; a hidden line is disabled so
  // nothing of it is sent.
  const checkedValue = (form, name) => {
    const field = form?.elements.namedItem(name);
    if (!field) return "";
    if (field instanceof RadioNodeList) return field.value;
    return field.checked ? field.value : "";
  };
  const syncConditions = () => {
    const lines = [...document.querySelectorAll(".ms-line[data-when-name]")];
    if (!lines.length) return;
    const form = lines[0].closest("form");
    for (let round = 0; round <= lines.length; round += 1) {
      let changed = false;
      for (const line of lines) {
        const watched = form?.elements.namedItem(line.dataset.whenName);
        const first = watched instanceof RadioNodeList ? watched[0] : watched;
        const target = first?.closest(".ms-line");
        const show = Boolean(
          target && !target.hidden && checkedValue(form, line.dataset.whenName) === line.dataset.whenAnswer,
        );
        if (line.hidden === !show) continue;
        line.hidden = !show;
        line.disabled = !show || line.hasAttribute("data-readonly");
        syncLine(line);
        changed = true;
      }
      if (!changed) break;
    }
    document.dispatchEvent(new CustomEvent("ms:conditions"));
  };

  const syncAll = (root) => {
    root.querySelectorAll(".ms-line").forEach(syncLine);
    syncConditions();
    if (root.querySelectorAll) root.querySelectorAll("form.sc-item").forEach(syncCondition);
    if (root.matches?.("form.sc-item")) syncCondition(root);
  };

  document.addEventListener("change", (event) => {
    const line = event.target.closest(".ms-line");
    if (line && event.target.type === "radio") {
      syncLine(line);
      syncConditions();
    }
    if (event.target.matches?.("select.sc-condition-kind")) {
      syncCondition(event.target.closest("form"));
    }
  });

  // The preview only shows the form; it never submits.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("form[data-ms-preview]")) {
      event.preventDefault();
    }
    // data-confirm (the draft's Discard) is asked by app.js, for every page.
  });

  // Escape closes a form opened in place in the draft editor.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const cancel = event.target.closest?.("form.sc-item")?.querySelector(".sc-cancel");
    if (cancel) cancel.click();
  });

  document.addEventListener("DOMContentLoaded", () => syncAll(document));
  document.addEventListener("htmx:load", (event) => syncAll(event.detail.elt));
})();
