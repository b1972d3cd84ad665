/*
 * Upload page: send the form with XMLHttpRequest to show upload progress; without JavaScript
 * the same form posts normally.
 */
(function () {
  "use strict";

  function bind(form) {
    var maxSize = parseInt(form.dataset.maxSize, 10) || 0;
    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      var file = input && input.files && input.files[0];
      if (file && maxSize && file.size > maxSize) {
        event.preventDefault();
        window.alert(gettext("This file is larger than the upload limit."));
        return;
      }
      if (!window.FormData || !file) return; // let the browser post it
      event.preventDefault();

      var box = document.getElementById("upload-progress");
      var bar = box.querySelector("progress");
      var text = box.querySelector('[data-role="text"]');
      var button = form.querySelector('button[type="submit"]');
      box.hidden = false;
      button.disabled = true;

      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      // Asks the view for JSON ({location}) instead of a redirect that XHR would follow silently.
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        text.textContent = percent < 100 ? percent + "%" : gettext("Storing…");
      });
      xhr.addEventListener("load", function () {
        var contentType = xhr.getResponseHeader("Content-Type") || "";
        if (xhr.status < 300 && contentType.indexOf("application/json") === 0) {
          window.location.assign(JSON.parse(xhr.responseText).location);
          return;
        }
        if (contentType.indexOf("text/html") === 0) {
          // Form errors: swap in the re-rendered form.
          var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
          var fresh = doc.getElementById("upload-form");
          if (fresh) {
            form.replaceWith(fresh);
            bind(fresh);
            return;
          }
        }
        box.hidden = true;
        button.disabled = false;
        window.alert(interpolate(gettext("The upload failed (HTTP %(status)s)."), { status: xhr.status }, true));
      });
      xhr.addEventListener("error", function () {
        box.hidden = true;
        button.disabled = false;
        window.alert(gettext("The upload failed: the connection was lost."));
      });
      xhr.send(new FormData(form));
    });
  }

  var form = document.getElementById("upload-form");
  if (form) bind(form);
})();
