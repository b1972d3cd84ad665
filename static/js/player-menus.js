/*
 * The player's menus (quality, captions, speed: a button that opens a list of choices, one of
 * them checked) and its keyboard-shortcut help, for player.js. Both keep the keyboard in them
 * while open and give focus back to where it came from when they close.
 */
(function () {
  "use strict";

  function element(tag, className, attributes) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    Object.keys(attributes || {}).forEach(function (name) { el.setAttribute(name, attributes[name]); });
    return el;
  }

  function button(className, label) {
    return element("button", "player-button " + className, { type: "button", "aria-label": label });
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
    /* The choice on the button: its name says it in full; FACE, where given, is what it shows. */
    menu.show = function (text, face) {
      toggle.textContent = face || text;
      toggle.setAttribute("aria-label", label + ": " + text);
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
    title.textContent = "Keyboard shortcuts";
    var list = element("dl");
    shortcuts.forEach(function (pair) {
      var key = element("dt");
      var what = element("dd");
      key.textContent = pair[0];
      what.textContent = pair[1];
      list.appendChild(key);
      list.appendChild(what);
    });
    var close = button("player-help-close", "Close keyboard shortcuts");
    close.textContent = "Close";
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
})();
