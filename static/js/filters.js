// The search page's facets sit in <details class="filters" open>: beside the results on wide screens.
// On narrow screens (the CSS breakpoint, 48rem) close it so the facets wait behind a "Filters" button
// above the results instead of pushing them down. Without this script the facets simply stay open.
document.addEventListener("DOMContentLoaded", function () {
  var filters = document.querySelector("details.filters");
  if (filters && window.matchMedia("(max-width: 48rem)").matches) {
    filters.open = false;
  }
});
