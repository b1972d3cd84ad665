/*
 * The owner's subtitles on the watch page, over the REST API (/api/v1/videos/{id}/subtitles/):
 * the list with each track's language, kind, cues and the converter's warnings; make one the
 * default; delete (confirm.js asks first); add a file by choosing it or dropping it on the zone.
 * The converter's refusal ("not a subtitle format we read", "not valid UTF-16"…) is shown in the
 * form where the file was dropped. The transcript and the player's menu reload on each change.
 */
(function () {
  "use strict";

  var root = document.getElementById("subtitle-manager");
  if (!root) return;
  var url = root.dataset.subtitlesUrl;
  var videoId = document.getElementById("watch").dataset.videoId;
  var list = root.querySelector('[data-role="list"]');
  var empty = root.querySelector('[data-role="empty"]');
  var listStatus = root.querySelector('[data-role="list-status"]');
  var form = root.querySelector('[data-role="upload"]');
  var zone = root.querySelector('[data-role="dropzone"]');
  var fileInput = form.elements.file;
  var errorLine = form.querySelector('[data-role="error"]');
  var statusLine = form.querySelector('[data-role="status"]');
  var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var KINDS = { subtitles: gettext("subtitles"), captions: gettext("captions") };

  function failure(answer, status) {
    var error = answer && answer.error;
    var fields = (error && error.fields) || {};
    var first = fields.file || fields.language || fields.kind || fields.non_field_errors;
    return new Error((first && first.join(" ")) || (error && error.message)
      || interpolate(gettext("The server answered %(status)s."), { status: status }, true));
  }

  function call(method, target, body) {
    var headers = { Accept: "application/json", "X-CSRFToken": token };
    if (body && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    return window.fetch(target, { method: method, credentials: "same-origin", headers: headers, body: body })
      .then(function (response) {
        if (response.status === 204) return null;
        return response.json().catch(function () { return null; }).then(function (answer) {
          if (!response.ok) throw failure(answer, response.status);
          return answer;
        });
      }, function () {
        throw new Error(gettext("The server could not be reached; nothing was changed."));
      });
  }

  function changed() {
    // The transcript's track list, and the player's captions menu on its next playlist load.
    if (window.mediasite && window.mediasite.transcript) window.mediasite.transcript.reload();
    document.dispatchEvent(new CustomEvent("mediasite:subtitles-changed", { detail: { video_id: videoId } }));
  }

  function button(text, role, className) {
    var el = document.createElement("button");
    el.type = "button";
    el.textContent = text;
    el.dataset.role = role;
    if (className) el.className = className;
    return el;
  }

  function render(subtitles) {
    list.textContent = "";
    empty.hidden = subtitles.length > 0;
    subtitles.forEach(function (subtitle) {
      var item = document.createElement("li");
      item.className = "subtitle-item";
      item.dataset.id = String(subtitle.id);
      var about = document.createElement("div");
      var name = document.createElement("span");
      name.className = "subtitle-name";
      name.textContent = subtitle.label || subtitle.language;
      about.appendChild(name);
      var cues = interpolate(ngettext("%(count)s cue", "%(count)s cues", subtitle.cue_count), { count: subtitle.cue_count }, true);
      var facts = [subtitle.language, KINDS[subtitle.kind] || subtitle.kind, cues];
      if (subtitle.generated) facts.push(gettext("made from the speech"));
      if (subtitle.source_format) facts.push(interpolate(gettext("from %(format)s"), { format: subtitle.source_format }, true));
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = " · " + facts.join(" · ");
      about.appendChild(meta);
      if (subtitle.is_default) {
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = gettext("Default");
        about.appendChild(document.createTextNode(" "));
        about.appendChild(badge);
      }
      item.appendChild(about);
      var actions = document.createElement("div");
      actions.className = "form-buttons";
      var download = document.createElement("a");
      download.href = subtitle.download_url;
      download.textContent = gettext("Download");
      actions.appendChild(download);
      if (!subtitle.is_default) actions.appendChild(button(gettext("Make default"), "default", "secondary"));
      // A form, so that confirm.js asks before anything is deleted.
      var remove = document.createElement("form");
      remove.dataset.confirm = interpolate(gettext("Delete the subtitles “%(name)s”?"), { name: subtitle.label || subtitle.language }, true);
      remove.dataset.confirmButton = gettext("Delete");
      remove.appendChild(button(gettext("Delete"), "delete", "danger")).type = "submit";
      actions.appendChild(remove);
      item.appendChild(actions);
      if (subtitle.warnings && subtitle.warnings.length) {
        var warnings = document.createElement("p");
        warnings.className = "warnings";
        warnings.textContent = subtitle.warnings.join(" ");
        item.appendChild(warnings);
      }
      list.appendChild(item);
    });
  }

  function load() {
    return call("GET", url).then(function (subtitles) {
      render(subtitles);
      root.hidden = false;
    }, function (error) {
      root.hidden = false;
      listStatus.textContent = interpolate(gettext("The subtitles could not be listed: %(error)s"), { error: error.message }, true);
    });
  }

  function itemUrl(item) {
    return url + encodeURIComponent(item.dataset.id) + "/";
  }

  list.addEventListener("click", function (event) {
    var target = event.target.closest('button[data-role="default"]');
    if (!target) return;
    var item = target.closest(".subtitle-item");
    target.disabled = true;
    call("PATCH", itemUrl(item), { is_default: true }).then(function () {
      listStatus.textContent = gettext("Default track changed.");
      return load().then(changed);
    }, function (error) {
      target.disabled = false;
      listStatus.textContent = error.message;
    });
  });

  list.addEventListener("mediasite:confirmed", function (event) {
    event.preventDefault();
    var item = event.target.closest(".subtitle-item");
    call("DELETE", itemUrl(item)).then(function () {
      listStatus.textContent = gettext("Subtitles deleted.");
      return load().then(function () {
        changed();
        var next = list.querySelector("button");
        (next || fileInput).focus();
      });
    }, function (error) {
      listStatus.textContent = error.message;
    });
  });

  // ---- adding a file ---------------------------------------------------------------------------

  function upload() {
    errorLine.textContent = "";
    statusLine.textContent = "";
    var file = fileInput.files[0];
    if (!file) {
      errorLine.textContent = gettext("Choose a subtitle file, or drop one on the box.");
      fileInput.focus();
      return;
    }
    if (!form.elements.language.value.trim()) {
      errorLine.textContent = interpolate(gettext("Say which language “%(name)s” is in, then add it."), { name: file.name }, true);
      form.elements.language.focus();
      return;
    }
    var body = new FormData();
    body.append("file", file, file.name);
    body.append("language", form.elements.language.value.trim());
    body.append("kind", form.elements.kind.value);
    body.append("label", form.elements.label.value.trim());
    body.append("is_default", form.elements.is_default.checked ? "true" : "false");
    var submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    statusLine.textContent = interpolate(gettext("Reading “%(name)s”…"), { name: file.name }, true);
    call("POST", url, body).then(function (subtitle) {
      var count = subtitle.cue_count;
      statusLine.textContent = interpolate(ngettext("Added “%(name)s”: %(count)s cue.", "Added “%(name)s”: %(count)s cues.", count),
        { name: subtitle.label || subtitle.language, count: count }, true);
      form.reset();
      return load().then(changed);
    }, function (error) {
      statusLine.textContent = "";
      errorLine.textContent = interpolate(gettext("“%(name)s” was not added: %(error)s"), { name: file.name, error: error.message }, true);
    }).then(function () { submit.disabled = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    upload();
  });

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.add("is-over");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("is-over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    fileInput.files = event.dataTransfer.files;
    upload();
  });

  document.addEventListener("mediasite:event", function (domEvent) {
    var event = domEvent.detail || {};
    // Captions made from the speech, or a track added from another tab or the API.
    if (event.type === "subtitle_ready" && event.video_id === videoId) load();
  });

  load();
})();
