/*
 * Watch page: the HLS stream (hls.js where Media Source Extensions exist, native HLS otherwise)
 * under the controls of player.js, and the live transcode status of a video that is not ready yet.
 */
(function () {
  "use strict";

  var root = document.getElementById("watch");
  if (!root) return;
  var videoId = root.dataset.videoId;

  // ---- player ------------------------------------------------------------------------------

  function showPlayerError(text) {
    var el = document.getElementById("player-error");
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
  }

  function startPlayer(video) {
    var source = root.dataset.masterUrl;
    if (window.Hls && window.Hls.isSupported()) {
      // No worker: fMP4 segments need no transmuxing, and a blob: worker would need a
      // looser Content-Security-Policy (worker-src blob:).
      // startPosition 0: a first rendition still being written is an EVENT playlist, which
      // hls.js would otherwise start near its end, like a live stream.
      var hls = new window.Hls({ enableWorker: false, capLevelToPlayerSize: true, startPosition: 0 });
      var mediaRecoveries = 0;
      hls.on(window.Hls.Events.ERROR, function (event, data) {
        if (!data.fatal) return;
        if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
          // Signed segment URLs expire: reloading the playlist signs fresh ones.
          hls.startLoad();
        } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
          mediaRecoveries += 1;
          hls.recoverMediaError();
        } else {
          showPlayerError(interpolate(gettext("This video cannot be played (%(details)s)."), { details: data.details }, true));
          hls.destroy();
        }
      });
      hls.loadSource(source);
      hls.attachMedia(video);
      window.mediasite = window.mediasite || {};
      window.mediasite.hls = hls;
      attachControls(video, hls);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = source;
      attachControls(video, null);
    } else {
      showPlayerError(gettext("This browser cannot play HLS video."));
    }
  }

  function attachControls(video, hls) {
    // Without player.js (it failed to load) the browser's own controls stay.
    if (!window.mediasite || !window.mediasite.playerControls) return;
    window.mediasite.playerControls(video.parentNode, video, {
      hls: hls,
      storyboardVtt: root.dataset.storyboardVtt,
      // The sprite's URL is signed separately: a path relative to the VTT would lose the signature.
      storyboardImage: root.dataset.storyboardImage,
      resumeKey: "mediasite.resume." + videoId
    });
  }

  // ---- live status of a video in flight ------------------------------------------------------

  var STAGE_LABELS = {
    downloading: gettext("Downloading"),
    probing: gettext("Probing"),
    transcoding: gettext("Transcoding"),
    uploading: gettext("Uploading")
  };
  var STATUS_LABELS = {
    queued: gettext("Queued"), processing: gettext("Processing"), ready: gettext("Ready"), failed: gettext("Failed"),
    cancelled: gettext("Cancelled")
  };

  function part(name) {
    return root.querySelector('[data-role="' + name + '"]');
  }

  function setStatus(status) {
    var badge = part("status");
    if (!badge) return;
    badge.className = "badge status-" + status;
    badge.dataset.status = status;
    badge.textContent = STATUS_LABELS[status] || status;
    root.dataset.status = status;
    Array.prototype.forEach.call(root.querySelectorAll("[data-show-for]"), function (el) {
      el.hidden = el.dataset.showFor.split(" ").indexOf(status) === -1;
    });
  }

  function formatEta(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "";
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return interpolate(gettext("about %(seconds)s s left"), { seconds: seconds }, true);
    return interpolate(gettext("about %(minutes)s min left"), { minutes: Math.round(seconds / 60) }, true);
  }

  function onProgress(event) {
    setStatus(event.status || "processing");
    var percent = Math.max(0, Math.min(100, Math.round(event.progress || 0)));
    var bar = part("progress");
    if (bar) {
      bar.value = percent;
      bar.textContent = percent + "%";
    }
    var text = part("progress-text");
    if (text) text.textContent = (STAGE_LABELS[event.stage] ? STAGE_LABELS[event.stage] + " " : "") + percent + "%";
    var title = part("pending-title");
    if (title) title.textContent = event.status === "queued" ? gettext("Waiting for a worker…") : gettext("Transcoding…");
    var eta = part("eta");
    if (eta) {
      var speed = event.speed ? interpolate(gettext("%(speed)s× realtime"), { speed: event.speed.toFixed(1) }, true) : "";
      eta.textContent = [formatEta(event.eta_seconds), speed].filter(Boolean).join(" · ");
    }
  }

  // The first rendition can be played while the ladder encodes: the waiting box becomes the player
  // in place. The ladder's completion then changes nothing for this viewer (the first rendition's
  // segments stay), and a later visit gets the whole ladder.
  function becomePlayable() {
    if (document.getElementById("player")) return;
    var pending = document.getElementById("pending");
    if (!pending) return;
    var box = document.createElement("div");
    box.className = "player";
    var video = document.createElement("video");
    video.id = "player";
    video.controls = true;
    video.setAttribute("playsinline", "");
    video.preload = "metadata";
    video.crossOrigin = "anonymous";
    var error = document.createElement("p");
    error.className = "player-error";
    error.id = "player-error";
    error.hidden = true;
    box.appendChild(video);
    box.appendChild(error);
    var status = pending.querySelector(".status-line");
    pending.parentNode.replaceChild(box, pending);
    if (status) box.parentNode.insertBefore(status, box.nextSibling);
    startPlayer(video);
  }

  function onComplete() {
    var player = document.getElementById("player");
    if (player && (!player.paused || player.currentTime > 0)) {
      // Watching the first rendition: keep playing, only the status changes.
      setStatus("ready");
      var line = part("progress-line");
      if (line) line.hidden = true;
      return;
    }
    setStatus("ready");
    var title = part("pending-title");
    if (title) title.textContent = gettext("Ready — loading the player…");
    // The page renders the player, poster and storyboard thumbnails with freshly signed URLs.
    window.setTimeout(function () { window.location.reload(); }, 500);
  }

  function onFailed(event) {
    if (document.getElementById("player") || (event.type === "transcode_progress" && event.snapshot)) {
      // The first rendition went with the failed attempt, or a state sent on (re)connect carries
      // no error message: the page renders it.
      window.location.reload();
      return;
    }
    var cancelled = event.status === "cancelled";
    setStatus(cancelled ? "cancelled" : "failed");
    var title = part("pending-title");
    if (title) title.textContent = cancelled ? gettext("Transcoding was cancelled") : gettext("Transcoding failed");
    var error = part("error");
    if (error && !cancelled) {
      error.textContent = event.error || gettext("The video could not be processed.");
      error.hidden = false;
    }
    var line = part("progress-line");
    if (line) line.hidden = true;
    var eta = part("eta");
    if (eta) eta.textContent = "";
  }

  // A state read from the database on (re)connect can be older than a live tick that overtook
  // it; such a stale in-flight state is dropped. Terminal states always apply.
  var lastProgressAt = 0;
  function isStale(event) {
    var at = Date.parse(event.timestamp || "");
    if (isNaN(at)) return false;
    if (at < lastProgressAt) return true;
    lastProgressAt = at;
    return false;
  }

  function followTranscode() {
    if (!window.mediasite || !window.mediasite.subscribe) return; // anonymous viewers get no live updates
    window.mediasite.subscribe(videoId);
    document.addEventListener("mediasite:event", function (domEvent) {
      var event = domEvent.detail;
      if (String(event.video_id) !== videoId) return;
      if (event.type === "transcode_progress") {
        var terminal = event.status === "ready" || event.status === "failed" || event.status === "cancelled";
        if (!terminal && isStale(event)) return;
        if (event.status === "ready") onComplete();
        else if (event.status === "failed" || event.status === "cancelled") onFailed(event);
        else {
          onProgress(event);
          if (event.playable) becomePlayable();
        }
      } else if (event.type === "rendition_ready") {
        if (event.first) becomePlayable(); // the ladder's own renditions come with its completion

      } else if (event.type === "transcode_complete") {
        onComplete();
      } else if (event.type === "transcode_failed") {
        onFailed(event);
      }
    });
  }

  var video = document.getElementById("player");
  if (video) startPlayer(video);
  if (root.dataset.status === "queued" || root.dataset.status === "processing") {
    followTranscode();
  }
})();
