// District console: the only script. Pages work without it; it asks before destructive submits.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.classList && form.classList.contains("confirm")) {
    if (!window.confirm(form.getAttribute("data-confirm") || "确定？")) { event.preventDefault(); }
  }
});
