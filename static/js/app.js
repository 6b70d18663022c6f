// Small behaviours shared by every page. Loaded as a file (CSP: no inline JS).
document.addEventListener("htmx:configRequest", (event) => {
  // htmx requests carry the CSRF token read from the cookie-less form token.
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});

// A form with data-confirm asks before it is sent (e.g. removing a role).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// A search box with data-filter-list="#id" narrows the checkboxes of that list
// to those whose label holds the text (ticked ones always stay in view).
document.addEventListener("input", (event) => {
  const box = event.target;
  if (!box.matches?.("[data-filter-list]")) return;
  const list = document.querySelector(box.dataset.filterList);
  if (!list) return;
  const query = box.value.trim().toLocaleLowerCase();
  let shown = 0;
  list.querySelectorAll(".form-check").forEach((item) => {
    const input = item.querySelector("input");
    const match = !query || input?.checked || item.textContent.toLocaleLowerCase().includes(query);
    item.classList.toggle("d-none", !match);
    shown += match ? 1 : 0;
  });
  const count = document.getElementById(box.getAttribute("aria-describedby") || "");
  if (count) count.textContent = query ? `${shown}` : "";
});

// A button with data-copy="#id" copies that field's value (the calendar address
// on a phone, where the field is too narrow to select by hand).
document.addEventListener("click", async (event) => {
  const button = event.target.closest?.("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select(); // no clipboard access (plain http): selected, ready to copy
    return;
  }
  const label = button.querySelector("span");
  if (label && button.dataset.copied) label.textContent = button.dataset.copied;
});
