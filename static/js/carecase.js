// Small progressive enhancements; every page works without them.
document.querySelectorAll("form[data-language-switch] select").forEach(function (select) {
  select.addEventListener("change", function () {
    select.form.submit();
  });
});

// Print buttons (the record card, the contact sheet): CSP allows no inline handlers.
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
