// The shop's review page. A file, not inline script, because of the strict CSP.
(() => {
  // A dispute's resolution asks for the new answer only when the analyst
  // chooses to change it.
  const sync = (form) => {
    const chosen = form.querySelector("input[type=radio][name$='-decision']:checked");
    const change = Boolean(chosen && chosen.value === "change");
    form.querySelectorAll("[data-when-change]").forEach((box) => {
      box.classList.toggle("d-none", !change);
    });
  };

  document.addEventListener("change", (event) => {
    const form = event.target.closest("form[data-resolve]");
    if (form) sync(form);
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-resolve]").forEach(sync);
  });
})();
