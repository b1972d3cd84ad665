/*
 * The player's menus (quality, captions, speed: a button that opens a list of choices, one of
 * them checked) and its keyboard-shortcut help, for player.js. Both keep the keyboard in them
 * while open and give focus back to where it came from when they close.
 */
(function () {
  "use strict";

  // The player's icons (24 × 24 paths); "captions" is Material Icons' closed_caption (Apache-2.0).
  var ICONS = {
    play: "M8 5v14l11-7z",
    pause: "M6 5h4v14H6zm8 0h4v14h-4z",
    volume: "M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4z",
    muted: "M3 9v6h4l5 5V4L7 9H3zm13.6 3 2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4z",
    fullscreen: "M5 5h5v2H7v3H5zm9 0h5v5h-2V7h-3zM5 14h2v3h3v2H5zm12 0h2v5h-5v-2h3z",
    exitFullscreen: "M8 5h2v5H5V8h3zm6 0h2v3h3v2h-5zM5 14h5v5H8v-3H5zm9 0h5v2h-3v3h-2z",
    captions: "M19 4H5a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zm-8 7H9.5v-.5h-2v3h2V13H11v1a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1h3a1 1 0 0 1 1 1v1zm7 0h-1.5v-.5h-2v3h2V13H18v1a1 1 0 0 1-1 1h-3a1 1 0 0 1-1-1v-4a1 1 0 0 1 1-1h3a1 1 0 0 1 1 1v1z"
  };

  function element(tag, className, attributes) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    Object.keys(attributes || {}).forEach(function (name) { el.setAttribute(name, attributes[name]); });
    return el;
  }

  function button(className, label) {
    return element("button", "player-button " + className, { type: "button", "aria-label": label });
  }

  /* The button shows this icon instead of its text; its aria-label names it (the icon is hidden). */
  function setIcon(target, name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    target.textContent = "";
    target.appendChild(svg);
    target.dataset.icon = name;
  }

  /* A button that opens a list of choices (menuitemradio), one of them checked. */
  function playerMenu(className, label) {
    var wrap = element("div", "player-menu " + className);
    var toggle = button("player-menu-button", label);
    toggle.setAttribute("aria-haspopup", "menu");
    toggle.setAttribute("aria-expanded", "false");
    var list = element("div", "player-menu-list", { role: "menu", "aria-label": label });
    list.hidden = true;
    wrap.appendChild(toggle);
    wrap.appendChild(list);
    var menu = { wrap: wrap, toggle: toggle, list: list, label: label };

    function items() { return Array.prototype.slice.call(list.querySelectorAll("[role=menuitemradio]")); }

    menu.open = function () {
      document.dispatchEvent(new CustomEvent("mediasite:menu-open", { detail: menu }));
      list.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
      var checked = list.querySelector("[aria-checked=true]") || items()[0];
      if (checked) checked.focus();
    };
    menu.close = function (refocus) {
      if (list.hidden) return;
      list.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      if (refocus) toggle.focus();
    };
    menu.set = function (entries, pick) {
      list.textContent = "";
      entries.forEach(function (entry) {
        var item = element("button", "player-menu-item", { type: "button", role: "menuitemradio", "aria-checked": "false" });
        item.textContent = entry.label;
        item.dataset.value = String(entry.value);
        item.addEventListener("click", function () {
          pick(entry.value);
          menu.close(true);
        });
        list.appendChild(item);
      });
    };
    menu.check = function (value) {
      items().forEach(function (item) { item.setAttribute("aria-checked", String(item.dataset.value === String(value))); });
    };
    menu.rename = function (value, text) {
      var item = list.querySelector('[data-value="' + value + '"]');
      if (item) item.textContent = text;
    };
    /* The choice on the button: its name says it in full; ICON, where given, is what it shows
       (an icon and not letters such as "CC", which the name would have to contain: WCAG 2.5.3). */
    menu.show = function (text, icon) {
      if (icon) setIcon(toggle, icon); else toggle.textContent = text;
      toggle.setAttribute("aria-label", interpolate(gettext("%(menu)s: %(choice)s"), { menu: label, choice: text }, true));
    };

    toggle.addEventListener("click", function () {
      if (list.hidden) menu.open(); else menu.close(false);
    });
    list.addEventListener("keydown", function (event) {
      var all = items();
      var at = all.indexOf(document.activeElement);
      var next = null;
      if (event.key === "ArrowDown") next = all[(at + 1) % all.length];
      else if (event.key === "ArrowUp") next = all[(at - 1 + all.length) % all.length];
      else if (event.key === "Home") next = all[0];
      else if (event.key === "End") next = all[all.length - 1];
      else if (event.key === "Escape") menu.close(true);
      else if (event.key === "Tab") menu.close(false);
      else return;
      if (next) next.focus();
      if (event.key !== "Tab") event.preventDefault();
      event.stopPropagation(); // arrows move in the menu, not the video
    });
    document.addEventListener("mediasite:menu-open", function (event) {
      if (event.detail !== menu) menu.close(false);
    });
    document.addEventListener("click", function (event) {
      if (!wrap.contains(event.target)) menu.close(false);
    });
    return menu;
  }
  /* The help dialog: SHORTCUTS as [keys, what they do]; focus goes back to FALLBACK if its opener is gone. */
  function playerHelp(shortcuts, fallback) {
    var dialog = element("div", "player-help", { role: "dialog", "aria-modal": "true", "aria-labelledby": "player-help-title" });
    dialog.hidden = true;
    var title = element("h2", "", { id: "player-help-title" });
    title.textContent = gettext("Keyboard shortcuts");
    var list = element("dl");
    shortcuts.forEach(function (pair) {
      var key = element("dt");
      var what = element("dd");
      key.textContent = pair[0];
      what.textContent = pair[1];
      list.appendChild(key);
      list.appendChild(what);
    });
    var close = button("player-help-close", gettext("Close keyboard shortcuts"));
    close.textContent = gettext("Close");
    dialog.appendChild(title);
    dialog.appendChild(list);
    dialog.appendChild(close);
    var returnTo = null;
    var help = {
      dialog: dialog,
      isOpen: function () { return !dialog.hidden; },
      open: function () {
        returnTo = document.activeElement;
        dialog.hidden = false;
        close.focus();
      },
      close: function () {
        dialog.hidden = true;
        (returnTo && returnTo !== document.body && document.contains(returnTo) ? returnTo : fallback).focus();
      }
    };
    close.addEventListener("click", help.close);
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Tab") event.preventDefault(); // one control inside: focus stays on it
    });
    return help;
  }

  window.mediasite = window.mediasite || {};
  window.mediasite.playerMenu = playerMenu;
  window.mediasite.playerHelp = playerHelp;
  window.mediasite.playerElement = element;
  window.mediasite.playerButton = button;
  window.mediasite.playerIcon = setIcon;
})();
