/*
 * Live notifications: one websocket per page to /ws/notifications/, reconnecting with
 * exponential backoff. Every event is re-dispatched on `document` as a "mediasite:event"
 * CustomEvent (detail = the event object of DESIGN.md), so page scripts never touch the socket.
 * Page scripts call `window.mediasite.subscribe(videoId)` to follow one video.
 *
 * Where the socket cannot connect at all (a proxy that refuses websockets), the page polls the
 * REST API instead — the unread count and the latest notifications, every data-poll-seconds
 * (10 s by default), slower after failures — and dispatches the stored events it finds as if
 * they had come over the socket. Each poll also tries the socket again: the first that opens
 * ends the polling. Progress ticks are not stored, so they only arrive over the socket.
 */
(function () {
  "use strict";

  var STORED_TYPES = { transcode_complete: true, transcode_failed: true, subtitle_ready: true, system_message: true };
  var PING_INTERVAL_MS = 25000;
  var MAX_BACKOFF_MS = 30000;
  // Closed by the server for a missing or expired login: retrying cannot help.
  var FINAL_CLOSE_CODES = { 4401: true, 4403: true };
  // Attempts in a row that never opened before the page polls: one failure is a restart, two a wall.
  var FAILED_OPENS_BEFORE_POLLING = 2;
  var MAX_POLL_MS = 120000;
  var API = "/api/v1/notifications/";

  var socket = null;
  var attempts = 0;
  var failedOpens = 0;
  var pingTimer = null;
  var reconnectTimer = null;
  var stopped = false;
  var subscriptions = {};

  var polling = false;
  var pollTimer = null;
  var pollDelay = 0;
  // The newest stored event this page knows of (ISO time of the event, as the socket sends it and
  // the API returns it in `payload`): polled ones after it are news.
  var newestKnown = document.body.dataset.renderedAt || new Date().toISOString();
  var seenIds = {};

  function pollBaseMs() {
    var seconds = parseFloat(document.body.dataset.pollSeconds);
    return (seconds > 0 ? seconds : 10) * 1000;
  }

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + (document.body.dataset.websocketPath || "/ws/notifications/");
  }

  function pollingText() {
    return interpolate(gettext("Live updates unavailable — refreshing every %(seconds)s s"), { seconds: Math.round(pollDelay / 1000) }, true);
  }

  function setConnectionState(state) {
    var el = document.getElementById("connection-state");
    if (el) {
      el.dataset.state = state;
      el.title = state === "online" ? gettext("Live updates: connected")
        : state === "polling" ? pollingText() : gettext("Live updates: reconnecting");
    }
    var detail = { type: "connection", state: state };
    if (state === "polling") {
      detail.interval_seconds = Math.round(pollDelay / 1000);
      detail.text = pollingText();
    }
    dispatch(detail);
  }

  function unreadCount() {
    var el = document.getElementById("notification-count");
    return el ? parseInt(el.dataset.count, 10) || 0 : 0;
  }

  function setCount(count) {
    var el = document.getElementById("notification-count");
    if (!el) return;
    count = Math.max(0, count | 0);
    el.dataset.count = String(count);
    el.textContent = String(count);
    el.classList.toggle("is-zero", count === 0);
    var label = document.getElementById("notification-count-label");
    if (label) label.textContent = interpolate(ngettext("%(count)s unread", "%(count)s unread", count), { count: count }, true);
  }

  function toast(text, level) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var item = document.createElement("div");
    item.className = "toast level-" + (level || "info");
    item.textContent = text;
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, level === "critical" ? 15000 : 6000);
  }

  function dispatch(event) {
    document.dispatchEvent(new CustomEvent("mediasite:event", { detail: event }));
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function noteKnown(at) {
    if (at && Date.parse(at) > Date.parse(newestKnown)) newestKnown = at;
  }

  // The stored events the last snapshot already counted. The server holds events that arrive while
  // it reads the snapshot and sends them after it, so one stored just before the read comes twice:
  // in the snapshot's count and as an event, which must then not be counted again.
  var inSnapshot = {};
  function eventKey(event) {
    return event ? event.type + "|" + event.timestamp : "";
  }

  function handleSnapshot(message) {
    var unread = message.unread_count !== undefined ? message.unread_count : message.unread;
    if (unread !== undefined) setCount(unread);
    inSnapshot = {};
    (message.notifications || []).forEach(function (item) {
      seenIds[item.id] = true;
      inSnapshot[eventKey(item.event)] = true;
      noteKnown((item.event && item.event.timestamp) || item.created_at);
    });
    // The current state of each video in flight, so a reconnect misses nothing.
    var videos = message.videos || message.in_flight || [];
    videos.forEach(function (video) {
      dispatch({
        type: "transcode_progress",
        video_id: String(video.video_id || video.id),
        status: video.status,
        stage: video.stage || "",
        progress: video.progress || 0,
        speed: video.speed === undefined ? null : video.speed,
        eta_seconds: video.eta_seconds === undefined ? null : video.eta_seconds,
        timestamp: video.timestamp || message.timestamp || null,
        snapshot: true
      });
    });
  }

  // Toasts and the event itself; `counted` says the unread count already includes it (a poll).
  function announce(message, counted) {
    if (STORED_TYPES[message.type]) {
      noteKnown(message.timestamp);
      if (!counted) setCount(unreadCount() + 1);
    }
    if (message.type === "transcode_complete") {
      toast(interpolate(gettext("“%(title)s” is ready to watch."), { title: message.title }, true), "info");
    }
    if (message.type === "transcode_failed") {
      toast(interpolate(gettext("“%(title)s” failed: %(error)s"), { title: message.title, error: message.error }, true), "warning");
    }
    if (message.type === "system_message") toast(message.message, message.level);
    dispatch(message);
  }

  function handleMessage(message) {
    if (!message || typeof message.type !== "string") return;
    if (message.type === "pong") return;
    if (message.type === "snapshot") {
      handleSnapshot(message);
      dispatch(message);
      return;
    }
    if (message.type === "subscribed" && message.state) {
      // The video's state at subscription time: it may have finished while we were away.
      dispatch(Object.assign({ snapshot: true }, message.state));
      return;
    }
    announce(message, Boolean(inSnapshot[eventKey(message)]));
  }

  // ---- polling, where the socket cannot connect ----------------------------------------------

  function getJson(url) {
    return window.fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          var error = new Error("signed out");
          error.final = true;
          throw error;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  function eventTime(item) {
    return (item.payload && item.payload.timestamp) || item.created_at;
  }

  function pollOnce() {
    return Promise.all([getJson(API + "unread-count/"), getJson(API + "?page_size=20")]).then(function (answers) {
      // The socket opened while this poll was out: its snapshot and events are newer than these
      // answers, which would set the count back (and toast again what the socket already told).
      if (!polling) return;
      var fresh = answers[1].results.filter(function (item) {
        return !seenIds[item.id] && Date.parse(eventTime(item)) > Date.parse(newestKnown);
      });
      answers[1].results.forEach(function (item) { seenIds[item.id] = true; });
      setCount(answers[0].unread_count);
      // Oldest first, as they would have arrived.
      fresh.reverse().forEach(function (item) {
        noteKnown(eventTime(item));
        announce(Object.assign({}, item.payload, { type: item.type, polled: true }), true);
      });
    });
  }

  // One poll: the socket first (if it opens, polling ends and this poll is the last), then the API.
  function pollTick(trySocket) {
    pollTimer = null;
    if (!polling) return;
    if (trySocket && !socket) {
      window.clearTimeout(reconnectTimer);
      reconnectTimer = null;
      connect();
    }
    pollOnce().then(function () {
      if (pollDelay !== pollBaseMs()) {
        pollDelay = pollBaseMs();
        if (polling) setConnectionState("polling");
      }
      schedulePoll();
    }, function (error) {
      if (error.final) {
        stopPolling();
        stopped = true;
        return;
      }
      pollDelay = Math.min(MAX_POLL_MS, pollDelay * 2);
      if (polling) setConnectionState("polling");
      schedulePoll();
    });
  }

  function schedulePoll() {
    if (!polling) return;
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(pollTick, pollDelay, true);
  }

  function startPolling() {
    if (polling || stopped) return;
    polling = true;
    pollDelay = pollBaseMs();
    setConnectionState("polling");
    // The first poll at once (the socket has just failed): what happened since the page was rendered shows now.
    pollTick(false);
  }

  function stopPolling() {
    polling = false;
    window.clearTimeout(pollTimer);
    pollTimer = null;
  }

  // ---- the socket ----------------------------------------------------------------------------

  function scheduleReconnect() {
    if (stopped || reconnectTimer) return;
    // Full jitter keeps a restarted server from being hit by every tab at the same instant.
    var ceiling = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, attempts));
    var delay = ceiling / 2 + Math.random() * ceiling / 2;
    attempts += 1;
    reconnectTimer = window.setTimeout(function () {
      reconnectTimer = null;
      connect();
    }, delay);
  }

  function connect() {
    if (stopped || socket) return;
    var opened = false;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      socket = null;
      failedOpens += 1;
      if (failedOpens >= FAILED_OPENS_BEFORE_POLLING) startPolling();
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      opened = true;
      attempts = 0;
      failedOpens = 0;
      stopPolling();
      setConnectionState("online");
      Object.keys(subscriptions).forEach(function (videoId) {
        send({ type: "subscribe", video_id: videoId });
      });
      pingTimer = window.setInterval(function () { send({ type: "ping" }); }, PING_INTERVAL_MS);
    });
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      handleMessage(message);
    });
    socket.addEventListener("close", function (event) {
      window.clearInterval(pingTimer);
      pingTimer = null;
      socket = null;
      if (FINAL_CLOSE_CODES[event.code]) {
        stopped = true;
        stopPolling();
        setConnectionState("offline");
        return;
      }
      if (!opened) failedOpens += 1;
      if (failedOpens >= FAILED_OPENS_BEFORE_POLLING) startPolling();
      if (!polling) setConnectionState("offline");
      scheduleReconnect();
    });
  }

  // Back online or back to the tab: try at once instead of waiting out the backoff.
  function reconnectNow() {
    if (stopped || socket) return;
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    attempts = 0;
    connect();
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") reconnectNow();
  });

  window.mediasite = window.mediasite || {};
  window.mediasite.subscribe = function (videoId) {
    subscriptions[videoId] = true;
    send({ type: "subscribe", video_id: videoId });
  };
  window.mediasite.unsubscribe = function (videoId) {
    delete subscriptions[videoId];
    send({ type: "unsubscribe", video_id: videoId });
  };
  // For the panel: the count it changes when marking read, and the mode to show.
  window.mediasite.unreadCount = unreadCount;
  window.mediasite.setUnreadCount = setCount;
  window.mediasite.connectionState = function () {
    if (polling) return { type: "connection", state: "polling", interval_seconds: Math.round(pollDelay / 1000), text: pollingText() };
    return { type: "connection", state: socket && socket.readyState === WebSocket.OPEN ? "online" : "offline" };
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
