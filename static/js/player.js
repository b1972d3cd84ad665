/*
 * The watch page's player controls over a <video>: play, a seek bar with the buffered range and
 * storyboard thumbnails, time, volume, quality (hls.js levels), captions, speed, full screen,
 * keyboard shortcuts with a help overlay, and resume where the viewer left off.
 *
 * watch.js starts the stream and calls `window.mediasite.playerControls(box, video, options)`.
 * Where hls.js is absent (native HLS, Safari) there is no levels API: quality is left to the
 * browser and its menu is not shown; captions then come from the video's own text tracks.
 * Every control is a real <button> or <input type=range>, built here so that a player made live
 * (a video that becomes playable while the page is open) gets the same ones. The menus and the
 * help dialog are in player-menus.js, the storyboard and the captions sources in player-tracks.js.
 */
(function () {
  "use strict";

  var SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];
  var RESUME_FROM = 10; // seconds: closer to the start, starting over is what the viewer wants
  var RESUME_UNTIL = 0.95; // of the duration: past it, the video was watched to its end
  var CAPTIONS_KEY = "mediasite.captions";
  var IDLE_MS = 2500;
  var SHORTCUTS = [
    [gettext("Space or K"), gettext("Play or pause")],
    [gettext("← or →"), gettext("Back or forward 5 seconds")],
    [gettext("J or L"), gettext("Back or forward 10 seconds")],
    ["M", gettext("Mute or unmute")],
    ["C", gettext("Captions on or off")],
    ["F", gettext("Full screen")],
    ["?", gettext("This help")],
    ["Esc", gettext("Close a menu or this help")]
  ];

  // ---- small helpers -------------------------------------------------------------------------

  function clock(value) {
    if (!isFinite(value) || value < 0) value = 0;
    var whole = Math.floor(value);
    var hours = Math.floor(whole / 3600);
    var minutes = Math.floor((whole % 3600) / 60);
    var secs = String(whole % 60).padStart(2, "0");
    return hours ? hours + ":" + String(minutes).padStart(2, "0") + ":" + secs : minutes + ":" + secs;
  }

  // From player-menus.js, loaded before this file (undefined without it: then no controls, below).
  var element = window.mediasite && window.mediasite.playerElement;
  var button = window.mediasite && window.mediasite.playerButton;
  var setIcon = window.mediasite && window.mediasite.playerIcon;

  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (error) { return null; } // storage may be off
  }

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (error) { /* private mode: the choice lasts this page only */ }
  }

  function isTyping(target) {
    if (!target || !target.tagName) return false;
    if (target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
    return target.tagName === "INPUT" && ["range", "checkbox", "radio", "button", "submit"].indexOf(target.type) === -1;
  }

  // ---- the player ------------------------------------------------------------------------------

  function playerControls(box, video, options) {
    options = options || {};
    var parts = window.mediasite; // player-menus.js and player-tracks.js, loaded before this
    var hls = options.hls || null;
    var resumeKey = options.resumeKey || "";
    box.classList.add("has-controls");
    box.tabIndex = -1; // full screen and the help dialog return focus here
    video.controls = false;

    // Built in reading order: the seek bar across the top, then the buttons.
    var controls = element("div", "player-controls");
    var seekWrap = element("div", "player-seek");
    var seek = element("input", "player-seek-range", { type: "range", min: "0", max: "0", step: "any", value: "0", "aria-label": gettext("Seek") });
    var thumb = element("div", "player-thumb", { "aria-hidden": "true" });
    var thumbImage = element("div", "player-thumb-image");
    var thumbTime = element("span", "player-thumb-time");
    thumb.hidden = true;
    thumb.appendChild(thumbImage);
    thumb.appendChild(thumbTime);
    seekWrap.appendChild(seek);
    seekWrap.appendChild(thumb);

    var bar = element("div", "player-bar");
    var play = button("player-play", gettext("Play"));
    var mute = button("player-mute", gettext("Mute"));
    var volume = element("input", "player-volume", { type: "range", min: "0", max: "1", step: "0.05", value: "1", "aria-label": gettext("Volume") });
    var time = element("span", "player-time");
    var spacer = element("span", "player-spacer");
    var captions = parts.playerMenu("player-captions", gettext("Captions"));
    var speed = parts.playerMenu("player-speed", gettext("Speed"));
    var quality = parts.playerMenu("player-quality", gettext("Quality"));
    var helpButton = button("player-help-button", gettext("Keyboard shortcuts"));
    var full = button("player-fullscreen", gettext("Full screen"));
    helpButton.textContent = "?";
    captions.wrap.hidden = true;
    quality.wrap.hidden = true;
    [play, mute, volume, time, spacer, captions.wrap, speed.wrap, quality.wrap, helpButton, full].forEach(function (el) {
      bar.appendChild(el);
    });
    controls.appendChild(seekWrap);
    controls.appendChild(bar);

    var notice = element("div", "player-notice", { role: "status" });
    notice.hidden = true;
    var help = parts.playerHelp(SHORTCUTS, box);
    var error = box.querySelector(".player-error");
    box.insertBefore(controls, error);
    box.insertBefore(notice, error);
    box.insertBefore(help.dialog, error);

    // ---- play, time, seek

    function togglePlay() {
      if (video.paused || video.ended) {
        var playing = video.play();
        if (playing && playing.catch) playing.catch(function () { /* refused (autoplay rules): stays paused */ });
      } else {
        video.pause();
      }
    }

    function duration() {
      // A first rendition still being written (an EVENT playlist) has no duration yet: what is seekable.
      if (isFinite(video.duration)) return video.duration;
      return video.seekable.length ? video.seekable.end(video.seekable.length - 1) : 0;
    }

    function seekTo(seconds) {
      video.currentTime = Math.max(0, Math.min(duration(), seconds));
    }

    var dragging = false;
    function showTime() {
      var total = duration();
      time.textContent = clock(video.currentTime) + " / " + clock(total);
      seek.max = String(total || 0);
      if (!dragging) seek.value = String(video.currentTime);
      seek.setAttribute("aria-valuetext", interpolate(gettext("%(time)s of %(duration)s"), { time: clock(video.currentTime), duration: clock(total) }, true));
      var played = total ? (video.currentTime / total) * 100 : 0;
      var buffered = 0;
      for (var i = 0; i < video.buffered.length; i += 1) {
        if (video.buffered.start(i) <= video.currentTime + 0.5 && video.buffered.end(i) >= video.currentTime) {
          buffered = total ? (video.buffered.end(i) / total) * 100 : 0;
        }
      }
      // CSSOM custom properties: allowed under a Content-Security-Policy without inline styles.
      seekWrap.style.setProperty("--played", played.toFixed(2) + "%");
      seekWrap.style.setProperty("--buffered", Math.max(played, buffered).toFixed(2) + "%");
    }

    function showPlaying() {
      var paused = video.paused || video.ended;
      setIcon(play, paused ? "play" : "pause");
      play.setAttribute("aria-label", paused ? gettext("Play") : gettext("Pause"));
      box.classList.toggle("is-paused", paused);
      wake();
    }

    // While the thumb is dragged, playback does not pull it back.
    seek.addEventListener("pointerdown", function () { dragging = true; });
    ["pointerup", "pointercancel"].forEach(function (name) {
      window.addEventListener(name, function () { dragging = false; });
    });
    seek.addEventListener("input", function () {
      seekTo(parseFloat(seek.value));
      showThumb(parseFloat(seek.value));
    });
    seek.addEventListener("keydown", function (event) {
      // The shortcuts' steps, not the range's: step "any" would move a fraction of a second.
      if (event.key === "ArrowUp" || event.key === "ArrowDown" || event.key === "PageUp" || event.key === "PageDown") {
        seekBy(event.key === "ArrowUp" || event.key === "PageUp" ? 5 : -5);
        event.preventDefault();
      }
    });

    // ---- storyboard thumbnail on hover and keyboard focus

    var cues = [];
    var imageUrl = options.storyboardImage || "";
    parts.playerTracks.loadStoryboard(options.storyboardVtt, imageUrl, function (found) {
      cues = found;
      thumbImage.style.backgroundImage = "url(\"" + imageUrl.replace(/"/g, "%22") + "\")";
      box.dataset.storyboard = "ready";
    });

    function cueAt(seconds) {
      for (var i = 0; i < cues.length; i += 1) {
        if (seconds >= cues[i].start && seconds < cues[i].end) return cues[i];
      }
      return cues.length && seconds >= cues[cues.length - 1].end ? cues[cues.length - 1] : null;
    }

    function showThumb(seconds, clientX) {
      var total = duration();
      if (!total) return;
      seconds = Math.max(0, Math.min(total, seconds));
      var cue = cueAt(seconds);
      thumbImage.hidden = !cue;
      if (cue) {
        thumbImage.style.width = cue.w + "px";
        thumbImage.style.height = cue.h + "px";
        thumbImage.style.backgroundPosition = -cue.x + "px " + -cue.y + "px";
      }
      thumbTime.textContent = clock(seconds);
      thumb.dataset.time = seconds.toFixed(2);
      thumb.hidden = false;
      var rect = seekWrap.getBoundingClientRect();
      var x = clientX === undefined ? (seconds / total) * rect.width : clientX - rect.left;
      var width = thumb.offsetWidth;
      thumb.style.left = Math.max(0, Math.min(rect.width - width, x - width / 2)) + "px";
    }

    function hideThumb() { thumb.hidden = true; }

    seekWrap.addEventListener("pointermove", function (event) {
      var rect = seekWrap.getBoundingClientRect();
      showThumb(((event.clientX - rect.left) / rect.width) * duration(), event.clientX);
    });
    seekWrap.addEventListener("pointerleave", function () {
      if (document.activeElement === seek && seek.matches(":focus-visible")) showThumb(video.currentTime);
      else hideThumb();
    });
    seek.addEventListener("focus", function () {
      if (seek.matches(":focus-visible")) showThumb(parseFloat(seek.value) || video.currentTime);
    });
    seek.addEventListener("blur", hideThumb);

    // ---- volume

    function showVolume() {
      var silent = video.muted || video.volume === 0;
      setIcon(mute, silent ? "muted" : "volume");
      mute.setAttribute("aria-label", silent ? gettext("Unmute") : gettext("Mute"));
      volume.value = String(silent ? 0 : video.volume);
      volume.setAttribute("aria-valuetext", Math.round((silent ? 0 : video.volume) * 100) + "%");
    }

    function toggleMute() {
      if (video.muted || video.volume === 0) {
        video.muted = false;
        if (video.volume === 0) video.volume = 0.5;
      } else {
        video.muted = true;
      }
    }

    mute.addEventListener("click", toggleMute);
    volume.addEventListener("input", function () {
      video.volume = parseFloat(volume.value);
      video.muted = video.volume === 0;
    });

    // ---- speed

    speed.set(SPEEDS.map(function (rate) { return { label: rate === 1 ? gettext("Normal") : rate + "×", value: rate }; }), function (rate) {
      video.playbackRate = rate;
    });
    function showSpeed() {
      speed.check(video.playbackRate);
      speed.show(video.playbackRate + "×");
    }

    // ---- quality (hls.js only)

    function levelName(level) {
      return level.height ? level.height + "p" : Math.round((level.bitrate || 0) / 1000) + " kbps";
    }

    function levelLabels() {
      // Two levels of one height (H.264 and AV1, say) are told apart by their bitrate.
      var levels = hls.levels || [];
      return levels.map(function (level) {
        var name = levelName(level);
        var twins = levels.filter(function (other) { return levelName(other) === name; }).length;
        return twins > 1 ? name + " · " + Math.round((level.bitrate || 0) / 1000) + " kbps" : name;
      });
    }

    var levelCount = 0;
    function showQuality() {
      var levels = hls.levels || [];
      var labels = levelLabels();
      if (levels.length !== levelCount) {
        levelCount = levels.length;
        var tallestFirst = levels.map(function (level, index) { return index; }).sort(function (a, b) {
          return (levels[b].height - levels[a].height) || (levels[b].bitrate - levels[a].bitrate);
        });
        quality.set([{ label: gettext("Auto"), value: -1 }].concat(tallestFirst.map(function (index) {
          return { label: labels[index], value: index };
        })), function (index) {
          hls.currentLevel = index; // switches now (the buffer ahead is dropped); -1 is Auto again
          showQuality();
        });
      }
      quality.wrap.hidden = levels.length < 2;
      if (!levels.length) return;
      var chosen = hls.autoLevelEnabled ? -1 : hls.manualLevel >= 0 ? hls.manualLevel : hls.currentLevel;
      var playing = hls.currentLevel >= 0 ? labels[hls.currentLevel] : "";
      var auto = playing ? interpolate(gettext("Auto (%(level)s)"), { level: playing }, true) : gettext("Auto");
      quality.rename(-1, auto);
      quality.check(chosen);
      quality.show(chosen === -1 ? auto : labels[chosen]);
    }

    if (hls) {
      [window.Hls.Events.MANIFEST_PARSED, window.Hls.Events.LEVELS_UPDATED, window.Hls.Events.LEVEL_SWITCHED].forEach(function (name) {
        hls.on(name, showQuality);
      });
    }

    // ---- captions

    var lastOn = -1;
    var preferenceApplied = false;
    var source = hls ? parts.playerTracks.hlsCaptions(hls, showCaptions) : parts.playerTracks.nativeCaptions(video, showCaptions);
    var trackCount = -1;

    function pickCaptions(index) {
      var tracks = source.tracks();
      store(CAPTIONS_KEY, index >= 0 && tracks[index] ? tracks[index].lang || tracks[index].label : "off");
      source.select(index);
    }

    function toggleCaptions() {
      var tracks = source.tracks();
      if (!tracks.length) return;
      if (source.selected() >= 0) { pickCaptions(-1); return; }
      var fallback = tracks.findIndex(function (track) { return track.isDefault; });
      pickCaptions(lastOn >= 0 && lastOn < tracks.length ? lastOn : Math.max(0, fallback));
    }

    function showCaptions() {
      var tracks = source.tracks();
      if (tracks.length !== trackCount) {
        trackCount = tracks.length;
        captions.set([{ label: gettext("Off"), value: -1 }].concat(tracks.map(function (track, index) {
          return { label: track.label, value: index };
        })), pickCaptions);
      }
      captions.wrap.hidden = !tracks.length;
      if (tracks.length && !preferenceApplied) {
        // The viewer's last choice, where this video has that language; the stream's default otherwise.
        preferenceApplied = true;
        var wanted = stored(CAPTIONS_KEY);
        var index = wanted === "off" ? -1 : tracks.findIndex(function (track) { return (track.lang || track.label) === wanted; });
        if (wanted === "off" || index >= 0) { source.select(index); return; }
      }
      var selected = source.selected();
      if (selected >= 0) lastOn = selected;
      captions.check(selected);
      captions.show(selected >= 0 && tracks[selected] ? tracks[selected].label : gettext("Off"), "captions");
      captions.toggle.classList.toggle("is-on", selected >= 0);
      box.dataset.captions = selected >= 0 ? "on" : "off";
    }

    // ---- full screen

    function isFullscreen() {
      return (document.fullscreenElement || document.webkitFullscreenElement) === box;
    }

    function toggleFullscreen() {
      if (isFullscreen()) {
        (document.exitFullscreen || document.webkitExitFullscreen).call(document);
      } else if (box.requestFullscreen) {
        box.requestFullscreen().catch(function () { /* refused: not from a user gesture */ });
      } else if (box.webkitRequestFullscreen) {
        box.webkitRequestFullscreen();
      } else if (video.webkitEnterFullscreen) {
        video.webkitEnterFullscreen(); // iPhone: the system player, full screen only
      }
    }

    function showFullscreen() {
      var on = isFullscreen();
      setIcon(full, on ? "exitFullscreen" : "fullscreen");
      full.setAttribute("aria-label", on ? gettext("Exit full screen") : gettext("Full screen"));
    }
    if (!(box.requestFullscreen || box.webkitRequestFullscreen || video.webkitEnterFullscreen)) full.hidden = true;
    full.addEventListener("click", toggleFullscreen);
    document.addEventListener("fullscreenchange", showFullscreen);
    document.addEventListener("webkitfullscreenchange", showFullscreen);

    helpButton.addEventListener("click", help.open);

    // ---- keyboard shortcuts, anywhere on the page but in a text field

    function seekBy(delta) {
      seekTo(video.currentTime + delta);
      showTime();
    }

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      var key = event.key;
      if (help.isOpen()) {
        if (key === "Escape" || key === "?") { help.close(); event.preventDefault(); }
        return;
      }
      var onButton = event.target.closest && event.target.closest("button, a, summary");
      switch (key) {
        case " ":
          if (onButton) return; // the focused button's own action
          togglePlay();
          break;
        case "k": case "K": togglePlay(); break;
        case "ArrowLeft": case "ArrowRight":
          if (event.target === volume) return;
          seekBy(key === "ArrowLeft" ? -5 : 5);
          break;
        case "j": case "J": seekBy(-10); break;
        case "l": case "L": seekBy(10); break;
        case "f": case "F": toggleFullscreen(); break;
        case "m": case "M": toggleMute(); break;
        case "c": case "C": toggleCaptions(); break;
        case "?": help.open(); break;
        default: return;
      }
      wake();
      event.preventDefault();
    });

    // ---- resume where the viewer left off

    var resumeChecked = !resumeKey;
    var lastSaved = -1;

    function saveResume() {
      if (!resumeChecked) return; // not before the stored position was offered: 0 would overwrite it
      var total = duration();
      var at = video.currentTime;
      if (!total || Math.abs(at - lastSaved) < 1) return;
      lastSaved = at;
      store(resumeKey, at > RESUME_FROM && at < total * RESUME_UNTIL ? at.toFixed(1) : null);
    }

    function offerResume() {
      if (resumeChecked) return;
      resumeChecked = true;
      var at = parseFloat(stored(resumeKey));
      var total = duration();
      if (!(at > RESUME_FROM) || !total || at >= total * RESUME_UNTIL) return;
      seekTo(at);
      lastSaved = at;
      notice.textContent = interpolate(gettext("Resumed at %(time)s."), { time: clock(at) }, true) + " ";
      var over = button("player-start-over", gettext("Start over from the beginning"));
      over.textContent = gettext("Start over");
      over.addEventListener("click", function () {
        seekTo(0);
        notice.hidden = true;
      });
      notice.appendChild(over);
      notice.hidden = false;
      window.setTimeout(function () { if (!notice.contains(document.activeElement)) notice.hidden = true; }, 8000);
    }

    video.addEventListener("loadedmetadata", offerResume);
    video.addEventListener("timeupdate", saveResume);
    video.addEventListener("pause", saveResume);
    video.addEventListener("ended", function () { store(resumeKey, null); });
    window.addEventListener("pagehide", function () { lastSaved = -1; saveResume(); });

    // ---- controls hide while playing and nobody moves

    var idleTimer = 0;
    function wake() {
      box.classList.remove("is-idle");
      window.clearTimeout(idleTimer);
      idleTimer = window.setTimeout(function () {
        if (!video.paused && !controls.contains(document.activeElement) && !help.isOpen()) box.classList.add("is-idle");
      }, IDLE_MS);
    }
    box.addEventListener("pointermove", wake);
    box.addEventListener("focusin", wake);

    video.addEventListener("click", togglePlay);
    video.addEventListener("dblclick", toggleFullscreen);
    play.addEventListener("click", togglePlay);
    ["timeupdate", "durationchange", "progress", "seeking", "loadedmetadata"].forEach(function (name) {
      video.addEventListener(name, showTime);
    });
    video.addEventListener("play", showPlaying);
    video.addEventListener("pause", showPlaying);
    video.addEventListener("ended", showPlaying);
    video.addEventListener("volumechange", showVolume);
    video.addEventListener("ratechange", showSpeed);

    showTime();
    showPlaying();
    showVolume();
    showSpeed();
    showFullscreen();
    showCaptions();
    if (hls) showQuality();
    if (video.readyState >= 1) offerResume();
  }

  window.mediasite = window.mediasite || {};
  // Without its parts (a script that failed to load) there are no controls: the browser's own stay.
  if (window.mediasite.playerMenu && window.mediasite.playerTracks) window.mediasite.playerControls = playerControls;
})();
