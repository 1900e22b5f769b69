// Toolgate dashboard: small enhancements on top of pages that work without JavaScript.
// - every htmx request and Toolgate.fetch() send the session's CSRF token as X-CSRF-Token
// - [data-copy] buttons (hidden until this script runs) copy text to the clipboard
// - [data-add-row] buttons clone the last row of a repeatable group of inputs
"use strict";

(function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // fetch() with the CSRF header and same-origin credentials; JSON bodies are encoded for you.
  function tgFetch(url, options) {
    options = Object.assign({ credentials: "same-origin" }, options || {});
    var headers = new Headers(options.headers || {});
    headers.set("X-CSRF-Token", csrfToken());
    if (options.json !== undefined) {
      headers.set("Content-Type", "application/json");
      options.body = JSON.stringify(options.json);
      delete options.json;
    }
    options.headers = headers;
    return fetch(url, options);
  }

  window.Toolgate = { csrfToken: csrfToken, fetch: tgFetch };

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  function copyText(button) {
    var text = button.getAttribute("data-copy");
    var targetId = button.getAttribute("data-copy-target");
    if (targetId) {
      var target = document.getElementById(targetId);
      if (target) text = "value" in target && target.tagName !== "PRE" && target.tagName !== "CODE" ? target.value : target.textContent;
    }
    return text || "";
  }

  function flash(button, label) {
    var original = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", original);
    button.textContent = label;
    setTimeout(function () { button.textContent = original; }, 1600);
  }

  function onCopy(event) {
    var button = event.target.closest("[data-copy], [data-copy-target]");
    if (!button) return;
    var text = copyText(button);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { flash(button, "Copied"); },
        function () { fallbackCopy(text, button); }
      );
    } else {
      fallbackCopy(text, button);
    }
  }

  // Plain-http deployments have no Clipboard API: select a temporary textarea and copy.
  function fallbackCopy(text, button) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    flash(button, ok ? "Copied" : "Press Ctrl+C");
  }

  function onAddRow(event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var group = document.getElementById(button.getAttribute("data-add-row"));
    if (!group) return;
    var rows = group.querySelectorAll("[data-row]");
    var last = rows[rows.length - 1];
    if (!last) return;
    var index = rows.length;
    var copy = last.cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll("[id]").forEach(function (element) {
      element.id = element.id.replace(/-\d+$/, "-" + index);
    });
    copy.querySelectorAll("label[for]").forEach(function (label) {
      label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + index);
    });
    copy.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
    group.appendChild(copy);
    var first = copy.querySelector("input");
    if (first) first.focus();
  }

  function init() {
    document.querySelectorAll("[data-copy], [data-copy-target], [data-add-row]").forEach(function (button) {
      button.hidden = false;
    });
    document.addEventListener("click", function (event) {
      onCopy(event);
      onAddRow(event);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
