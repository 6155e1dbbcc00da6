/* What the pages ask of the browser beyond htmx, declared by data- attributes: no page
   carries script of its own, so the Content-Security-Policy can refuse inline script. */
"use strict";

/* data-swap-statuses="409 422": an htmx answer with one of these statuses is a page that
   says why (a case taken meanwhile, a form to correct), shown rather than dropped. */
document.addEventListener("htmx:beforeSwap", function (event) {
  var holder = event.target.closest("[data-swap-statuses]");
  if (!holder) {
    return;
  }
  var statuses = holder.getAttribute("data-swap-statuses").split(/\s+/);
  if (statuses.indexOf(String(event.detail.xhr.status)) !== -1) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
