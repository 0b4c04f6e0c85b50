// Small page helpers; everything else is server-rendered with htmx.
document.addEventListener("htmx:responseError", (event) => {
  const target = document.getElementById("htmx-error");
  if (target) {
    target.textContent = "The server could not do that (" + event.detail.xhr.status + "). Reload the page and try again.";
    target.hidden = false;
  }
});
