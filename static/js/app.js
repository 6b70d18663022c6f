// Small behaviours shared by every page. Loaded as a file (CSP: no inline JS).
document.addEventListener("htmx:configRequest", (event) => {
  // htmx requests carry the CSRF token read from the cookie-less form token.
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});
