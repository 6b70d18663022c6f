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
