/*
 * The bell's panel: the latest notifications from the REST API, newest first, unread marked;
 * mark one or all read. It refreshes itself when notifications.js announces a stored event
 * (over the socket or found by a poll) and says when live updates fell back to polling.
 * A disclosure: the bell is a button with aria-expanded; Escape closes and gives focus back.
 */
(function () {
  "use strict";

  var API = "/api/v1/notifications/";
  var STORED_TYPES = { transcode_complete: true, transcode_failed: true, subtitle_ready: true, system_message: true };

  var bell = document.getElementById("notification-bell");
  var panel = document.getElementById("notification-panel");
  if (!bell || !panel) return;
  var list = panel.querySelector('[data-panel="items"]');
  var empty = panel.querySelector('[data-panel="empty"]');
  var status = panel.querySelector('[data-panel="status"]');
  var mode = panel.querySelector('[data-panel="mode"]');
  var readAll = panel.querySelector('[data-panel="read-all"]');
  var more = panel.querySelector('[data-panel="more"]');
  var csrfInput = document.querySelector("[name=csrfmiddlewaretoken]");

  var stale = true;
  var nextUrl = null;
  var refreshTimer = null;

  function describe(item) {
    var event = item.payload || {};
    switch (item.type) {
      case "transcode_complete": return interpolate(gettext("“%(title)s” is ready to watch."), { title: event.title }, true);
      case "transcode_failed": return interpolate(gettext("“%(title)s” failed: %(error)s"), { title: event.title, error: event.error }, true);
      case "subtitle_ready": return interpolate(gettext("Subtitles (%(language)s) are ready."), { language: event.language }, true);
      case "system_message": return event.message;
      default: return item.type;
    }
  }

  // Dates in the page's language (<html lang>), not the browser's.
  var LOCALE = document.documentElement.lang || undefined;

  function ago(iso) {
    var seconds = (Date.now() - Date.parse(iso)) / 1000;
    if (!(seconds >= 0)) return "";
    if (seconds < 60) return gettext("just now");
    var count;
    if (seconds < 3600) {
      count = Math.floor(seconds / 60);
      return interpolate(ngettext("%(count)s min ago", "%(count)s min ago", count), { count: count }, true);
    }
    if (seconds < 86400) {
      count = Math.floor(seconds / 3600);
      return interpolate(ngettext("%(count)s h ago", "%(count)s h ago", count), { count: count }, true);
    }
    return new Date(iso).toLocaleDateString(LOCALE);
  }

  function renderItem(item) {
    var li = document.createElement("li");
    li.className = "notification-item level-" + ((item.payload && item.payload.level) || "info");
    li.dataset.id = String(item.id);
    li.dataset.type = item.type;
    var text = describe(item);
    var body;
    if (item.payload && item.payload.video_id) {
      body = document.createElement("a");
      body.href = "/videos/" + encodeURIComponent(item.payload.video_id) + "/";
    } else {
      body = document.createElement("span");
    }
    body.className = "notification-text";
    body.textContent = text;
    var time = document.createElement("time");
    time.dateTime = item.created_at;
    time.textContent = ago(item.created_at);
    time.title = new Date(item.created_at).toLocaleString(LOCALE);
    li.appendChild(body);
    li.appendChild(time);
    if (!item.read_at) {
      li.classList.add("is-unread");
      var marker = document.createElement("span");
      marker.className = "visually-hidden";
      marker.textContent = gettext("Unread: ");
      li.insertBefore(marker, body);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link mark-read";
      button.dataset.panel = "mark-read";
      button.textContent = gettext("Mark read");
      button.setAttribute("aria-label", interpolate(gettext("Mark read: %(notification)s"), { notification: text }, true));
      li.appendChild(button);
    }
    return li;
  }

  function say(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function request(url, method) {
    var headers = { Accept: "application/json" };
    if (method === "POST" && csrfInput) headers["X-CSRFToken"] = csrfInput.value;
    return window.fetch(url, { method: method || "GET", credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
  }

  function show(page, append) {
    if (!append) list.textContent = "";
    page.results.forEach(function (item) { list.appendChild(renderItem(item)); });
    nextUrl = page.next;
    more.hidden = !nextUrl;
    empty.hidden = list.children.length > 0;
    readAll.disabled = !list.querySelector(".is-unread") && !(window.mediasite && window.mediasite.unreadCount() > 0);
  }

  function load() {
    stale = false;
    say(list.children.length ? "" : gettext("Loading…"));
    return request(API + "?page_size=20").then(function (page) {
      say("");
      show(page, false);
      panel.dataset.loaded = "true";
    }, function () {
      stale = true;
      say(gettext("Could not load the notifications. They will be retried when the panel opens again."));
    });
  }

  function isOpen() {
    return bell.getAttribute("aria-expanded") === "true";
  }

  function open() {
    bell.setAttribute("aria-expanded", "true");
    panel.hidden = false;
    if (stale) load();
  }

  function close(returnFocus) {
    if (!isOpen()) return;
    bell.setAttribute("aria-expanded", "false");
    panel.hidden = true;
    if (returnFocus) bell.focus();
  }

  function changeCount(delta) {
    if (window.mediasite && window.mediasite.setUnreadCount) {
      window.mediasite.setUnreadCount(window.mediasite.unreadCount() + delta);
    }
  }

  function markRead(li) {
    var button = li.querySelector('[data-panel="mark-read"]');
    if (button) button.disabled = true;
    return request(API + encodeURIComponent(li.dataset.id) + "/read/", "POST").then(function () {
      li.classList.remove("is-unread");
      var marker = li.querySelector(".visually-hidden");
      if (marker) marker.remove();
      // Keep focus in the list: on the next item's button, or the item's text.
      var nextButton = li.nextElementSibling && li.nextElementSibling.querySelector('[data-panel="mark-read"]');
      var hadFocus = document.activeElement === button;
      if (button) button.remove();
      if (hadFocus) (nextButton || li.querySelector(".notification-text") || readAll).focus();
      changeCount(-1);
    }, function () {
      if (button) button.disabled = false;
      say(gettext("Could not mark it read. Try again."));
    });
  }

  function markAllRead() {
    readAll.disabled = true;
    return request(API + "read-all/", "POST").then(function (answer) {
      Array.prototype.forEach.call(list.querySelectorAll(".is-unread"), function (li) {
        li.classList.remove("is-unread");
        var marker = li.querySelector(".visually-hidden");
        if (marker) marker.remove();
        var button = li.querySelector('[data-panel="mark-read"]');
        if (button) button.remove();
      });
      if (window.mediasite && window.mediasite.setUnreadCount) window.mediasite.setUnreadCount(answer.unread_count);
      say(gettext("All marked read."));
    }, function () {
      readAll.disabled = false;
      say(gettext("Could not mark them read. Try again."));
    });
  }

  function showMode(detail) {
    if (detail.state === "polling") {
      mode.textContent = detail.text;
      mode.hidden = false;
    } else if (detail.state === "online") {
      mode.hidden = true;
      mode.textContent = "";
    }
  }

  bell.addEventListener("click", function (event) {
    event.stopPropagation();
    if (isOpen()) close(false);
    else open();
  });
  panel.addEventListener("click", function (event) {
    // Opening a notification's video reads it: told with keepalive, so the navigation cannot cut it off.
    var link = event.target.closest(".notification-item.is-unread a.notification-text");
    if (link) {
      window.fetch(API + encodeURIComponent(link.closest("li").dataset.id) + "/read/", {
        method: "POST", credentials: "same-origin", keepalive: true,
        headers: { Accept: "application/json", "X-CSRFToken": csrfInput ? csrfInput.value : "" }
      });
      return;
    }
    var button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.panel === "mark-read") markRead(button.closest("li"));
    else if (button.dataset.panel === "read-all") markAllRead();
    else if (button.dataset.panel === "more" && nextUrl) {
      more.disabled = true;
      request(nextUrl).then(function (page) {
        more.disabled = false;
        show(page, true);
      }, function () {
        more.disabled = false;
        say(gettext("Could not load older notifications."));
      });
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      event.preventDefault();
      close(true);
    }
  });
  document.addEventListener("click", function (event) {
    if (isOpen() && !panel.contains(event.target)) close(false);
  });

  document.addEventListener("mediasite:event", function (domEvent) {
    var event = domEvent.detail;
    if (event.type === "connection") {
      showMode(event);
      return;
    }
    if (!STORED_TYPES[event.type]) return;
    // The row is stored before the event is sent: read it back, with its id, once the burst is over.
    stale = true;
    if (!isOpen()) return;
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(load, 150);
  });
  if (window.mediasite && window.mediasite.connectionState) showMode(window.mediasite.connectionState());
})();
