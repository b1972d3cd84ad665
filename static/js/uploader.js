/*
 * Upload page with Uppy (static/vendor/uppy, scripts/build_uppy.sh): each file goes in parts
 * through an upload session (/api/v1/uploads/, see the README's "Resumable uploads"), straight to
 * S3 when media is on S3, and Golden Retriever resumes it after a reload or a crashed tab: the
 * parts already stored are not sent again. Without JavaScript, or when Uppy did not load, the
 * plain form on the page posts one file in one request.
 */
(function () {
  "use strict";

  var root = document.getElementById("uploader");
  var form = document.getElementById("upload-form");
  if (!root || !form || !window.Uppy) return;

  var api = root.dataset.api; // ends with a slash
  var csrfToken = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var visibility = document.getElementById("uploader-visibility");
  var results = document.getElementById("upload-results");
  // Part URLs are asked for in batches (each is one API request, and a fast link to S3 finishes
  // parts faster than the user rate limit allows requests) and used once each.
  var URL_BATCH = 24;
  var URL_MARGIN_MS = 5 * 60 * 1000; // not used this close to its expiry: the PUT may be slow
  var partUrls = new Map(); // "<session>/<number>" → promise of {url, expires}

  function askPartUrls(session, first, partCount) {
    // One request for this part and the next ones not yet asked for; parts asked for at the same
    // time (Uppy sends several at once) wait for the same answer.
    var numbers = [first];
    for (var n = first + 1; n <= Math.min(first + URL_BATCH - 1, partCount); n++) {
      if (!partUrls.has(session + "/" + n)) numbers.push(n);
    }
    var answer = call("POST", session + "/part-urls/", { numbers: numbers });
    numbers.forEach(function (number) {
      var item = answer.then(function (urls) {
        var url = urls.find(function (u) { return u.number === number; });
        return { url: url.url, expires: Date.parse(url.expires_at) };
      });
      item.catch(function () {}); // a failed batch is asked for again by the part that needs it
      partUrls.set(session + "/" + number, item);
    });
  }

  function watchUrl(videoId) {
    return root.dataset.watchUrl.replace("00000000-0000-0000-0000-000000000000", videoId);
  }

  function fileTypes() {
    var input = form.querySelector("input[type=file]");
    return input && input.accept ? input.accept.split(",") : null;
  }

  function titleFrom(filename) {
    var dot = filename.lastIndexOf(".");
    return (dot > 0 ? filename.slice(0, dot) : filename).slice(0, 200);
  }

  async function call(method, path, body, signal) {
    var response = await fetch(api + path, {
      method: method,
      signal: signal,
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    var data = await response.json().catch(function () { return null; });
    if (!response.ok) {
      var error = new Error((data && data.error && data.error.message)
        || interpolate(gettext("The server answered %(status)s."), { status: response.status }, true));
      error.source = { status: response.status }; // Uppy's retries read it: 4xx are not retried
      throw error;
    }
    return data;
  }

  var uppy = new Uppy.Uppy({
    id: "upload-" + root.dataset.user, // Golden Retriever's store: one per account in this browser
    autoProceed: false,
    // The types the plain form's file input accepts (videos/forms.py); the server probes the content.
    restrictions: { requiredMetaFields: ["title"], allowedFileTypes: fileTypes() },
    meta: { description: "", visibility: visibility.value },
    // The Dashboard's own texts in the page's language; English is Uppy's default.
    locale: document.documentElement.lang.indexOf("zh") === 0 ? Uppy.zh_CN : undefined,
  });

  uppy.use(Uppy.Dashboard, {
    target: "#uploader-dashboard",
    inline: true,
    width: "100%",
    height: 440,
    proudlyDisplayPoweredByUppy: false,
    note: gettext("Drop several videos at once. A lost connection or a reload resumes where it stopped."),
    metaFields: [
      { id: "title", name: gettext("Title") },
      { id: "description", name: gettext("Description") },
      {
        id: "visibility",
        name: gettext("Visibility"),
        render: function (field, h) {
          return h(
            "select",
            {
              className: field.fieldCSSClasses.text,
              form: field.form,
              value: field.value,
              onChange: function (event) { field.onChange(event.target.value); },
            },
            Array.prototype.map.call(visibility.options, function (option) {
              return h("option", { value: option.value }, option.textContent);
            })
          );
        },
      },
    ],
  });

  uppy.use(Uppy.GoldenRetriever);

  // Uppy cuts a file into parts before createMultipartUpload runs, and the server decides the part
  // size: so the session is opened here, before the upload step, and createMultipartUpload hands
  // it over. A refusal (quota, size, too many sessions) fails that file alone, before any byte.
  uppy.addPreProcessor(function (fileIDs) {
    return Promise.all(fileIDs.map(async function (id) {
      var file = uppy.getFile(id);
      if (!file || file.error || file.progress.uploadComplete || (file.s3Multipart && file.s3Multipart.uploadId)) return;
      try {
        var session = await call("POST", "", {
          filename: file.name,
          size: file.size,
          title: file.meta.title,
          description: file.meta.description || "",
          visibility: file.meta.visibility,
        });
        uppy.setFileMeta(id, { session: session.id, partSize: session.part_size, partCount: session.part_count });
      } catch (error) {
        uppy.emit("upload-error", uppy.getFile(id), error);
      }
    }));
  });

  uppy.use(Uppy.AwsS3, {
    shouldUseMultipart: true,
    limit: 6,
    getChunkSize: function (data) {
      // Called with the file's data only: find the file (and its session's part size) by it.
      var file = uppy.getFiles().find(function (f) { return f.data === data; });
      if (!file || !file.meta.partSize) throw new Error(gettext("This file has no upload session."));
      return file.meta.partSize;
    },
    createMultipartUpload: function (file) {
      return { uploadId: file.meta.session, key: file.meta.session };
    },
    signPart: async function (file, options) {
      var key = options.uploadId + "/" + options.partNumber;
      var item = partUrls.has(key) ? await partUrls.get(key).catch(function () { return null; }) : null;
      if (!item || item.expires - Date.now() < URL_MARGIN_MS) {
        askPartUrls(options.uploadId, options.partNumber, file.meta.partCount || options.partNumber);
        item = await partUrls.get(key);
      }
      partUrls.delete(key);
      return { method: "PUT", url: item.url };
    },
    listParts: async function (file, options) {
      var parts = await call("GET", options.uploadId + "/parts/", undefined, options.signal);
      return parts.map(function (part) { return { PartNumber: part.number, Size: part.size, ETag: part.etag }; });
    },
    completeMultipartUpload: async function (file, options) {
      var video = await call("POST", options.uploadId + "/complete/", {
        parts: options.parts.map(function (part) { return { number: part.PartNumber, etag: part.ETag }; }),
      }, options.signal);
      return { location: watchUrl(video.id), videoId: video.id, title: video.title };
    },
    abortMultipartUpload: async function (file, options) {
      await call("POST", options.uploadId + "/abort/", undefined, options.signal);
    },
  });

  // After a reload, an upload that was under way carries on by itself once all its files are back:
  // Golden Retriever keeps files under 10 MiB in IndexedDB, a larger one must be chosen again.
  function resumeWhenRestored() {
    var state = uppy.getState();
    if (!state.recoveredState || !Object.keys(state.currentUploads).length) return;
    if (uppy.getFiles().some(function (f) { return f.isGhost; })) return;
    uppy.emit("restore-confirmed");
  }

  uppy.on("restored", resumeWhenRestored);

  uppy.on("file-added", function (file) {
    if (!file.meta.title) uppy.setFileMeta(file.id, { title: titleFrom(file.name) });
    if (file.isRestored) window.setTimeout(resumeWhenRestored, 0); // a file chosen again
  });

  visibility.addEventListener("change", function () {
    uppy.setMeta({ visibility: visibility.value });
  });

  uppy.on("upload-success", function (file, response) {
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.href = response.uploadURL;
    link.textContent = response.body.title || file.meta.title;
    item.appendChild(link);
    item.appendChild(document.createTextNode(" " + gettext("— uploaded, queued for transcoding")));
    results.appendChild(item);
    results.hidden = false;
  });

  uppy.on("complete", function (result) {
    var files = uppy.getFiles();
    if (files.length === 1 && result.successful && result.successful.length === 1 && !files[0].error) {
      // Golden Retriever saves its state at most every 500 ms: let it record the upload as
      // finished, so that coming back to this page does not try to resume it.
      window.setTimeout(function () {
        window.location.assign(result.successful[0].response.uploadURL);
      }, 700);
    }
  });

  form.hidden = true;
  root.hidden = false;
  window.mediasite = window.mediasite || {};
  window.mediasite.uppy = uppy;
})();
