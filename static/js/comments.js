// The small script of the discussion pages (loaded with defer: the page is complete
// without it).
//
// Replying in place. Without this script (or when signed out) the Reply link opens the reply
// page, which works everywhere; with it, a signed-in reader gets the same form under the
// comment. The form is a copy of the page's own comment form, CSRF token included.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest(".comment > article > footer a[href$='/reply/']");
  var template = document.querySelector("form.comment-form[data-new-comment]");
  if (!link || !template || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  var box = link.closest("article");
  var open = box.querySelector("form.comment-form");
  if (open) { open.querySelector("textarea").focus(); return; }
  var id = link.getAttribute("href").split("/").slice(-3)[0];
  var form = template.cloneNode(true);
  form.removeAttribute("data-new-comment");
  form.classList.add("comment-form--reply");
  form.querySelectorAll("[id]").forEach(function (element) {
    element.id = element.id.replace("new-comment-", "reply-" + id + "-");
  });
  form.querySelectorAll("label[for]").forEach(function (label) {
    label.htmlFor = label.htmlFor.replace("new-comment-", "reply-" + id + "-");
  });
  form.querySelectorAll("[aria-describedby]").forEach(function (element) {
    element.setAttribute("aria-describedby",
      element.getAttribute("aria-describedby").replace("new-comment-", "reply-" + id + "-"));
  });
  // Like the reply page: "Reply to <name>" and the comment it answers, quoted (copied from
  // the page's own markup, so nothing is parsed from text).
  var to = document.createElement("p");
  to.className = "comment-form__to";
  to.id = "reply-" + id + "-to";
  to.append("Reply to ", box.querySelector("header > b > bdi").cloneNode(true));
  var quoted = document.createElement("blockquote");
  quoted.className = "comment-context";
  var words = box.querySelector(":scope > div").cloneNode(true);
  words.className = "comment__body";
  quoted.appendChild(words);
  form.prepend(to, quoted);
  form.setAttribute("aria-labelledby", to.id);
  form.querySelector("textarea").value = "";
  form.querySelector("input[name=parent]").value = id;
  form.querySelector("button[type=submit]").textContent = "Post reply";
  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "link-button";
  cancel.textContent = "Cancel";
  cancel.addEventListener("click", function () { form.remove(); link.focus(); });
  form.appendChild(cancel);
  box.appendChild(form);
  form.querySelector("textarea").focus();
});

// Times. The page says when a comment was written ("1 Jun 2021, 14:05" in <time datetime>),
// the same bytes for every reader at any moment, so it can be cached; here it becomes
// "3 minutes ago · 14:05" (the time of day stays in sight: touch screens have no tooltip;
// the day too once it is not today), the exact time kept as its tooltip, refreshed every
// minute. Past 30 days the date itself says more, and stays.
(function () {
  var units = [["minute", 60, 60], ["hour", 3600, 24], ["day", 86400, 30]];
  function ago(seconds) {
    if (seconds < 60) return "just now";
    for (var i = 0; i < units.length; i++) {
      var count = Math.floor(seconds / units[i][1]);
      if (count < units[i][2]) return count + " " + units[i][0] + (count === 1 ? "" : "s") + " ago";
    }
    return null;
  }
  function refresh() {
    var now = Date.now();
    document.querySelectorAll(".comment > article > header time[datetime], .comment-context time[datetime]").forEach(function (time) {
      if (!time.title) time.title = time.textContent;
      var seconds = Math.max(0, (now - Date.parse(time.getAttribute("datetime"))) / 1000);
      var relative = ago(seconds), written = new Date(time.getAttribute("datetime"));
      var clock = time.title.slice(time.title.lastIndexOf(" ") + 1);
      var today = written.toDateString() === new Date(now).toDateString();
      time.textContent = relative ? relative + " · " + (today ? clock : time.title) : time.title;
    });
  }
  refresh();
  setInterval(refresh, 60000);
  document.addEventListener("comments:added", refresh);
})();

// The Edit link of one's own comment is offered while the comment may still be edited
// (data-until, the end of that window); it goes away then, as the page would be written then.
function expireEditLinks(root) {
  root.querySelectorAll("a[data-until]").forEach(function (link) {
    var left = Date.parse(link.getAttribute("data-until")) - Date.now();
    setTimeout(function () { link.remove(); }, Math.max(0, Math.min(left, 2147483647)));
  });
}
expireEditLinks(document);
document.addEventListener("comments:added", function (event) { expireEditLinks(event.detail); });

// A long comment's "Read more" (comments/markup.py folds those that may run past twelve
// lines on a phone) is taken away where the words fit anyway, as on a wide screen.
function unfoldShortComments(root) {
  root.querySelectorAll(".comment > article > div + details").forEach(function (fold) {
    var words = fold.previousElementSibling;
    if (words.scrollHeight <= words.clientHeight + 1) { fold.remove(); }
  });
}
unfoldShortComments(document);
document.addEventListener("comments:added", function (event) { unfoldShortComments(event.detail); });


// Posting, replying, recommending and flagging in place. The forms post as they would without
// this script, asking for JSON (comments/in_place.py says what comes back); the page is not
// reloaded. A refusal (a form error, a banned word, 429 with Retry-After) and the community
// rules' nudge are shown in the form, whose text stays as typed; a comment that waits for a
// moderator says so. An answer that is not JSON (signed out meanwhile, an expired CSRF token)
// sends the form the ordinary way, so the server's own page says what happened.
var inPlace = (function () {
  function send(form, data) {
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"Accept": "application/json"},
    }).then(function (response) {
      if ((response.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
        HTMLFormElement.prototype.submit.call(form);
        return null;
      }
      return response.json().then(function (answer) {
        answer.retryAfter = Number(response.headers.get("Retry-After")) || 0;
        return answer;
      });
    });
  }

  function element(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    return holder.firstElementChild;
  }

  // What the form has to say (an error, the nudge, a notice): above its fields, announced.
  function say(form, html, className, role) {
    form.querySelectorAll(".in-place").forEach(function (old) { old.remove(); });
    var box = document.createElement("div");
    box.className = "in-place " + className;
    box.setAttribute("role", role || "alert");
    box.innerHTML = html;
    form.insertBefore(box, form.firstChild);
    return box;
  }

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function refusal(form, answer) {
    var items = (answer.errors || []).map(function (error) { return "<li>" + escapeText(error) + "</li>"; });
    say(form, '<ul class="errorlist">' + items.join("") + "</ul>", "form-errors");
    var button = form.querySelector("button[type=submit]");
    if (answer.retryAfter && button) {  // 429: the button comes back when the wait is over
      button.disabled = true;
      setTimeout(function () { button.disabled = false; }, answer.retryAfter * 1000);
    }
  }

  function added(node) {
    document.dispatchEvent(new CustomEvent("comments:added", {detail: node}));
  }

  function setCount(count) {
    var section = document.getElementById("comments");
    if (!section || count === undefined) return;
    section.setAttribute("data-count", count);
    var heading = document.getElementById("comments-heading");
    if (heading) heading.textContent = count + " comment" + (count === 1 ? "" : "s");
  }

  // A posted comment goes where the discussion shows it: under the comment it answers, or as
  // a new thread (first in the newest order, else last).
  function place(answer) {
    var item = element(answer.html);
    var parent = answer.parent && document.getElementById("comment-" + answer.parent);
    if (answer.parent && !parent) { window.location.assign(answer.location); return null; }
    if (parent) {
      var replies = parent.querySelector(":scope > ol");
      if (!replies) { replies = document.createElement("ol"); parent.appendChild(replies); }
      replies.appendChild(item);
    } else {
      var section = document.getElementById("comments");
      var threads = section.querySelector(".threads");
      if (!threads) {
        threads = document.createElement("ol");
        threads.className = "threads";
        var empty = section.querySelector(":scope > .empty");
        if (empty) empty.remove();
        section.appendChild(threads);
      }
      var holder = document.createElement("li");
      holder.className = "thread";
      holder.appendChild(document.createElement("ol")).appendChild(item);
      var newest = section.querySelector(".discussion__sort a[aria-current][href*='sort=newest']");
      threads.insertBefore(holder, newest ? threads.firstChild : null);
    }
    item.classList.add("comment--new");
    added(item);
    var article = item.querySelector("article") || item;
    article.setAttribute("tabindex", "-1");
    article.focus();
    return item;
  }

  function posted(form, answer) {
    var reply = form.classList.contains("comment-form--reply");
    if (answer.result === "nudge") {
      say(form, answer.html, "", "none");
      var confirmed = form.querySelector("input[name=confirmed]");
      if (confirmed) confirmed.value = "1";
      form.querySelector("button[type=submit]").textContent = "Post anyway";
      form.querySelector("textarea").focus();
      return;
    }
    if (answer.result === "refused") { refusal(form, answer); return; }
    var textarea = form.querySelector("textarea");
    textarea.value = "";
    var confirmed = form.querySelector("input[name=confirmed]");
    if (confirmed) confirmed.value = "";
    form.querySelector("button[type=submit]").textContent = reply ? "Post reply" : "Post comment";
    if (answer.result === "held") {
      var notice = document.createElement("p");
      notice.className = "notice in-place-notice";
      notice.setAttribute("role", "status");
      notice.textContent = answer.message;
      form.querySelectorAll(".in-place").forEach(function (old) { old.remove(); });
      form.parentNode.insertBefore(notice, form);
      if (reply) form.remove();
      return;
    }
    form.querySelectorAll(".in-place").forEach(function (old) { old.remove(); });
    setCount(answer.count);
    if (place(answer) && reply) form.remove();
  }

  function failed(form) {
    say(form, "<p>It could not be sent: check your connection and try again. Your text is still here.</p>",
        "form-errors");
  }

  function busy(form, sending) {
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = sending;
    form.setAttribute("aria-busy", sending ? "true" : "false");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.fetch || !form.matches("#comments form.comment-form, #comments form[data-flag]")) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    busy(form, true);
    send(form, new FormData(form)).then(function (answer) {
      busy(form, false);
      if (!answer) return;
      if (form.hasAttribute("data-flag")) flagged(form, answer);
      else posted(form, answer);
    }, function () { busy(form, false); failed(form); });
  }, true);  // captured: a form stops "submit" bubbling from forms inside it (the discussion's)

  // Recommend and withdraw: the discussion's one form, with the button pressed.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(
      "#comments button[name=recommend], #comments button[name=withdraw]");
    if (!button || !window.fetch || button.hasAttribute("formaction")) return;
    event.preventDefault();
    var form = button.form;
    var data = new FormData(form);
    data.append(button.name, button.value);
    button.disabled = true;
    send(form, data).then(function (answer) {
      if (!answer) return;
      var article = document.querySelector("#comment-" + button.value + " > article");
      if (answer.result === "done" && article) {
        var fresh = element(answer.html).querySelector("article");
        article.replaceWith(fresh);
        added(fresh);
        var again = fresh.querySelector("button[name=recommend], button[name=withdraw]");
        if (again) again.focus();
      } else {
        button.disabled = false;
        refusal(article || form, answer);
      }
    }, function () { button.disabled = false; });
  });

  // Flag: the flag page's form opens under the comment.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#comments .comment a[href$='/flag/']");
    if (!link || !window.fetch || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    var box = link.closest("article");
    var open = box.querySelector("form[data-flag]");
    if (open) { open.querySelector("input, textarea").focus(); return; }
    fetch(link.href, {credentials: "same-origin"}).then(function (response) {
      return response.text().then(function (text) { return {response: response, text: text}; });
    }).then(function (got) {
      var page = new DOMParser().parseFromString(got.text, "text/html");
      var form = page.querySelector("main form .flag-reasons") && page.querySelector("main form .flag-reasons").closest("form");
      if (!got.response.ok || !form) { window.location.assign(link.href); return; }
      form = document.importNode(form, true);
      form.action = link.href;
      form.setAttribute("data-flag", "");
      form.classList.add("flag-form");
      var cancel = form.querySelector("a[href]");
      if (cancel) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        button.textContent = "Cancel";
        button.addEventListener("click", function () { form.remove(); link.focus(); });
        cancel.replaceWith(button);
      }
      box.appendChild(form);
      form.querySelector("input").focus();
    }, function () { window.location.assign(link.href); });
  });

  function flagged(form, answer) {
    if (answer.result === "refused") { refusal(form, answer); return; }
    var notice = document.createElement("p");
    notice.className = "notice in-place-notice";
    notice.setAttribute("role", "status");
    notice.textContent = answer.message;
    form.replaceWith(notice);
  }

  return {added: added};
})();

// "N new comments": an open discussion asks now and then (and when its tab is shown again) for
// the public count, a few bytes that the page cache and shared caches serve (and answer 304
// while nothing moved). New ones show on click: the discussion is read again in place, what
// the reader was writing kept, the new comments marked.
(function () {
  var EVERY = 30000;
  function section() { return document.getElementById("comments"); }
  if (!window.fetch || !section() || !section().getAttribute("data-activity")) return;

  function bar(count) {
    var here = section();
    var shown = Number(here.getAttribute("data-count"));
    var line = here.querySelector(".new-comments");
    if (count <= shown) { if (line) line.remove(); return; }
    if (!line) {
      line = document.createElement("p");
      line.className = "new-comments";
      line.setAttribute("role", "status");
      line.appendChild(document.createElement("button")).type = "button";
      line.firstChild.className = "button";
      line.firstChild.addEventListener("click", show);
      var heading = document.getElementById("comments-heading");
      heading.parentNode.insertBefore(line, heading.nextSibling);
    }
    var more = count - shown;
    line.firstChild.textContent = more + " new comment" + (more === 1 ? "" : "s") + ": show";
  }

  function poll() {
    if (document.hidden || !section()) return;
    fetch(section().getAttribute("data-activity"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (activity) { if (activity) bar(activity.count); }, function () {});
  }

  function show() {
    var old = section();
    fetch(window.location.pathname + window.location.search, {credentials: "same-origin", cache: "no-cache"})
      .then(function (response) { return response.text(); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html").getElementById("comments");
        if (!fresh) { window.location.reload(); return; }
        fresh = document.importNode(fresh, true);
        var seen = {};
        old.querySelectorAll(".comment[id]").forEach(function (item) { seen[item.id] = true; });
        // What the reader was writing stays: the new comment's text, and open reply forms.
        var writing = old.querySelector("form[data-new-comment] textarea");
        var into = fresh.querySelector("form[data-new-comment] textarea");
        if (writing && into) into.value = writing.value;
        old.querySelectorAll("form.comment-form--reply").forEach(function (form) {
          var comment = form.closest(".comment");
          var place = comment && fresh.querySelector("#" + comment.id + " > article");
          if (place) place.appendChild(form);
        });
        var first = null;
        fresh.querySelectorAll(".comment[id]").forEach(function (item) {
          if (seen[item.id]) return;
          item.classList.add("comment--new");
          first = first || item;
        });
        old.replaceWith(fresh);
        inPlace.added(fresh);
        var target = (first && first.querySelector("article")) || document.getElementById("comments-heading");
        target.setAttribute("tabindex", "-1");
        target.focus();
      }, function () { window.location.reload(); });
  }

  setInterval(poll, EVERY);
  document.addEventListener("visibilitychange", poll);
})();
