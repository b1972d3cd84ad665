/*
 * Live notifications: one websocket per page to /ws/notifications/, reconnecting with
 * exponential backoff. Every event is re-dispatched on `document` as a "mediasite:event"
 * CustomEvent (detail = the event object of DESIGN.md), so page scripts never touch the socket.
 * Page scripts call `window.mediasite.subscribe(videoId)` to follow one video.
 */
(function () {
  "use strict";

  var STORED_TYPES = { transcode_complete: true, transcode_failed: true, subtitle_ready: true, system_message: true };
  var PING_INTERVAL_MS = 25000;
  var MAX_BACKOFF_MS = 30000;
  // Closed by the server for a missing or expired login: retrying cannot help.
  var FINAL_CLOSE_CODES = { 4401: true, 4403: true };

  var socket = null;
  var attempts = 0;
  var pingTimer = null;
  var reconnectTimer = null;
  var stopped = false;
  var subscriptions = {};

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + (document.body.dataset.websocketPath || "/ws/notifications/");
  }

  function setConnectionState(state) {
    var el = document.getElementById("connection-state");
    if (!el) return;
    el.dataset.state = state;
    el.title = state === "online" ? "Live updates: connected" : "Live updates: reconnecting";
  }

  function setCount(count) {
    var el = document.getElementById("notification-count");
    if (!el) return;
    count = Math.max(0, count | 0);
    el.dataset.count = String(count);
    el.textContent = String(count);
    el.classList.toggle("is-zero", count === 0);
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

  function handleSnapshot(message) {
    var unread = message.unread_count !== undefined ? message.unread_count : message.unread;
    if (unread !== undefined) setCount(unread);
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
    if (STORED_TYPES[message.type]) {
      var el = document.getElementById("notification-count");
      setCount((el ? parseInt(el.dataset.count, 10) || 0 : 0) + 1);
    }
    if (message.type === "transcode_complete") toast("“" + message.title + "” is ready to watch.", "info");
    if (message.type === "transcode_failed") toast("“" + message.title + "” failed: " + message.error, "warning");
    if (message.type === "system_message") toast(message.message, message.level);
    dispatch(message);
  }

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
    if (stopped) return;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      attempts = 0;
      setConnectionState("online");
      Object.keys(subscriptions).forEach(function (videoId) {
        send({ type: "subscribe", video_id: videoId });
      });
      pingTimer = window.setInterval(function () { send({ type: "ping" }); }, PING_INTERVAL_MS);
      dispatch({ type: "connection", state: "online" });
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
      setConnectionState("offline");
      dispatch({ type: "connection", state: "offline" });
      if (FINAL_CLOSE_CODES[event.code]) {
        stopped = true;
        return;
      }
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

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
