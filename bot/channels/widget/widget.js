/* IEP Navigator chat widget. Plain JavaScript, no build step, no dependencies.
 *
 *   <script src="https://assistant.example.org/webhooks/web/widget.js"
 *           data-server="https://assistant.example.org" data-language="en" defer></script>
 *
 * data-server: the assistant's base URL (default: the origin of this script's src).
 * data-language: the parent's language, "en" or "es" (default: the page's <html lang>, else "en"). The header's
 *   language button switches at any time; so does writing "Español" / "English" or clearly in the other language.
 *
 * Every word a parent sees comes from the server (GET /strings); this file holds none. Server text is
 * only ever set with textContent; http(s) URLs in it become links. All classes and ids start "iepn-".
 */
(function () {
  "use strict";

  var script = document.currentScript || (function () {
    var found = document.querySelectorAll("script[src*='widget.js']");
    return found.length ? found[found.length - 1] : null;
  })();
  if (!script || document.getElementById("iepn-root")) {
    return;  // no way to read our settings, or the widget is already on the page
  }

  var scriptUrl = new URL(script.src, document.baseURI);
  var server = (script.getAttribute("data-server") || scriptUrl.origin).replace(/\/+$/, "");
  var pageLanguage = (document.documentElement.getAttribute("lang") || "").split("-")[0].toLowerCase();
  var language = (script.getAttribute("data-language") || pageLanguage || "en").toLowerCase();
  language = language === "es" ? "es" : "en";  // the two we speak
  var api = server + "/webhooks/web";
  var TOKEN_KEY = "iepn-token:" + server;
  var OPEN_KEY = "iepn-open:" + server;
  var LANGUAGE_KEY = "iepn-language:" + server;
  var SWITCH = '/switch_language{"language":"%s"}';
  var POLL_MS = 15000;
  var FULL_SCREEN = "(max-width: 480px), (max-height: 560px)";  // as in widget.css
  var URL_PATTERN = /https?:\/\/[^\s<>"'\u201c\u201d]+/g;
  var SVG = "http://www.w3.org/2000/svg";

  var words = {};
  // generation counts "Start over"s: an answer to a request made before one is dropped.
  var state = {token: null, next: 0, busy: false, polling: false, open: false, rendered: {}, generation: 0};
  var ui = {};
  var idCount = 0;

  // ---------------------------------------------------------------- small helpers

  function store(kind) {
    try {
      return kind === "local" ? window.localStorage : window.sessionStorage;
    } catch (e) {
      return null;  // storage blocked: the widget still works, it just forgets on reload
    }
  }

  function readStored(kind, key) {
    var s = store(kind);
    try { return s ? s.getItem(key) : null; } catch (e) { return null; }
  }

  function writeStored(kind, key, value) {
    var s = store(kind);
    try {
      if (!s) { return; }
      if (value === null) { s.removeItem(key); } else { s.setItem(key, value); }
    } catch (e) { /* full or blocked: nothing to do */ }
  }

  function el(tag, className, attrs) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (attrs) {
      Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    }
    return node;
  }

  function newId(stem) {
    idCount += 1;
    return "iepn-" + stem + "-" + idCount;
  }

  function word(key) {
    return typeof words[key] === "string" ? words[key] : "";
  }

  function safeUrl(value) {
    try {
      var parsed = new URL(String(value), document.baseURI);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function icon(paths, className) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", className);
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // Text with its http(s) URLs turned into links. Only text nodes and <a> elements are made.
  function linkified(text, parent) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var url = match[0].replace(/[.,;:!?)\]}'"]+$/, "");
      var href = safeUrl(url);
      if (!href) { continue; }
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var link = el("a", "iepn-link", {href: href, rel: "noopener noreferrer"});
      link.textContent = url;
      parent.appendChild(link);
      last = match.index + url.length;
      URL_PATTERN.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }

  // ---------------------------------------------------------------- talking to the server

  function request(method, path, body) {
    var headers = {"Accept": "application/json"};
    if (state.token) { headers.Authorization = "Bearer " + state.token; }
    var options = {method: method, headers: headers, credentials: "omit", cache: "no-store", mode: "cors"};
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var sep = path.indexOf("?") === -1 ? "?" : "&";
    return fetch(api + path + sep + "language=" + encodeURIComponent(language), options).then(function (response) {
      return response.text().then(function (raw) {
        var data = null;
        try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
        return {ok: response.ok, status: response.status, data: data || {}};
      });
    });
  }

  function keepToken(token) {
    if (typeof token === "string" && token) {
      state.token = token;
      writeStored("local", TOKEN_KEY, token);
    }
  }

  function forgetConversation() {
    state.generation += 1;
    state.token = null;
    state.next = 0;
    writeStored("local", TOKEN_KEY, null);
    clearLog();
  }

  // ---------------------------------------------------------------- building the widget

  function build() {
    var root = el("div", "iepn-root", {id: "iepn-root", lang: language, hidden: ""});

    var launcher = el("button", "iepn-launcher", {type: "button", "aria-expanded": "false",
                                                   "aria-controls": "iepn-panel"});
    launcher.appendChild(icon(["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"],
                              "iepn-icon iepn-launcher-icon"));
    var launcherText = el("span", "iepn-launcher-text");
    launcherText.textContent = word("launcher");
    launcher.appendChild(launcherText);

    var panel = el("div", "iepn-panel", {id: "iepn-panel", role: "dialog", "aria-labelledby": "iepn-title",
                                          "aria-describedby": "iepn-subtitle", hidden: ""});

    var header = el("div", "iepn-header");
    var heading = el("div", "iepn-heading");
    var title = el("h2", "iepn-title", {id: "iepn-title"});
    title.textContent = word("title");
    var subtitle = el("p", "iepn-subtitle", {id: "iepn-subtitle"});
    subtitle.textContent = word("subtitle");
    heading.appendChild(title);
    heading.appendChild(subtitle);
    var actions = el("div", "iepn-header-actions");
    var other = el("button", "iepn-language", {type: "button"});
    var restart = el("button", "iepn-restart", {type: "button"});
    restart.textContent = word("new_chat");
    var close = el("button", "iepn-close", {type: "button", "aria-label": word("close")});
    close.appendChild(icon(["M6 6l12 12", "M18 6L6 18"], "iepn-icon iepn-close-icon"));
    actions.appendChild(restart);
    actions.appendChild(other);
    actions.appendChild(close);
    header.appendChild(heading);
    header.appendChild(actions);

    // The log is made once and never re-created, so screen readers keep announcing into it.
    var log = el("div", "iepn-log", {id: "iepn-log", role: "log", "aria-live": "polite",
                                      "aria-labelledby": "iepn-title", tabindex: "0"});

    var typing = el("div", "iepn-typing", {role: "status"});

    var form = el("form", "iepn-form", {novalidate: ""});
    var label = el("label", "iepn-label", {"for": "iepn-input"});
    label.textContent = word("input_label");
    var row = el("div", "iepn-input-row");
    var input = el("textarea", "iepn-input", {id: "iepn-input", rows: "1", autocomplete: "off",
                                               "aria-describedby": "iepn-hint iepn-error"});
    var send = el("button", "iepn-send", {type: "submit"});
    send.appendChild(icon(["M3 11l18-8-8 18-2-8z"], "iepn-icon iepn-send-icon"));
    var sendText = el("span", "iepn-send-text");
    sendText.textContent = word("send");
    send.appendChild(sendText);
    row.appendChild(input);
    row.appendChild(send);
    var hint = el("p", "iepn-hint", {id: "iepn-hint"});
    hint.textContent = word("input_hint");
    var error = el("p", "iepn-error", {id: "iepn-error", role: "alert"});
    form.appendChild(label);
    form.appendChild(row);
    form.appendChild(error);
    form.appendChild(hint);

    var announce = el("div", "iepn-sr-only", {role: "status"});

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(form);
    panel.appendChild(announce);
    root.appendChild(launcher);
    root.appendChild(panel);

    ui = {root: root, launcher: launcher, panel: panel, log: log, typing: typing, form: form, input: input,
          error: error, announce: announce, restart: restart, close: close, other: other};
    // Every label with its word, so a change of language relabels the widget in place.
    ui.labels = [[launcherText, "launcher"], [title, "title"], [subtitle, "subtitle"], [restart, "new_chat"],
                 [close, "close", "aria-label"], [label, "input_label"], [sendText, "send"], [hint, "input_hint"],
                 [other, "other_language"]];  // its own name, in its own language (lang below): no aria-label
    relabel();
    other.addEventListener("click", switchLanguage);

    launcher.addEventListener("click", function () { setOpen(!state.open, true); });
    close.addEventListener("click", function () { setOpen(false, true); });
    restart.addEventListener("click", startOver);
    root.addEventListener("keydown", function (event) {
      if ((event.key === "Escape" || event.key === "Esc") && state.open) {
        event.preventDefault();
        setOpen(false, true);
      } else if (event.key === "Tab" && state.open && fullScreen()) {
        keepFocusInside(event);
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      sendTyped();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        sendTyped();
      }
    });
    input.addEventListener("input", fitInput);

    clearLog();
    document.body.appendChild(root);
  }

  // A full-screen panel hides the page behind it, so Tab goes round the panel instead of to hidden links.
  function fullScreen() {
    return Boolean(window.matchMedia && window.matchMedia(FULL_SCREEN).matches);
  }

  function keepFocusInside(event) {
    var items = Array.prototype.filter.call(
      ui.panel.querySelectorAll("button, a[href], textarea, [tabindex='0']"),
      function (item) { return !item.disabled && item.getClientRects().length > 0; });
    if (!items.length) { return; }
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  function fitInput() {
    var input = ui.input;
    input.style.height = "auto";
    input.style.height = input.scrollHeight + 2 + "px";  // CSS caps it with max-height, then it scrolls
  }

  // ---------------------------------------------------------------- the conversation log

  function clearLog() {
    while (ui.log.firstChild) { ui.log.removeChild(ui.log.firstChild); }
    state.rendered = {};
    ui.log.appendChild(messageNode({from: "bot", text: word("welcome"), buttons: [], letter: null}, true));
  }

  function messageNode(message, isWelcome) {
    var fromParent = message.from === "parent";
    var node = el("div", "iepn-msg " + (fromParent ? "iepn-msg-parent" : "iepn-msg-bot"));
    if (isWelcome) { node.className += " iepn-msg-welcome"; }
    if (typeof message.index === "number") { node.setAttribute("data-index", String(message.index)); }
    var who = el("span", "iepn-sr-only");
    who.textContent = word(fromParent ? "you" : "assistant") + " ";
    node.appendChild(who);
    var text = typeof message.text === "string" ? message.text : "";
    if (text.trim()) {
      var bubble = el("div", "iepn-bubble");
      if (fromParent) {
        bubble.textContent = text;  // a parent's own words are never turned into links
      } else {
        linkified(text, bubble);
      }
      node.appendChild(bubble);
    }
    if (!fromParent && message.letter) { node.appendChild(letterNode(message.letter)); }
    if (!fromParent && message.buttons && message.buttons.length) { node.appendChild(choicesNode(message.buttons)); }
    return node;
  }

  function letterNode(letter) {
    var headingId = newId("letter");
    // A parent's Spanish copy follows the English letter the school gets: its own heading and language.
    var section = el("section", "iepn-letter" + (letter.copy ? " iepn-letter-copy" : ""),
                     {"aria-labelledby": headingId, lang: letter.language || "en"});
    var heading = el("h3", "iepn-letter-heading", {id: headingId});
    heading.textContent = word(letter.copy ? "letter_copy_heading" : "letter_heading");
    section.appendChild(heading);
    var fullText = letter.text || "";
    var subjectInText = Boolean(letter.subject) && fullText.indexOf(letter.subject) !== -1;
    if (letter.subject && !subjectInText) {  // most letters open with their own subject line
      var subject = el("p", "iepn-letter-subject");
      subject.textContent = letter.subject;
      section.appendChild(subject);
    }
    var body = el("div", "iepn-letter-text");
    body.textContent = fullText;
    section.appendChild(body);

    var actions = el("div", "iepn-letter-actions");
    var copy = el("button", "iepn-button iepn-copy", {type: "button"});
    copy.textContent = word("copy");
    copy.addEventListener("click", function () {
      copyText(subjectInText ? fullText : [letter.subject, fullText].filter(Boolean).join("\n\n"), function () {
        copy.textContent = word("copied");
        say(word("copied"));
        window.setTimeout(function () { copy.textContent = word("copy"); }, 4000);
      });
    });
    actions.appendChild(copy);
    [["pdf", "download_pdf"], ["docx", "download_docx"]].forEach(function (kind) {
      var href = safeUrl(letter[kind[0]]);
      if (!href) { return; }
      // Same tab, no download attribute: the file comes as an attachment, so the page (and this chat)
      // stays put; an expired link shows the link server's kind page instead of saving it as a file.
      var link = el("a", "iepn-button iepn-download iepn-download-" + kind[0], {href: href,
                                                                               rel: "noopener noreferrer"});
      link.appendChild(icon(["M12 4v11", "M7 10l5 5 5-5", "M5 20h14"], "iepn-icon iepn-download-icon"));
      var text = el("span");
      text.textContent = word(kind[1]);
      link.appendChild(text);
      actions.appendChild(link);
    });
    section.appendChild(actions);
    return section;
  }

  function copyText(text, done) {
    function fallback() {
      var area = el("textarea", "iepn-offscreen", {readonly: "", "aria-hidden": "true", tabindex: "-1"});
      area.value = text;
      ui.root.appendChild(area);
      var focused = document.activeElement;
      area.focus();
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      ui.root.removeChild(area);
      if (focused && focused.focus) { focused.focus(); }
      if (ok) { done(); }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  function choicesNode(buttons) {
    var group = el("div", "iepn-choices", {role: "group", "aria-label": word("choices_label")});
    buttons.forEach(function (choice) {
      if (!choice || !choice.payload) { return; }
      var button = el("button", "iepn-button iepn-choice", {type: "button"});
      button.textContent = choice.title || "";
      button.addEventListener("click", function () { choose(choice); });
      group.appendChild(button);
    });
    return group;
  }

  // Only the buttons offered since the parent last spoke are live.
  function dropChoices() {
    var groups = ui.log.querySelectorAll(".iepn-choices");
    Array.prototype.forEach.call(groups, function (group) { group.parentNode.removeChild(group); });
  }

  function say(text) {
    ui.announce.textContent = "";
    window.setTimeout(function () { ui.announce.textContent = text; }, 50);
  }

  // Adds messages the log has not shown yet, in order; returns the first new node.
  function render(messages, pending) {
    var first = null;
    (messages || []).forEach(function (message) {
      if (typeof message.index === "number" && state.rendered[message.index]) { return; }
      var node;
      if (message.from === "parent") {
        dropChoices();
        if (pending && pending.parentNode) {
          node = pending;  // the bubble shown while sending becomes the real message: no second announcement
          pending = null;
          node.setAttribute("data-index", String(message.index));
          node.classList.remove("iepn-pending");
          var bubble = node.querySelector(".iepn-bubble");
          if (bubble && bubble.textContent !== message.text) { bubble.textContent = message.text; }
        }
      }
      if (!node) {
        node = messageNode(message, false);
        ui.log.appendChild(node);
      }
      if (typeof message.index === "number") { state.rendered[message.index] = true; }
      first = first || node;
    });
    if (pending && pending.parentNode) { pending.parentNode.removeChild(pending); }
    return first;
  }

  // Shows the start of what just arrived; a long reply is read from its top, not its end.
  function reveal(first) {
    var log = ui.log;
    var target = log.scrollHeight;
    if (first && first.offsetTop + log.clientHeight < log.scrollHeight) {
      target = Math.max(0, first.offsetTop - 8);
    }
    if (log.scrollTo && !reducedMotion()) {
      log.scrollTo({top: target, behavior: "smooth"});
    } else {
      log.scrollTop = target;
    }
  }

  function setTyping(on) {
    var typing = ui.typing;
    while (typing.firstChild) { typing.removeChild(typing.firstChild); }
    typing.classList.toggle("iepn-typing-on", on);
    if (!on) { return; }
    var dots = el("span", "iepn-dots", {"aria-hidden": "true"});
    for (var i = 0; i < 3; i += 1) { dots.appendChild(el("span", "iepn-dot")); }
    var text = el("span", "iepn-typing-text");
    text.textContent = word("typing");
    typing.appendChild(dots);
    typing.appendChild(text);
  }

  function showError(text) {
    ui.error.textContent = text || "";
    ui.form.classList.toggle("iepn-has-error", Boolean(text));
    if (text) { ui.input.setAttribute("aria-invalid", "true"); } else { ui.input.removeAttribute("aria-invalid"); }
  }

  // ---------------------------------------------------------------- what the parent does

  function setOpen(open, moveFocus) {
    state.open = open;
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", open ? "true" : "false");
    ui.root.classList.toggle("iepn-is-open", open);
    writeStored("session", OPEN_KEY, open ? "1" : "0");
    if (open) {
      reveal(null);
      if (moveFocus) { ui.input.focus(); }
      poll();
    } else if (moveFocus) {
      ui.launcher.focus();
    }
  }

  function relabel() {
    ui.root.setAttribute("lang", language);
    ui.other.setAttribute("lang", language === "es" ? "en" : "es");  // named in the language it switches to
    ui.labels.forEach(function (item) {
      if (item[2]) { item[0].setAttribute(item[2], word(item[1])); } else { item[0].textContent = word(item[1]); }
    });
    var welcome = ui.log.querySelector(".iepn-msg-welcome");
    if (welcome) {
      ui.log.replaceChild(messageNode({from: "bot", text: word("welcome"), buttons: [], letter: null}, true), welcome);
    }
  }

  function loadWords(wanted) {
    var before = language;
    language = wanted;
    return request("GET", "/strings").then(function (result) {
      if (!result.ok || !result.data.strings) { throw new Error(String(result.status)); }
      words = result.data.strings;
      writeStored("session", LANGUAGE_KEY, language);
    }, function (problem) { language = before; throw problem; });
  }

  // The words around the conversation follow the conversation's language, as the server reports it.
  function followLanguage(reported) {
    if ((reported !== "en" && reported !== "es") || reported === language) { return; }
    loadWords(reported).then(relabel, function () { /* keep the words we have */ });
  }

  function switchLanguage() {
    if (state.busy) { return; }
    var wanted = language === "es" ? "en" : "es";
    if (!state.token) {  // nothing said yet: only the widget's own words change; the first message carries it
      loadWords(wanted).then(relabel, function () { showError(word("error_network")); });
      return;
    }
    var title = ui.other.textContent;
    deliver({payload: SWITCH.replace("%s", wanted), title: title}, title, false);
  }

  function startOver() {
    forgetConversation();
    showError("");
    ui.input.focus();
  }

  function sendTyped() {
    var text = ui.input.value;
    if (!text.trim() || state.busy) { return; }  // nothing to send, or a second Enter while the first is out
    deliver({text: text}, text, true);
  }

  function choose(choice) {
    if (state.busy) { return; }
    ui.input.focus();  // before the buttons go, so focus never falls back to the page
    deliver({payload: choice.payload, title: choice.title || ""}, choice.title || "", false);
  }

  function deliver(body, shown, typed) {
    body.language = language;  // where the parent is now; the reply says where the conversation went
    state.busy = true;
    showError("");
    var parked = Array.prototype.slice.call(ui.log.querySelectorAll(".iepn-choices"));
    parked.forEach(function (group) { group.hidden = true; });  // back if the message does not get through
    var pending = messageNode({from: "parent", text: shown, buttons: [], letter: null}, false);
    pending.classList.add("iepn-pending");
    ui.log.appendChild(pending);
    if (typed) {
      ui.input.value = "";
      fitInput();
    }
    reveal(pending);
    setTyping(true);

    function failed(message) {
      if (pending.parentNode) { pending.parentNode.removeChild(pending); }
      parked.forEach(function (group) { group.hidden = false; });
      if (typed) {  // nothing is lost: the words go back in the box, ahead of anything typed since
        var now = ui.input.value;
        ui.input.value = now && now !== body.text ? body.text + "\n" + now : body.text;
        fitInput();
      }
      showError(message || word("error_network"));
    }

    var generation = state.generation;
    var hadConversation = Object.keys(state.rendered).length > 0;
    request("POST", "/messages", body).then(function (result) {
      var data = result.data;
      if (generation !== state.generation) { return; }
      keepToken(data.token);
      if (!result.ok) {
        failed(typeof data.message === "string" ? data.message : "");
        return;
      }
      if (data.new_conversation && hadConversation) {  // the server did not know our old one: show the new one
        var keep = pending;
        clearLog();
        ui.log.appendChild(keep);
      }
      parked.forEach(function (group) { if (group.parentNode) { group.parentNode.removeChild(group); } });
      var first = render(data.messages, pending);
      if (typeof data.next === "number") { state.next = Math.max(state.next, data.next); }
      reveal(first);
      followLanguage(data.language);
    }, function () {
      if (generation === state.generation) { failed(""); }
    }).then(function () {
      state.busy = false;
      setTyping(false);
    });
  }

  // Reads what the server has that the log does not: the history after a reload, reminders since.
  function poll(first) {
    if (!state.token || state.polling || (state.busy && !first)) { return Promise.resolve(); }
    state.polling = true;
    var generation = state.generation;
    return request("GET", "/messages?after=" + state.next).then(function (result) {
      var data = result.data;
      if (generation !== state.generation) { return; }
      if (result.status === 401) {  // the server no longer knows this conversation
        forgetConversation();
        return;
      }
      if (!result.ok) { return; }
      if (data.reset) {  // the parent asked to delete their data: the log starts again
        clearLog();
        state.next = 0;
      }
      var node = render(data.messages, null);
      if (typeof data.next === "number") { state.next = data.next; }
      if (node) { reveal(first ? null : node); }
    }, function () { /* offline for now: the next poll tries again */ }).then(function () {
      state.polling = false;
    });
  }

  function startPolling() {
    window.setInterval(function () {
      if (state.open && document.visibilityState !== "hidden") { poll(); }
    }, POLL_MS);
    document.addEventListener("visibilitychange", function () {
      if (state.open && document.visibilityState === "visible") { poll(); }
    });
  }

  // ---------------------------------------------------------------- start

  function loadStyles() {
    return new Promise(function (resolve) {
      var href = api + "/widget.css";
      var existing = document.querySelector("link[href='" + href + "']");
      if (existing) { resolve(); return; }
      var link = el("link", null, {rel: "stylesheet", href: href});
      link.addEventListener("load", function () { resolve(); });
      link.addEventListener("error", function () { resolve(); });
      document.head.appendChild(link);
    });
  }

  function start() {
    state.token = readStored("local", TOKEN_KEY);
    var kept = readStored("session", LANGUAGE_KEY);  // a reload keeps the language the parent was in
    if (kept === "en" || kept === "es") { language = kept; }
    var styles = loadStyles();
    var strings = request("GET", "/strings").then(function (result) {
      if (!result.ok || !result.data.strings) { throw new Error(String(result.status)); }
      words = result.data.strings;
      if (result.data.language) { language = result.data.language; }
    });
    Promise.all([styles, strings]).then(function () {
      build();
      var history = state.token ? poll(true) : Promise.resolve();
      return history.then(function () {
        ui.root.hidden = false;
        if (readStored("session", OPEN_KEY) === "1") { setOpen(true, false); }
        startPolling();
      });
    }).catch(function (problem) {
      // Without its words the widget cannot speak to a parent; the host page carries on without it.
      if (window.console) { window.console.warn("iepn", api + "/strings", problem); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
