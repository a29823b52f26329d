// Starts Swagger UI on /openapi.json. An external file, not an inline script, so the page
// works under the app's Content-Security-Policy (script-src 'self').
/* global SwaggerUIBundle */
window.addEventListener('DOMContentLoaded', function () {
  SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // The default would fetch a badge from validator.swagger.io: no third-party requests.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
