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

// The log form keeps a draft in this tab (sessionStorage) while it is typed, so a save
// lost to a dropped connection can be retried with what was typed and the same one-time
// token (the server never saves one token twice). A draft whose token the server
// already has (the page lists them) or older than a day is dropped.
(function () {
  var store;
  try {
    store = window.sessionStorage;
  } catch (error) {
    return;
  }
  var DAY = 24 * 60 * 60 * 1000;
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    var key = "carecase-draft:" + form.dataset.draft;
    var saved = (form.dataset.savedTokens || "").split(" ");
    var fields = function () {
      return form.querySelectorAll("input[name], select[name], textarea[name]");
    };
    var save = function () {
      var data = {};
      fields().forEach(function (field) {
        if (field.name === "csrfmiddlewaretoken" || field.name === "next") {
          return;
        }
        if (field.type === "checkbox" || field.type === "radio") {
          data[field.name] = data[field.name] || [];
          if (field.checked) {
            data[field.name].push(field.value);
          }
        } else {
          data[field.name] = field.value;
        }
      });
      store.setItem(key, JSON.stringify({ at: Date.now(), data: data }));
    };
    var draft = null;
    try {
      draft = JSON.parse(store.getItem(key));
    } catch (error) {
      draft = null;
    }
    if (draft && (Date.now() - draft.at > DAY || saved.indexOf(draft.data.submission_token) !== -1)) {
      store.removeItem(key);
      draft = null;
    }
    if (draft && !form.hasAttribute("data-bound")) {
      fields().forEach(function (field) {
        if (!(field.name in draft.data)) {
          return;
        }
        var value = draft.data[field.name];
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = value.indexOf(field.value) !== -1;
        } else {
          field.value = value;
        }
      });
      var notice = document.querySelector("[data-draft-restored]");
      if (notice) {
        notice.hidden = false;
      }
    } else if (form.hasAttribute("data-bound")) {
      save();
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  });
  // Leaving: drafts hold children's details, so they go with the session.
  document.querySelectorAll('form[action$="/logout/"]').forEach(function (form) {
    form.addEventListener("submit", function () {
      Object.keys(store).forEach(function (key) {
        if (key.indexOf("carecase-draft:") === 0) {
          store.removeItem(key);
        }
      });
    });
  });
})();
