/* Video lists (the grids and My videos): live status badges and progress bars of the videos in
 * flight on this page, and the actions shown for a status ([data-show-for]). */
(function () {
  "use strict";

  var LABELS = {
    queued: gettext("Queued"), processing: gettext("Processing"), ready: gettext("Ready"), failed: gettext("Failed"),
    cancelled: gettext("Cancelled")
  };
  var STAGES = {
    downloading: gettext("Downloading"), probing: gettext("Probing"), transcoding: gettext("Transcoding"),
    uploading: gettext("Uploading")
  };

  function card(videoId) {
    return document.querySelector('.video-card[data-video-id="' + videoId + '"], .studio-row[data-video-id="' + videoId + '"]');
  }

  function setStatus(el, status) {
    var badge = el.querySelector('[data-role="status"]');
    if (badge) {
      badge.className = "badge status-" + status;
      badge.dataset.status = status;
      badge.textContent = LABELS[status] || status;
    }
    var line = el.querySelector('[data-role="progress-line"]');
    if (line) line.hidden = status !== "queued" && status !== "processing";
    var placeholder = el.querySelector(".thumb-placeholder");
    if (placeholder) placeholder.textContent = LABELS[status] || status;
    Array.prototype.forEach.call(el.querySelectorAll("[data-show-for]"), function (action) {
      action.hidden = action.dataset.showFor.split(" ").indexOf(status) === -1;
    });
  }

  // Per video, the time of the last progress shown: an older in-flight state (read from the
  // database on reconnect, overtaken by a live tick) is dropped. Terminal states always apply.
  var lastProgressAt = {};
  function isStale(event) {
    var at = Date.parse(event.timestamp || "");
    if (isNaN(at)) return false;
    if (at < (lastProgressAt[event.video_id] || 0)) return true;
    lastProgressAt[event.video_id] = at;
    return false;
  }

  window.mediasite = window.mediasite || {};
  window.mediasite.showVideoStatus = function (videoId, status, progress) {
    var el = card(String(videoId));
    if (!el) return;
    setStatus(el, status);
    var bar = el.querySelector('[data-role="progress"]');
    if (bar && progress !== undefined) bar.value = Math.round(progress || 0);
  };

  document.addEventListener("mediasite:event", function (domEvent) {
    var event = domEvent.detail;
    if (!event.video_id) return;
    var el = card(String(event.video_id));
    if (!el) return;
    if (event.type === "transcode_progress") {
      var terminal = event.status === "ready" || event.status === "failed" || event.status === "cancelled";
      if (!terminal && isStale(event)) return;
      setStatus(el, event.status || "processing");
      var percent = Math.max(0, Math.min(100, Math.round(event.progress || 0)));
      var bar = el.querySelector('[data-role="progress"]');
      if (bar) bar.value = percent;
      var text = el.querySelector('[data-role="progress-text"]');
      if (text) text.textContent = (STAGES[event.stage] ? STAGES[event.stage] + " " : "") + percent + "%";
    } else if (event.type === "transcode_complete") {
      setStatus(el, "ready");
    } else if (event.type === "transcode_failed") {
      setStatus(el, "failed");
      var badge = el.querySelector('[data-role="status"]');
      if (badge) badge.title = event.error || "";
    }
  });
})();
