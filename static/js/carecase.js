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

// "Tick all" boxes: <input type="checkbox" data-tick-all="children"> ticks the form's
// boxes named "children".
document.querySelectorAll("input[data-tick-all]").forEach(function (all) {
  all.addEventListener("change", function () {
    all.form.querySelectorAll('input[name="' + all.dataset.tickAll + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
});

// The pairing form shows only the fields of the kind chosen (all show without script).
document.querySelectorAll("form[data-pairing-form]").forEach(function (form) {
  var kind = form.querySelector('select[name="kind"]');
  function showKindFields() {
    form.querySelectorAll("[data-kinds]").forEach(function (field) {
      field.hidden = field.dataset.kinds.split(" ").indexOf(kind.value) === -1;
    });
  }
  kind.addEventListener("change", showKindFields);
  showKindFields();
});
