/* Starts Swagger UI on /docs (templates/api_docs.html) from the vendored bundle: the page
   carries no script of its own, so its Content-Security-Policy can refuse inline script. */
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("swagger-ui");
  if (!holder || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  window.ui = SwaggerUIBundle({
    url: holder.getAttribute("data-openapi-url"),
    domNode: holder,
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The default sends the document to an outside validator for a badge.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
});
