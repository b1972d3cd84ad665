/*
 * My videos: each row's edit form, retry, cancel and delete done in place over the REST API
 * (PATCH / POST / DELETE /api/v1/videos/…) instead of a page load; without this script the same
 * forms post to the pages and come back here. Status and progress follow live (list.js).
 */
(function () {
  "use strict";

  var list = document.getElementById("studio-list");
  if (!list) return;
  var VISIBILITY = {};
  Array.prototype.forEach.call(list.querySelector('select[name="visibility"]').options, function (option) {
    VISIBILITY[option.value] = option.textContent;
  });

  function part(row, name) {
    return row.querySelector('[data-role="' + name + '"]');
  }

  function say(row, text, isError) {
    var line = part(row, "row-status");
    line.textContent = text;
    line.classList.toggle("error-text", Boolean(isError));
  }

  function csrf(form) {
    return form.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  // The API's error shape: {"error": {"code", "message", "fields": {"field": ["…"]}}}.
  function request(method, url, form, body) {
    var headers = { Accept: "application/json", "X-CSRFToken": csrf(form) };
    if (body) headers["Content-Type"] = "application/json";
    return window.fetch(url, {
      method: method, credentials: "same-origin", headers: headers, body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      if (response.status === 204) return {};
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.ok) return answer;
        var error = new Error((answer.error && answer.error.message)
          || interpolate(gettext("The server answered %(status)s."), { status: response.status }, true));
        error.fields = (answer.error && answer.error.fields) || {};
        throw error;
      });
    }, function () {
      throw new Error(gettext("The server could not be reached; nothing was changed."));
    });
  }

  // ---- edit in place -------------------------------------------------------------------------

  function showFieldErrors(form, fields) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (line) {
      var messages = fields[line.dataset.errorFor];
      line.hidden = !messages;
      line.textContent = messages ? messages.join(" ") : "";
      var input = form.elements[line.dataset.errorFor];
      if (input) {
        input.setAttribute("aria-invalid", messages ? "true" : "false");
        if (messages) input.setAttribute("aria-describedby", line.id || (line.id = input.id + "-error"));
      }
    });
  }

  function showSaved(row, video) {
    var title = part(row, "title");
    title.textContent = video.title;
    var description = part(row, "description");
    description.textContent = video.description || "";
    description.hidden = !video.description;
    var badge = part(row, "visibility");
    badge.textContent = VISIBILITY[video.visibility] || video.visibility;
    badge.dataset.visibility = video.visibility;
    // What the form's reset (Cancel, Escape) goes back to from now on.
    var form = part(row, "edit-form");
    form.elements.title.defaultValue = video.title;
    form.elements.description.defaultValue = video.description || "";
    Array.prototype.forEach.call(form.elements.visibility.options, function (option) {
      option.defaultSelected = option.value === video.visibility;
    });
    var remove = row.querySelector('form[data-action="delete"]');
    remove.dataset.confirm = interpolate(gettext("Delete “%(title)s” and all its files? This cannot be undone."), { title: video.title }, true);
  }

  function save(row, form) {
    var button = form.querySelector('button[type="submit"]');
    var changes = {
      title: form.elements.title.value.trim(),
      description: form.elements.description.value,
      visibility: form.elements.visibility.value
    };
    if (!changes.title) {
      showFieldErrors(form, { title: [gettext("A title is required.")] });
      form.elements.title.focus();
      return;
    }
    button.disabled = true;
    say(row, gettext("Saving…"));
    request("PATCH", row.dataset.apiUrl, form, changes).then(function (video) {
      showFieldErrors(form, {});
      showSaved(row, video);
      part(row, "edit").open = false;
      say(row, gettext("Saved."));
      part(row, "edit").querySelector("summary").focus();
    }, function (error) {
      showFieldErrors(form, error.fields || {});
      say(row, error.message, true);
      var invalid = form.querySelector('[aria-invalid="true"]');
      if (invalid) invalid.focus();
    }).then(function () { button.disabled = false; });
  }

  function resetEdit(row) {
    var form = part(row, "edit-form");
    form.reset();  // back to the values rendered, or last saved (showSaved)
    showFieldErrors(form, {});
  }

  // ---- retry, cancel, delete -------------------------------------------------------------------

  function lifecycle(row, form) {
    var button = form.querySelector("button");
    button.disabled = true;
    request("POST", form.dataset.apiUrl, form).then(function (video) {
      if (window.mediasite.showVideoStatus) window.mediasite.showVideoStatus(video.id, video.status, video.progress);
      say(row, form.dataset.action === "retry" ? gettext("Queued for transcoding again.") : gettext("Cancelling the transcode."));
    }, function (error) {
      say(row, error.message, true);
    }).then(function () { button.disabled = false; });
  }

  function remove(row, form) {
    var title = part(row, "title").textContent;
    say(row, gettext("Deleting…"));
    request("DELETE", row.dataset.apiUrl, form).then(function () {
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      var live = document.getElementById("toasts");
      if (live) {
        var toast = document.createElement("div");
        toast.className = "toast info";
        toast.textContent = interpolate(gettext("“%(title)s” was deleted."), { title: title }, true);
        live.appendChild(toast);
        window.setTimeout(function () { toast.remove(); }, 6000);
      }
      // The focus was on the removed row's button: give it to the next row, or the page heading.
      var target = next ? next.querySelector("a.title") : document.querySelector("main h1");
      if (!next) {
        document.getElementById("studio-empty").hidden = false;
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }, function (error) {
      say(row, error.message, true);
    });
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    var row = form.closest(".studio-row");
    if (!row) return;
    if (form.dataset.role === "edit-form") {
      event.preventDefault();
      save(row, form);
    } else if (form.dataset.action === "retry" || form.dataset.action === "cancel") {
      event.preventDefault();
      lifecycle(row, form);
    }
    // delete: confirm.js asks first, then sends mediasite:confirmed (below).
  });

  list.addEventListener("mediasite:confirmed", function (event) {
    var form = event.target;
    var row = form.closest(".studio-row");
    if (!row || form.dataset.action !== "delete") return;
    event.preventDefault();
    remove(row, form);
  });

  list.addEventListener("click", function (event) {
    var cancel = event.target.closest('[data-role="edit-cancel"]');
    if (!cancel) return;
    var row = cancel.closest(".studio-row");
    resetEdit(row);
    part(row, "edit").open = false;
    part(row, "edit").querySelector("summary").focus();
  });

  list.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var details = event.target.closest('details[data-role="edit"]');
    if (!details || !details.open) return;
    resetEdit(details.closest(".studio-row"));
    details.open = false;
    details.querySelector("summary").focus();
  });

  // Opening the form: the title field, ready to type.
  list.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.dataset && details.dataset.role === "edit" && details.open) {
      details.querySelector('input[name="title"]').focus();
    }
  }, true);
})();
