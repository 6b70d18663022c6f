// Swagger UI on the API's OpenAPI document (no inline script: the CSP allows none).
// "Try it out" with the session sends the CSRF token, as the pages' forms do.
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.schemaUrl,
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  deepLinking: true,
  requestInterceptor: (request) => {
    if (!request.headers.Authorization && root.dataset.csrfToken) {
      request.headers["X-CSRFToken"] = root.dataset.csrfToken;
    }
    return request;
  },
});
