/*
 * Confirmation before a form that cannot be undone (form[data-confirm]): a modal <dialog> with the
 * form's question, the action's own word on the button (data-confirm-button) and "Keep" focused,
 * so Enter or Escape keeps. The browser's showModal() traps the focus and gives it back on close.
 *
 * Once confirmed, the form gets a cancelable "mediasite:confirmed" event: a page script that does
 * the action itself (studio.js, over the API) calls preventDefault(); otherwise the form submits.
 */
(function () {
  "use strict";

  var dialog = null;
  var pending = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-text");
    var text = document.createElement("p");
    text.id = "confirm-text";
    var buttons = document.createElement("div");
    buttons.className = "form-buttons";
    var keep = document.createElement("button");
    keep.type = "button";
    keep.className = "secondary";
    keep.dataset.role = "keep";
    keep.textContent = gettext("Keep");
    var go = document.createElement("button");
    go.type = "button";
    go.className = "danger";
    go.dataset.role = "confirm";
    buttons.appendChild(keep);
    buttons.appendChild(go);
    dialog.appendChild(text);
    dialog.appendChild(buttons);
    document.body.appendChild(dialog);
    keep.addEventListener("click", function () { dialog.close("keep"); });
    // The action starts from the button itself, not from the dialog's close event: that event comes
    // a task later, and after an Escape it could arrive when the dialog was already asked again.
    go.addEventListener("click", function () {
      var form = pending;
      pending = null;
      dialog.close("confirm");
      if (!form) return;
      var confirmed = new CustomEvent("mediasite:confirmed", { bubbles: true, cancelable: true });
      if (form.dispatchEvent(confirmed)) form.submit();
    });
  }

  function ask(form) {
    if (!dialog) build();
    pending = form;
    dialog.returnValue = "";
    dialog.querySelector("#confirm-text").textContent = form.dataset.confirm;
    dialog.querySelector('[data-role="confirm"]').textContent = form.dataset.confirmButton || gettext("Confirm");
    dialog.showModal();
    dialog.querySelector('[data-role="keep"]').focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-confirm]")) return;
    event.preventDefault();
    ask(form);
  });

  window.mediasite = window.mediasite || {};
  window.mediasite.confirm = ask;
})();
