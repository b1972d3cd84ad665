/*
 * What the player shows beside the picture, for player.js: the storyboard's thumbnails (a WebVTT
 * of sprite regions, `storyboard.jpg#xywh=x,y,w,h`) and the captions, from hls.js's subtitle
 * tracks or, with native HLS, from the video's own text tracks — one interface for both.
 */
(function () {
  "use strict";

  // ---- storyboard thumbnails -----------------------------------------------------------------

  function parseTimestamp(text) {
    return text.trim().split(":").map(parseFloat).reduce(function (total, part) { return total * 60 + part; }, 0);
  }

  /* Cues of a storyboard WebVTT: "start --> end" then "sprite.jpg#xywh=x,y,w,h". */
  function parseStoryboard(text) {
    var cues = [];
    var lines = text.replace(/\r\n?/g, "\n").split("\n");
    for (var i = 0; i < lines.length; i += 1) {
      if (lines[i].indexOf("-->") === -1) continue;
      var times = lines[i].split("-->");
      var match = /#xywh=(\d+),(\d+),(\d+),(\d+)/.exec((lines[i + 1] || "").trim());
      if (!match) continue;
      cues.push({
        start: parseTimestamp(times[0]),
        end: parseTimestamp(times[1].trim().split(/\s+/)[0]),
        x: +match[1], y: +match[2], w: +match[3], h: +match[4]
      });
    }
    return cues;
  }

  function loadStoryboard(vttUrl, imageUrl, done) {
    if (!vttUrl || !imageUrl) return;
    fetch(vttUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (text) {
        var cues = parseStoryboard(text);
        if (!cues.length) return;
        new Image().src = imageUrl; // the sprite is in the cache before the first hover
        done(cues);
      })
      .catch(function () { /* thumbnails are an extra: the seek bar works without them */ });
  }

  // ---- captions: hls.js subtitle tracks, or the browser's own text tracks ---------------------

  function hlsCaptions(hls, onChange) {
    var Events = window.Hls.Events;
    hls.on(Events.SUBTITLE_TRACKS_UPDATED, onChange);
    hls.on(Events.SUBTITLE_TRACK_SWITCH, onChange);
    hls.on(Events.MANIFEST_PARSED, onChange);
    return {
      tracks: function () {
        return (hls.subtitleTracks || []).map(function (track) { return { label: track.name || track.lang, lang: track.lang, isDefault: !!track.default }; });
      },
      selected: function () { return hls.subtitleDisplay ? hls.subtitleTrack : -1; },
      select: function (index) {
        hls.subtitleDisplay = index >= 0;
        hls.subtitleTrack = index;
        onChange();
      }
    };
  }

  function nativeCaptions(video, onChange) {
    function list() {
      return Array.prototype.filter.call(video.textTracks, function (track) {
        return track.kind === "subtitles" || track.kind === "captions";
      });
    }
    ["addtrack", "removetrack", "change"].forEach(function (name) { video.textTracks.addEventListener(name, onChange); });
    return {
      tracks: function () {
        return list().map(function (track) { return { label: track.label || track.language, lang: track.language, isDefault: false }; });
      },
      selected: function () {
        return list().findIndex(function (track) { return track.mode === "showing"; });
      },
      select: function (index) {
        list().forEach(function (track, at) { track.mode = at === index ? "showing" : "disabled"; });
        onChange();
      }
    };
  }
  window.mediasite = window.mediasite || {};
  window.mediasite.playerTracks = {
    loadStoryboard: loadStoryboard,
    hlsCaptions: hlsCaptions,
    nativeCaptions: nativeCaptions
  };
})();
