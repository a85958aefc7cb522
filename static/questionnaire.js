/* The questionnaire refreshes itself (htmx) on every `change`; nothing the
   user types may be lost to a refresh:
   - a date field fires `change` once per typed segment (Chromium), so its
     refresh waits until the user leaves the field;
   - a refresh that arrives while the user is typing in a field is not
     swapped in; the form refreshes again when they leave that field. */
(function () {
  "use strict";
  var FORM_ID = "questionnaire";
  var typing = false;

  function field(el) {
    return el && el.form && el.form.id === FORM_ID && el.tagName !== "BUTTON" ? el : null;
  }

  function refreshOnLeave(el) {
    el.setAttribute("data-refresh-on-leave", "");
  }

  document.addEventListener("change", function (event) {
    var el = field(event.target);
    if (el && el.type === "date" && el === document.activeElement) {
      event.stopPropagation();
      refreshOnLeave(el);
    }
  }, true);

  document.addEventListener("focusout", function (event) {
    var el = field(event.target);
    if (el && el.hasAttribute("data-refresh-on-leave")) {
      el.removeAttribute("data-refresh-on-leave");
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  function typedIn(event) {
    var el = field(event.target);
    if (el && el.tagName !== "SELECT" && el.type !== "radio" && el.type !== "checkbox" &&
        event.key !== "Tab" && event.key !== "Shift") {
      typing = true;
    }
  }

  document.addEventListener("keydown", typedIn);
  document.addEventListener("input", typedIn);

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.target.id === FORM_ID) {
      typing = false;
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var el = field(document.activeElement);
    if (event.target.id === FORM_ID && typing && el && event.detail.xhr.status < 400) {
      event.detail.shouldSwap = false;
      refreshOnLeave(el);
    }
  });
}());
