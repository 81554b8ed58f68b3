// The browsable API reference: Swagger UI (served by Parley from web/node_modules) reading
// the server's own OpenAPI document.
window.addEventListener('DOMContentLoaded', () => {
  window.SwaggerUIBundle({
    url: '/api/v2/openapi.json',
    dom_id: '#api-reference',
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
