// Calibration rating page. A file, not inline script, because of the strict CSP.
(() => {
  const setUp = () => {
    const form = document.querySelector("form[data-calibration-rating]");
    if (!form) return;
    // Raters give answers only: the nonconformity and correct-solution boxes of
    // the shared MS form are for the shopper, so they are taken out here.
    form.querySelectorAll(".ms-nonconformity").forEach((box) => box.remove());
    // …and so is the form's hint asking for them (the page gives its own).
    form.querySelector(".ms-form > p.small")?.remove();
    // Each message of the error summary is repeated next to its parameter.
    document.querySelectorAll("#error-summary [data-error-for]").forEach((item) => {
      const input = form.querySelector(`input[name="${item.dataset.errorFor}"]`);
      const line = input?.closest(".ms-line");
      if (!line) return;
      const note = document.createElement("div");
      note.className = "text-danger small mt-2";
      note.textContent = item.dataset.message;
      line.append(note);
    });
    document.getElementById("error-summary")?.focus();
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
