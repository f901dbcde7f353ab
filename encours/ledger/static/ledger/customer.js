/* The customer page's tabs: after htmx swaps a tab in, the link of the shown tab is the active one. */
document.addEventListener("htmx:afterSwap", function (e) {
  if (e.detail.target.id !== "customer-tab") return;
  document.querySelectorAll("nav.tabs a").forEach(function (a) {
    a.classList.toggle("active", a.getAttribute("href") === "?" + (new URL(e.detail.pathInfo.requestPath, location)).searchParams.toString());
  });
});
