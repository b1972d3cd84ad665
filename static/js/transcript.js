/*
 * Transcript panel of the watch page (templates/subtitles/_transcript.html): a subtitle track of
 * the video as text, the line being spoken highlighted, a click on a line seeks there, and a
 * search that keeps the lines that match. Any track works, uploaded or generated from speech; the
 * WebVTT comes from the subtitles API's download URL (same origin). The owner's button asks for
 * captions from speech; the list reloads when `subtitle_ready` arrives (notifications.js).
 */
(function () {
  "use strict";

  var root = document.getElementById("transcript");
  if (!root) return;
  var player = document.getElementById("player");
  var select = document.getElementById("transcript-track");
  var search = document.getElementById("transcript-search");
  var list = document.getElementById("transcript-lines");
  var empty = document.getElementById("transcript-empty");
  var count = document.getElementById("transcript-count");
  var requestButton = document.getElementById("captions-request");
  var requestStatus = document.getElementById("captions-status");
  var tracks = [];
  var cues = [];
  var current = -1;

  // ---- WebVTT --------------------------------------------------------------------------------

  function seconds(stamp) {
    var parts = stamp.split(":").map(parseFloat);
    return parts.reduce(function (total, part) { return total * 60 + part; }, 0);
  }

  function plainText(markup) {
    // Cue markup (<i>, <v Name>, entities) to plain text; DOMParser runs no scripts and loads nothing.
    var doc = new DOMParser().parseFromString("<body>" + markup.replace(/\n/g, " ") + "</body>", "text/html");
    return doc.body.textContent.replace(/\s+/g, " ").trim();
  }

  function parseVtt(text) {
    var found = [];
    text.replace(/\r\n?/g, "\n").split(/\n{2,}/).forEach(function (block) {
      var lines = block.split("\n");
      var at = lines.findIndex(function (line) { return line.indexOf("-->") !== -1; });
      if (at === -1) return;  // the header, a NOTE, a STYLE block
      var times = lines[at].split("-->");
      var body = plainText(lines.slice(at + 1).join("\n"));
      if (!body) return;
      found.push({ start: seconds(times[0].trim()), end: seconds(times[1].trim().split(/\s+/)[0]), text: body });
    });
    return found.sort(function (a, b) { return a.start - b.start; });
  }

  // ---- rendering -----------------------------------------------------------------------------

  function clock(value) {
    var whole = Math.floor(value);
    var hours = Math.floor(whole / 3600);
    var minutes = Math.floor((whole % 3600) / 60);
    var secs = String(whole % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + secs : minutes + ":" + secs;
  }

  function highlighted(text, query) {
    // The text with each occurrence of the query in a <mark>, built as nodes (never as HTML).
    var fragment = document.createDocumentFragment();
    var lower = text.toLowerCase();
    var from = 0;
    var at = query ? lower.indexOf(query) : -1;
    while (at !== -1) {
      fragment.appendChild(document.createTextNode(text.slice(from, at)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(at, at + query.length);
      fragment.appendChild(mark);
      from = at + query.length;
      at = lower.indexOf(query, from);
    }
    fragment.appendChild(document.createTextNode(text.slice(from)));
    return fragment;
  }

  function render() {
    var query = search.value.trim().toLowerCase();
    list.textContent = "";
    var shown = 0;
    cues.forEach(function (cue, index) {
      if (query && cue.text.toLowerCase().indexOf(query) === -1) return;
      shown += 1;
      var item = document.createElement("li");
      item.className = "transcript-line" + (index === current ? " is-current" : "");
      item.dataset.index = index;
      var button = document.createElement("button");
      button.type = "button";
      button.dataset.start = cue.start;
      var time = document.createElement("time");
      time.textContent = clock(cue.start);
      var words = document.createElement("span");
      words.className = "transcript-text";
      words.appendChild(highlighted(cue.text, query));
      button.append(time, words);
      item.appendChild(button);
      list.appendChild(item);
    });
    list.hidden = cues.length === 0;
    count.textContent = query ? interpolate(ngettext("%(shown)s of %(total)s line", "%(shown)s of %(total)s lines", cues.length),
      { shown: shown, total: cues.length }, true) : "";
  }

  function showCurrent() {
    if (!player) return;
    var time = player.currentTime;
    var index = -1;
    for (var i = 0; i < cues.length && cues[i].start <= time; i += 1) {
      if (time < cues[i].end) index = i;
    }
    if (index === current) return;
    current = index;
    Array.prototype.forEach.call(list.querySelectorAll(".transcript-line"), function (item) {
      var on = Number(item.dataset.index) === index;
      item.classList.toggle("is-current", on);
      if (on) {
        item.setAttribute("aria-current", "true");
        // Scroll the list only, never the page under the viewer.
        var top = item.offsetTop - list.offsetTop;
        if (top < list.scrollTop || top + item.offsetHeight > list.scrollTop + list.clientHeight) {
          list.scrollTop = top - list.clientHeight / 3;
        }
      } else {
        item.removeAttribute("aria-current");
      }
    });
  }

  // ---- loading -------------------------------------------------------------------------------

  function getJson(url) {
    return window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  function trackName(track) {
    var name = track.label || track.language;
    return track.kind === "captions" && name.indexOf("(CC)") === -1 ? name + " (CC)" : name;
  }

  function loadTrack(track) {
    return window.fetch(track.download_url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (text) {
        cues = parseVtt(text);
        current = -1;
        render();
        showCurrent();
        root.dataset.track = String(track.id);
        empty.hidden = cues.length > 0;
        if (!cues.length) empty.textContent = gettext("This track has no text.");
      });
  }

  function loadTracks() {
    return getJson(root.dataset.subtitlesUrl).then(function (found) {
      var previous = select.value;
      tracks = found;
      select.textContent = "";
      tracks.forEach(function (track) {
        var option = document.createElement("option");
        option.value = String(track.id);
        option.textContent = trackName(track);
        select.appendChild(option);
      });
      select.hidden = tracks.length < 2;
      search.hidden = tracks.length === 0;
      if (!tracks.length) {
        cues = [];
        render();
        empty.hidden = false;
        return null;
      }
      var keep = tracks.find(function (track) { return String(track.id) === previous; });
      var chosen = keep || tracks.find(function (track) { return track.is_default; }) || tracks[0];
      select.value = String(chosen.id);
      return loadTrack(chosen);
    }).catch(function () {
      empty.hidden = false;
      empty.textContent = gettext("The transcript could not be loaded.");
    });
  }

  // ---- captions from speech (the owner's button) ---------------------------------------------

  function requestCaptions() {
    var token = root.querySelector("[name=csrfmiddlewaretoken]");
    requestButton.disabled = true;
    requestStatus.textContent = gettext("Asking…");
    window.fetch(root.dataset.captionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) {
          requestStatus.textContent = gettext("Captions are being made from the speech; they appear here when ready.");
        } else {
          requestStatus.textContent = (body.error && body.error.message) || gettext("Captions could not be requested.");
          requestButton.disabled = false;
        }
      });
    }).catch(function () {
      requestStatus.textContent = gettext("Captions could not be requested (network error).");
      requestButton.disabled = false;
    });
  }

  // ---- wiring --------------------------------------------------------------------------------

  select.addEventListener("change", function () {
    var track = tracks.find(function (candidate) { return String(candidate.id) === select.value; });
    if (track) loadTrack(track);
  });
  search.addEventListener("input", render);
  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-start]");
    if (!button || !player) return;
    player.currentTime = Number(button.dataset.start);
    showCurrent();
  });
  if (player) {
    player.addEventListener("timeupdate", showCurrent);
    player.addEventListener("seeked", showCurrent);
  }
  if (requestButton) requestButton.addEventListener("click", requestCaptions);
  document.addEventListener("mediasite:event", function (domEvent) {
    var event = domEvent.detail || {};
    if (event.type === "subtitle_ready" && event.video_id === root.dataset.videoId) {
      if (requestButton) {
        requestButton.disabled = false;
        requestStatus.textContent = "";
      }
      loadTracks();
    }
  });

  window.mediasite = window.mediasite || {};
  window.mediasite.transcript = { reload: loadTracks };
  loadTracks();
})();
