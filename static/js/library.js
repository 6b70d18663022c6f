// Coaching-rule form: show only the parts the chosen kind of rule uses.
// Without JavaScript every part stays visible and the server ignores the unused ones.
(() => {
  const form = document.getElementById("coaching-rule-form");
  if (!form) return;
  const metric = form.querySelector("[name=metric]");
  const comparison = form.querySelector("[name=comparison]");
  const part = (name) => form.querySelector(`[data-rule-part=${name}]`);

  function update() {
    const kind = metric.value;
    part("sections").classList.toggle("d-none", kind !== "sections");
    part("comparison").classList.toggle("d-none", kind === "critical");
    part("threshold").classList.toggle(
      "d-none", kind === "critical" || comparison.value !== "below_value",
    );
  }

  metric.addEventListener("change", update);
  comparison.addEventListener("change", update);
  update();
})();
