// Small progressive enhancements; every page works without them.
document.querySelectorAll("form[data-language-switch] select").forEach(function (select) {
  select.addEventListener("change", function () {
    select.form.submit();
  });
});
